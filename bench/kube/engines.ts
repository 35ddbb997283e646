/**
 * The two engines the bench compares, each started on its own, with its own user, and
 * stopped after its run: ours (bench/kube/oursProcess.ts in a process of its own) and
 * upstream's kube-controller-manager with only its job controller.
 */
import { spawn, execFileSync } from 'node:child_process'
import { appendFileSync, closeSync, openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ControlPlane } from '../../adapters/stores/kubernetes/testing/controlPlane.js'

export type EngineName = 'ours' | 'upstream'

/** What our engine's process prints once its caches are filled. */
export const READY_LINE = 'ready'

/** The users the engines act as: the audit log tells their requests apart by these. */
export const ENGINE_USERS: Readonly<Record<EngineName, string>> = { ours: 'bench-ours', upstream: 'bench-upstream' }

/** The client rate limit both engines get (kube-controller-manager's defaults). */
export interface ClientLimits {
  readonly qps: number
  readonly burst: number
}

/** An engine that is running. */
export interface RunningEngine {
  readonly name: EngineName
  readonly username: string
  /** CPU time (user + system) the engine's process has used so far, in seconds. */
  readonly cpuSeconds: () => number
  readonly stop: () => Promise<void>
}

/** Clock ticks per second of /proc/PID/stat's times. */
const clockTicksPerSecond = ((): number => {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100
  } catch {
    return 100
  }
})()

/** utime + stime of a process (all its threads), in seconds. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may hold spaces), from field 3 (state) on.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond
}

const OURS_PROCESS = fileURLToPath(new URL('./oursProcess.ts', import.meta.url))
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
const START_TIMEOUT_MS = 120_000

/** Starts our engine in a process of its own; resolves once its caches are filled. */
export function startOurs(plane: ControlPlane, limits: ClientLimits, run: number): Promise<RunningEngine> {
  const username = ENGINE_USERS.ours
  const logPath = join(plane.dir, `ours-${run}.log`)
  const logFd = openSync(logPath, 'a')
  // Standard input stays open for the engine's life: when the bench ends in any way, it closes and the engine exits.
  const profileDirectory = process.env['BENCH_KUBE_CPU_PROFILE']
  const profiling = profileDirectory === undefined || profileDirectory === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDirectory}`]
  const nodeFlags = (process.env['BENCH_KUBE_NODE_FLAGS'] ?? '').split(' ').filter((flag) => flag !== '')
  const child = spawn(process.execPath, [...profiling, ...nodeFlags, '--import', 'tsx', OURS_PROCESS, plane.kubeconfigOf(username), String(limits.qps), String(limits.burst), 'job-reconciler-bench'], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', logFd],
  })
  closeSync(logFd)
  const stdout = child.stdout
  if (stdout === null) throw new Error('our engine: no standard output to read')
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(`could not start: ${error.message}`))
    child.once('exit', (code, signal) => resolve(signal !== null ? `signal ${signal}` : `code ${code}`))
  })
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(killer)
  }
  return new Promise<RunningEngine>((resolve, reject) => {
    let output = ''
    let ready = false
    const timer = setTimeout(() => void stop().then(() => reject(new Error(`our engine not ready after ${START_TIMEOUT_MS / 1000} s (log: ${logPath})`))), START_TIMEOUT_MS)
    stdout.on('data', (chunk: Buffer) => {
      appendFileSync(logPath, chunk)
      if (ready) return
      output += chunk.toString('utf8')
      if (!output.split('\n').includes(READY_LINE)) return
      ready = true
      clearTimeout(timer)
      const pid = child.pid ?? 0
      resolve({ name: 'ours', username, cpuSeconds: () => processCpuSeconds(pid), stop })
    })
    void exited.then((how) => {
      clearTimeout(timer)
      if (!ready) reject(new Error(`our engine exited (${how}) before it was ready: ${lastLine(logPath)}`))
    })
  })
}

/** Starts kube-controller-manager with only its job controller; resolves once that controller has synced its caches. */
export async function startUpstream(plane: ControlPlane, limits: ClientLimits): Promise<RunningEngine> {
  const username = ENGINE_USERS.upstream
  await plane.startControllerManager({ controllers: ['job-controller'], kubeApiQps: limits.qps, kubeApiBurst: limits.burst, user: username })
  const kcm = plane.processes().find((p) => p.name === 'kube-controller-manager')
  if (kcm === undefined) throw new Error('kube-controller-manager exited as it started')
  await waitForLogLine(kcm.logPath, JOB_CONTROLLER_SYNCED, START_TIMEOUT_MS)
  return { name: 'upstream', username, cpuSeconds: () => processCpuSeconds(kcm.pid), stop: () => plane.stopControllerManager() }
}

/** What kube-controller-manager logs (at `--v=2`) once the job controller, the only one it runs, has synced its informers. */
const JOB_CONTROLLER_SYNCED = /"Starting job controller"[\s\S]*"Caches are synced"/

async function waitForLogLine(path: string, line: RegExp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!line.test(readFileSync(path, 'utf8'))) {
    if (Date.now() > deadline) throw new Error(`kube-controller-manager did not log ${line} within ${timeoutMs / 1000} s (log: ${path})`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

function lastLine(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').at(-1) ?? '(empty log)'
  } catch {
    return '(no log)'
  }
}
