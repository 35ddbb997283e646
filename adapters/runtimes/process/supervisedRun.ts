/**
 * One run of a container under its supervisor (`supervisorScript.ts`): started by this runtime,
 * or adopted from an earlier one. The runtime talks to a run only through its supervisor's
 * signals and the files it records, so a run started by a runtime that has since died is driven
 * exactly like one started now.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { Socket } from 'node:net'
import { Deferred, Effect, type Scope } from 'effect'
import { abandon, killOrphanedContainer, readRun, supervisorAlive, writeSpec, type RunRef, type RunSpec, type StartError } from './podJournal.js'

/** The message of a program that could not be started, as the runtime reports it. */
export function describeStartError(program: string, error: StartError, cwd: string | undefined): string {
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

/** How a run ended. */
export type RunEnd =
  | {
      readonly _tag: 'Exited'
      readonly startedAtMs: number
      readonly finishedAtMs: number
      readonly exitCode: number
      readonly startError?: StartError
    }
  /** Its supervisor is gone without a record (killed, or the machine rebooted): the container's fate is unknown. */
  | { readonly _tag: 'Lost' }

/** A run in progress. */
export interface RunHandle {
  readonly startedAtMs: number
  /** SIGTERM is passed to the container's process group; SIGKILL kills the group. */
  readonly signal: (signal: 'SIGTERM' | 'SIGKILL') => void
  readonly ended: Effect.Effect<RunEnd>
}

/** How supervisors are started. */
export interface SupervisorSettings {
  /** The supervisor program (`installSupervisor`). */
  readonly program: string
  /** Whether the container dies with this process (the supervisor watches a pipe from it); otherwise it outlives it. */
  readonly attached: boolean
}

/** How often a run's files are looked at while waiting for its exit. */
const POLL_MS = 100
/** How long a kill of last resort waits for the run to end. */
const KILL_WAIT_MS = 5_000

/**
 * The handle of a claimed run. `supervisorGone` says whether its supervisor has ended: for one
 * this runtime started, from its exit event (not from the run's files, which may be gone while a
 * temporary directory is removed); for an adopted one, from the process table.
 */
function handleOf(
  run: RunRef,
  claim: { readonly pid: number; readonly bootId: string; readonly startedAtMs: number },
  supervisorGone: () => boolean,
  wake: Deferred.Deferred<void> | undefined,
): RunHandle {
  const ended: Effect.Effect<RunEnd> = Effect.gen(function* () {
    for (;;) {
      const state = readRun(run)
      if (state._tag === 'Exited') return state
      if (supervisorGone() || !supervisorAlive(run, claim)) {
        // It may have recorded the exit just before it went.
        const again = readRun(run)
        if (again._tag === 'Exited') return again
        killOrphanedContainer(run, claim)
        return { _tag: 'Lost' as const }
      }
      const sleep = Effect.sleep(POLL_MS)
      yield* wake === undefined ? sleep : Effect.raceFirst(sleep, Deferred.await(wake))
    }
  })
  return {
    startedAtMs: claim.startedAtMs,
    signal: (signal) => {
      if (supervisorGone()) return
      try {
        process.kill(claim.pid, signal === 'SIGKILL' ? 'SIGUSR2' : 'SIGTERM')
      } catch {
        // Gone already.
      }
    },
    ended,
  }
}

/** Drives a run an earlier runtime started whose supervisor is alive; closing the scope kills it if `stopWithScope()` says so. */
export function adoptRun(
  run: RunRef,
  claim: { readonly pid: number; readonly bootId: string; readonly startedAtMs: number },
  stopWithScope: () => boolean,
): Effect.Effect<RunHandle, never, Scope.Scope> {
  const handle = handleOf(run, claim, () => !supervisorAlive(run, claim), undefined)
  return Effect.as(Effect.addFinalizer(() => (stopWithScope() ? stopRun(handle) : Effect.void)), handle)
}

/**
 * Writes the spec and starts a supervisor for it; completes once the supervisor has claimed the
 * run (the container is starting), or with the run's end if it never got that far. Closing the
 * scope kills the container if `stopWithScope()` says so (a pod removed from the store, a
 * runtime whose pods die with it); otherwise the run outlives the scope.
 */
export function startRun(
  settings: SupervisorSettings,
  run: RunRef,
  spec: RunSpec,
  stopWithScope: () => boolean,
): Effect.Effect<RunHandle | RunEnd, never, Scope.Scope> {
  return Effect.gen(function* () {
    const wake = yield* Deferred.make<void>()
    let child: ChildProcess
    try {
      writeSpec(run, spec)
      // An empty environment: nothing of this process's (credentials included) is visible to the
      // container through /proc/$PPID/environ.
      child = spawn(process.execPath, [settings.program, run.dir, settings.attached ? 'attached' : 'detached'], {
        detached: true,
        env: {},
        stdio: [settings.attached ? 'pipe' : 'ignore', 'ignore', 'ignore'],
      })
    } catch (error) {
      const at = Date.now()
      const code = String((error as NodeJS.ErrnoException).code ?? 'EIO')
      return { _tag: 'Exited', exitCode: 127, startedAtMs: at, finishedAtMs: at, startError: { code, message: String(error) } } as const
    }
    let exited = false
    const onExit = () => {
      exited = true
      Deferred.unsafeDone(wake, Effect.void)
    }
    child.once('exit', onExit)
    child.once('error', onExit)
    child.unref()
    // The pipe only tells the supervisor that this process is gone; it must not keep it alive.
    if (child.stdin instanceof Socket) child.stdin.unref()
    const supervisorExited = Deferred.await(wake)
    // From the spawn on, not only once the claim is seen: the scope may close in between.
    yield* Effect.addFinalizer(() => (stopWithScope() ? stopSupervisor(run, child, () => exited, supervisorExited) : Effect.void))
    // Wait for the claim: the supervisor starts in a few tens of milliseconds.
    for (;;) {
      const state = readRun(run)
      if (state._tag === 'Claimed') return handleOf(run, state, () => exited, wake)
      if (state._tag === 'Exited') return state
      if (yield* Deferred.isDone(wake)) {
        const last = readRun(run)
        return last._tag === 'Exited' ? last : ({ _tag: 'Lost' } as const)
      }
      yield* Effect.raceFirst(Effect.sleep(10), supervisorExited)
    }
  })
}

/**
 * Stops a supervisor this runtime started: a run it has not claimed yet is abandoned (it will
 * not start), a claimed one is killed; then waits (briefly) for the supervisor to go.
 */
function stopSupervisor(run: RunRef, child: ChildProcess, exited: () => boolean, supervisorExited: Effect.Effect<void>): Effect.Effect<void> {
  return Effect.suspend(() => {
    if (exited()) return Effect.void
    if (!abandon(run) && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGUSR2')
      } catch {
        // Gone already.
      }
    }
    return supervisorExited.pipe(Effect.timeout(KILL_WAIT_MS), Effect.ignore)
  })
}

/** Kills a run and waits (briefly) for its end. */
function stopRun(handle: RunHandle): Effect.Effect<void> {
  return Effect.suspend(() => {
    handle.signal('SIGKILL')
    return handle.ended.pipe(Effect.timeout(KILL_WAIT_MS), Effect.ignore)
  })
}
