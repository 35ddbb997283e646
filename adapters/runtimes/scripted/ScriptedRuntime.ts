/**
 * A pod runtime for tests and scenarios: nothing runs, the scenario decides when each pod
 * starts, becomes ready, succeeds or fails, with which exit code and conditions. It plays the
 * kubelet through the `JobStore` port only (bind, then write status, then delete with grace
 * 0), so it works against any store, including a real API server through the pods' status
 * subresource.
 *
 * A `PodScript` makes it automatic (timed with effect's `Clock`, so hours pass in
 * milliseconds under `TestClock`); the `ScriptedRuntime` controls drive it by hand.
 */
import { Context, Data, Deferred, Duration, Effect, Either, Exit, Fiber, FiberId, FiberMap, Layer } from 'effect'
import { NotFound, type Invalid, type TooLarge } from '../../ports/errors.js'
import { JobStore, type JobStoreService, type ObjectKey } from '../../ports/JobStore.js'
import { PodRuntime, type PodRuntimeService } from '../../ports/PodRuntime.js'
import type { ConditionStatus, ContainerStateTerminated, ContainerStatus, Pod, PodCondition, PodStatus } from '../../../core/model/types.js'
import { formatTime } from '../../../core/model/time.js'
import { COMPLETION_INDEX_ANNOTATION, CONTROLLER_UID_LABEL } from '../../../core/model/wellKnown.js'
import { followPods, type PodEvent } from '../kubelet/podEvents.js'
import {
  initialStatus,
  isTerminalPhase,
  isUnboundAndRunnable,
  keyString,
  podKey,
  recompute,
  restartingContainer,
  restartPolicyOf,
  runningContainer,
  setCondition,
  terminatedContainer,
  terminateRemaining,
  terminationReason,
  withForeignConditions,
  SIGTERM_EXIT_CODE,
} from '../kubelet/podStatus.js'
import { deletePodNow, writePodStatus } from '../kubelet/podWrites.js'
import { withNowMs } from '../../shell/effects/clock.js'
import { Signal } from '../../shell/effects/signal.js'

// ---------------------------------------------------------------------------------------
// Scripts

/** A pod condition a failure adds, e.g. `{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI' }`. */
export interface ScriptedCondition {
  readonly type: string
  readonly status: ConditionStatus
  readonly reason?: string
  readonly message?: string
}

/** How a failure looks: the exit code of one container, pod conditions, the pod's reason. */
export interface FailureOptions {
  /** Default 1. */
  readonly exitCode?: number
  /** The container that fails; default the first app container. The others exit 0. */
  readonly containerName?: string
  /** Conditions added to the pod, such as `DisruptionTarget`. */
  readonly conditions?: ReadonlyArray<ScriptedCondition>
  /** `status.reason` / `status.message` of the pod, e.g. `Evicted`. */
  readonly reason?: string
  readonly message?: string
}

/** How a pod ends, counted from when its containers started. */
export type PodOutcome =
  | { readonly after: Duration.DurationInput; readonly result: 'Succeeded' }
  | ({ readonly after: Duration.DurationInput; readonly result: 'Failed' } & FailureOptions)

/**
 * What happens to one pod on its own. Omitted fields: starts at once, ready as it starts,
 * ends only by hand, finishes a deletion at once.
 */
export interface PodPlan {
  /** Delay from binding (or, after a restart in place, the back-off) to the start; `'manual'` waits for `start`. */
  readonly startAfter?: Duration.DurationInput | 'manual'
  /** Delay from the start until the pod is ready; `'manual'` waits for `ready`. Default: ready as it starts. */
  readonly readyAfter?: Duration.DurationInput | 'manual'
  /**
   * How the pod ends; `'manual'` (the default) waits for `succeed` or `fail`. A failure of a
   * pod with `restartPolicy: OnFailure` and no conditions restarts the container in place, as
   * the kubelet would, and the script is asked again with `restartCount` one higher; with
   * `Never`, or with conditions (an eviction), the pod ends `Failed`.
   */
  readonly outcome?: PodOutcome | 'manual'
  /** Keep a deleted pod terminating until `finishTermination` is called. Default false. */
  readonly holdTermination?: boolean
  /** What the containers print when they start (returned by `logs`). */
  readonly logs?: string
}

