/**
 * The per-container supervisor: a tiny Node program the process runtime starts (detached, in
 * its own session, with an empty environment) for each run of a container. It claims the run,
 * starts the container's process with exactly the environment the runtime resolved from the pod
 * spec, sends its stdout and stderr to the container's log file, and records how it ended, so
 * that a runtime started later (after a crash or a restart of `jobctl controller`) finds the
 * result, as a kubelet finds its containers in the container runtime after its own restart.
 *
 * It is plain CommonJS kept as text, written next to the runs it supervises at start-up: it must
 * run with nothing but `node` (no loader, no bundle, no package), whatever runs the runtime.
 *
 * The files of one run, in its directory (`podJournal.ts` reads them):
 *
 *     spec.json      written by the runtime before it starts the supervisor: argv, env, cwd, log file
 *     started.json   the claim, published with an exclusive link: {pid, bootId, startedAtMs}
 *                    (or {abandoned: true} from a runtime that gave up on a run nobody claimed)
 *     container.json the container's process group: {pgid}
 *     exit.json      how the container ended: {exitCode, finishedAtMs} or a start error
 *
 * Signals to the supervisor: SIGTERM is passed on to the container's process group, SIGUSR2
 * kills the group (SIGKILL cannot be passed on). With `attached` the supervisor also kills the
 * container when its stdin (a pipe from the runtime) closes: the runtime is gone.
 */
export const SUPERVISOR_SOURCE = String.raw`'use strict'
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawn } = require('node:child_process')

const dir = process.argv[2]
const attached = process.argv[3] === 'attached'
const file = (name) => path.join(dir, name)

function publish(name, value, exclusive) {
  const temporary = file(name + '.' + process.pid + '.tmp')
  fs.writeFileSync(temporary, JSON.stringify(value), { mode: 0o600 })
  try {
    if (exclusive) fs.linkSync(temporary, file(name))
    else fs.renameSync(temporary, file(name))
  } finally {
    if (exclusive) fs.rmSync(temporary, { force: true })
  }
}

function bootId() {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
  } catch {
    return 'boot-' + Math.round((Date.now() - os.uptime() * 1000) / 60000)
  }
}

let child
let ended = false
let runtimeGone = false
/** A signal that came before the container was started, passed on once it is. */
let pending
const finish = (record) => {
  if (ended) return
  ended = true
  publish('exit.json', { ...record, finishedAtMs: Date.now() }, false)
  process.exit(0)
}
const signalGroup = (signal) => {
  if (child === undefined || child.pid === undefined) {
    if (pending !== 'SIGKILL') pending = signal
    return
  }
  try {
    process.kill(-child.pid, signal)
  } catch {}
}

process.on('SIGTERM', () => signalGroup('SIGTERM'))
process.on('SIGUSR2', () => signalGroup('SIGKILL'))
process.on('SIGINT', () => {})
process.on('SIGHUP', () => {})
if (attached) {
  process.stdin.on('data', () => {})
  process.stdin.on('close', () => {
    runtimeGone = true
    signalGroup('SIGKILL')
  })
}

// Handlers first, then the claim: a runtime signals a run once it sees it claimed.
const spec = JSON.parse(fs.readFileSync(file('spec.json'), 'utf8'))
try {
  publish('started.json', { pid: process.pid, bootId: bootId(), startedAtMs: Date.now() }, true)
} catch {
  // Claimed already: a restarted runtime gave up on this run, or another supervisor has it.
  process.exit(0)
}

let log
try {
  log = fs.openSync(spec.logFile, 'a', 0o600)
} catch (error) {
  finish({ exitCode: 127, startError: { code: String(error && error.code), message: 'cannot open the log file: ' + String(error && error.message) } })
}
try {
  child = spawn(spec.argv[0], spec.argv.slice(1), {
    env: spec.env,
    ...(spec.cwd !== undefined ? { cwd: spec.cwd } : {}),
    detached: true,
    stdio: ['ignore', log, log],
  })
} catch (error) {
  finish({ exitCode: 127, startError: { code: String(error && error.code), message: String(error && error.message) } })
}
fs.closeSync(log)
if (runtimeGone) signalGroup('SIGKILL')
else if (pending !== undefined) signalGroup(pending)
// The container's process group, for a runtime that finds this supervisor gone and the container not.
if (child.pid !== undefined) publish('container.json', { pgid: child.pid }, false)
child.once('error', (error) => {
  if (child.pid === undefined) finish({ exitCode: 127, startError: { code: String(error.code), message: String(error.message) } })
})
child.once('exit', (code, signal) => {
  // What the container left behind in its group ends with it, as a container's processes do.
  signalGroup('SIGKILL')
  finish({ exitCode: code !== null ? code : 128 + (os.constants.signals[signal] || 9) })
})
`
