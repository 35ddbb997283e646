import type { Pod } from '../model/types.js'
import type { Action } from './actions.js'
import { indexFailureCounts, remainingBackoffMs, remainingIndexBackoffMs } from './backoff.js'
import { compareForDeletion, pickPodsToDelete } from './deletionOrder.js'
import type { IndexedProgress } from './indexedProgress.js'
import { emptyIndexSet, indexSetFrom, lowestMissingIndexes, unionIndexes } from './intervals.js'
import type { PodCreationReason, SyncAction } from './options.js'
import { isActive, isReady, isTerminating } from './podState.js'
import type { IndexFailureCounts } from './renderPod.js'
import { renderPod } from './renderPod.js'
import type { SyncContext } from './syncContext.js'

/** What pod management did (§6). */
export interface PodManagement {
  readonly actions: ReadonlyArray<Action>
  /** The pods the actions delete. */
  readonly deleted: ReadonlyArray<Pod>
  readonly active: number
  readonly ready: number
  readonly terminating: number
  readonly syncAction: SyncAction
  readonly creationReason: PodCreationReason
  /** When deferred creations (back-off) want another look. */
  readonly requeueAfterMs?: number
}

/** The shortest wait before a back-off requeue (R158). */
export const MIN_BACKOFF_REQUEUE_MS = 1000

/**
 * Pod management (R94–R102): delete everything while suspended; otherwise delete excess,
 * duplicate and out-of-range pods, or else create what is missing, never both in one sync.
 */
export function managePods(context: SyncContext, succeeded: number, indexed: IndexedProgress | undefined): PodManagement {
  const unchanged = { active: context.activePods.length, ready: context.ready, terminating: context.terminating }
  const creationReason = creationReasonOf(context)
  if (context.job.spec.suspend) {
    return { ...deletePods(context, context.activePods, 'Suspended', unchanged), syncAction: 'pods_deleted', creationReason }
  }

  const active = context.activePods.length
  const target = targetActive(context, succeeded, active)
  const toDelete = podsToDelete(context, Math.max(active - target, 0)).slice(0, context.settings.maxPodCreateDeletePerSync)
  if (toDelete.length > 0) {
    return { ...deletePods(context, toDelete, 'Excess', unchanged), syncAction: 'pods_deleted', creationReason }
  }

  const need = target - active - (context.replaceOnlyFailed ? context.terminating : 0)
  if (need <= 0) return { actions: [], deleted: [], ...unchanged, syncAction: 'tracking', creationReason }
  const creations = indexed === undefined ? nonIndexedCreations(context, need) : indexedCreations(context, need, indexed)
  const actions = creations.pods.map((pod, i): Action => ({
    _tag: 'CreatePod',
    pod: pod.pod,
    batch: slowStartBatchOf(i),
    ...(pod.index === undefined ? {} : { index: pod.index }),
  }))
  return {
    actions,
    deleted: [],
    ...unchanged,
    active: active + actions.length,
    syncAction: 'pods_created',
    creationReason,
    ...(creations.requeueAfterMs === undefined ? {} : { requeueAfterMs: creations.requeueAfterMs }),
  }
}

/** R95. */
function targetActive(context: SyncContext, succeeded: number, active: number): number {
  const parallelism = context.job.spec.parallelism
  if (context.completions === undefined) return succeeded > 0 ? active : parallelism
  return Math.min(Math.max(context.completions - succeeded, 0), parallelism)
}

/**
 * R96/R122/R123: NonIndexed jobs delete the least valuable excess pods; Indexed jobs first
 * delete pods without a valid index and all but the most valuable pod of each index.
 */
function podsToDelete(context: SyncContext, excess: number): ReadonlyArray<Pod> {
  if (!context.isIndexed) return excess === 0 ? [] : pickPodsToDelete(context.activePods, excess)
  const forced: Pod[] = []
  const keptByIndex = new Map<number, Pod>()
  for (const pod of context.activePods) {
    const index = context.validIndexOf(pod)
    if (index === undefined) {
      forced.push(pod)
      continue
    }
    const kept = keptByIndex.get(index)
    if (kept === undefined) keptByIndex.set(index, pod)
    else if (compareForDeletion(pod, kept) < 0) forced.push(pod)
    else {
      forced.push(kept)
      keptByIndex.set(index, pod)
    }
  }
  if (forced.length >= excess) return forced
  const forcedSet = new Set(forced)
  const remaining = context.activePods.filter((pod) => !forcedSet.has(pod))
  return [...forced, ...pickPodsToDelete(remaining, excess - forced.length)]
}

