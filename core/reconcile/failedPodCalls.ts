import type { Pod } from '../model/types.js'
import { isReady } from './podState.js'

/**
 * What an applier reports when some pod calls of a plan failed. A failed pod call does not
 * skip the status write (R93, R112.4): the applier tells `reconcileAfterFailedPodCalls` which
 * calls failed, and writes the status it gets back. All uids are those of the plan's actions.
 */
export interface FailedPodCalls {
  /**
   * `CreatePod` actions that made no pod: refused ones, and those of the later slow-start
   * batches, which are abandoned once a batch has a failure (R101).
   */
  readonly creationsNotMade: number
  /**
   * Pods whose `DeletePod` failed, or the `RemoveTrackingFinalizer` the plan puts right
   * before it (R94, R96): the pod was not deleted. A pod already gone is no failure (R106).
   */
  readonly deletionsFailed: ReadonlyArray<string>
  /**
   * Pods whose `RemoveTrackingFinalizer` of the status-tracking part failed (R112.2): their
   * outcome stays in `uncountedTerminatedPods`.
   */
  readonly finalizerRemovalsFailed: ReadonlyArray<string>
}

export const noFailedPodCalls: FailedPodCalls = { creationsNotMade: 0, deletionsFailed: [], finalizerRemovalsFailed: [] }

export function anyFailedPodCall(failed: FailedPodCalls): boolean {
  return failed.creationsNotMade > 0 || failed.deletionsFailed.length > 0 || failed.finalizerRemovalsFailed.length > 0
}

/** The working counts a status write carries (R91). */
export interface PodCounts {
  readonly active: number
  readonly ready: number
  readonly terminating: number
}

/**
 * The counts once the plan's pod calls are done, for the pods that exist: R102 (`active` is the
 * previous active plus the pods actually created) and R89/R94/R96 (only a pod whose deletion
 * went through stops being active and starts terminating). `planned` are the counts the plan
 * was made with; `deleted` the pods it deletes.
 */
export function countsAfterFailedPodCalls(planned: PodCounts, deleted: ReadonlyArray<Pod>, failed: FailedPodCalls): PodCounts {
  if (failed.creationsNotMade === 0 && failed.deletionsFailed.length === 0) return { active: planned.active, ready: planned.ready, terminating: planned.terminating }
  const notDeleted = new Set(failed.deletionsFailed)
  let stillActive = 0
  let stillReady = 0
  for (const pod of deleted) {
    if (!notDeleted.has(pod.metadata.uid ?? '')) continue
    stillActive++
    if (isReady(pod)) stillReady++
  }
  return {
    active: planned.active - failed.creationsNotMade + stillActive,
    ready: planned.ready + stillReady,
    terminating: planned.terminating - stillActive,
  }
}

/** R89: a finish decision stands only if every active pod was deleted. */
export function everyDeletionWentThrough(deleted: ReadonlyArray<Pod>, failed: FailedPodCalls): boolean {
  if (failed.deletionsFailed.length === 0) return true
  const notDeleted = new Set(failed.deletionsFailed)
  return !deleted.some((pod) => notDeleted.has(pod.metadata.uid ?? ''))
}
