/**
 * Helpers for tests that run the real `jobctl controller` on a file store, stop, kill and
 * restart it, and look at what the pods' own processes did.
 */
import type { ChildProcess } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import type { Job, Pod } from '../../../core/model/types.js'
import { finished, jobctl, spawnJobctl, stderrMatching, type ProcessResult } from './binary.js'
export { processIsAlive } from '../../runtimes/process/testing/processes.js'

/** A `jobctl controller` on the file store of `cwd` (`./.jobctl`). */
export interface RunningController {
  readonly child: ChildProcess
  /** Resolves once it prints that it runs the store's Jobs. */
  readonly ready: Promise<unknown>
  readonly exited: Promise<ProcessResult>
}

export function startController(cwd: string, args: ReadonlyArray<string> = [], env: Readonly<Record<string, string>> = {}): RunningController {
  const child = spawnJobctl(['controller', ...args], { cwd, env })
  const exited = finished(child)
  const ready = stderrMatching(child, /jobctl controller: running Jobs from store/)
  // A controller killed before it got ready rejects `ready`; the caller may not wait for it.
  ready.catch(() => undefined)
  return { child, ready, exited }
}

/** `jobctl get TYPE -o json` on the file store of `cwd`. */
export async function getItems<A extends Job | Pod>(cwd: string, type: 'jobs' | 'pods'): Promise<ReadonlyArray<A>> {
  const result = await jobctl(['get', type, '-o', 'json'], { cwd })
  if (result.code !== 0) throw new Error(`jobctl get ${type} failed: ${result.stderr}`)
  return (JSON.parse(result.stdout) as { readonly items: ReadonlyArray<A> }).items
}

/** Polls `probe` every 200 ms until it returns a value; fails after `timeoutMs` with `what`. */
export async function eventually<A>(what: string, probe: () => Promise<A | undefined> | A | undefined, timeoutMs = 120_000): Promise<A> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** The lines of every file in `dir`, by file name. */
export function filesIn(dir: string): ReadonlyMap<string, ReadonlyArray<string>> {
  const files = new Map<string, ReadonlyArray<string>>()
  for (const name of readdirSync(dir)) {
    files.set(name, readFileSync(`${dir}/${name}`, 'utf8').split('\n').filter((line) => line !== ''))
  }
  return files
}


/** The parent of a process. */
export function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
}

/** The condition of type `type` with status True, if any. */
export function trueCondition(job: Job, type: string) {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True')
}

export const isFinished = (job: Job): boolean => trueCondition(job, 'Complete') !== undefined || trueCondition(job, 'Failed') !== undefined
