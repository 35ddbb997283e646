/**
 * What the process runtime keeps on disk about the pods it runs, so that a runtime started later
 * knows what an earlier one left running: one directory per pod (by uid), holding each
 * container's log and one directory per run of a container, where the run's supervisor records
 * its claim and the exit (see `supervisorScript.ts` for the files).
 *
 *     ROOT/supervisor-VERSION.cjs
 *     ROOT/PODUID/CONTAINER.log            stdout and stderr of every run, appended
 *     ROOT/PODUID/KIND.CONTAINER.SEQ/      one run (KIND: init | app; SEQ counts from 0)
 */
import * as fs from 'node:fs'
import { createHash } from 'node:crypto'
import * as os from 'node:os'
import * as path from 'node:path'
import type { ContainerKind } from '../kubelet/podStatus.js'
import { SUPERVISOR_SOURCE } from './supervisorScript.js'

/** What `logs` shows of a container: the last 10 MiB, the kubelet's default `containerLogMaxSize`. */
export const DEFAULT_LOG_LIMIT_BYTES = 10 * 1024 * 1024

/** What the supervisor runs, and the container's restart count for the runtime that picks the run up. */
export interface RunSpec {
  readonly argv: readonly [string, ...string[]]
  readonly env: Readonly<Record<string, string>>
  readonly cwd?: string
  readonly logFile: string
  readonly restartCount: number
}

/** One run of a container. */
export interface RunRef {
  readonly dir: string
  readonly seq: number
}

/** Why a program could not be started (an errno code such as `ENOENT`). */
export interface StartError {
  readonly code: string
  readonly message: string
}

/** Where a run is, from its files. */
export type RunState =
  /** The runtime wrote the spec; no supervisor has claimed it (yet). */
  | { readonly _tag: 'Unclaimed' }
  /** A runtime gave up on it before any supervisor claimed it: it never ran. */
  | { readonly _tag: 'Abandoned' }
  /** A supervisor claimed it and has not recorded an exit. */
  | { readonly _tag: 'Claimed'; readonly pid: number; readonly bootId: string; readonly startedAtMs: number }
  | {
      readonly _tag: 'Exited'
      readonly startedAtMs: number
      readonly finishedAtMs: number
      readonly exitCode: number
      readonly startError?: StartError
    }

export const podDirectory = (root: string, uid: string): string => path.join(root, uid)

export const logFileOf = (root: string, uid: string, container: string): string => path.join(root, uid, `${container}.log`)

const runPrefix = (kind: ContainerKind, container: string): string => `${kind}.${container}.`

export function runRef(root: string, uid: string, kind: ContainerKind, container: string, seq: number): RunRef {
  return { dir: path.join(root, uid, `${runPrefix(kind, container)}${seq}`), seq }
}

/** The latest run of a container, if any was ever prepared. */
export function latestRun(root: string, uid: string, kind: ContainerKind, container: string): RunRef | undefined {
  const prefix = runPrefix(kind, container)
  let latest: number | undefined
  for (const entry of readdirOrEmpty(podDirectory(root, uid))) {
    if (!entry.startsWith(prefix)) continue
    const seq = Number(entry.slice(prefix.length))
    if (Number.isInteger(seq) && (latest === undefined || seq > latest)) latest = seq
  }
  return latest === undefined ? undefined : runRef(root, uid, kind, container, latest)
}

/** Every run of the pod's containers. */
export function runsOf(root: string, uid: string): ReadonlyArray<RunRef> {
  return readdirOrEmpty(podDirectory(root, uid)).flatMap((entry) => {
    const match = /^(?:init|app)\..+\.(\d+)$/.exec(entry)
    return match === null ? [] : [{ dir: path.join(podDirectory(root, uid), entry), seq: Number(match[1]) }]
  })
}

/** Whether the pod has a directory (an earlier runtime prepared at least one of its runs). */
export const hasPodDirectory = (root: string, uid: string): boolean => fs.existsSync(podDirectory(root, uid))

/** The uids of every pod with a directory. */
export function podUids(root: string): ReadonlyArray<string> {
  return readdirOrEmpty(root).filter((entry) => !entry.startsWith('supervisor-') && !entry.startsWith('.'))
}

export function removePodDirectory(root: string, uid: string): void {
  fs.rmSync(podDirectory(root, uid), { recursive: true, force: true })
}

