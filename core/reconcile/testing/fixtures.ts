/**
 * Test fixtures for `reconcile`: Jobs built through the real decode + defaults path, pods in
 * every state the controller distinguishes, helpers to read a plan, and a tiny simulated
 * store (`World`) that applies plans the way the API server would and lets tests move pods
 * through their lives (Appendix B of the spec). Test code only; nothing here is random.
 */
import type {
  ContainerStatus,
  Job,
  JobCondition,
  JobConditionType,
  JobStatus,
  Labels,
  OwnerReference,
  Pod,
  PodCondition,
  PodPhase,
} from '../../model/types.js'
import { decodeJob } from '../../model/decode.js'
import { prepareJobForCreate } from '../../model/defaults.js'
import { renderFieldError } from '../../model/fieldErrors.js'
import { prepareJobStatusUpdate, validateJobStatusUpdate } from '../../model/statusValidation.js'
import { validateJob } from '../../model/validation.js'
import { formatTime } from '../../model/time.js'
import { COMPLETION_INDEX_ANNOTATION, TRACKING_FINALIZER } from '../../model/wellKnown.js'
import type { Action, CreatePod, DeletePod, RecordEvent, RemoveTrackingFinalizer, UpdateJobStatus } from '../actions.js'
import type { BackoffRecord } from '../backoff.js'
import type { ReconcileOptions, Reconciliation } from '../options.js'
import { reconcile } from '../reconcile.js'

// ---------------------------------------------------------------------------------------
// Time

/** The fixtures' epoch: every test starts its clock here. */
export const T0 = Date.parse('2026-03-01T10:00:00Z')
export const SECOND = 1000
export const MINUTE = 60 * SECOND

/** `T0 + seconds`, in epoch milliseconds. */
export const at = (seconds: number): number => T0 + seconds * SECOND

/** `T0 + seconds` as the API server writes times. */
export const timeAt = (seconds: number): string => formatTime(at(seconds))

// ---------------------------------------------------------------------------------------
// Jobs

/** A plain JSON object, as a manifest parsed from YAML would be. */
export type Manifest = { readonly [key: string]: unknown }

export interface JobOptions {
  readonly name?: string
  readonly namespace?: string
  readonly uid?: string
  /** Fields merged into `spec` (before defaulting). */
  readonly spec?: Manifest
  readonly restartPolicy?: 'Never' | 'OnFailure'
  readonly annotations?: Labels
  readonly labels?: Labels
  /** Extra template labels. */
  readonly templateLabels?: Labels
  /** The status the Job already has (the store's copy). */
  readonly status?: JobStatus
  readonly deletionTimestamp?: number
  /** Creation time (defaults to `T0`). */
  readonly createdAt?: number
}

/** The docs' `pi` Job (Appendix B), as `kubectl apply` would send it. */
export const PI_MANIFEST: Manifest = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'pi' },
  spec: {
    template: {
      spec: {
        containers: [{ name: 'pi', image: 'perl:5.34.0', command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'] }],
        restartPolicy: 'Never',
      },
    },
    backoffLimit: 4,
  },
}

/** A manifest for a small Job with one container called `main`, before defaulting. */
export function jobManifest(options: JobOptions = {}): Manifest {
  const name = options.name ?? 'pi'
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: options.namespace ?? 'default',
      ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
      ...(options.labels === undefined ? {} : { labels: options.labels }),
    },
    spec: {
      template: {
        ...(options.templateLabels === undefined ? {} : { metadata: { labels: options.templateLabels } }),
        spec: {
          containers: [{ name: 'main', image: 'busybox:1.36', command: ['sh', '-c', 'exit 0'] }],
          restartPolicy: options.restartPolicy ?? 'Never',
        },
      },
      ...options.spec,
    },
  }
}

/**
 * A Job as the store holds it after `kubectl apply` of `manifest`: decoded, defaulted and
 * prepared for create (uid, generated selector and labels) by the real model code. Throws
 * (test code) when the manifest does not decode.
 */
