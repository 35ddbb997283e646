/**
 * The scenario toolkit: one `World` per scenario — a store (the backend under test), the
 * scripted pod runtime playing the kubelet, and the Job controller, all in one scope — plus
 * the helpers scenarios are written with: apply a manifest, read the Job, its pods and its
 * events, wait until something holds while time passes, and a recorder that watches every
 * change (for "never more than `parallelism` active pods at any moment").
 *
 * Everything here goes through the ports (`JobStore`, `ScriptedRuntime`, effect's `Clock`)
 * and `Controller.start`; nothing knows how a particular store keeps its objects.
 */
import { Cause, Clock, Duration, Effect, Exit, Layer, Option, Scope, Stream, TestClock } from 'effect'
import * as Controller from '../adapters/shell/controller/Controller.js'
import type { ControllerHandle, ControllerOptions } from '../adapters/shell/controller/Controller.js'
import { JobStore } from '../adapters/ports/JobStore.js'
import { optionalCronJobStore } from '../adapters/ports/CronJobStore.js'
import type { CronJobWorld } from './cronJobWorld.js'
import { makeCronJobWorld } from './cronJobWorld.js'
import type { JobStoreService, ObjectKey, StoredEvent } from '../adapters/ports/JobStore.js'
import type { FaultInjectorService } from '../adapters/stores/faults/FaultyStore.js'
import { PodRuntime } from '../adapters/ports/PodRuntime.js'
import * as ScriptedRuntime from '../adapters/runtimes/scripted/ScriptedRuntime.js'
import type { PodPlan, PodScript, ScriptedRuntimeService } from '../adapters/runtimes/scripted/ScriptedRuntime.js'
import type { Job, JobCondition, JobConditionType, Pod } from '../core/model/types.js'
import { parseTime } from '../core/model/time.js'
import { BACKOFF_BASE_ANNOTATION } from '../core/reconcile/backoff.js'
import { BUILT_IN_CONTROLLER, JOB_NAME_LABEL } from '../core/model/wellKnown.js'
import type { EngineSettings } from '../core/reconcile/options.js'

// ---------------------------------------------------------------------------------------
// Options

/** What a backend can do; each flag changes how scenarios run, never whether they pass. */
export interface Capabilities {
  /**
   * Time runs on effect's `TestClock` (memory, file): hours of back-off take milliseconds and
   * timings are asserted exactly. `false` for a backend whose timestamps are wall-clock (a real
   * API server): scenarios then run in real time, with every duration scaled down (`seconds`)
   * and the back-off shortened through the `job-reconciler.io/backoff-base-seconds` annotation.
   * Default `true`.
   */
  readonly testClock?: boolean
  /**
   * The `spec.managedBy` name of the controller under test. A backend that runs beside the
   * built-in Job controller (a real cluster) gives its own name; every scenario Job then
   * carries `spec.managedBy` with it. Default: the built-in `kubernetes.io/job-controller`.
   */
  readonly controllerName?: string
  /**
   * The Job controller under test runs outside the suite, e.g. kube-controller-manager beside
   * a real API server (the reference run): the suite starts no controller of its own, cannot
   * stop or restart it (scenarios that do are not registered), and cannot shorten its back-off
   * (the 10 s base; the annotation is ignored). Default false.
   */
  readonly externalController?: boolean
  /**
   * The longest pod-failure back-off, in seconds of real waiting, that a scenario may need in
   * all (`Scenario.backoffPeriods` × the base); scenarios needing more are not registered. For
   * a controller whose back-off cannot be shortened. Default: no limit.
   */
  readonly maxBackoffWaitSeconds?: number
  /**
   * The backend provides `CronJobStore` and the controller under test runs CronJobs: the
   * `cronJobs` topic is registered. Default false (a backend of Jobs alone).
   */
  readonly cronJobs?: boolean
}

/** The pod-failure back-off base, in seconds, that the scenario Jobs get with these capabilities. */
export function backoffBaseSeconds(capabilities: Capabilities | undefined): number {
  if ((capabilities?.testClock ?? true) || capabilities?.externalController === true) return 10
  return REAL_TIME_BACKOFF_BASE_SECONDS
}