/** What a script knows about the pod it plans. */
export interface ScriptedPod {
  readonly pod: Pod
  /** The completion index of an Indexed job's pod. */
  readonly index: number | undefined
  /** How many pods of the same job and index this runtime took before this one (0 for the first). */
  readonly attempt: number
  /** How many times this pod's container was restarted in place so far. */
  readonly restartCount: number
}

/** The scenario: a plan per pod. */
export type PodScript = (pod: ScriptedPod) => PodPlan

/** Nothing automatic: every pod waits for the controls (deletions still finish at once). */
export const manualScript: PodScript = () => ({ startAfter: 'manual' })

/** Every pod starts at once and succeeds `after` later. */
export function succeedAfter(after: Duration.DurationInput): PodScript {
  return () => ({ outcome: { after, result: 'Succeeded' } })
}

// ---------------------------------------------------------------------------------------
// Controls

/** A control that does not apply to the pod in its current state (e.g. `succeed` on a failed pod). */
export class InvalidTransition extends Data.TaggedError('InvalidTransition')<{
  readonly namespace: string
  readonly name: string
  readonly action: string
  readonly reason: string
}> {
  override get message(): string {
    return `cannot ${this.action} pod ${this.namespace}/${this.name}: ${this.reason}`
  }
}

/** What a control can fail with: the runtime does not run that pod, the step does not apply, or the store refused. */
export type ScriptedRuntimeError = NotFound | InvalidTransition | Invalid | TooLarge

/** The scenario's hands on the scripted runtime. Pods are the ones this runtime bound. */
export interface ScriptedRuntimeService {
  /** The pods this runtime bound that are still in the store, latest versions, in binding order. */
  readonly pods: Effect.Effect<ReadonlyArray<Pod>>
  /** Waits until the bound pods satisfy `predicate`, and returns them. */
  readonly awaitPods: (predicate: (pods: ReadonlyArray<Pod>) => boolean) => Effect.Effect<ReadonlyArray<Pod>>
  /** Waits until one bound pod satisfies `predicate`, and returns it. */
  readonly awaitPod: (predicate: (pod: Pod) => boolean) => Effect.Effect<Pod>
  /** Starts the pod's containers (init containers complete at once); `ready: false` leaves it not ready. */
  readonly start: (key: ObjectKey, options?: { readonly ready?: boolean }) => Effect.Effect<Pod, ScriptedRuntimeError>
  /** Marks the running containers ready. */
  readonly ready: (key: ObjectKey) => Effect.Effect<Pod, ScriptedRuntimeError>
  /** Every container exits 0: the pod `Succeeded`. */
  readonly succeed: (key: ObjectKey) => Effect.Effect<Pod, ScriptedRuntimeError>
  /** One container exits with `exitCode` (default 1), the others 0; the pod is `Failed` whatever its restart policy. */
  readonly fail: (key: ObjectKey, options?: FailureOptions) => Effect.Effect<Pod, ScriptedRuntimeError>
  /**
   * A running container exits (`exitCode`, default 1) and is restarted in place, as under
   * `OnFailure`: `restartCount` + 1, the exit in `lastState.terminated`, the pod stays `Running`.
   */
  readonly restartContainer: (
    key: ObjectKey,
    options?: { readonly exitCode?: number; readonly containerName?: string },
  ) => Effect.Effect<Pod, ScriptedRuntimeError>
  /**
   * Ends a pod being deleted: the containers still running exit with `exitCode` (default 143,
   * stopped by SIGTERM), the final status is written (`Failed` unless every container exited
   * 0), and the pod is deleted with grace period 0.
   */
  readonly finishTermination: (key: ObjectKey, options?: { readonly exitCode?: number }) => Effect.Effect<void, ScriptedRuntimeError>
  /** Appends output to a container's log (default the first container). */
  readonly appendLog: (key: ObjectKey, text: string, options?: { readonly container?: string }) => Effect.Effect<void, NotFound>
}

/** The scripted runtime's controls, provided beside `PodRuntime` by `layer`. */
export class ScriptedRuntime extends Context.Tag('job-reconciler/ScriptedRuntime')<ScriptedRuntime, ScriptedRuntimeService>() {}

