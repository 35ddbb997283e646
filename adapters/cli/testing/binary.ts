/** Runs the real `jobctl` binary (`bin/jobctl.js`) as a user would: a child process. */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The repository's `bin/jobctl.js`. */
export const JOBCTL_BIN = fileURLToPath(new URL('../../../bin/jobctl.js', import.meta.url))

/** What a finished `jobctl` process did. */
export interface ProcessResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Options of a run. */
export interface RunOptions {
  readonly cwd?: string
  readonly stdin?: string
  readonly env?: Readonly<Record<string, string>>
}

/** Starts `jobctl ARGS`; output is collected by the caller. */
export function spawnJobctl(args: ReadonlyArray<string>, options: RunOptions = {}): ChildProcess {
  return spawn(process.execPath, [JOBCTL_BIN, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
}

/** Runs `jobctl ARGS` to the end. */
export function jobctl(args: ReadonlyArray<string>, options: RunOptions = {}): Promise<ProcessResult> {
  return finished(spawnJobctl(args, options), options.stdin)
}

/** Collects a started process's output until it exits. */
export function finished(child: ChildProcess, stdin = ''): Promise<ProcessResult> {
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  child.stdin?.end(stdin)
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

/** Resolves with stderr so far once it matches `pattern`. */
export function stderrMatching(child: ChildProcess, pattern: RegExp): Promise<RegExpMatchArray> {
  let stderr = ''
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      stderr += chunk.toString('utf8')
      const match = stderr.match(pattern)
      if (match !== null) {
        child.stderr?.off('data', onData)
        resolve(match)
      }
    }
    child.stderr?.on('data', onData)
    child.on('close', () => reject(new Error(`jobctl exited before printing ${String(pattern)}; stderr: ${stderr}`)))
  })
}

/** Runs `tasks` with at most `limit` at a time. */
export async function inBatches<A, B>(items: ReadonlyArray<A>, limit: number, task: (item: A) => Promise<B>): Promise<B[]> {
  const results: B[] = new Array<B>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await task(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
