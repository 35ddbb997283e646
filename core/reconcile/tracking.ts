import type { JobCondition, JobStatus, Pod, PodFailurePolicyAction } from '../model/types.js'
import { formatTime } from '../model/time.js'
import type { Action } from './actions.js'
import { ensureCondition } from './conditions.js'
import type { FinishDecision } from './finishDecision.js'
import type { IndexedProgress } from './indexedProgress.js'
import { countIndexes, formatIndexes, hasIndex } from './intervals.js'
import { completionIndexOf } from './podState.js'
import type { SyncContext } from './syncContext.js'

/** The state the tracking step starts from: the sync's decisions so far (R91). */
export interface TrackingInput {
  readonly decision: FinishDecision | undefined
  readonly indexed: IndexedProgress | undefined
  readonly active: number
  readonly ready: number
  readonly terminating: number
  readonly conditions: ReadonlyArray<JobCondition>
  /** `status.startTime` as this sync leaves it (set on start and resume, cleared on suspend). */
  readonly startTime: string | undefined
  /** The `Suspended` condition changed in this sync (a status write is due). */
  readonly suspendedConditionChanged: boolean
  /** Released pods whose finalizer removal failed: they stay uncounted, and the Job does not finish. */
  readonly finalizerRemovalsFailed: ReadonlySet<string>
}

export interface TrackingResult {
  /** Status write #1, finalizer removals, status write #2, finish events (R112). */
  readonly actions: ReadonlyArray<Action>
  /**
   * For a new terminal decision (R111): a status write that stores its interim condition while
   * every pod is as the sync found it — nothing recorded yet for the running pods the decision
   * stops (they go into write #1 once stopped). Goes ahead of the R89 deletions.
   */
  readonly interimWrite: ReadonlyArray<Action>
  /** The part of `actions` after the finalizer removals: status write #2 and finish events. */
  readonly afterRemovals: ReadonlyArray<Action>
  readonly status: JobStatus
  readonly finished: boolean
  readonly failurePolicyActions: Readonly<Partial<Record<PodFailurePolicyAction, number>>>
}

/**
 * The finalizer protocol (§8): record finished pods in the status, then release their
 * finalizers, then move them into the counters and, once nothing is left running or
 * uncounted, write the terminal condition. A pod's finalizer is removed only after its
 * outcome is in a status write that precedes the removal in the plan.
 */
