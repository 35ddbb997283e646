/**
 * One container's process: spawned without a shell in its own process group, so that a
 * signal reaches everything it started, and killed when its scope closes.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { constants } from 'node:os'
import { Data, Effect, type Scope } from 'effect'
import { exitCodeOf } from '../kubelet/podStatus.js'

/** The program could not be started (not found, not executable, bad working directory). */
export class SpawnFailed extends Data.TaggedError('SpawnFailed')<{ readonly message: string }> {}

/** A running process. */
export interface ChildProcessHandle {
  readonly pid: number
  /** The exit code once the process has ended and its output has been read (128 + n for signal n). */
  readonly exited: Effect.Effect<number>
  /** Sends a signal to the process and everything it started. */
  readonly signal: (signal: NodeJS.Signals) => void
}

export interface SpawnOptions {
  readonly argv: readonly [string, ...string[]]
  readonly env: Readonly<Record<string, string>>
  readonly cwd?: string
  /** Called with every chunk of stdout and stderr, in arrival order. */
  readonly onOutput: (chunk: Buffer) => void
  /** Process groups alive right now, for a last-resort kill when the host process exits. */
  readonly liveGroups: Set<number>
}

/** How long to wait for a process's output to close after it exited, and for a killed process to go. */
const DRAIN_MS = 2_000
const KILL_WAIT_MS = 5_000

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // The group is gone already.
  }
}

function describeSpawnError(program: string, error: NodeJS.ErrnoException, cwd: string | undefined): string {
  switch (error.code) {
    case 'ENOENT':
      return cwd !== undefined
        ? `failed to start "${program}": executable file not found in $PATH, or working directory "${cwd}" does not exist`
        : `failed to start "${program}": executable file not found in $PATH`
    case 'EACCES':
      return `failed to start "${program}": permission denied`
    default:
      return `failed to start "${program}": ${error.message}`
  }
}

/**
 * Spawns the process (no shell, stdin closed, stdout and stderr captured) and waits until it
 * has started. When its main process exits, whatever it left behind in its group is killed,
 * as a container's processes end with it. Closing the scope kills the group with SIGKILL and
 * waits (briefly) for the exit.
 */
export function spawnProcess(options: SpawnOptions): Effect.Effect<ChildProcessHandle, SpawnFailed, Scope.Scope> {
  const [program, ...args] = options.argv
  return Effect.acquireRelease(
    Effect.async<ChildProcessHandle & { readonly kill: Effect.Effect<void> }, SpawnFailed>((resume) => {
      let child: ChildProcess
      try {
        child = spawn(program, args, {
          env: { ...options.env },
          ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      } catch (error) {
        resume(Effect.fail(new SpawnFailed({ message: `failed to start "${program}": ${String(error)}` })))
        return
      }
      let spawned = false
      let exitCode: number | undefined
      const waiters: Array<(code: number) => void> = []
      const finish = (code: number): void => {
        if (exitCode !== undefined) return
        exitCode = code
        options.liveGroups.delete(pid)
        for (const waiter of waiters.splice(0)) waiter(code)
      }
      let pid = -1
      const exited = Effect.async<number>((resumeExit) => {
        if (exitCode !== undefined) resumeExit(Effect.succeed(exitCode))
        else waiters.push((code) => resumeExit(Effect.succeed(code)))
      })
      const handle = {
        get pid() {
          return pid
        },
        exited,
        signal: (signal: NodeJS.Signals) => {
          if (exitCode === undefined && pid > 0) signalGroup(pid, signal)
        },
        kill: Effect.async<void>((resumeKill) => {
          if (exitCode !== undefined) return resumeKill(Effect.void)
          signalGroup(pid, 'SIGKILL')
          const timer = setTimeout(() => resumeKill(Effect.void), KILL_WAIT_MS)
          waiters.push(() => {
            clearTimeout(timer)
            resumeKill(Effect.void)
          })
        }),
      }
      child.stdout?.on('data', options.onOutput)
      child.stderr?.on('data', options.onOutput)
      child.once('spawn', () => {
        spawned = true
        pid = child.pid ?? -1
        if (pid > 0) options.liveGroups.add(pid)
        resume(Effect.succeed(handle))
      })
      child.once('error', (error: NodeJS.ErrnoException) => {
        if (!spawned) resume(Effect.fail(new SpawnFailed({ message: describeSpawnError(program, error, options.cwd) })))
      })
      child.once('exit', (code, signal) => {
        const status = exitCodeOf(code, signal !== null ? constants.signals[signal] : undefined)
        if (pid > 0) signalGroup(pid, 'SIGKILL')
        const timer = setTimeout(() => finish(status), DRAIN_MS)
        child.once('close', () => {
          clearTimeout(timer)
          finish(status)
        })
      })
      return Effect.sync(() => {
        // Interrupted before the spawn was confirmed.
        if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL')
      })
    }),
    (handle) => handle.kill,
  )
}