/** R94/R96: the finalizer goes first so a deleted pod is never counted as failed. */
function deletePods(
  context: SyncContext,
  pods: ReadonlyArray<Pod>,
  reason: 'Suspended' | 'Excess',
  counts: { readonly active: number; readonly ready: number; readonly terminating: number },
): Omit<PodManagement, 'syncAction' | 'creationReason'> {
  const ordered = reason === 'Suspended' ? [...pods].sort(compareForDeletion) : pods
  const actions: Action[] = []
  let readyDeleted = 0
  for (const pod of ordered) {
    const podName = pod.metadata.name ?? ''
    const podUid = pod.metadata.uid ?? ''
    if (context.isTracked(pod)) actions.push({ _tag: 'RemoveTrackingFinalizer', podName, podUid })
    actions.push({ _tag: 'DeletePod', podName, podUid, reason })
    if (isReady(pod)) readyDeleted++
  }
  return {
    actions,
    deleted: ordered,
    active: counts.active - ordered.length,
    ready: counts.ready - readyDeleted,
    terminating: counts.terminating + ordered.length,
  }
}

interface PlannedPod {
  readonly pod: Pod
  readonly index?: number
}

interface Creations {
  readonly pods: ReadonlyArray<PlannedPod>
  readonly requeueAfterMs?: number
}

/** R98: the job-level back-off gates every creation. */
function nonIndexedCreations(context: SyncContext, need: number): Creations {
  const remaining = remainingBackoffMs(context.backoff, context.nowMs, context.backoffSettings)
  if (remaining > 0) return { pods: [], requeueAfterMs: Math.max(remaining, MIN_BACKOFF_REQUEUE_MS) }
  const count = Math.min(need, context.settings.maxPodCreateDeletePerSync)
  const pod = renderPod(context.job, undefined)
  return { pods: Array.from({ length: count }, () => ({ pod })) }
}

/** R100, R129, R138: the lowest free indexes, each after its own back-off when per-index limits apply. */
function indexedCreations(context: SyncContext, need: number, indexed: IndexedProgress): Creations {
  const perIndex = context.job.spec.backoffLimitPerIndex !== undefined
  if (!perIndex) {
    const remaining = remainingBackoffMs(context.backoff, context.nowMs, context.backoffSettings)
    if (remaining > 0) return { pods: [], requeueAfterMs: Math.max(remaining, MIN_BACKOFF_REQUEUE_MS) }
  }
  const taken: number[] = []
  for (const pod of context.pods) {
    const holdsIndex = isActive(pod) || (context.replaceOnlyFailed && isTerminating(pod))
    if (!holdsIndex) continue
    const index = context.validIndexOf(pod)
    if (index !== undefined) taken.push(index)
  }
  const excluded = unionIndexes(unionIndexes(indexed.succeeded, indexed.failed ?? emptyIndexSet), indexSetFrom(taken))
  const count = Math.min(need, context.settings.maxPodCreateDeletePerSync)
  const candidates = lowestMissingIndexes(excluded, context.completions ?? 0, count)

  const pods: PlannedPod[] = []
  let soonestDeferredMs: number | undefined
  for (const index of candidates) {
    const previousAttempt = indexed.delayedDeletion.get(index)
    if (perIndex && previousAttempt !== undefined) {
      const wait = remainingIndexBackoffMs(previousAttempt, context.nowMs, context.backoffSettings)
      if (wait > 0) {
        soonestDeferredMs = Math.min(soonestDeferredMs ?? wait, wait)
        continue
      }
    }
    const counts = perIndex ? inheritedCounts(context, previousAttempt) : undefined
    pods.push({ pod: renderPod(context.job, index, counts), index })
  }
  return soonestDeferredMs === undefined
    ? { pods }
    : { pods, requeueAfterMs: Math.max(soonestDeferredMs, MIN_BACKOFF_REQUEUE_MS) }
}

/** R138: a replacement inherits the counts of the attempt it replaces, plus that attempt. */
function inheritedCounts(context: SyncContext, previousAttempt: Pod | undefined): IndexFailureCounts {
  if (previousAttempt === undefined) return { failures: 0, ignoredFailures: 0 }
  const counts = indexFailureCounts(previousAttempt)
  return context.failurePolicyMatch(previousAttempt)?.action === 'Ignore'
    ? { failures: counts.failures, ignoredFailures: counts.ignoredFailures + 1 }
    : { failures: counts.failures + 1, ignoredFailures: counts.ignoredFailures }
}

/** R101: batches of 1, 2, 4, 8, …: the i-th creation (from 0) belongs to batch floor(log2(i + 1)). */
function slowStartBatchOf(position: number): number {
  return Math.floor(Math.log2(position + 1))
}

/** R142. */
function creationReasonOf(context: SyncContext): PodCreationReason {
  if (context.replaceOnlyFailed && context.failed > 0) return 'recreate_failed'
  if (context.failed > 0 || context.terminating > 0) return 'recreate_terminating_or_failed'
  return 'new'
}