export function trackPods(context: SyncContext, input: TrackingInput): TrackingResult {
  const { job, status, nowMs } = context
  const trackedUids = new Set<string>()
  for (const pod of context.pods) if (context.isTracked(pod)) trackedUids.add(pod.metadata.uid ?? '')

  // R108: uncounted pods that are gone or untracked move into the counters.
  let succeededCounter = status.succeeded ?? 0
  let failedCounter = status.failed ?? 0
  const uncountedSucceeded = (status.uncountedTerminatedPods?.succeeded ?? []).filter((uid) => trackedUids.has(uid))
  const uncountedFailed = (status.uncountedTerminatedPods?.failed ?? []).filter((uid) => trackedUids.has(uid))
  succeededCounter += context.uncountedSucceeded.size - uncountedSucceeded.length
  failedCounter += context.uncountedFailed.size - uncountedFailed.length
  const countersMoved = uncountedSucceeded.length !== context.uncountedSucceeded.size || uncountedFailed.length !== context.uncountedFailed.size

  // R109: which pods may let go of their finalizer, and what each one counts as.
  const released = new Set<string>()
  const releasedPods: Pod[] = []
  const failurePolicyActions: Partial<Record<PodFailurePolicyAction, number>> = {}
  const succeededSet = new Set(uncountedSucceeded)
  const failedSet = new Set(uncountedFailed)
  const failurePending = input.decision?.outcome === 'Failed'
  const releaseAll = job.metadata.deletionTimestamp !== undefined || input.decision !== undefined
  let newSucceededIndexes = 0
  let reachedMaxUncounted = false
  for (const pod of podsInTrackingOrder(context)) {
    if (!context.isTracked(pod)) continue
    const uid = pod.metadata.uid ?? ''
    const index = context.validIndexOf(pod)
    const succeeded = pod.status?.phase === 'Succeeded'
    const failed = context.isFailed(pod)
    const waitsForReplacement = index !== undefined && input.indexed?.delayedDeletion.get(index) === pod
    if (!(releaseAll || succeeded || (failed && !waitsForReplacement))) continue
    released.add(uid)
    releasedPods.push(pod)
    if (succeeded && !failedSet.has(uid)) {
      if (!context.isIndexed) {
        if (!succeededSet.has(uid)) {
          succeededSet.add(uid)
          uncountedSucceeded.push(uid)
        }
      } else if (index !== undefined && !hasIndex(input.indexed!.previouslySucceeded, index)) {
        newSucceededIndexes++
      }
    } else if ((failed || failurePending) && !failedSet.has(uid) && (!context.isIndexed || index !== undefined)) {
      const action = context.failurePolicyMatch(pod)?.action
      if (action !== undefined) failurePolicyActions[action] = (failurePolicyActions[action] ?? 0) + 1
      if (action !== 'Ignore') {
        failedSet.add(uid)
        uncountedFailed.push(uid)
      }
    }
    if (newSucceededIndexes + uncountedSucceeded.length + uncountedFailed.length >= context.settings.maxUncountedPods) {
      reachedMaxUncounted = true
      break
    }
  }

  // R110–R111: indexes and the interim condition go into write #1. Conditions are ensured
  // (R146), so a `FailureTarget=False` someone else wrote is flipped in place, never doubled.
  const indexes = indexFields(context, input.indexed)
  const decision = input.decision
  const conditions =
    decision !== undefined && !decision.alreadyRecorded
      ? ensureCondition(input.conditions, { type: decision.outcome === 'Failed' ? 'FailureTarget' : 'SuccessCriteriaMet', status: 'True', reason: decision.reason, message: decision.message }, nowMs)
      : input.conditions
  const interimAdded = conditions !== input.conditions
  const firstWriteFields: StatusFields = {
    previous: status,
    startTime: input.startTime,
    conditions,
    active: input.active,
    ready: input.ready,
    terminating: input.terminating,
    succeeded: indexes?.succeeded ?? succeededCounter,
    failed: failedCounter,
    completedIndexes: indexes?.completedIndexes,
    failedIndexes: indexes?.failedIndexes,
    uncountedSucceeded,
    uncountedFailed,
  }
  const firstWrite: JobStatus = buildStatus(firstWriteFields)
  const firstWriteNeeded =
    countersMoved ||
    interimAdded ||
    input.suspendedConditionChanged ||
    addedAny(context.uncountedFailed, uncountedFailed) ||
    addedAny(context.uncountedSucceeded, uncountedSucceeded) ||
    status.active !== input.active ||
    status.ready !== input.ready ||
    status.terminating !== input.terminating ||
    (indexes !== undefined && (indexes.completedIndexes !== (status.completedIndexes ?? '') || indexes.failedIndexes !== status.failedIndexes))

  const actions: Action[] = []
  if (firstWriteNeeded) actions.push({ _tag: 'UpdateJobStatus', status: firstWrite })
  for (const pod of releasedPods) {
    actions.push({ _tag: 'RemoveTrackingFinalizer', podName: pod.metadata.name ?? '', podUid: pod.metadata.uid ?? '' })
  }

  // R112.3: once the finalizers are gone, released pods move into the counters; R112.4: those
  // whose removal failed stay uncounted (the partial progress is written all the same).
  const freed = (uid: string): boolean => released.has(uid) && !input.finalizerRemovalsFailed.has(uid)
  const stillSucceeded = uncountedSucceeded.filter((uid) => !freed(uid))
  const stillFailed = uncountedFailed.filter((uid) => !freed(uid))
  const movedAfterRemoval = stillSucceeded.length !== uncountedSucceeded.length || stillFailed.length !== uncountedFailed.length
  const finalSucceeded = indexes?.succeeded ?? succeededCounter + (uncountedSucceeded.length - stillSucceeded.length)
  const finalFailed = failedCounter + (uncountedFailed.length - stillFailed.length)

  // R112.5: the terminal condition waits until nothing runs and nothing is uncounted.
  const finishesNow =
    input.decision !== undefined &&
    !reachedMaxUncounted &&
    input.finalizerRemovalsFailed.size === 0 &&
    stillSucceeded.length === 0 &&
    stillFailed.length === 0 &&
    input.terminating === 0
  const finalConditions = finishesNow
    ? ensureCondition(conditions, { type: decision!.outcome, status: 'True', reason: decision!.reason, message: decision!.message }, nowMs)
    : conditions
  const secondWrite = buildStatus({
    previous: { ...firstWrite, ...(finishesNow && input.decision!.outcome === 'Complete' ? { completionTime: formatTime(nowMs) } : {}) },
    startTime: finishesNow ? startTimeOfFinishedJob(context, input) : input.startTime,
    conditions: finalConditions,
    active: input.active,
    ready: input.ready,
    terminating: input.terminating,
    succeeded: finalSucceeded,
    failed: finalFailed,
    completedIndexes: indexes?.completedIndexes,
    failedIndexes: indexes?.failedIndexes,
    uncountedSucceeded: stillSucceeded,
    uncountedFailed: stillFailed,
  })
  const afterRemovals: Action[] = []
  if (movedAfterRemoval || finishesNow) afterRemovals.push({ _tag: 'UpdateJobStatus', status: secondWrite })
  if (finishesNow) afterRemovals.push(...finishEvents(context, input.decision!, finalSucceeded))
  actions.push(...afterRemovals)

  // The interim condition alone, before any pod is stopped for it: the running pods keep their
  // counts and are not recorded as failures yet, so one whose deletion then fails, or that
  // finishes before a crashed controller's successor stops it, counts as what it did.
  const stopped = new Set(context.activePods.map((pod) => pod.metadata.uid ?? ''))
  const interimWrite: ReadonlyArray<Action> = interimAdded
    ? [
        {
          _tag: 'UpdateJobStatus',
          status: buildStatus({
            ...firstWriteFields,
            active: context.activePods.length,
            ready: context.ready,
            terminating: context.terminating,
            uncountedFailed: uncountedFailed.filter((uid) => context.uncountedFailed.has(uid) || !stopped.has(uid)),
          }),
        },
      ]
    : []

  const finalStatus = movedAfterRemoval || finishesNow ? secondWrite : firstWriteNeeded ? firstWrite : status
  return {
    actions,
    interimWrite,
    afterRemovals,
    status: finalStatus,
    finished: finishesNow,
    failurePolicyActions,
  }
}