export function jobFromManifest(
  manifest: unknown,
  options: { readonly uid?: string; readonly createdAt?: number; readonly namespace?: string } = {},
): Job {
  const decoded = decodeJob(manifest)
  if (decoded._tag === 'Left') {
    throw new Error(`test manifest does not decode: ${decoded.left.map(renderFieldError).join('; ')}`)
  }
  const prepared = prepareJobForCreate(decoded.right, {
    uid: options.uid ?? 'job-uid-1',
    now: options.createdAt ?? T0,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
  })
  const problems = validateJob(prepared)
  if (problems.length > 0) throw new Error(`test Job is invalid: ${problems.map(renderFieldError).join('; ')}`)
  return prepared
}

/** A Job built from `jobManifest(options)` through the real decode and defaults, with `status`. */
export function makeJob(options: JobOptions = {}): Job {
  const job = jobFromManifest(jobManifest(options), {
    uid: options.uid ?? 'job-uid-1',
    ...(options.createdAt === undefined ? {} : { createdAt: options.createdAt }),
  })
  return {
    ...job,
    metadata: {
      ...job.metadata,
      ...(options.deletionTimestamp === undefined ? {} : { deletionTimestamp: formatTime(options.deletionTimestamp) }),
    },
    ...(options.status === undefined ? {} : { status: options.status }),
  }
}

/** The Job with its status replaced (what the store would show after a status write). */
export const withStatus = (job: Job, status: JobStatus | undefined): Job =>
  status === undefined ? omitStatus(job) : { ...job, status }

function omitStatus(job: Job): Job {
  const { status: _status, ...rest } = job
  return rest
}

/** The Job with spec fields changed (an update of the main resource). */
export const withSpec = (job: Job, spec: Partial<Job['spec']>): Job => ({ ...job, spec: { ...job.spec, ...spec } })

/** A started Job's status: `startTime` and the counters (the shape the engine writes). */
export function runningStatus(fields: Partial<JobStatus> & { readonly startedAt?: number } = {}): JobStatus {
  const { startedAt, ...rest } = fields
  return {
    startTime: formatTime(startedAt ?? T0),
    active: 0,
    ready: 0,
    terminating: 0,
    succeeded: 0,
    failed: 0,
    uncountedTerminatedPods: {},
    ...rest,
  }
}

/** A `True` condition as the engine writes it. */
export function condition(type: JobConditionType, reason: string, message: string, atMs = T0, status: 'True' | 'False' = 'True'): JobCondition {
  const time = formatTime(atMs)
  return { type, status, reason, message, lastProbeTime: time, lastTransitionTime: time }
}

// ---------------------------------------------------------------------------------------
// Pods

/** The states a test pod can be built in. */
export type PodState = 'Pending' | 'Running' | 'Ready' | 'Succeeded' | 'Failed' | 'Terminating'

export interface PodOptions {
  readonly name?: string
  readonly uid?: string
  /** Completion index: a number, or any string for the raw annotation (`"x"`, `"-1"`). */
  readonly index?: number | string
  /** Keep the tracking finalizer (default true). */
  readonly finalizer?: boolean
  /** `job` (default): controlled by the Job; `none`: an orphan; or another controller. */
  readonly owner?: 'job' | 'none' | OwnerReference
  /** Labels instead of the Job's template labels (+ index label). */
  readonly labels?: Labels
  readonly annotations?: Labels
  readonly createdAt?: number
  /** When a terminal pod's containers finished (default `createdAt + 1 s`). */
  readonly finishedAt?: number
  /** Exit code of a `Failed` pod (default 1). */
  readonly exitCode?: number
  /** Restart count of the (only) container. */
  readonly restartCount?: number
  /** Restart count of an init container (adds an init container status). */
  readonly initRestartCount?: number
  /** `Ready=True` since (for `Ready`). */
  readonly readySince?: number
  /** Extra pod conditions (e.g. `DisruptionTarget`). */
  readonly conditions?: ReadonlyArray<PodCondition>
  /** Default: `node-1` once running, none while pending. */
  readonly nodeName?: string | null
  /** Set a `deletionTimestamp` at this time (any state). */
  readonly deletedAt?: number
  readonly namespace?: string
  /** The container name (default `main`). */
  readonly container?: string
}