/** The node name written to `spec.nodeName` of the pods it takes. */
export const SCRIPTED_NODE_NAME = 'scripted-node'

// ---------------------------------------------------------------------------------------
// Implementation

interface Tracked {
  readonly key: ObjectKey
  readonly uid: string
  /** The latest version seen in the store. */
  latest: Pod
  /** What this runtime last wrote. */
  status: PodStatus
  /** Fibers waiting for a status (see `awaitStatus`); created by the first one. */
  statusWaiters: Set<StatusWaiter> | undefined
  /** A step (`apply`) holds the pod: steps on one pod never interleave. */
  locked: boolean
  /** Wakes the steps waiting for the pod. */
  readonly unlocked: Signal
  readonly index: number | undefined
  readonly attempt: number
  plan: PodPlan
  readonly logs: Map<string, string>
  deletionRequested: boolean
  /**
   * When things happened, by the runtime's `Clock`: the plan's delays count from these, so a
   * test that moves a `TestClock` right after seeing a change never outruns the plan.
   */
  readonly times: { bound: number; started: number; changed: number }
}

/** A fiber waiting for the first status, from now on, that satisfies `predicate`. */
interface StatusWaiter {
  readonly predicate: (status: PodStatus) => boolean
  readonly found: Deferred.Deferred<PodStatus>
}

type Transition = (status: PodStatus, now: string, pod: Pod) => Either.Either<PodStatus, string>

function indexOf(pod: Pod): number | undefined {
  const raw = pod.metadata.annotations?.[COMPLETION_INDEX_ANNOTATION] ?? pod.metadata.labels?.[COMPLETION_INDEX_ANNOTATION]
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined
  return Number(raw)
}

/** Pods of one job and index share an attempt counter. */
function attemptGroup(pod: Pod): string {
  const owner =
    pod.metadata.labels?.[CONTROLLER_UID_LABEL] ??
    pod.metadata.ownerReferences?.find((r) => r.controller === true)?.uid ??
    pod.metadata.generateName ??
    pod.metadata.name ??
    ''
  return `${pod.metadata.namespace ?? 'default'}/${owner}/${indexOf(pod) ?? ''}`
}