/** How the suite runs against one backend. */
export interface ConformanceOptions<E = never> {
  /** Shown in the report: `conformance (memory)`. */
  readonly name: string
  /**
   * Provides the backend. Built once per scenario (a fresh store for an embedded backend). A
   * function gets the scenario's namespace: a backend shared by every scenario (a real API
   * server) can then keep each scenario's store, and so its controller, to that namespace.
   */
  readonly layer: Layer.Layer<JobStore, E> | ((namespace: string) => Layer.Layer<JobStore, E>)
  readonly capabilities?: Capabilities
  /** Extra controller options (workers, `eventBatchMs`, retry, engine settings). */
  readonly controller?: ControllerOptions
  /**
   * The namespace a scenario's objects go to. Default: one namespace per scenario
   * (`conformance-<n>`), so that scenarios sharing a long-lived server never see each other.
   */
  readonly namespace?: (scenarioNumber: number) => string
  /**
   * Run the scenarios of each topic concurrently (vitest's `maxConcurrency` at a time). Only for
   * a backend whose scenarios cannot see each other: a `layer` function keeping each
   * scenario's store to its namespace. Default false.
   */
  readonly concurrent?: boolean
  /** How long one scenario may take, in milliseconds (vitest's per-test timeout). Default 120 000. */
  readonly timeoutMs?: number
  /** Runs before each scenario, e.g. to create its namespace on a real cluster. */
  readonly prepareNamespace?: (namespace: string) => Effect.Effect<void, unknown, JobStore>
}

// ---------------------------------------------------------------------------------------
// Small helpers on the model

/** The condition of that type, if the status has one. */
export function conditionOf(job: Job, type: JobConditionType): JobCondition | undefined {
  return job.status?.conditions?.find((condition) => condition.type === type)
}

/** Whether the Job has a `True` condition of that type. */
export function hasCondition(job: Job, type: JobConditionType): boolean {
  return conditionOf(job, type)?.status === 'True'
}

/** `Complete=True` or `Failed=True`. */
export function isFinishedJob(job: Job): boolean {
  return hasCondition(job, 'Complete') || hasCondition(job, 'Failed')
}

/** R68: not `Succeeded`/`Failed` and not being deleted. */
export function isActivePod(pod: Pod): boolean {
  const phase = pod.status?.phase
  return phase !== 'Succeeded' && phase !== 'Failed' && pod.metadata.deletionTimestamp === undefined
}

/** The store key of a pod. */
export function keyOf(object: { readonly metadata: { readonly namespace?: string; readonly name?: string } }): ObjectKey {
  return { namespace: object.metadata.namespace ?? 'default', name: object.metadata.name ?? '' }
}

/** Epoch milliseconds of an RFC 3339 time the store wrote; fails the scenario when absent. */
export function millisOf(time: string | undefined): number {
  const ms = parseTime(time)
  if (ms === undefined) throw new Error(`expected a timestamp, got ${String(time)}`)
  return ms
}

/** The pod's controller owner reference. */
export function controllerOf(pod: Pod) {
  return pod.metadata.ownerReferences?.find((ref) => ref.controller === true)
}

/** The completion index annotation of a pod, as a number. */
export function indexOfPod(pod: Pod): number | undefined {
  const raw = pod.metadata.annotations?.['batch.kubernetes.io/job-completion-index']
  return raw === undefined ? undefined : Number(raw)
}

/** Sorted by creation time, then name (the order the controller created them in). */
function byCreation(a: Pod, b: Pod): number {
  const ta = parseTime(a.metadata.creationTimestamp) ?? 0
  const tb = parseTime(b.metadata.creationTimestamp) ?? 0
  if (ta !== tb) return ta - tb
  return Number(a.metadata.resourceVersion ?? 0) - Number(b.metadata.resourceVersion ?? 0)
}

// ---------------------------------------------------------------------------------------
// Manifests

/** The container most scenarios use; the scripted runtime never runs it. */
export const mainContainer = { name: 'main', image: 'busybox:1.36', command: ['sh', '-c', 'echo working'] }

/**
 * A Job manifest as `kubectl create -f` sends it: `spec` fields as given, a template with one
 * container `main` and `restartPolicy: Never` unless `template` says otherwise.
 */