let podSerial = 0

/** A pod of `job` in `state`, shaped as the controller would have created it. */
export function pod(job: Job, state: PodState, options: PodOptions = {}): Pod {
  podSerial++
  const jobName = job.metadata.name ?? 'job'
  const name = options.name ?? `${jobName}-p${podSerial}`
  const uid = options.uid ?? `uid-${name}`
  const createdAt = options.createdAt ?? T0
  const container = options.container ?? 'main'
  const indexText = options.index === undefined ? undefined : String(options.index)
  const indexLabels: Labels = indexText === undefined ? {} : { [COMPLETION_INDEX_ANNOTATION]: indexText }
  const labels = { ...(options.labels ?? job.spec.template.metadata?.labels ?? {}), ...indexLabels }
  const annotations = { ...indexLabels, ...options.annotations }
  const owner = options.owner ?? 'job'
  const ownerReferences: OwnerReference[] =
    owner === 'job'
      ? [{ apiVersion: 'batch/v1', kind: 'Job', name: jobName, uid: job.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }]
      : owner === 'none'
        ? []
        : [owner]
  const terminal = state === 'Succeeded' || state === 'Failed'
  const phase: PodPhase = state === 'Pending' ? 'Pending' : terminal ? state : 'Running'
  const nodeName = options.nodeName === null ? undefined : (options.nodeName ?? (state === 'Pending' ? undefined : 'node-1'))
  const finishedAt = options.finishedAt ?? createdAt + SECOND
  const restartCount = options.restartCount ?? 0

  const containerStatus: ContainerStatus = terminal
    ? {
        name: container,
        restartCount,
        state: { terminated: { exitCode: state === 'Succeeded' ? 0 : (options.exitCode ?? 1), finishedAt: formatTime(finishedAt) } },
      }
    : state === 'Pending'
      ? { name: container, restartCount, state: { waiting: { reason: 'ContainerCreating' } } }
      : { name: container, restartCount, ready: state === 'Ready', state: { running: { startedAt: formatTime(createdAt) } } }
  const conditions: PodCondition[] = []
  if (state === 'Ready') conditions.push({ type: 'Ready', status: 'True', lastTransitionTime: formatTime(options.readySince ?? createdAt) })
  else if (terminal) conditions.push({ type: 'Ready', status: 'False', lastTransitionTime: formatTime(finishedAt) })
  else if (state !== 'Pending') conditions.push({ type: 'Ready', status: 'False', lastTransitionTime: formatTime(createdAt) })
  conditions.push(...(options.conditions ?? []))

  const deletedAt = options.deletedAt ?? (state === 'Terminating' ? createdAt + 2 * SECOND : undefined)
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      uid,
      namespace: options.namespace ?? job.metadata.namespace ?? 'default',
      creationTimestamp: formatTime(createdAt),
      labels,
      ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
      ...(ownerReferences.length === 0 ? {} : { ownerReferences }),
      ...(options.finalizer === false ? {} : { finalizers: [TRACKING_FINALIZER] }),
      ...(deletedAt === undefined ? {} : { deletionTimestamp: formatTime(deletedAt), deletionGracePeriodSeconds: 0 }),
    },
    spec: {
      containers: [{ name: container, image: 'busybox:1.36' }],
      restartPolicy: job.spec.template.spec.restartPolicy ?? 'Never',
      ...(nodeName === undefined ? {} : { nodeName }),
    },
    status: {
      phase,
      conditions,
      containerStatuses: [containerStatus],
      ...(options.initRestartCount === undefined
        ? {}
        : { initContainerStatuses: [{ name: 'init', restartCount: options.initRestartCount, state: { running: {} } }] }),
    },
  }
}

