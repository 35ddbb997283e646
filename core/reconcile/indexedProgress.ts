import type { Pod } from '../model/types.js'
import { indexFailureCounts, podFinishTimeMs } from './backoff.js'
import type { IndexSet } from './intervals.js'
import { emptyIndexSet, hasIndex, indexSetFrom, parseIndexesLenient, unionIndexes } from './intervals.js'
import type { SyncContext } from './syncContext.js'

/** Where an Indexed Job stands: which indexes are done, which failed for good (R118, R137, R139). */
export interface IndexedProgress {
  /** Completed indexes recorded in the status before this sync. */
  readonly previouslySucceeded: IndexSet
  /** Recorded ones plus tracked succeeded pods (R118). */
  readonly succeeded: IndexSet
  /** Failed indexes; `undefined` unless the Job has `backoffLimitPerIndex` (R137). */
  readonly failed: IndexSet | undefined
  /** Per index, the failed pod that keeps its finalizer until a replacement exists (R139). */
  readonly delayedDeletion: ReadonlyMap<number, Pod>
}

export function indexedProgressOf(context: SyncContext): IndexedProgress {
  const completions = context.completions ?? 0
  const previouslySucceeded = parseIndexesLenient(context.status.completedIndexes, completions)
  const perIndexLimit = context.job.spec.backoffLimitPerIndex

  const failedNow: number[] = []
  if (perIndexLimit !== undefined) {
    for (const pod of context.pods) {
      const index = context.validIndexOf(pod)
      if (index === undefined || !context.isTracked(pod) || !context.isFailed(pod)) continue
      if (indexFailsWith(context, pod, perIndexLimit)) failedNow.push(index)
    }
  }
  const failed =
    perIndexLimit === undefined
      ? undefined
      : unionIndexes(parseIndexesLenient(context.status.failedIndexes, completions), indexSetFrom(failedNow))

  // A success for an index that already failed for good does not rescue it (R65: the sets never overlap).
  const succeededNow: number[] = []
  for (const pod of context.pods) {
    if (pod.status?.phase !== 'Succeeded' || !context.isTracked(pod)) continue
    const index = context.validIndexOf(pod)
    if (index !== undefined && !(failed !== undefined && hasIndex(failed, index))) succeededNow.push(index)
  }
  const succeeded = unionIndexes(previouslySucceeded, indexSetFrom(succeededNow))

  const delayedDeletion =
    perIndexLimit === undefined ? new Map<number, Pod>() : delayedDeletionPods(context, succeeded, failed ?? emptyIndexSet)
  return { previouslySucceeded, succeeded, failed, delayedDeletion }
}

/** R137: the pod's failure makes its index fail for good. */
function indexFailsWith(context: SyncContext, pod: Pod, perIndexLimit: number): boolean {
  const action = context.failurePolicyMatch(pod)?.action
  if (action === 'FailIndex') return true
  if (action === 'Ignore') return false
  return indexFailureCounts(pod).failures >= perIndexLimit
}

/**
 * R139: for each index that is neither done nor failed and has no active pod, the most
 * recent failed pod (highest attempt count, then latest finish) waits with its finalizer so
 * that its replacement can inherit its counts.
 */
function delayedDeletionPods(context: SyncContext, succeeded: IndexSet, failed: IndexSet): Map<number, Pod> {
  const indexesWithActivePod = new Set<number>()
  for (const pod of context.activePods) {
    const index = context.validIndexOf(pod)
    if (index !== undefined) indexesWithActivePod.add(index)
  }
  const chosen = new Map<number, Pod>()
  for (const pod of context.pods) {
    if (!context.isTracked(pod) || !context.isFailed(pod)) continue
    if (context.uncountedFailed.has(pod.metadata.uid ?? '')) continue
    const index = context.validIndexOf(pod)
    if (index === undefined || indexesWithActivePod.has(index)) continue
    if (hasIndex(succeeded, index) || hasIndex(failed, index)) continue
    const current = chosen.get(index)
    if (current === undefined || isMoreRecentAttempt(pod, current)) chosen.set(index, pod)
  }
  return chosen
}

function isMoreRecentAttempt(candidate: Pod, current: Pod): boolean {
  const attempts = (pod: Pod) => {
    const counts = indexFailureCounts(pod)
    return counts.failures + counts.ignoredFailures
  }
  const byAttempts = attempts(candidate) - attempts(current)
  if (byAttempts !== 0) return byAttempts > 0
  return (podFinishTimeMs(candidate) ?? 0) > (podFinishTimeMs(current) ?? 0)
}