export function jobManifest(
  name: string,
  spec: Record<string, unknown> = {},
  options: {
    readonly restartPolicy?: 'Never' | 'OnFailure' | 'Always'
    readonly containers?: ReadonlyArray<Record<string, unknown>>
    readonly templateLabels?: Record<string, string>
    readonly annotations?: Record<string, string>
    readonly labels?: Record<string, string>
  } = {},
): Record<string, unknown> {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      ...(options.annotations !== undefined ? { annotations: options.annotations } : {}),
      ...(options.labels !== undefined ? { labels: options.labels } : {}),
    },
    spec: {
      ...spec,
      template: {
        ...(options.templateLabels !== undefined ? { metadata: { labels: options.templateLabels } } : {}),
        spec: {
          containers: options.containers ?? [mainContainer],
          restartPolicy: options.restartPolicy ?? 'Never',
        },
      },
    },
  }
}

// ---------------------------------------------------------------------------------------
// The recorder: every change of the scenario's namespace, as it happened

interface JobTrack {
  /** Every version of the Job seen by the watch, in order. */
  readonly versions: Job[]
}

interface PodTrack {
  readonly pods: Map<string, Pod>
  maxActive: number
  /** Names in creation order. */
  readonly created: string[]
}

/** What the recorder saw for one Job. */
export interface Recording {
  /** The largest number of active pods (R68) of the Job at any moment. */
  readonly maxActive: number
  /** Names of the Job's pods, in the order they appeared. */
  readonly created: ReadonlyArray<string>
  /** Every version of the Job the watch delivered, in order. */
  readonly versions: ReadonlyArray<Job>
}

class Recorder {
  readonly jobs = new Map<string, JobTrack>()
  readonly pods = new Map<string, PodTrack>()
  /** Bumped on every watch event: a cheap "has anything happened" fingerprint. */
  changes = 0

  jobOf(pod: Pod): string | undefined {
    return pod.metadata.labels?.[JOB_NAME_LABEL] ?? controllerOf(pod)?.name
  }

  onJob(type: 'Added' | 'Modified' | 'Deleted', job: Job): void {
    this.changes++
    if (type === 'Deleted') return
    const name = job.metadata.name ?? ''
    let track = this.jobs.get(name)
    if (track === undefined) {
      track = { versions: [] }
      this.jobs.set(name, track)
    }
    track.versions.push(job)
  }

  onPod(type: 'Added' | 'Modified' | 'Deleted', pod: Pod): void {
    this.changes++
    const jobName = this.jobOf(pod)
    if (jobName === undefined) return
    let track = this.pods.get(jobName)
    if (track === undefined) {
      track = { pods: new Map(), maxActive: 0, created: [] }
      this.pods.set(jobName, track)
    }
    const uid = pod.metadata.uid ?? ''
    if (!track.pods.has(uid) && type !== 'Deleted') track.created.push(pod.metadata.name ?? '')
    if (type === 'Deleted') track.pods.delete(uid)
    else track.pods.set(uid, pod)
    let active = 0
    for (const p of track.pods.values()) if (isActivePod(p)) active++
    track.maxActive = Math.max(track.maxActive, active)
  }

  /** Whether the watch has delivered this version of the Job (or a newer one) yet. */
  hasSeen(job: Job): boolean {
    const wanted = job.metadata.resourceVersion ?? ''
    return (this.jobs.get(job.metadata.name ?? '')?.versions ?? []).some((seen) => {
      const version = seen.metadata.resourceVersion ?? ''
      return version === wanted || (seen.metadata.uid === job.metadata.uid && Number(version) > Number(wanted))
    })
  }

  recording(jobName: string): Recording {
    const pods = this.pods.get(jobName)
    return {
      maxActive: pods?.maxActive ?? 0,
      created: [...(pods?.created ?? [])],
      versions: [...(this.jobs.get(jobName)?.versions ?? [])],
    }
  }
}

/** Lists, then watches from the list's version, feeding `onEvent`; relists when the watch ends. */
function follow<A extends { readonly metadata: { readonly resourceVersion?: string } }>(
  list: Effect.Effect<{ readonly items: ReadonlyArray<A>; readonly resourceVersion: string }, unknown>,
  watch: (resourceVersion: string) => Stream.Stream<{ readonly type: string; readonly object?: A }, unknown>,
  onEvent: (type: 'Added' | 'Modified' | 'Deleted', object: A) => void,
): Effect.Effect<never> {
  const once = Effect.gen(function* () {
    const listed = yield* list
    for (const item of listed.items) onEvent('Added', item)
    yield* Stream.runForEach(watch(listed.resourceVersion), (event) =>
      Effect.sync(() => {
        if (event.object === undefined || (event.type !== 'Added' && event.type !== 'Modified' && event.type !== 'Deleted')) return
        onEvent(event.type, event.object)
      }),
    )
  })
  return once.pipe(Effect.ignore, Effect.zipRight(Effect.sleep('100 millis')), Effect.forever)
}