/** Numeric resourceVersions (every store here, and etcd's) tell which of two versions is newer. */
function isOlder(candidate: Pod, than: Pod): boolean {
  const a = candidate.metadata.resourceVersion
  const b = than.metadata.resourceVersion
  if (a === undefined || b === undefined || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false
  // Numbers are exact up to 15 digits; BigInt (slower, and garbage) only beyond.
  return a.length <= 15 && b.length <= 15 ? Number(a) < Number(b) : BigInt(a) < BigInt(b)
}

function mapContainers(status: PodStatus, f: (c: ContainerStatus) => ContainerStatus): PodStatus {
  return { ...status, containerStatuses: (status.containerStatuses ?? []).map(f) }
}

/** Init containers that have not run complete at once with exit 0. */
function completeInit(status: PodStatus, now: string): PodStatus {
  if (status.initContainerStatuses === undefined) return status
  return {
    ...status,
    initContainerStatuses: status.initContainerStatuses.map((c) =>
      c.state?.terminated !== undefined
        ? c
        : terminatedContainer(c, {
            exitCode: 0,
            reason: 'Completed',
            startedAt: c.state?.running?.startedAt ?? now,
            finishedAt: now,
          }),
    ),
  }
}

/** Every app container runs (none waits to start or to restart). */
function isStarted(status: PodStatus): boolean {
  const app = status.containerStatuses ?? []
  return app.some((c) => c.state?.running !== undefined) && !app.some((c) => c.state?.waiting !== undefined)
}

const notFinished: (status: PodStatus) => Either.Either<PodStatus, string> = (status) =>
  isTerminalPhase(status.phase) ? Either.left(`it has ${status.phase === 'Succeeded' ? 'succeeded' : 'failed'} already`) : Either.right(status)

function startTransition(ready: boolean): Transition {
  return (status, t) =>
    Either.flatMap(notFinished(status), (s) => {
      if (s.initContainerStatuses?.some((c) => c.state?.terminated !== undefined && c.state.terminated.exitCode !== 0)) {
        return Either.left('an init container failed')
      }
      let started = 0
      const next = mapContainers(completeInit(s, t), (c) => {
        if (c.state?.running !== undefined || c.state?.terminated !== undefined) return c
        started += 1
        const restarted = c.lastState?.terminated !== undefined
        return runningContainer({ ...c, restartCount: c.restartCount + (restarted ? 1 : 0) }, t, ready)
      })
      return started === 0 ? Either.left('its containers are running already') : Either.right(recompute(next, t))
    })
}

const readyTransition: Transition = (status, t) =>
  Either.flatMap(notFinished(status), (s) =>
    s.phase !== 'Running'
      ? Either.left('it is not running')
      : Either.right(recompute(mapContainers(s, (c) => (c.state?.running !== undefined ? { ...c, ready: true } : c)), t)),
  )

function exitAll(status: PodStatus, t: string, exitCodeOf: (c: ContainerStatus) => number): PodStatus {
  return mapContainers(completeInit(status, t), (c) => {
    if (c.state?.terminated !== undefined) return c
    const exitCode = exitCodeOf(c)
    return terminatedContainer(c, {
      exitCode,
      reason: terminationReason(exitCode),
      startedAt: c.state?.running?.startedAt ?? t,
      finishedAt: t,
    })
  })
}

const succeedTransition: Transition = (status, t) =>
  Either.map(notFinished(status), (s) => recompute(exitAll(s, t, () => 0), t))

function failTransition(options: FailureOptions | undefined): Transition {
  return (status, t, pod) =>
    Either.flatMap(notFinished(status), (s) => {
      const target = options?.containerName ?? pod.spec.containers[0]?.name
      const exitCode = options?.exitCode ?? 1
      const isInit = s.initContainerStatuses?.some((c) => c.name === target) === true
      if (!isInit && !(s.containerStatuses ?? []).some((c) => c.name === target)) {
        return Either.left(`it has no container named "${target ?? ''}"`)
      }
      let failed: PodStatus
      if (isInit) {
        failed = {
          ...s,
          initContainerStatuses: (s.initContainerStatuses ?? []).map((c) =>
            c.name === target
              ? terminatedContainer(c, { exitCode, reason: terminationReason(exitCode), startedAt: c.state?.running?.startedAt ?? t, finishedAt: t })
              : c,
          ),
        }
      } else {
        failed = exitAll(s, t, (c) => (c.name === target ? exitCode : 0))
      }
      let conditions: ReadonlyArray<PodCondition> = failed.conditions ?? []
      for (const condition of options?.conditions ?? []) {
        conditions = setCondition(conditions, condition.type, condition.status, t, condition.reason, condition.message)
      }
      return Either.right(
        recompute(
          {
            ...failed,
            phase: 'Failed',
            conditions,
            ...(options?.reason !== undefined ? { reason: options.reason } : {}),
            ...(options?.message !== undefined ? { message: options.message } : {}),
          },
          t,
        ),
      )
    })
}

function containerExit(
  options: { readonly exitCode?: number; readonly containerName?: string } | undefined,
  pod: Pod,
  status: PodStatus,
  t: string,
): Either.Either<{ readonly name: string; readonly terminated: ContainerStateTerminated }, string> {
  const name = options?.containerName ?? pod.spec.containers[0]?.name ?? ''
  const container = (status.containerStatuses ?? []).find((c) => c.name === name)
  if (container === undefined) return Either.left(`it has no container named "${name}"`)
  if (container.state?.running === undefined) return Either.left(`container "${name}" is not running`)
  const exitCode = options?.exitCode ?? 1
  return Either.right({
    name,
    terminated: {
      exitCode,
      reason: terminationReason(exitCode),
      ...(container.state.running.startedAt !== undefined ? { startedAt: container.state.running.startedAt } : {}),
      finishedAt: t,
    },
  })
}

function restartTransition(options: { readonly exitCode?: number; readonly containerName?: string } | undefined): Transition {
  return (status, t, pod) =>
    Either.flatMap(notFinished(status), (s) =>
      Either.map(containerExit(options, pod, s, t), ({ name, terminated }) =>
        recompute(
          mapContainers(s, (c) =>
            c.name === name
              ? { ...c, restartCount: c.restartCount + 1, lastState: { terminated }, state: { running: { startedAt: t } } }
              : c,
          ),
          t,
        ),
      ),
    )
}

/** The automatic `OnFailure` path: the container exits and waits in `CrashLoopBackOff` until it starts again. */
function crashTransition(options: FailureOptions | undefined): Transition {
  return (status, t, pod) =>
    Either.flatMap(notFinished(status), (s) =>
      Either.map(containerExit(options, pod, s, t), ({ name, terminated }) =>
        recompute(
          mapContainers(s, (c) =>
            c.name === name
              ? restartingContainer(c, terminated, `back-off restarting failed container=${name} pod=${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid ?? ''})`)
              : c,
          ),
          t,
        ),
      ),
    )
}

function finishTransition(exitCode: number): Transition {
  return (status, t) =>
    Either.right(
      terminateRemaining(status, t, (c) => ({
        exitCode,
        reason: terminationReason(exitCode),
        ...(c.state?.running?.startedAt !== undefined ? { startedAt: c.state.running.startedAt } : {}),
        finishedAt: t,
      })),
    )
}

/** The scripted runtime: `PodRuntime` plus its `ScriptedRuntime` controls, taking pods from the given `JobStore`. */
export function layer(script?: PodScript): Layer.Layer<PodRuntime | ScriptedRuntime, never, JobStore> {
  return Layer.effectContext(
    Effect.map(make(script), ({ runtime, controls }) =>
      Context.make(PodRuntime, runtime).pipe(Context.add(ScriptedRuntime, controls)),
    ),
  )
}

/** Builds both services (what `layer` provides). */
export function make(
  script: PodScript = manualScript,
): Effect.Effect<{ readonly runtime: PodRuntimeService; readonly controls: ScriptedRuntimeService }, never, JobStore> {
  return Effect.gen(function* () {
    const store: JobStoreService = yield* JobStore
    const tracked = new Map<string, Tracked>()
    const attempts = new Map<string, number>()
    // The view is one Map updated in place (copying it per event made a Job's lifetime
    // quadratic in its pods); every update wakes the waiters so that they look again.
    // Every event of every pod updates it: plain state and a `Signal`, no effect per update.
    const viewPods = new Map<string, Pod>()
    const viewChanged = new Signal()
    let running = false

    const notFound = (key: ObjectKey) => new NotFound({ kind: 'Pod', namespace: key.namespace, name: key.name })

    const lookup = (key: ObjectKey): Effect.Effect<Tracked, NotFound> =>
      Effect.suspend(() => {
        const pod = tracked.get(keyString(key))
        return pod === undefined ? Effect.fail(notFound(key)) : Effect.succeed(pod)
      })

    /** Records a version of a tracked pod in the view, unless it is older than the one there. */
    const observe = (pod: Pod, k: string = keyString(podKey(pod))): void => {
      const known = viewPods.get(k)
      if (!tracked.has(k) || (known !== undefined && isOlder(pod, known))) return
      viewPods.set(k, pod)
      viewChanged.notify()
    }

    const forget = (k: string): void => {
      if (viewPods.delete(k)) viewChanged.notify()
    }

    /** Records what the runtime wrote, and hands it to the waiters it satisfies. */
    const setStatus = (pod: Tracked, status: PodStatus): void => {
      pod.status = status
      if (pod.statusWaiters === undefined) return
      for (const waiter of [...pod.statusWaiters]) {
        if (!waiter.predicate(status)) continue
        pod.statusWaiters.delete(waiter)
        Deferred.unsafeDone(waiter.found, Exit.succeed(status))
      }
    }

    /** Waits until the pod's own status satisfies `predicate` (now, or the first status written after). */
    const awaitStatus = (pod: Tracked, predicate: (status: PodStatus) => boolean): Effect.Effect<PodStatus> =>
      Effect.suspend(() => {
        if (predicate(pod.status)) return Effect.succeed(pod.status)
        const waiter: StatusWaiter = { predicate, found: Deferred.unsafeMake(FiberId.none) }
        const waiters = (pod.statusWaiters ??= new Set())
        waiters.add(waiter)
        return Effect.ensuring(
          Deferred.await(waiter.found),
          Effect.sync(() => waiters.delete(waiter)),
        )
      })

    const unlock = (pod: Tracked): void => {
      pod.locked = false
      pod.unlocked.notify()
    }

    /**
     * Runs `step` holding the pod: steps on one pod never interleave. A flag and a `Signal`
     * rather than a semaphore per pod; the lock is taken and given back uninterruptibly.
     */
    const holding = <A, E>(pod: Tracked, step: Effect.Effect<A, E>): Effect.Effect<A, E> =>
      Effect.uninterruptibleMask((restore) => {
        const acquire: Effect.Effect<A, E> = Effect.suspend(() => {
          if (pod.locked) return Effect.zipRight(restore(pod.unlocked.wait()), acquire)
          pod.locked = true
          return Effect.matchCauseEffect(restore(step), {
            onFailure: (cause) => {
              unlock(pod)
              return Effect.failCause(cause)
            },
            onSuccess: (value) => {
              unlock(pod)
              return Effect.succeed(value)
            },
          })
        })
        return acquire
      })

    /** Applies a step to a pod's status and writes it. */
    const apply = (key: ObjectKey, action: string, transition: Transition): Effect.Effect<Pod, ScriptedRuntimeError> =>
      Effect.suspend(() => {
        const pod = tracked.get(keyString(key))
        if (pod === undefined) return Effect.fail(notFound(key))
        return holding(
          pod,
          withNowMs((nowMs): Effect.Effect<Pod, ScriptedRuntimeError> => {
            const current = pod.status
            const next = transition(current, formatTime(nowMs), pod.latest)
            if (Either.isLeft(next)) {
              return Effect.fail(new InvalidTransition({ namespace: key.namespace, name: key.name, action, reason: next.left }))
            }
            return Effect.map(writePodStatus(store, key, withForeignConditions(next.right, pod.latest)), (written) => {
              if (!isOlder(written, pod.latest)) pod.latest = written
              pod.times.changed = nowMs
              if (!isStarted(current) && isStarted(next.right)) pod.times.started = nowMs
              setStatus(pod, next.right)
              observe(written)
              return written
            })
          }),
        )
      })

    const appendLog: ScriptedRuntimeService['appendLog'] = (key, text, options) =>
      Effect.flatMap(lookup(key), (pod) =>
        Effect.sync(() => {
          const name = options?.container ?? pod.latest.spec.containers[0]?.name ?? ''
          pod.logs.set(name, (pod.logs.get(name) ?? '') + text)
        }),
      )

    const finishTermination: ScriptedRuntimeService['finishTermination'] = (key, options) =>
      Effect.gen(function* () {
        const pod = yield* lookup(key)
        if (pod.latest.metadata.deletionTimestamp === undefined) {
          return yield* Effect.fail(
            new InvalidTransition({ namespace: key.namespace, name: key.name, action: 'finish the termination of', reason: 'it is not being deleted' }),
          )
        }
        if (!isTerminalPhase(pod.status.phase)) {
          yield* apply(key, 'finish the termination of', finishTransition(options?.exitCode ?? SIGTERM_EXIT_CODE))
        }
        yield* deletePodNow(store, key, pod.uid)
      })

    /** Sleeps until `delay` after `fromMs`; at once when that time has passed. */
    const sleepUntil = (fromMs: number, delay: Duration.DurationInput) =>
      withNowMs((nowMs) => {
        const remainingMs = fromMs + Duration.toMillis(Duration.decode(delay)) - nowMs
        // No timer for a step that is due: "at once" stays at once, even with thousands of pods.
        return remainingMs > 0 ? Effect.sleep(Duration.millis(remainingMs)) : Effect.void
      })

    /** Follows the pod's plan until it ends or waits for the controls. */
    const automate = (pod: Tracked): Effect.Effect<void> =>
      Effect.gen(function* () {
        const ignore = <A>(effect: Effect.Effect<A, ScriptedRuntimeError>) => Effect.ignore(effect)
        let plan = pod.plan
        let restartCount = 0
        // The start delay counts from the binding, after a restart in place from the crash.
        let waitingSince = pod.times.bound
        for (;;) {
          if (plan.startAfter !== 'manual') {
            yield* sleepUntil(waitingSince, plan.startAfter ?? 0)
            yield* ignore(apply(pod.key, 'start', startTransition(plan.readyAfter === undefined)))
          }
          const started = yield* awaitStatus(pod, (s) => isTerminalPhase(s.phase) || isStarted(s))
          if (isTerminalPhase(started.phase)) return
          const startedAt = pod.times.started
          if (plan.logs !== undefined) yield* ignore(appendLog(pod.key, plan.logs))
          const readyAfter = plan.readyAfter
          const becomeReady =
            readyAfter === undefined || readyAfter === 'manual'
              ? Effect.void
              : sleepUntil(startedAt, readyAfter).pipe(Effect.zipRight(ignore(apply(pod.key, 'make ready', readyTransition))))
          const outcome = plan.outcome
          if (outcome === undefined || outcome === 'manual') return yield* becomeReady
          // Readiness runs beside the outcome's timer; it has nothing left to do once the pod ended.
          const readiness = readyAfter === undefined || readyAfter === 'manual' ? undefined : yield* Effect.fork(becomeReady)
          yield* sleepUntil(startedAt, outcome.after)
          if (outcome.result === 'Succeeded') return yield* ignore(apply(pod.key, 'succeed', succeedTransition))
          const restartInPlace = restartPolicyOf(pod.latest) === 'OnFailure' && (outcome.conditions ?? []).length === 0
          if (!restartInPlace) return yield* ignore(apply(pod.key, 'fail', failTransition(outcome)))
          if (readiness !== undefined) yield* Fiber.interrupt(readiness)
          const crashed = yield* Effect.either(apply(pod.key, 'fail', crashTransition(outcome)))
          if (Either.isLeft(crashed)) return
          waitingSince = pod.times.changed
          restartCount += 1
          plan = script({ pod: pod.latest, index: pod.index, attempt: pod.attempt, restartCount })
        }
      })

    const runtimeStart: PodRuntimeService['start'] = Effect.gen(function* () {
      if (running) return yield* Effect.logWarning('scripted runtime: start called while already running; ignored')
      running = true
      yield* Effect.addFinalizer(() => Effect.sync(() => void (running = false)))
      const automations = yield* FiberMap.make<string>()
      const terminations = yield* FiberMap.make<string>()

      const drop = (k: string, pod: Tracked): Effect.Effect<void> =>
        Effect.gen(function* () {
          tracked.delete(k)
          yield* FiberMap.remove(automations, pod.uid)
          yield* FiberMap.remove(terminations, pod.uid)
          forget(k)
        })

      /** A deletion: the plan stops; the pod ends at once unless the plan holds it. */
      const terminate = (pod: Tracked): Effect.Effect<void> =>
        Effect.gen(function* () {
          yield* FiberMap.remove(automations, pod.uid)
          if (pod.plan.holdTermination === true && !isTerminalPhase(pod.status.phase)) return
          yield* Effect.ignore(finishTermination(pod.key))
        })

      const runTermination = (pod: Tracked): Effect.Effect<void> =>
        Effect.asVoid(FiberMap.run(terminations, pod.uid, terminate(pod), { onlyIfMissing: true }))

      /** Starts following a pod this runtime just bound: its first status, then its plan in a fiber of its own. */
      const track = (key: ObjectKey, latest: Pod, boundMs: number): Effect.Effect<void> => {
        const group = attemptGroup(latest)
        const attempt = attempts.get(group) ?? 0
        attempts.set(group, attempt + 1)
        const index = indexOf(latest)
        const mine: Tracked = {
          key,
          uid: latest.metadata.uid ?? '',
          latest,
          status: initialStatus(latest, formatTime(boundMs)),
          statusWaiters: undefined,
          locked: false,
          unlocked: new Signal(),
          index,
          attempt,
          plan: script({ pod: latest, index, attempt, restartCount: 0 }),
          logs: new Map(),
          deletionRequested: false,
          times: { bound: boundMs, started: boundMs, changed: boundMs },
        }
        tracked.set(keyString(key), mine)
        observe(latest)
        return Effect.matchEffect(apply(key, 'bind', (s) => Either.right(s)), {
          onFailure: () => Effect.void,
          onSuccess: (written) => {
            const automation = Effect.asVoid(FiberMap.run(automations, mine.uid, automate(mine)))
            return written.metadata.deletionTimestamp === undefined ? automation : Effect.zipRight(automation, runTermination(mine))
          },
        })
      }

      const bind = (pod: Pod): Effect.Effect<void> => {
        const key = podKey(pod)
        return Effect.matchEffect(store.bindPod(key, SCRIPTED_NODE_NAME), {
          onFailure: (error) =>
            error._tag === 'NotFound' || error._tag === 'Conflict'
              ? Effect.void
              : Effect.logWarning(`scripted runtime: binding pod ${keyString(key)} failed: ${error.message}`),
          onSuccess: (latest) => withNowMs((boundMs) => track(key, latest, boundMs)),
        })
      }

      /**
       * Every change of every pod comes here, as it comes up (see `followPods`): the
       * bookkeeping is done in the call, and the effect returned only does what must wait
       * (nothing at all, for most events).
       */
      const changed = (pod: Pod): Effect.Effect<void> => {
        const k = keyString(podKey(pod))
        const mine = tracked.get(k)
        if (mine !== undefined && mine.uid === pod.metadata.uid) {
          if (!isOlder(pod, mine.latest)) mine.latest = pod
          observe(pod, k)
          if (pod.metadata.deletionTimestamp === undefined || mine.deletionRequested) return Effect.void
          mine.deletionRequested = true
          return runTermination(mine)
        }
        const takeIt = isUnboundAndRunnable(pod) ? bind(pod) : Effect.void
        return mine === undefined ? takeIt : Effect.zipRight(drop(k, mine), takeIt)
      }

      const handle = (event: PodEvent): Effect.Effect<void> => {
        switch (event._tag) {
          case 'Listed':
            return Effect.gen(function* () {
              const present = new Set(event.pods.map((p) => keyString(podKey(p))))
              for (const [k, pod] of tracked) if (!present.has(k)) yield* drop(k, pod)
              for (const pod of event.pods) yield* changed(pod)
            })
          case 'Changed':
            return changed(event.pod)
          case 'Deleted':
            return Effect.suspend(() => {
              const k = keyString(podKey(event.pod))
              const mine = tracked.get(k)
              return mine !== undefined && mine.uid === event.pod.metadata.uid ? drop(k, mine) : Effect.void
            })
        }
      }

      yield* Effect.forkScoped(followPods(store, handle))
    })

    const logs: PodRuntimeService['logs'] = (key, options) =>
      Effect.map(lookup(key), (pod) => pod.logs.get(options?.container ?? pod.latest.spec.containers[0]?.name ?? '') ?? '')

    const pods = Effect.sync((): ReadonlyArray<Pod> => [...viewPods.values()])

    const awaitPods: ScriptedRuntimeService['awaitPods'] = (predicate) =>
      viewChanged.until(() => {
        const current: ReadonlyArray<Pod> = [...viewPods.values()]
        return predicate(current) ? current : undefined
      })

    const awaitPod: ScriptedRuntimeService['awaitPod'] = (predicate) => viewChanged.until(() => [...viewPods.values()].find(predicate))

    const controls: ScriptedRuntimeService = {
      pods,
      awaitPods,
      awaitPod,
      start: (key, options) => apply(key, 'start', startTransition(options?.ready ?? true)),
      ready: (key) => apply(key, 'make ready', readyTransition),
      succeed: (key) => apply(key, 'succeed', succeedTransition),
      fail: (key, options) => apply(key, 'fail', failTransition(options)),
      restartContainer: (key, options) => apply(key, 'restart a container of', restartTransition(options)),
      finishTermination,
      appendLog,
    }
    const runtime: PodRuntimeService = { nodeName: SCRIPTED_NODE_NAME, start: runtimeStart, logs }
    return { runtime, controls }
  })
}