function addedAny(before: ReadonlySet<string>, after: ReadonlyArray<string>): boolean {
  return after.some((uid) => !before.has(uid))
}

/**
 * R63: a finished Job needs a `startTime`. One that finishes while suspended has none (R150
 * cleared it), so it gets the finish time — allowed while suspended (R64) — except in the one
 * case the API server accepts without it: a suspended Job with `completions: 0` completing.
 */
function startTimeOfFinishedJob(context: SyncContext, input: TrackingInput): string | undefined {
  if (input.startTime !== undefined) return input.startTime
  const completesEmpty = input.decision?.outcome === 'Complete' && context.completions === 0
  return completesEmpty ? undefined : formatTime(context.nowMs)
}

/** R107: Indexed jobs process their pods by completion index. */
function podsInTrackingOrder(context: SyncContext): ReadonlyArray<Pod> {
  if (!context.isIndexed) return context.pods
  return [...context.pods].sort((a, b) => (completionIndexOf(a) ?? Infinity) - (completionIndexOf(b) ?? Infinity))
}

function indexFields(context: SyncContext, indexed: IndexedProgress | undefined) {
  if (indexed === undefined) return undefined
  return {
    succeeded: countIndexes(indexed.succeeded),
    completedIndexes: formatIndexes(indexed.succeeded),
    failedIndexes: indexed.failed === undefined || context.job.spec.backoffLimitPerIndex === undefined ? undefined : formatIndexes(indexed.failed),
  }
}

interface StatusFields {
  readonly previous: JobStatus
  readonly startTime: string | undefined
  readonly conditions: ReadonlyArray<JobCondition>
  readonly active: number
  readonly ready: number
  readonly terminating: number
  readonly succeeded: number
  readonly failed: number
  readonly completedIndexes: string | undefined
  readonly failedIndexes: string | undefined
  readonly uncountedSucceeded: ReadonlyArray<string>
  readonly uncountedFailed: ReadonlyArray<string>
}

/** One canonical shape for every status the engine writes, so equal states compare equal. */
function buildStatus(fields: StatusFields): JobStatus {
  const uncounted = {
    ...(fields.uncountedSucceeded.length > 0 ? { succeeded: fields.uncountedSucceeded } : {}),
    ...(fields.uncountedFailed.length > 0 ? { failed: fields.uncountedFailed } : {}),
  }
  return {
    ...(fields.conditions.length > 0 ? { conditions: fields.conditions } : {}),
    ...(fields.startTime === undefined ? {} : { startTime: fields.startTime }),
    ...(fields.previous.completionTime === undefined ? {} : { completionTime: fields.previous.completionTime }),
    active: fields.active,
    ready: fields.ready,
    terminating: fields.terminating,
    succeeded: fields.succeeded,
    failed: fields.failed,
    ...(fields.completedIndexes === undefined ? {} : { completedIndexes: fields.completedIndexes }),
    ...(fields.failedIndexes === undefined ? {} : { failedIndexes: fields.failedIndexes }),
    uncountedTerminatedPods: uncounted,
  }
}

/** R156: finish events follow the write that set the terminal condition. */
function finishEvents(context: SyncContext, decision: FinishDecision, succeeded: number): ReadonlyArray<Action> {
  if (decision.outcome === 'Failed') {
    return [{ _tag: 'RecordEvent', eventType: 'Warning', reason: decision.reason, message: decision.message }]
  }
  const completed: Action = { _tag: 'RecordEvent', eventType: 'Normal', reason: 'Completed', message: 'Job completed' }
  const tooMany = !context.isIndexed && context.completions !== undefined && succeeded > context.completions
  return tooMany
    ? [{ _tag: 'RecordEvent', eventType: 'Warning', reason: 'TooManySucceededPods', message: 'Too many succeeded pods running after completion count reached' }, completed]
    : [completed]
}
