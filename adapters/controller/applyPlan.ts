import { Clock, Effect } from 'effect'
import type { Action, CreatePod, DeletePod, RemoveTrackingFinalizer } from '../../core/reconcile/actions.js'
import { controllerReferenceTo } from '../../core/reconcile/claim.js'
import { isFinished } from '../../core/reconcile/conditions.js'
import { ttlVerdict } from '../../core/reconcile/ttl.js'
import type { Job } from '../../core/model/types.js'
import { EVENT_SOURCE_COMPONENT, TRACKING_FINALIZER } from '../../core/model/wellKnown.js'
import type { StoreError } from '../ports/errors.js'
import type { JobStoreService, ObjectKey } from '../ports/JobStore.js'
import type { Expectations } from './Expectations.js'
import type { ControllerMetrics } from './metrics.js'
import type { PodCreationReason } from '../../core/reconcile/options.js'
import { forEachConcurrently } from '../runtime/pool.js'

/** What the applier needs besides the plan. */
export interface ApplyContext {
  readonly store: JobStoreService
  readonly expectations: Expectations
  readonly metrics: ControllerMetrics
  readonly jobKey: string
  readonly creationReason: PodCreationReason
  /** Called once, after the plan's first status write succeeded (R127). */
  readonly onFirstStatusWrite: () => void
  /** Pods updated by one step at a time (parallel pod operations). */
  readonly podConcurrency: number
}

export interface ApplyOutcome {
  /** The Job as the last status write left it (the input Job when there was none). */
  readonly job: Job
  readonly statusWrites: number
}

/**
 * Applies a plan in order (architecture.md): the first failure stops it and is returned, so
 * the Job is reconciled again from fresh state. Runs of pod operations go in parallel, as
 * upstream issues them; creations go in their slow-start batches (R101).
 */
export function applyPlan(job: Job, actions: ReadonlyArray<Action>, context: ApplyContext): Effect.Effect<ApplyOutcome, StoreError> {
  return Effect.gen(function* () {
    let current = job
    let statusWrites = 0
    const jobRef = { namespace: job.metadata.namespace ?? 'default', name: job.metadata.name ?? '' }
    const totalCreations = actions.filter((action) => action._tag === 'CreatePod').length
    if (totalCreations > 0) context.expectations.expectCreations(context.jobKey, totalCreations, yield* Clock.currentTimeMillis)
    let creationsLeft = totalCreations

    let position = 0
    while (position < actions.length) {
      const action = actions[position]!
      if (action._tag === 'CreatePod') {
        const batch = takeWhile(actions, position, (next) => next._tag === 'CreatePod' && next.batch === action.batch) as CreatePod[]
        position += batch.length
        creationsLeft -= batch.length
        yield* createBatch(job, batch, context).pipe(
          Effect.tapError(() => Effect.sync(() => context.expectations.creationObserved(context.jobKey, creationsLeft))),
        )
        continue
      }
      if (action._tag === 'DeletePod' || action._tag === 'RemoveTrackingFinalizer') {
        const run = takeWhile(actions, position, (next) => next._tag === 'DeletePod' || next._tag === 'RemoveTrackingFinalizer') as Array<
          DeletePod | RemoveTrackingFinalizer
        >
        position += run.length
        yield* podOperations(job, run, context)
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
          current = yield* context.store.updateJobStatus(jobRef, action.status, current.metadata.resourceVersion ?? '')
          statusWrites++
          if (statusWrites === 1) context.onFirstStatusWrite()
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
    return { job: current, statusWrites }
  })
}

function takeWhile(actions: ReadonlyArray<Action>, from: number, belongs: (action: Action) => boolean): Action[] {
  const run: Action[] = []
  for (let i = from; i < actions.length && belongs(actions[i]!); i++) run.push(actions[i]!)
  return run
}

/** One slow-start batch: all in parallel; any failure abandons the rest of the plan (R101). */
function createBatch(job: Job, batch: ReadonlyArray<CreatePod>, context: ApplyContext): Effect.Effect<void, StoreError> {
  return Effect.gen(function* () {
    const results = yield* forEachConcurrently(batch, (action) => Effect.either(context.store.createPod(action.pod)), context.podConcurrency)
    let firstError: StoreError | undefined
    for (const result of results) {
      if (result._tag === 'Right') {
        context.metrics.podsCreated.inc({ reason: context.creationReason, status: 'succeeded' })
        yield* recordJobEvent(job, 'Normal', 'SuccessfulCreate', `Created pod: ${result.right.metadata.name ?? ''}`, context)
      } else {
        firstError ??= result.left
        context.metrics.podsCreated.inc({ reason: context.creationReason, status: 'failed' })
        context.expectations.creationObserved(context.jobKey)
        yield* recordJobEvent(job, 'Warning', 'FailedCreate', `Error creating: ${result.left.message}`, context)
      }
    }
    if (firstError !== undefined) return yield* Effect.fail(firstError)
  })
}

/**
 * Deletions and finalizer removals, grouped by pod: each pod's own steps stay in order
 * (finalizer first, then DELETE), different pods go in parallel.
 */
function podOperations(job: Job, run: ReadonlyArray<DeletePod | RemoveTrackingFinalizer>, context: ApplyContext): Effect.Effect<void, StoreError> {
  const byPod = new Map<string, Array<DeletePod | RemoveTrackingFinalizer>>()
  for (const action of run) {
    const steps = byPod.get(action.podUid) ?? []
    steps.push(action)
    byPod.set(action.podUid, steps)
  }
  const namespace = job.metadata.namespace ?? 'default'
  return Effect.gen(function* () {
    const results = yield* forEachConcurrently(
      [...byPod.values()],
      (steps) =>
        Effect.either(
          steps.length === 1
            ? podOperation(job, namespace, steps[0]!, context)
            : Effect.forEach(steps, (step) => podOperation(job, namespace, step, context), { discard: true }),
        ),
      context.podConcurrency,
    )
    const failure = results.find((result) => result._tag === 'Left')
    if (failure !== undefined && failure._tag === 'Left') return yield* Effect.fail(failure.left)
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

/** Events are best effort, as upstream's recorder: a failure is logged, never fails a sync. */
export function recordJobEvent(
  job: Job,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  context: Pick<ApplyContext, 'store'>,
): Effect.Effect<void> {
  return context.store
    .recordEvent({
      namespace: job.metadata.namespace ?? 'default',
      involvedObject: { kind: 'Job', name: job.metadata.name ?? '', uid: job.metadata.uid ?? '' },
      type,
      reason,
      message,
      source: EVENT_SOURCE_COMPONENT,
    })
    .pipe(Effect.catchAll((error) => Effect.logWarning(`could not record event ${reason}: ${error.message}`)))
}