// ---------------------------------------------------------------------------------------
// The world

/** How `eventually` waits. */
export interface WaitOptions {
  /** How much (scenario) time may pass before giving up. Default 2 minutes. */
  readonly timeout?: Duration.DurationInput
  /** The longest single step of the clock (TestClock only). Default 5 seconds. */
  readonly maxStep?: Duration.DurationInput
}

/** How `pass` lets time go by. */
export interface PassOptions {
  /**
   * The longest single step of the clock (TestClock only; it always stops at the next moment
   * something wakes up). Default 5 seconds; hours of schedules can take bigger steps.
   */
  readonly maxStep?: Duration.DurationInput
}

/** What a scenario gets: the backend, the kubelet's controls, the controller and the helpers. */
export interface World {
  readonly namespace: string
  readonly store: JobStoreService
  /** The scripted runtime's controls: start, ready, succeed, fail, restartContainer, finishTermination. */
  readonly kubelet: ScriptedRuntimeService
  /** Whether time runs on `TestClock`. */
  readonly testClock: boolean
  /** The `managedBy` name of the controller under test. */
  readonly controllerName: string
  /** The controller under test runs outside the suite (see `Capabilities.externalController`). */
  readonly externalController: boolean
  /**
   * A scenario duration in whole seconds, as written into manifests (deadlines, TTLs): `n`
   * on TestClock, scaled down (÷10, at least 1) in real time.
   */
  readonly seconds: (n: number) => number
  /**
   * The back-off base the scenarios' Jobs get, in seconds: 10 on TestClock, 2 in real time
   * (through the `job-reconciler.io/backoff-base-seconds` annotation; 2 s, not 1 s, so that a
   * delay still stands out from the 1 s event batching).
   */
  readonly backoffBaseSeconds: number
  /** The current (scenario) time, epoch milliseconds, truncated to whole seconds as stored timestamps are. */
  readonly now: Effect.Effect<number>

  /**
   * Creates a Job from a manifest in the scenario's namespace (adding `spec.managedBy` when
   * the controller under test has its own name) and plays its pods with `script` (default:
   * each pod starts at once, is ready, and runs until the scenario ends it).
   */
  readonly create: (manifest: Record<string, unknown>, script?: PodScript) => Effect.Effect<Job, unknown>
  /** Changes how the Job's next pods are played. */
  readonly setScript: (jobName: string, script: PodScript) => void
  readonly job: (name: string) => Effect.Effect<Job, unknown>
  /** The Job's pods still in the store (by `job-name` label or controller owner), oldest first. */
  readonly pods: (jobName: string) => Effect.Effect<ReadonlyArray<Pod>, unknown>
  /** The Job's active pods (R68), oldest first. */
  readonly activePods: (jobName: string) => Effect.Effect<ReadonlyArray<Pod>, unknown>
  readonly events: (objectName: string) => Effect.Effect<ReadonlyArray<StoredEvent>, unknown>
  /** Updates a Job's spec/metadata from its current version (retrying on conflicts). */
  readonly updateJob: (name: string, change: (job: Job) => Job) => Effect.Effect<Job, unknown>

  /**
   * Runs `check` until it succeeds (an assertion that throws, or an effect that fails, means
   * "not yet"), letting scenario time pass in between; fails with the last reason after `timeout`.
   */
  readonly eventually: <A>(check: Effect.Effect<A, unknown>, options?: WaitOptions) => Effect.Effect<A>
  /** Waits until the Job satisfies `predicate` (an assertion or a boolean), and returns it. */
  readonly waitForJob: (name: string, predicate: (job: Job) => boolean | void, options?: WaitOptions) => Effect.Effect<Job>
  /** Waits until the Job has `count` active pods, and returns them (oldest first). */
  readonly waitForActive: (jobName: string, count: number, options?: WaitOptions) => Effect.Effect<ReadonlyArray<Pod>>
  /**
   * Lets `duration` of scenario time pass with everything running (in real time: a tenth of
   * it, at most 10 s, matching `seconds` and the shortened back-off).
   */
  readonly pass: (duration: Duration.DurationInput, options?: PassOptions) => Effect.Effect<void>
  /** Everything the recorder saw of a Job so far. */
  readonly recording: (jobName: string) => Recording