/** `count` pods in the same state, named `<prefix>-<i>`. */
export function pods(job: Job, state: PodState, count: number, options: Omit<PodOptions, 'name' | 'uid'> & { readonly prefix?: string } = {}): Pod[] {
  const prefix = options.prefix ?? `${job.metadata.name ?? 'job'}-${state.toLowerCase()}`
  return Array.from({ length: count }, (_, i) => pod(job, state, { ...options, name: `${prefix}-${i}` }))
}

/** The pod without its tracking finalizer. */
export function withoutFinalizer(p: Pod): Pod {
  return { ...p, metadata: { ...p.metadata, finalizers: (p.metadata.finalizers ?? []).filter((f) => f !== TRACKING_FINALIZER) } }
}

// ---------------------------------------------------------------------------------------
// Reading a plan

export const tagsOf = (plan: Reconciliation): string[] => plan.actions.map((action) => action._tag)

export const creations = (plan: Reconciliation): CreatePod[] =>
  plan.actions.filter((action): action is CreatePod => action._tag === 'CreatePod')

export const deletions = (plan: Reconciliation): DeletePod[] =>
  plan.actions.filter((action): action is DeletePod => action._tag === 'DeletePod')

export const finalizerRemovals = (plan: Reconciliation): RemoveTrackingFinalizer[] =>
  plan.actions.filter((action): action is RemoveTrackingFinalizer => action._tag === 'RemoveTrackingFinalizer')

export const statusWrites = (plan: Reconciliation): JobStatus[] =>
  plan.actions.filter((action): action is UpdateJobStatus => action._tag === 'UpdateJobStatus').map((action) => action.status)

export const eventsOf = (plan: Reconciliation): Array<Pick<RecordEvent, 'eventType' | 'reason' | 'message'>> =>
  plan.actions
    .filter((action): action is RecordEvent => action._tag === 'RecordEvent')
    .map(({ eventType, reason, message }) => ({ eventType, reason, message }))

/** Names of the pods the plan deletes, in plan order. */
export const deletedNames = (plan: Reconciliation): string[] => deletions(plan).map((action) => action.podName)

/** Names of the pods whose finalizer the plan removes, in plan order. */
export const releasedNames = (plan: Reconciliation): string[] => finalizerRemovals(plan).map((action) => action.podName)

/** Positions of actions in the plan, for order assertions. */
export function positionOf(plan: Reconciliation, predicate: (action: Action) => boolean): number {
  return plan.actions.findIndex(predicate)
}

/** The `True` condition of this type in a status, if any. */
export function conditionOf(status: JobStatus | undefined, type: JobConditionType): JobCondition | undefined {
  return status?.conditions?.find((c) => c.type === type && c.status === 'True')
}

/** Condition types with status `True`, in order. */
export const trueConditionTypes = (status: JobStatus | undefined): string[] =>
  (status?.conditions ?? []).filter((c) => c.status === 'True').map((c) => c.type)

/** The index of a created pod (from its annotation). */
export const createdIndexes = (plan: Reconciliation): number[] =>
  creations(plan).map((action) => Number(action.pod.metadata.annotations?.[COMPLETION_INDEX_ANNOTATION]))

// ---------------------------------------------------------------------------------------
// A simulated store (the "apply the plan" model)

/** A store holding one Job and its pods, a clock, and what the caller remembers between syncs. */
export interface World {
  /** `undefined` once the Job was deleted (TTL). */
  readonly job: Job | undefined
  readonly pods: ReadonlyArray<Pod>
  readonly nowMs: number
  /** The committed back-off record (R127). */
  readonly backoff: BackoffRecord | undefined
  /** Events recorded so far. */
  readonly events: ReadonlyArray<Pick<RecordEvent, 'eventType' | 'reason' | 'message'>>
  readonly serial: number
}

