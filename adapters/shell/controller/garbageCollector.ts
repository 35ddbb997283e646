import { Effect } from 'effect'
import type { Job, Pod } from '../../../core/model/types.js'
import { FOREGROUND_DELETION_FINALIZER as FOREGROUND_FINALIZER, ORPHAN_FINALIZER, TRACKING_FINALIZER } from '../../../core/model/wellKnown.js'
import { controllerRefOf, hasTrackingFinalizer } from '../../../core/reconcile/podState.js'
import type { StoreError } from '../../ports/errors.js'
import type { JobStoreService } from '../../ports/JobStore.js'


/**
 * The garbage collector's duties for Jobs and their pods (R115, R167): pods whose Job is
 * gone are released and deleted; a Job deleted in the foreground goes once its pods are
 * gone; a Job deleted with `orphan` lets its pods go on without it.
 *
 * `ownerUid` names the Job (possibly gone) whose dependents to look after; `pods` are the
 * cached pods whose controller reference carries that uid.
 */
export function collectDependents(
  store: JobStoreService,
  namespace: string,
  ownerUid: string,
  owner: Job | undefined,
  pods: ReadonlyArray<Pod>,
): Effect.Effect<void, StoreError> {
  return Effect.gen(function* () {
    if (owner === undefined) {
      const ownerName = pods.map(controllerRefOf).find((ref) => ref !== undefined)?.name
      // The cache may lag: only a live read that finds no Job with this uid lets pods go.
      if (ownerName !== undefined && (yield* ownerStillExists(store, namespace, ownerName, ownerUid))) return
      yield* Effect.forEach(pods, (pod) => releaseAndDelete(store, namespace, pod), { concurrency: 16, discard: true })
      return
    }
    const finalizers = owner.metadata.finalizers ?? []
    if (owner.metadata.deletionTimestamp === undefined) return
    const ownerKey = { namespace, name: owner.metadata.name ?? '' }
    if (finalizers.includes(ORPHAN_FINALIZER)) {
      yield* Effect.forEach(
        pods,
        (pod) =>
          store
            .patchPodMetadata(
              { namespace, name: pod.metadata.name ?? '' },
              { expectUid: pod.metadata.uid ?? '', removeOwnerReferenceUid: ownerUid, removeFinalizers: [TRACKING_FINALIZER] },
            )
            .pipe(Effect.catchTags({ NotFound: () => Effect.void, Conflict: () => Effect.void })),
        { concurrency: 16, discard: true },
      )
      yield* store.removeJobFinalizer(ownerKey, ORPHAN_FINALIZER).pipe(Effect.catchTag('NotFound', () => Effect.void))
      return
    }
    if (finalizers.includes(FOREGROUND_FINALIZER)) {
      if (pods.length === 0) {
        yield* store.removeJobFinalizer(ownerKey, FOREGROUND_FINALIZER).pipe(Effect.catchTag('NotFound', () => Effect.void))
        return
      }
      yield* Effect.forEach(
        pods.filter((pod) => pod.metadata.deletionTimestamp === undefined),
        (pod) => deleteIgnoringGone(store, namespace, pod),
        { concurrency: 16, discard: true },
      )
    }
  })
}

/**
 * R115: a pod holding the tracking finalizer without any controller will never be counted;
 * let it go so it can be deleted.
 */
export function releaseOrphanFinalizer(store: JobStoreService, namespace: string, pod: Pod): Effect.Effect<void, StoreError> {
  if (!hasTrackingFinalizer(pod) || controllerRefOf(pod) !== undefined) return Effect.void
  return store
    .patchPodMetadata({ namespace, name: pod.metadata.name ?? '' }, { expectUid: pod.metadata.uid ?? '', removeFinalizers: [TRACKING_FINALIZER] })
    .pipe(Effect.asVoid, Effect.catchTags({ NotFound: () => Effect.void, Conflict: () => Effect.void }))
}

function ownerStillExists(store: JobStoreService, namespace: string, name: string, uid: string): Effect.Effect<boolean, StoreError> {
  return store.getJob({ namespace, name }).pipe(
    Effect.map((job) => job.metadata.uid === uid),
    Effect.catchTag('NotFound', () => Effect.succeed(false)),
  )
}

function releaseAndDelete(store: JobStoreService, namespace: string, pod: Pod): Effect.Effect<void, StoreError> {
  const key = { namespace, name: pod.metadata.name ?? '' }
  const release = hasTrackingFinalizer(pod)
    ? store.patchPodMetadata(key, { expectUid: pod.metadata.uid ?? '', removeFinalizers: [TRACKING_FINALIZER] }).pipe(Effect.asVoid)
    : Effect.void
  const remove = pod.metadata.deletionTimestamp === undefined ? deleteIgnoringGone(store, namespace, pod) : Effect.void
  return release.pipe(
    Effect.zipRight(remove),
    Effect.catchTags({ NotFound: () => Effect.void, Conflict: () => Effect.void }),
  )
}

function deleteIgnoringGone(store: JobStoreService, namespace: string, pod: Pod): Effect.Effect<void, StoreError> {
  return store
    .deletePod({ namespace, name: pod.metadata.name ?? '' }, { preconditionUid: pod.metadata.uid ?? '' })
    .pipe(Effect.catchTags({ NotFound: () => Effect.void, Conflict: () => Effect.void }))
}
