/**
 * The kubelet's writes to the store, with the retries a runtime needs: a status write or a
 * final delete must not be lost to a passing store outage.
 */
import { Effect, Schedule } from 'effect'
import { retryAfter, retryAfterFailure } from '../../shell/effects/retry.js'
import type { Conflict, Invalid, NotFound, StoreUnavailable, TooLarge } from '../../ports/errors.js'
import type { JobStoreService, ObjectKey } from '../../ports/JobStore.js'
import type { Pod, PodStatus } from '../../../core/model/types.js'

/** 100 ms doubling to 5 s between tries, for as long as the caller lets it run. */
const retrySchedule = Schedule.exponential('100 millis').pipe(Schedule.union(Schedule.spaced('5 seconds')))

/** The failures a kubelet write waits out: the store is down, or a write raced ours. */
function isPassing(error: { readonly _tag: string }): error is Conflict | StoreUnavailable {
  return error._tag === 'StoreUnavailable' || error._tag === 'Conflict'
}

/**
 * Replaces the pod's status (no resourceVersion: the runtime is the only writer of the
 * containers' states). Retries while the store is unavailable; `NotFound` means the pod is gone.
 */
export function writePodStatus(
  store: JobStoreService,
  key: ObjectKey,
  status: PodStatus,
): Effect.Effect<Pod, NotFound | Invalid | TooLarge> {
  const attempt = store.updatePodStatus(key, status)
  const warn = (error: Conflict | StoreUnavailable) =>
    Effect.logWarning(`pod runtime: writing the status of pod ${key.namespace}/${key.name} failed, retrying: ${error.message}`)
  // One failure handler on the write; the logged, scheduled retries are built only after a
  // failure worth retrying (a runtime writes thousands of statuses a second).
  return Effect.catchAll(attempt, (first) => {
    if (!isPassing(first)) return Effect.fail(first)
    const logged = Effect.tapError(attempt, (error) => (isPassing(error) ? warn(error) : Effect.void))
    return Effect.zipRight(warn(first), retryAfter(first, logged, { schedule: retrySchedule, while: isPassing })).pipe(
      Effect.catchTags({
        StoreUnavailable: (error) => Effect.die(error),
        Conflict: (error) => Effect.die(error),
      }),
    )
  })
}

/**
 * Deletes the pod with grace period 0, as the kubelet does once its containers have stopped.
 * The store keeps it while finalizers remain. A pod already gone, or replaced by another with
 * the same name (uid precondition), is left alone.
 */
export function deletePodNow(store: JobStoreService, key: ObjectKey, uid: string | undefined): Effect.Effect<void> {
  return store
    .deletePod(key, { gracePeriodSeconds: 0, ...(uid !== undefined ? { preconditionUid: uid } : {}) })
    .pipe(
      (attempt) => retryAfterFailure(attempt, { schedule: retrySchedule, while: (error) => error._tag === 'StoreUnavailable' }),
      Effect.catchAll((error) =>
        error._tag === 'NotFound' || error._tag === 'Conflict'
          ? Effect.void
          : Effect.logWarning(`pod runtime: deleting pod ${key.namespace}/${key.name} failed: ${error.message}`),
      ),
    )
}