  /** Stops the controller (its scope closes: informers, workers, in-memory state gone). */
  readonly stopController: Effect.Effect<void>
  /** Starts a new controller on the same store (after `stopController`). */
  readonly startController: Effect.Effect<ControllerHandle>
  /**
   * From now on the controller reaches the store through a fault-injecting wrapper
   * (`FaultyStore`), while the scenario and the kubelet keep the real store: the running
   * controller is stopped, a new one is started on a connection of `faults`, and each time the
   * faults crash it, it is stopped and another is started on a new connection to the same
   * store, as a Deployment restarts a crashed controller. Returns at once; everything happens
   * while the scenario waits (`eventually`, `pass`).
   */
  readonly runControllerThrough: (faults: FaultInjectorService) => Effect.Effect<void>
  /** CronJobs: the backend's `CronJobStore` and helpers (with `capabilities.cronJobs`). */
  readonly cronJobs: CronJobWorld
}

/** A scenario: what it checks, which rules, and how. */
export interface Scenario {
  readonly name: string
  /** Registered only when the backend can do what it needs (never a silent skip). */
  readonly requires?: (capabilities: Required<Capabilities>) => boolean
  /**
   * How long the scenario waits for pod-failure back-off in all, in multiples of the base
   * (10 s, then 20 s, then 40 s after consecutive failures is 1 + 2 + 4 = 7); compared with
   * `maxBackoffWaitSeconds`. Omitted: none.
   */
  readonly backoffPeriods?: number
  /**
   * How long this scenario may take in real time, in milliseconds, when it needs more than the
   * backend's timeout (CronJob scenarios wait for real minutes). Omitted: the backend's.
   */
  readonly timeoutMs?: number
  readonly run: (world: World) => Effect.Effect<void, unknown>
}

/** What a scenario needs besides its body: capabilities, back-off waits. */
export interface ScenarioOptions {
  readonly requires?: Scenario['requires']
  readonly backoffPeriods?: number
  readonly timeoutMs?: number
}