function readdirOrEmpty(dir: string): ReadonlyArray<string> {
  try {
    return fs.readdirSync(dir)
  } catch {
    return []
  }
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'))
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

const numberOr = (value: unknown, fallback: number): number => (typeof value === 'number' ? value : fallback)

export function readRun(run: RunRef): RunState {
  const claim = readJson(path.join(run.dir, 'started.json'))
  if (claim === undefined) return { _tag: 'Unclaimed' }
  if (claim['abandoned'] === true) return { _tag: 'Abandoned' }
  const startedAtMs = numberOr(claim['startedAtMs'], 0)
  const exit = readJson(path.join(run.dir, 'exit.json'))
  if (exit !== undefined) {
    const startError = exit['startError'] as Record<string, unknown> | undefined
    return {
      _tag: 'Exited',
      startedAtMs,
      finishedAtMs: numberOr(exit['finishedAtMs'], startedAtMs),
      exitCode: numberOr(exit['exitCode'], 137),
      ...(startError !== undefined ? { startError: { code: String(startError['code']), message: String(startError['message']) } } : {}),
    }
  }
  return { _tag: 'Claimed', pid: numberOr(claim['pid'], -1), bootId: String(claim['bootId']), startedAtMs }
}

/** The run's spec, as the runtime wrote it. */
export function readSpec(run: RunRef): RunSpec | undefined {
  const spec = readJson(path.join(run.dir, 'spec.json'))
  const argv = spec?.['argv']
  if (spec === undefined || !Array.isArray(argv) || typeof argv[0] !== 'string') return undefined
  return {
    argv: argv.map(String) as unknown as readonly [string, ...string[]],
    env: (spec['env'] ?? {}) as Record<string, string>,
    ...(typeof spec['cwd'] === 'string' ? { cwd: spec['cwd'] } : {}),
    logFile: String(spec['logFile']),
    restartCount: numberOr(spec['restartCount'], 0),
  }
}

/** Writes the run's spec (readable by its owner only: it holds the container's environment). */
export function writeSpec(run: RunRef, spec: RunSpec): void {
  fs.mkdirSync(run.dir, { recursive: true, mode: 0o700 })
  const temporary = path.join(run.dir, 'spec.json.tmp')
  fs.writeFileSync(temporary, JSON.stringify(spec), { mode: 0o600 })
  fs.renameSync(temporary, path.join(run.dir, 'spec.json'))
}

/**
 * Claims a run nobody claimed, so that no supervisor starts it any more: true when this call
 * won (the run never started), false when a supervisor had claimed it first.
 */
export function abandon(run: RunRef): boolean {
  const temporary = path.join(run.dir, `started.json.${process.pid}.abandon`)
  try {
    fs.writeFileSync(temporary, JSON.stringify({ abandoned: true }))
    fs.linkSync(temporary, path.join(run.dir, 'started.json'))
    return true
  } catch {
    return false
  } finally {
    fs.rmSync(temporary, { force: true })
  }
}

let bootIdCache: string | undefined

/** This boot of the machine: runs claimed in another boot are gone. (The supervisor computes it the same way.) */
export function currentBootId(): string {
  if (bootIdCache !== undefined) return bootIdCache
  try {
    bootIdCache = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
  } catch {
    bootIdCache = `boot-${Math.round((Date.now() - os.uptime() * 1000) / 60000)}`
  }
  return bootIdCache
}

/** Whether the supervisor that claimed `run` still runs (same boot, the pid alive and, where /proc tells, running this run). */
export function supervisorAlive(run: RunRef, claim: { readonly pid: number; readonly bootId: string }): boolean {
  if (claim.bootId !== currentBootId() || claim.pid <= 0) return false
  try {
    process.kill(claim.pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  try {
    return fs.readFileSync(`/proc/${claim.pid}/cmdline`, 'utf8').includes(run.dir)
  } catch {
    // No /proc (not Linux), or the process went in between: the signal test decides.
    return fs.existsSync('/proc/self') ? false : true
  }
}

/**
 * Kills the process group of a run whose supervisor is gone but whose container may not be (the
 * supervisor alone was killed): only in the same boot, and only if that pid still leads a
 * process group, so that a reused pid is left alone as far as can be told.
 */
export function killOrphanedContainer(run: RunRef, claim: { readonly bootId: string }): void {
  if (claim.bootId !== currentBootId()) return
  const pgid = numberOr(readJson(path.join(run.dir, 'container.json'))?.['pgid'], -1)
  if (pgid <= 0) return
  try {
    const stat = fs.readFileSync(`/proc/${pgid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (Number(fields[2]) !== pgid) return
  } catch {
    if (fs.existsSync('/proc/self')) return
  }
  try {
    process.kill(-pgid, 'SIGKILL')
  } catch {
    // Gone already.
  }
}

/** Writes the supervisor program into `root` (once per version) and returns its path. */
export function installSupervisor(root: string): string {
  const version = createHash('sha256').update(SUPERVISOR_SOURCE).digest('hex').slice(0, 12)
  const file = path.join(root, `supervisor-${version}.cjs`)
  if (!fs.existsSync(file)) {
    fs.mkdirSync(root, { recursive: true, mode: 0o700 })
    const temporary = `${file}.${process.pid}.tmp`
    fs.writeFileSync(temporary, SUPERVISOR_SOURCE, { mode: 0o600 })
    fs.renameSync(temporary, file)
  }
  return file
}

/** The last `limit` bytes of a container's log, with a note in front when older output is not shown. */
export function readLogTail(file: string, limit: number): string | undefined {
  let fd: number
  try {
    fd = fs.openSync(file, 'r')
  } catch {
    return undefined
  }
  try {
    const size = fs.fstatSync(fd).size
    const length = Math.min(size, limit)
    const buffer = Buffer.alloc(length)
    fs.readSync(fd, buffer, 0, length, size - length)
    const body = buffer.toString('utf8')
    return size > limit ? `[job-reconciler: ${size - limit} bytes of earlier output dropped]\n${body}` : body
  } finally {
    fs.closeSync(fd)
  }
}