export function newWorld(job: Job, nowMs = T0, initialPods: ReadonlyArray<Pod> = []): World {
  return { job, pods: initialPods, nowMs, backoff: undefined, events: [], serial: 0 }
}

/** The Job of a world that still has one (test code: throws otherwise). */
export function jobOf(world: World): Job {
  if (world.job === undefined) throw new Error('the Job was deleted')
  return world.job
}

export const advance = (world: World, ms: number): World => ({ ...world, nowMs: world.nowMs + ms })

/** Reconciles the world's Job at the world's time, with the world's memory. */
export function plan(world: World, options: Omit<ReconcileOptions, 'backoff'> = {}): Reconciliation {
  return reconcile(jobOf(world), world.pods, world.nowMs, {
    ...(world.backoff === undefined ? {} : { backoff: world.backoff }),
    ...options,
  })
}

export interface Applied {
  readonly world: World
  /** The actions that took effect (a prefix of the plan). */
  readonly applied: ReadonlyArray<Action>
  /** A status write the API server's validation refused (the plan stopped there). */
  readonly rejected?: { readonly status: JobStatus; readonly problems: ReadonlyArray<string> }
}

/**
 * Applies the first `count` actions of `plan` (all by default) the way the API server and the
 * controller's applier would (architecture.md): pods are created with a generated name and
 * deleted gracefully (a pod with finalizers, or still running, gets a `deletionTimestamp`; the
 * object goes once it is terminal and has no finalizer left), finalizers are removed, and
 * every status write goes through the API server's status validation (R60–R66; a rejected
 * write stops the plan, as a 422 would). Stopping early simulates an applier that stops (a
 * failed status write, a crash); refused pod calls are modelled by the properties'
 * `applyWithRefusals`. The back-off record is committed once a status write took effect, or
 * when a plan without status writes was applied whole (R127).
 */
export function applyPlan(world: World, reconciliation: Reconciliation, count = reconciliation.actions.length): Applied {
  const applied = reconciliation.actions.slice(0, count)
  let { job, pods: store, serial, events, backoff } = world
  const now = formatTime(world.nowMs)
  const update = (uid: string, change: (p: Pod) => Pod | undefined) => {
    store = store.flatMap((p) => {
      if (p.metadata.uid !== uid) return [p]
      const next = change(p)
      return next === undefined ? [] : [next]
    })
  }
  let wroteStatus = false
  let rejected: Applied['rejected']
  let taken = 0
  for (const action of applied) {
    if (rejected !== undefined) break
    taken++
    switch (action._tag) {
      case 'CreatePod': {
        serial++
        const name = `${action.pod.metadata.generateName ?? action.pod.metadata.name ?? 'pod-'}${serial.toString(36).padStart(5, '0')}`
        const { generateName: _g, ...metadata } = action.pod.metadata
        store = [
          ...store,
          {
            ...action.pod,
            metadata: { ...metadata, name, uid: `uid-${name}`, creationTimestamp: now },
            status: { phase: 'Pending', conditions: [] },
          },
        ]
        break
      }
      case 'DeletePod':
        update(action.podUid, (p) => collectable(p.metadata.deletionTimestamp === undefined ? markDeleted(p, now) : p))
        break
      case 'RemoveTrackingFinalizer':
        update(action.podUid, (p) => collectable(withoutFinalizer(p)))
        break
      case 'AdoptPod':
        update(action.podUid, (p) => ({
          ...p,
          metadata: {
            ...p.metadata,
            ownerReferences: [
              ...(p.metadata.ownerReferences ?? []),
              { apiVersion: 'batch/v1', kind: 'Job', name: job?.metadata.name ?? '', uid: job?.metadata.uid ?? '', controller: true, blockOwnerDeletion: true },
            ],
            finalizers: [...(p.metadata.finalizers ?? []).filter((f) => f !== TRACKING_FINALIZER), TRACKING_FINALIZER],
          },
        }))
        break
      case 'ReleasePod':
        update(action.podUid, (p) =>
          withoutFinalizer({
            ...p,
            metadata: { ...p.metadata, ownerReferences: (p.metadata.ownerReferences ?? []).filter((ref) => ref.uid !== job?.metadata.uid) },
          }),
        )
        break
      case 'UpdateJobStatus':
        if (job !== undefined) {
          // The API server's status validation (R60–R66): a rejected write stops the plan.
          const updated = prepareJobStatusUpdate(job, action.status)
          const problems = validateJobStatusUpdate(job, updated)
          if (problems.length > 0) {
            rejected = { status: action.status, problems: problems.map(renderFieldError) }
            break
          }
          job = updated
        }
        if (!wroteStatus) backoff = reconciliation.backoff
        wroteStatus = true
        break
      case 'RecordEvent':
        events = [...events, { eventType: action.eventType, reason: action.reason, message: action.message }]
        break
      case 'DeleteJob':
        job = undefined
        break
    }
  }
  const wholePlan = count >= reconciliation.actions.length
  if (wholePlan && !reconciliation.actions.some((action) => action._tag === 'UpdateJobStatus')) backoff = reconciliation.backoff
  const next = { ...world, job, pods: store, serial, events, backoff }
  return rejected === undefined ? { world: next, applied } : { world: next, applied: applied.slice(0, taken - 1), rejected }
}

