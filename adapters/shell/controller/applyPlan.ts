import { Clock, Effect } from 'effect'
import type { Action, CreatePod, DeletePod, RemoveTrackingFinalizer } from '../../../core/reconcile/actions.js'
import type { BackoffRecord } from '../../../core/reconcile/backoff.js'
import type { FailedPodCalls } from '../../../core/reconcile/failedPodCalls.js'
import type { PodCreationReason, Reconciliation } from '../../../core/reconcile/options.js'
import { controllerReferenceTo } from '../../../core/reconcile/claim.js'
import { isFinished } from '../../../core/reconcile/conditions.js'
import { ttlVerdict } from '../../../core/reconcile/ttl.js'
import type { Job } from '../../../core/model/types.js'
import { EVENT_SOURCE_COMPONENT, TRACKING_FINALIZER } from '../../../core/model/wellKnown.js'
import type { StoreError } from '../../ports/errors.js'
import type { JobStoreService, NewEvent, ObjectKey } from '../../ports/JobStore.js'
import type { Expectations } from './Expectations.js'
import type { ControllerMetrics } from './metrics.js'
import { forEachConcurrently } from '../effects/pool.js'

/** What the applier needs besides the plan. */
export interface ApplyContext {
  readonly store: JobStoreService
  /** Queues an event for the background recorder; never waits (EventRecorder.ts). */
  readonly recordEvent: (event: NewEvent) => Effect.Effect<void>
  readonly expectations: Expectations
  readonly metrics: ControllerMetrics
  readonly jobKey: string
  readonly creationReason: PodCreationReason
  /** Called once, after the first status write succeeded, with the back-off record of the plan that made it (R127). */
  readonly onFirstStatusWrite: (backoff: BackoffRecord) => void
  /**
   * `reconcileAfterFailedPodCalls` on the pods and time the plan was made from and on `job`:
   * the Job as the plan's last status write left it (actions.ts).
   */
  readonly afterFailedPodCalls: (failed: FailedPodCalls, job: Job) => Reconciliation
  /** Pods updated by one step at a time (parallel pod operations). */
  readonly podConcurrency: number
}

export interface ApplyOutcome {
  /** The Job as the last status write left it (the input Job when there was none). */
  readonly job: Job
  readonly statusWrites: number
  /** The plan that took effect: the input, or what replaced its rest after failed pod calls. */
  readonly plan: Reconciliation
  /**
   * The first failed pod call, a status-tracking one before a pod-management one (R93). The
   * status steps ran regardless; the sync is to be retried with back-off (R161).
   */
  readonly podCallError?: StoreError
}

/** Where a part of the plan stopped, and what failed in it. */
interface PartOutcome {
  readonly failedUids: ReadonlyArray<string>
  readonly creationsNotMade: number
  readonly error?: StoreError
}

/**
 * Applies a plan in order (actions.ts). Runs of pod operations go in parallel, as upstream
 * issues them; creations go in their slow-start batches (R101). A failed pod call does not
 * skip the status write: the status-tracking part is asked for again with what failed, as
 * upstream's syncJob still tracks the status after manageJob failed (R93), and failed
 * finalizer removals get their partial-progress write (R112.4); both start from the Job as
 * the plan's last status write left it (a plan that stops pods for a new terminal decision
 * writes its interim condition before them, R89/R111). A failed status write, adoption or
 * Job deletion stops the plan there, nothing after it is applied, and is the effect's error.
 */
export function applyPlan(job: Job, plan: Reconciliation, context: ApplyContext): Effect.Effect<ApplyOutcome, StoreError> {
  return Effect.gen(function* () {
    const writes = { job, count: 0 }
    const totalCreations = plan.actions.filter((action) => action._tag === 'CreatePod').length
    if (totalCreations > 0) context.expectations.expectCreations(context.jobKey, totalCreations, yield* Clock.currentTimeMillis)

    const management = yield* applyPart(job, plan.actions.slice(0, plan.trackingFrom), 'management', plan, writes, context)
    const managementFailed: FailedPodCalls = {
      creationsNotMade: management.creationsNotMade,
      deletionsFailed: management.failedUids,
      finalizerRemovalsFailed: [],
    }
    // A plan that stores a new terminal decision before it stops pods has written the Job
    // already: what follows a failed deletion starts from that write.
    const planJob = management.error === undefined ? job : writes.job
    let effective = management.error === undefined ? plan : context.afterFailedPodCalls(managementFailed, planJob)
    const tracking = yield* applyPart(job, effective.actions.slice(effective.trackingFrom), 'tracking', effective, writes, context)
    if (tracking.error !== undefined) {
      effective = context.afterFailedPodCalls({ ...managementFailed, finalizerRemovalsFailed: tracking.failedUids }, planJob)
      yield* applyPart(job, effective.actions, 'tracking', effective, writes, context)
    }
    const podCallError = tracking.error ?? management.error
    return { job: writes.job, statusWrites: writes.count, plan: effective, ...(podCallError === undefined ? {} : { podCallError }) }
  })
}