/** Declares a scenario; the third argument is `requires` or the scenario's options. */
export function scenario(name: string, run: Scenario['run'], options?: Scenario['requires'] | ScenarioOptions): Scenario {
  const { requires, backoffPeriods, timeoutMs } = typeof options === 'function' ? { requires: options, backoffPeriods: undefined, timeoutMs: undefined } : (options ?? {})
  return {
    name,
    run,
    ...(requires !== undefined ? { requires } : {}),
    ...(backoffPeriods !== undefined ? { backoffPeriods } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  }
}

/** Scenarios that stop and start the controller need one the suite runs itself. */
export const controlsTheController: Scenario['requires'] = (capabilities) => !capabilities.externalController

/** The plan of a pod that starts at once, is ready, and runs until the scenario ends it. */
export const runUntilTold: PodScript = (): PodPlan => ({})

/** The back-off base (seconds) of scenario Jobs when time is real. */
const REAL_TIME_BACKOFF_BASE_SECONDS = 2

/** A plan with every delay multiplied by `factor`. */
function scalePlan(plan: PodPlan, factor: number): PodPlan {
  const scale = (d: Duration.DurationInput): Duration.DurationInput => Duration.millis(Duration.toMillis(Duration.decode(d)) * factor)
  return {
    ...plan,
    ...(plan.startAfter !== undefined && plan.startAfter !== 'manual' ? { startAfter: scale(plan.startAfter) } : {}),
    ...(plan.readyAfter !== undefined && plan.readyAfter !== 'manual' ? { readyAfter: scale(plan.readyAfter) } : {}),
    ...(plan.outcome !== undefined && plan.outcome !== 'manual' ? { outcome: { ...plan.outcome, after: scale(plan.outcome.after) } } : {}),
  }
}

/** One macrotask turn, on the real event loop (whatever clock the test runs on). */
const macrotask = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

/** Builds the world for one scenario, runs it, and tears everything down. */
export function runScenario<E>(options: ConformanceOptions<E>, number: number, body: Scenario['run']): Effect.Effect<void, unknown> {
  const testClock = options.capabilities?.testClock ?? true
  const controllerName = options.capabilities?.controllerName ?? BUILT_IN_CONTROLLER
  const externalController = options.capabilities?.externalController ?? false
  const namespace = options.namespace?.(number) ?? `conformance-${number}`
  const scripts = new Map<string, PodScript>()
  /** Scripts for the pods of the Jobs a CronJob creates (`<cronjob>-<minutes>`), by CronJob. */
  const cronJobScripts = new Map<string, PodScript>()
  const dispatch: PodScript = (pod) => {
    const jobName = pod.pod.metadata.labels?.[JOB_NAME_LABEL] ?? controllerOf(pod.pod)?.name ?? ''
    const podNamespace = pod.pod.metadata.namespace ?? 'default'
    const ofCronJob = /^(.*)-\d+$/.exec(jobName)?.[1]
    const script = scripts.get(`${podNamespace}/${jobName}`) ?? (ofCronJob === undefined ? undefined : cronJobScripts.get(`${podNamespace}/${ofCronJob}`))
    return (script ?? runUntilTold)(pod)
  }
  /** In real time a script's delays shrink like every other scenario duration (÷10). */
  const scaled = (script: PodScript): PodScript => (testClock ? script : (pod) => scalePlan(script(pod), 0.1))
  const settings: Partial<EngineSettings> = { ...options.controller?.settings, controllerName }
  const controllerOptions: ControllerOptions = { workers: 2, ...options.controller, settings }

  const program = Effect.gen(function* () {
    const store = yield* JobStore
    if (options.prepareNamespace !== undefined) yield* options.prepareNamespace(namespace)
    const kubelet = patientControls(yield* ScriptedRuntime.ScriptedRuntime, testClock)
    const runtime = yield* PodRuntime
    const recorder = new Recorder()
    yield* Effect.forkScoped(
      follow(store.listJobs({ namespace }), (rv) => store.watchJobs({ namespace, resourceVersion: rv }), (t, j) => recorder.onJob(t, j)),
    )
    yield* Effect.forkScoped(
      follow(store.listPods({ namespace }), (rv) => store.watchPods({ namespace, resourceVersion: rv }), (t, p) => recorder.onPod(t, p)),
    )
    yield* runtime.start

    let controllerScope: Scope.CloseableScope | undefined
    let controller: ControllerHandle | undefined
    const startControllerOn = (target: JobStoreService) =>
      Effect.gen(function* () {
        if (controllerScope !== undefined) return yield* Effect.dieMessage('the controller is running already')
        const scope = yield* Scope.make()
        controllerScope = scope
        controller = yield* Controller.start(controllerOptions).pipe(Scope.extend(scope))
        return controller
      }).pipe(Effect.provideService(JobStore, target))
    const startController = startControllerOn(store)
    const stopController = Effect.suspend(() => {
      const scope = controllerScope
      controllerScope = undefined
      controller = undefined
      return scope === undefined ? Effect.void : Scope.close(scope, Exit.void)
    })
    yield* Effect.addFinalizer(() => stopController)
    if (!externalController) yield* startController

    const scenarioScope = yield* Effect.scope
    const runControllerThrough = (faults: FaultInjectorService): Effect.Effect<void> =>
      Effect.gen(function* () {
        yield* stopController
        const superviseOne: Effect.Effect<void> = Effect.gen(function* () {
          const connection = yield* faults.connect
          yield* startControllerOn(connection.store)
          yield* connection.awaitCrash
          yield* stopController
        })
        yield* Effect.forkIn(Effect.forever(superviseOne), scenarioScope)
      })

    /** Lets every fiber run until nothing changes any more (TestClock only). */
    const settle = Effect.gen(function* () {
      let quiet = 0
      let last = -1
      for (let round = 0; round < 200 && quiet < 3; round++) {
        yield* macrotask
        const fingerprint = recorder.changes * 1_000_003 + (yield* TestClock.sleeps()).length
        quiet = fingerprint === last ? quiet + 1 : 0
        last = fingerprint
      }
    })

    /** Moves scenario time forward by at most `maxMs`, to the next moment something wakes up. */
    const step = (maxMs: number, untilMs: number) =>
      Effect.gen(function* () {
        if (!testClock) {
          yield* Effect.sleep(`${Math.min(maxMs, 50)} millis`)
          return
        }
        yield* settle
        const now = yield* Clock.currentTimeMillis
        const sleeps = yield* TestClock.sleeps()
        let next = Math.min(now + maxMs, untilMs)
        for (const at of sleeps) if (at > now && at < next) next = at
        if (next > now) yield* TestClock.adjust(`${next - now} millis`)
        yield* settle
      })

    const millis = (duration: Duration.DurationInput | undefined, fallback: number): number =>
      duration === undefined ? fallback : Duration.toMillis(Duration.decode(duration))

    const eventually = <A>(check: Effect.Effect<A, unknown>, wait?: WaitOptions): Effect.Effect<A> =>
      Effect.gen(function* () {
        const scale = testClock ? 1 : 0.25
        const timeoutMs = Math.max(millis(wait?.timeout, 120_000) * scale, testClock ? 0 : 20_000)
        const maxStepMs = millis(wait?.maxStep, 5_000)
        const deadline = (yield* Clock.currentTimeMillis) + timeoutMs
        if (testClock) yield* settle
        for (;;) {
          const exit = yield* Effect.exit(check)
          if (Exit.isSuccess(exit)) return exit.value
          const now = yield* Clock.currentTimeMillis
          if (now >= deadline) {
            return yield* Effect.die(
              new Error(`still not true after ${timeoutMs / 1000} s of scenario time:\n${Cause.pretty(exit.cause)}`),
            )
          }
          yield* step(maxStepMs, deadline)
        }
      })

    const pass = (duration: Duration.DurationInput, passOptions?: PassOptions): Effect.Effect<void> =>
      Effect.gen(function* () {
        const scenarioMs = millis(duration, 0)
        const maxStepMs = millis(passOptions?.maxStep, 5_000)
        const until = (yield* Clock.currentTimeMillis) + (testClock ? scenarioMs : Math.min(scenarioMs / 10, 10_000))
        for (;;) {
          const now = yield* Clock.currentTimeMillis
          if (now >= until) break
          yield* step(testClock ? maxStepMs : 50, until)
        }
        if (testClock) yield* settle
      })

    const job = (name: string) => store.getJob({ namespace, name })
    const pods = (jobName: string) =>
      Effect.map(store.listPods({ namespace }), (listed) =>
        listed.items.filter((pod) => recorder.jobOf(pod) === jobName).sort(byCreation),
      )
    const activePods = (jobName: string) => Effect.map(pods(jobName), (all) => all.filter(isActivePod))

    const create = (manifest: Record<string, unknown>, script?: PodScript) =>
      Effect.gen(function* () {
        const metadata = (manifest['metadata'] ?? {}) as Record<string, unknown>
        const spec = (manifest['spec'] ?? {}) as Record<string, unknown>
        const annotations = { ...((metadata['annotations'] as Record<string, string> | undefined) ?? {}) }
        if (!testClock && !externalController && annotations[BACKOFF_BASE_ANNOTATION] === undefined) {
          annotations[BACKOFF_BASE_ANNOTATION] = String(REAL_TIME_BACKOFF_BASE_SECONDS)
        }
        const name = String(metadata['name'] ?? '')
        scripts.set(`${namespace}/${name}`, scaled(script ?? runUntilTold))
        const managed =
          controllerName !== BUILT_IN_CONTROLLER && spec['managedBy'] === undefined ? { managedBy: controllerName } : {}
        return yield* store.createJob({
          ...manifest,
          metadata: { ...metadata, namespace, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
          spec: { ...spec, ...managed },
        })
      })

    const updateJob = (name: string, change: (job: Job) => Job) =>
      Effect.gen(function* () {
        const current = yield* job(name)
        return yield* store.updateJob(change(current))
      }).pipe(Effect.retry({ times: 5, while: (error) => (error as { _tag?: string })._tag === 'Conflict' }))

    const world: World = {
      namespace,
      store,
      kubelet,
      testClock,
      controllerName,
      externalController,
      seconds: (n) => (testClock ? n : Math.max(1, Math.round(n / 10))),
      backoffBaseSeconds: backoffBaseSeconds(options.capabilities),
      now: Effect.map(Clock.currentTimeMillis, (ms) => Math.floor(ms / 1000) * 1000),
      create,
      setScript: (jobName, script) => void scripts.set(`${namespace}/${jobName}`, scaled(script)),
      job,
      pods,
      activePods,
      // Events are sent in the background (as client-go's recorder sends them): read them once ours has tried them all.
      events: (name) => Effect.zipRight(controller?.eventsSettled ?? Effect.void, store.listEvents({ namespace, involvedObjectName: name })),
      updateJob,
      eventually,
      waitForJob: (name, predicate, wait) =>
        eventually(
          Effect.flatMap(job(name), (current) =>
            Effect.try({
              try: () => {
                const verdict = predicate(current)
                if (verdict === false) throw new Error(`Job ${name} not there yet: ${JSON.stringify(current.status ?? {})}`)
                // What the scenario then reads of the recording includes the version it got.
                if (!recorder.hasSeen(current)) throw new Error(`Job ${name}: the watch has not delivered resourceVersion ${current.metadata.resourceVersion ?? ''} yet`)
                return current
              },
              // Keep the assertion's own message for the time-out report.
              catch: (error) => error,
            }),
          ),
          wait,
        ),
      waitForActive: (jobName, count, wait) =>
        eventually(
          Effect.flatMap(activePods(jobName), (active) =>
            active.length !== count
              ? Effect.fail(`${active.length} active pods, want ${count}`)
              : // In real time, also until the runtime has taken (bound) them, as settling guarantees on TestClock.
                !testClock && active.some((pod) => (pod.spec.nodeName ?? '') === '')
                ? Effect.fail('the runtime has not taken every pod yet')
                : Effect.succeed(active),
          ),
          wait,
        ),
      pass,
      recording: (jobName) => recorder.recording(jobName),
      stopController,
      startController,
      runControllerThrough,
      cronJobs: makeCronJobWorld({
        store: Option.getOrUndefined(yield* optionalCronJobStore),
        jobStore: store,
        namespace,
        controllerName,
        testClock,
        setScript: (cronJobName, script) => void cronJobScripts.set(`${namespace}/${cronJobName}`, scaled(script)),
        eventually,
        pass,
      }),
    }
    yield* body(world)
  })

  return program.pipe(
    Effect.scoped,
    Effect.provide(Layer.provideMerge(ScriptedRuntime.layer(dispatch), storeLayer(options.layer, namespace))),
  )
}

/** The store of one scenario: the layer, or what the function gives for the scenario's namespace. */
function storeLayer<E>(layer: ConformanceOptions<E>['layer'], namespace: string): Layer.Layer<JobStore, E> {
  return typeof layer === 'function' ? layer(namespace) : layer
}

/**
 * In real time a scenario can see a pod the moment the controller created it, a little before
 * the runtime has taken (bound) it or started it as its script says; a control on such a pod
 * (`NotFound`, or an `InvalidTransition` such as a restart of a container not started yet)
 * waits until the runtime has it — started, unless its script holds it pending — for at most
 * 10 s, and then applies. On `TestClock` everything has settled already: unchanged.
 */
function patientControls(kubelet: ScriptedRuntimeService, testClock: boolean): ScriptedRuntimeService {
  if (testClock) return kubelet
  const caughtUp = (key: ObjectKey, started: boolean) =>
    kubelet
      .awaitPod(
        (pod) =>
          pod.metadata.name === key.name && (pod.metadata.namespace ?? 'default') === key.namespace && (!started || pod.status?.phase !== 'Pending'),
      )
      .pipe(Effect.timeout('10 seconds'), Effect.ignore)
  const patient =
    <Args extends [ObjectKey, ...unknown[]], A, E extends { readonly _tag: string }>(control: (...args: Args) => Effect.Effect<A, E>) =>
    (...args: Args): Effect.Effect<A, E> =>
      control(...args).pipe(
        Effect.catchIf(
          (error) => error._tag === 'NotFound' || error._tag === 'InvalidTransition',
          (error) => Effect.zipRight(caughtUp(args[0], error._tag === 'InvalidTransition'), control(...args)),
        ),
      )
  return {
    ...kubelet,
    start: patient(kubelet.start),
    ready: patient(kubelet.ready),
    succeed: patient(kubelet.succeed),
    fail: patient(kubelet.fail),
    restartContainer: patient(kubelet.restartContainer),
    finishTermination: patient(kubelet.finishTermination),
  }
}