/** One sync: reconcile and apply the whole plan (throws, test code, when a status write is rejected). */
export function syncOnce(world: World, options: Omit<ReconcileOptions, 'backoff'> = {}): { readonly world: World; readonly plan: Reconciliation } {
  const reconciliation = plan(world, options)
  const outcome = applyPlan(world, reconciliation)
  if (outcome.rejected !== undefined) {
    throw new Error(`status write rejected by the API server: ${outcome.rejected.problems.join('; ')}\n${JSON.stringify(outcome.rejected.status)}`)
  }
  return { world: outcome.world, plan: reconciliation }
}

function markDeleted(p: Pod, now: string): Pod {
  return { ...p, metadata: { ...p.metadata, deletionTimestamp: now, deletionGracePeriodSeconds: 0 } }
}

const isTerminalPhase = (p: Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed'

/** The API server removes a deleted pod once it is terminal and holds no finalizer. */
function collectable(p: Pod): Pod | undefined {
  const deleted = p.metadata.deletionTimestamp !== undefined
  const noFinalizers = (p.metadata.finalizers ?? []).length === 0
  return deleted && noFinalizers && isTerminalPhase(p) ? undefined : p
}

// ---- the kubelet and other actors ----

/** What can happen to a pod between syncs. */
export type PodEvent =
  | { readonly _tag: 'Start' }
  | { readonly _tag: 'Ready' }
  | { readonly _tag: 'Succeed' }
  | { readonly _tag: 'Fail'; readonly exitCode: number; readonly disruption?: boolean }
  /** An in-place container restart (`restartPolicy: OnFailure`). */
  | { readonly _tag: 'Restart' }
  /** Someone (a user, an eviction) deletes the pod: it gets a `deletionTimestamp`. */
  | { readonly _tag: 'Delete' }
  /** The kubelet finishes a terminating pod: it ends `Failed` (exit 143) or `Succeeded`. */
  | { readonly _tag: 'Terminate'; readonly succeeded?: boolean }
  /** The pod garbage collector removes a pod that holds no finalizer. */
  | { readonly _tag: 'Vanish' }

/**
 * Applies `event` to the pod with this uid at the world's time. Events that make no sense
 * for the pod's current state leave it unchanged (so random histories stay realistic).
 */
export function podEvent(world: World, uid: string, event: PodEvent): World {
  const now = formatTime(world.nowMs)
  const pods: Pod[] = []
  for (const p of world.pods) {
    if (p.metadata.uid !== uid) {
      pods.push(p)
      continue
    }
    const next = transition(p, event, now)
    const kept = next === undefined ? undefined : collectable(next)
    if (kept !== undefined) pods.push(kept)
  }
  return { ...world, pods }
}

function transition(p: Pod, event: PodEvent, now: string): Pod | undefined {
  const phase = p.status?.phase
  const terminal = isTerminalPhase(p)
  const deleting = p.metadata.deletionTimestamp !== undefined
  const containerName = p.spec.containers[0]?.name ?? 'main'
  const restarts = p.status?.containerStatuses?.[0]?.restartCount ?? 0
  const withStatus = (status: Pod['status'], nodeName = p.spec.nodeName ?? 'node-1'): Pod => ({
    ...p,
    spec: { ...p.spec, nodeName },
    status,
  })
  const finished = (succeeded: boolean, exitCode: number, extra: ReadonlyArray<PodCondition> = []): Pod =>
    withStatus({
      ...p.status,
      phase: succeeded ? 'Succeeded' : 'Failed',
      conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now }, ...extra],
      containerStatuses: [{ name: containerName, restartCount: restarts, state: { terminated: { exitCode, finishedAt: now } } }],
    })
  switch (event._tag) {
    case 'Start':
      if (phase !== 'Pending' || deleting) return p
      return withStatus({
        phase: 'Running',
        startTime: now,
        conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now }],
        containerStatuses: [{ name: containerName, restartCount: 0, state: { running: { startedAt: now } } }],
      })
    case 'Ready':
      if (phase !== 'Running' || deleting) return p
      if (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return p
      return withStatus({
        ...p.status,
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
      })
    case 'Succeed':
      // A quick pod may start and finish between two looks.
      if (terminal || deleting) return p
      return finished(true, 0)
    case 'Fail':
      if (terminal || deleting) return p
      return finished(false, event.exitCode, event.disruption ? [{ type: 'DisruptionTarget', status: 'True', lastTransitionTime: now }] : [])
    case 'Restart':
      if (phase !== 'Running' || deleting) return p
      return withStatus({
        ...p.status,
        containerStatuses: [{ name: containerName, restartCount: restarts + 1, state: { running: { startedAt: now } } }],
      })
    case 'Delete':
      return deleting ? p : markDeleted(p, now)
    case 'Terminate':
      if (!deleting || terminal) return p
      return event.succeeded === true ? finished(true, 0) : finished(false, 143)
    case 'Vanish':
      return (p.metadata.finalizers ?? []).length === 0 ? undefined : p
  }
}

/** Whether `event` would change this pod (so random histories can pick pods it applies to). */
export function eventApplies(p: Pod, event: PodEvent): boolean {
  const phase = p.status?.phase
  const terminal = isTerminalPhase(p)
  const deleting = p.metadata.deletionTimestamp !== undefined
  switch (event._tag) {
    case 'Start':
      return phase === 'Pending' && !deleting
    case 'Ready':
      return phase === 'Running' && !deleting && !(p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false)
    case 'Succeed':
    case 'Fail':
      return !terminal && !deleting
    case 'Restart':
      return phase === 'Running' && !deleting
    case 'Delete':
      return !deleting
    case 'Terminate':
      return deleting && !terminal
    case 'Vanish':
      return (p.metadata.finalizers ?? []).length === 0
  }
}

/** Every pod event at once for the pods matching `select` (convenience for example tests). */
export function podsEvent(world: World, select: (p: Pod) => boolean, event: PodEvent): World {
  let next = world
  for (const p of world.pods.filter(select)) next = podEvent(next, p.metadata.uid ?? '', event)
  return next
}