/**
 * One part of a plan. Pod management goes through every run, noting what failed (a failed
 * creation batch abandons the later creations, R101); status tracking stops after a run of
 * finalizer removals with a failure, for its partial-progress write.
 */
function applyPart(
  job: Job,
  actions: ReadonlyArray<Action>,
  part: 'management' | 'tracking',
  plan: Reconciliation,
  writes: { job: Job; count: number },
  context: ApplyContext,
): Effect.Effect<PartOutcome, StoreError> {
  return Effect.gen(function* () {
    const jobRef = { namespace: job.metadata.namespace ?? 'default', name: job.metadata.name ?? '' }
    const failedUids: string[] = []
    let creationsNotMade = 0
    let firstError: StoreError | undefined
    let creationsLeft = actions.filter((action) => action._tag === 'CreatePod').length
    let creationsAbandoned = false

    let position = 0
    while (position < actions.length) {
      const action = actions[position]!
      if (action._tag === 'CreatePod') {
        const batch = takeWhile(actions, position, (next) => next._tag === 'CreatePod' && next.batch === action.batch) as CreatePod[]
        position += batch.length
        creationsLeft -= batch.length
        if (creationsAbandoned) continue
        const outcome = yield* createBatch(job, batch, context)
        if (outcome.error !== undefined) {
          firstError ??= outcome.error
          creationsAbandoned = true
          // R101: the later batches are never attempted; their expectations go now.
          creationsNotMade += outcome.failures + creationsLeft
          context.expectations.creationObserved(context.jobKey, creationsLeft)
        }
        continue
      }
      if (action._tag === 'DeletePod' || action._tag === 'RemoveTrackingFinalizer') {
        const run = takeWhile(actions, position, (next) => next._tag === 'DeletePod' || next._tag === 'RemoveTrackingFinalizer') as Array<
          DeletePod | RemoveTrackingFinalizer
        >
        position += run.length
        const failures = yield* podOperations(job, run, context)
        for (const failure of failures) failedUids.push(failure.podUid)
        firstError ??= failures[0]?.error
        if (part === 'tracking' && failures.length > 0) break
        continue
      }
      position++
      switch (action._tag) {
        case 'AdoptPod':
          yield* adoptPod(job, { namespace: jobRef.namespace, name: action.podName }, action.podUid, context)
          break
        case 'ReleasePod':
          yield* context.store
            .patchPodMetadata(
              { namespace: jobRef.namespace, name: action.podName },
              { expectUid: action.podUid, removeOwnerReferenceUid: job.metadata.uid ?? '', removeFinalizers: [TRACKING_FINALIZER] },
            )
            .pipe(Effect.catchTags({ NotFound: () => Effect.void, Conflict: () => Effect.void, Invalid: () => Effect.void }))
          break
        case 'UpdateJobStatus': {
          writes.job = yield* context.store.updateJobStatus(jobRef, action.status, writes.job.metadata.resourceVersion ?? '')
          writes.count++
          if (writes.count === 1) context.onFirstStatusWrite(plan.backoff)
          break
        }
        case 'RecordEvent':
          yield* recordJobEvent(job, action.eventType, action.reason, action.message, context)
          break
        case 'DeleteJob':
          yield* deleteExpiredJob(jobRef, action.uid, context)
          break
      }
    }
    return { failedUids, creationsNotMade, ...(firstError === undefined ? {} : { error: firstError }) }
  })
}

function takeWhile(actions: ReadonlyArray<Action>, from: number, belongs: (action: Action) => boolean): Action[] {
  const run: Action[] = []
  for (let i = from; i < actions.length && belongs(actions[i]!); i++) run.push(actions[i]!)
  return run
}

/** One slow-start batch, all in parallel (R101): how many creations failed, and the first error. */
function createBatch(
  job: Job,
  batch: ReadonlyArray<CreatePod>,
  context: ApplyContext,
): Effect.Effect<{ readonly failures: number; readonly error?: StoreError }> {
  return Effect.gen(function* () {
    const results = yield* forEachConcurrently(batch, (action) => Effect.either(context.store.createPod(action.pod)), context.podConcurrency)
    let firstError: StoreError | undefined
    let failures = 0
    for (const result of results) {
      if (result._tag === 'Right') {
        context.metrics.podsCreated.inc({ reason: context.creationReason, status: 'succeeded' })
        yield* recordJobEvent(job, 'Normal', 'SuccessfulCreate', `Created pod: ${result.right.metadata.name ?? ''}`, context)
      } else {
        firstError ??= result.left
        failures++
        context.metrics.podsCreated.inc({ reason: context.creationReason, status: 'failed' })
        context.expectations.creationObserved(context.jobKey)
        yield* recordJobEvent(job, 'Warning', 'FailedCreate', `Error creating: ${result.left.message}`, context)
      }
    }
    return firstError === undefined ? { failures } : { failures, error: firstError }
  })
}

/**
 * Deletions and finalizer removals, grouped by pod: each pod's own steps stay in order
 * (finalizer first, then DELETE; a failed step ends that pod's steps), different pods go in
 * parallel. Returns the pods whose steps failed.
 */
function podOperations(
  job: Job,
  run: ReadonlyArray<DeletePod | RemoveTrackingFinalizer>,
  context: ApplyContext,
): Effect.Effect<ReadonlyArray<{ readonly podUid: string; readonly error: StoreError }>> {
  const byPod = new Map<string, Array<DeletePod | RemoveTrackingFinalizer>>()
  for (const action of run) {
    const steps = byPod.get(action.podUid) ?? []
    steps.push(action)
    byPod.set(action.podUid, steps)
  }
  const namespace = job.metadata.namespace ?? 'default'
  return Effect.gen(function* () {
    const pods = [...byPod.entries()]
    const results = yield* forEachConcurrently(
      pods,
      ([, steps]) =>
        Effect.either(
          steps.length === 1
            ? podOperation(job, namespace, steps[0]!, context)
            : Effect.forEach(steps, (step) => podOperation(job, namespace, step, context), { discard: true }),
        ),
      context.podConcurrency,
    )
    const failures: Array<{ readonly podUid: string; readonly error: StoreError }> = []
    results.forEach((result, i) => {
      if (result._tag === 'Left') failures.push({ podUid: pods[i]![0], error: result.left })
    })
    return failures
  })
}

function podOperation(job: Job, namespace: string, action: DeletePod | RemoveTrackingFinalizer, context: ApplyContext): Effect.Effect<void, StoreError> {
  const key = { namespace, name: action.podName }
  if (action._tag === 'RemoveTrackingFinalizer') {
    context.expectations.expectFinalizerRemoval(action.podUid)
    return context.store.patchPodMetadata(key, { expectUid: action.podUid, removeFinalizers: [TRACKING_FINALIZER] }).pipe(
      Effect.asVoid,
      // A pod that is gone, or replaced by another of the same name, no longer holds our finalizer.
      Effect.catchTags({ NotFound: () => Effect.void, Conflict: () => Effect.void }),
      Effect.tapError(() => Effect.sync(() => context.expectations.finalizerRemovalObserved(action.podUid))),
    )
  }
  // R89: deletions of a finishing Job's pods record no expectations.
  const expectsDeletion = action.reason !== 'JobFinished'
  return Effect.gen(function* () {
    if (expectsDeletion) context.expectations.expectDeletion(context.jobKey, action.podUid, yield* Clock.currentTimeMillis)
    const result = yield* Effect.either(context.store.deletePod(key, { preconditionUid: action.podUid }))
    if (result._tag === 'Right') {
      yield* recordJobEvent(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${action.podName}`, context)
      return
    }
    if (expectsDeletion) context.expectations.deletionObserved(context.jobKey, action.podUid)
    // R106: deleting a pod that is already gone is a success without an event.
    if (result.left._tag === 'NotFound' || result.left._tag === 'Conflict') return
    yield* recordJobEvent(job, 'Warning', 'FailedDelete', `Error deleting: ${result.left.message}`, context)
    return yield* Effect.fail(result.left)
  })
}

/** R170: adoption re-reads the Job first, so a deleted or replaced Job adopts nothing. */
function adoptPod(job: Job, podKey: ObjectKey, podUid: string, context: ApplyContext): Effect.Effect<void, StoreError> {
  return Effect.gen(function* () {
    const fresh = yield* context.store.getJob({ namespace: podKey.namespace, name: job.metadata.name ?? '' })
    if (fresh.metadata.uid !== job.metadata.uid || fresh.metadata.deletionTimestamp !== undefined) return
    yield* context.store
      .patchPodMetadata(podKey, { expectUid: podUid, addOwnerReference: controllerReferenceTo(job), addFinalizers: [TRACKING_FINALIZER] })
      .pipe(Effect.catchTags({ NotFound: () => Effect.void, Conflict: () => Effect.void }))
  }).pipe(Effect.catchTag('NotFound', () => Effect.void))
}

/** R165: TTL is mutable, so the Job is re-read and re-checked right before the delete. */
function deleteExpiredJob(jobRef: ObjectKey, uid: string, context: ApplyContext): Effect.Effect<void, StoreError> {
  return Effect.gen(function* () {
    const fresh = yield* context.store.getJob(jobRef)
    if (fresh.metadata.uid !== uid || !isFinished(fresh.status)) return
    if (ttlVerdict(fresh, yield* Clock.currentTimeMillis)._tag !== 'Expired') return
    yield* context.store.deleteJob(jobRef, { propagationPolicy: 'Foreground', preconditionUid: uid })
  }).pipe(Effect.catchTags({ NotFound: () => Effect.void, Conflict: () => Effect.void }))
}

/** Events are best effort, as upstream's recorder: queued for the background, never failing or delaying a sync. */
export function recordJobEvent(
  job: Job,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  context: Pick<ApplyContext, 'recordEvent'>,
): Effect.Effect<void> {
  return context.recordEvent({
    namespace: job.metadata.namespace ?? 'default',
    involvedObject: { kind: 'Job', name: job.metadata.name ?? '', uid: job.metadata.uid ?? '' },
    type,
    reason,
    message,
    source: EVENT_SOURCE_COMPONENT,
  })
}
