import type { Job, JobCondition, Pod } from '../model/types.js'
import { formatTime } from '../model/time.js'
import { BUILT_IN_CONTROLLER } from '../model/wellKnown.js'
import type { Action } from './actions.js'
import { emptyBackoffRecord } from './backoff.js'
import { claimPods } from './claim.js'
import { ensureCondition, isFinished } from './conditions.js'
import type { FinishDecision } from './finishDecision.js'
import { completionsReached, decideFinish, remainingDeadlineMs } from './finishDecision.js'
import { indexedProgressOf } from './indexedProgress.js'
import { countIndexes } from './intervals.js'
import { managePods } from './managePods.js'
import type { EngineSettings, PodCreationReason, ReconcileOptions, Reconciliation, SyncAction } from './options.js'
import { defaultEngineSettings } from './options.js'
import { hasTrackingFinalizer, isControlledBy, isReady } from './podState.js'
import type { SyncContext } from './syncContext.js'
import { buildSyncContext } from './syncContext.js'
import type { TrackingResult } from './tracking.js'
import { trackPods } from './tracking.js'
import type { FailedPodCalls, PodCounts } from './failedPodCalls.js'
import { countsAfterFailedPodCalls, everyDeletionWentThrough, noFailedPodCalls } from './failedPodCalls.js'
import { ttlVerdict } from './ttl.js'

/**
 * Decides everything the Job controller decides for one Job (spec §5): which pods to
 * create, delete, adopt or release, how the status changes, which events to record and
 * when to look again. Pure and deterministic: `candidatePods` are the pods of the Job's
 * namespace that it owns or whose labels it may select (others are ignored), `nowMs` is the
 * current time in epoch milliseconds, and `options` carries what the caller remembers
 * between syncs. The plan is applied in order; how failures are handled is in actions.ts.
 */
export function reconcile(job: Job, candidatePods: ReadonlyArray<Pod>, nowMs: number, options: ReconcileOptions = {}): Reconciliation {
  return planSync(job, candidatePods, nowMs, options, noFailedPodCalls).reconciliation
}

/**
 * The rest of a sync some of whose pod calls failed, as upstream goes on after them (R93,
 * R112.4): called with the pods, time and options of the `reconcile` that made the plan, the
 * Job as the plan's last status write left it (the input Job when none was made: only a plan
 * that stores a new terminal decision before stopping pods writes before its pod calls), and
 * what failed. Its `actions` replace what was left of that plan:
 * - when creations or deletions failed, the whole status-tracking part, with `active`,
 *   `ready` and `terminating` counting the pods that exist (R102, R89), `startTime` kept, new
 *   finished pods recorded in `uncountedTerminatedPods`, and no finish decision unless every
 *   active pod of a finishing Job was deleted (R89);
 * - when finalizer removals of that part failed, the status write of the partial progress:
 *   only the pods whose finalizer is gone move into the counters, and the Job does not finish.
 * The caller then reports the first pod-call error, so the Job is retried with back-off (R161).
 */
export function reconcileAfterFailedPodCalls(
  job: Job,
  candidatePods: ReadonlyArray<Pod>,
  nowMs: number,
  options: ReconcileOptions,
  failed: FailedPodCalls,
): Reconciliation {
  const { reconciliation, tracking, suspendEvents } = planSync(job, candidatePods, nowMs, options, failed)
  if (tracking === undefined) return { ...reconciliation, actions: [], trackingFrom: 0 }
  const rest =
    failed.finalizerRemovalsFailed.length > 0 ? [...tracking.afterRemovals, ...suspendEvents] : reconciliation.actions.slice(reconciliation.trackingFrom)
  return { ...reconciliation, actions: rest, trackingFrom: 0 }
}

const noRemovalFailed: ReadonlySet<string> = new Set()

interface SyncPlan {
  readonly reconciliation: Reconciliation
  /** The status-tracking part, for a Job that is not finished and is ours. */
  readonly tracking?: TrackingResult
  readonly suspendEvents: ReadonlyArray<Action>
}

/** One sync's plan, given which of its own pod calls failed (none for a fresh plan). */
function planSync(job: Job, candidatePods: ReadonlyArray<Pod>, nowMs: number, options: ReconcileOptions, failed: FailedPodCalls): SyncPlan {
  const settings: EngineSettings = { ...defaultEngineSettings, ...options.settings }
  if (isFinished(job.status)) return { reconciliation: reconcileFinished(job, candidatePods, nowMs, settings), suspendEvents: [] }
  if (!isManagedBy(job, settings.controllerName)) return { reconciliation: nothingToDo(job, options), suspendEvents: [] }

  const claim = claimPods(job, candidatePods)
  const claimActions: Action[] = [
    ...claim.adopted.map((pod): Action => ({ _tag: 'AdoptPod', podName: pod.metadata.name ?? '', podUid: pod.metadata.uid ?? '' })),
    ...claim.released.map((pod): Action => ({ _tag: 'ReleasePod', podName: pod.metadata.name ?? '', podUid: pod.metadata.uid ?? '' })),
  ]
  // R86: a Job starts on its first sync while not suspended.
  const startTime = job.status?.startTime ?? (job.spec.suspend ? undefined : formatTime(nowMs))
  const context = buildSyncContext(job, claim.pods, nowMs, settings, options, startTime)
  const indexed = context.isIndexed ? indexedProgressOf(context) : undefined
  const succeeded = indexed === undefined ? context.succeeded : countIndexes(indexed.succeeded)
  let decision = decideFinish(context, indexed)

  const requeues: number[] = []
  const deadline = remainingDeadlineMs(context)
  if (decision === undefined && deadline !== undefined) requeues.push(Math.max(deadline, 0))

  let podActions: ReadonlyArray<Action> = []
  let counts: PodCounts = { active: context.activePods.length, ready: context.ready, terminating: context.terminating }
  let syncAction: SyncAction = 'reconciling'
  let creationReason: PodCreationReason = 'new'
  let conditions: ReadonlyArray<JobCondition> = job.status?.conditions ?? []
  let suspendEvents: ReadonlyArray<Action> = []
  let finalStartTime = startTime

  if (decision !== undefined && !decision.alreadyRecorded && !context.expectationsSatisfied) {
    // R89 commits no new decision while the caller has not seen its own pod changes; its pods
    // are not stopped either, since a stopped pod of an unrecorded decision would count as a
    // failure next time (R141) and could change the verdict. Nothing else runs this sync.
    decision = undefined
  } else if (decision !== undefined) {
    podActions = stopActivePods(context)
    const planned = {
      active: 0,
      ready: counts.ready - context.activePods.filter(isReady).length,
      terminating: counts.terminating + context.activePods.length,
    }
    counts = countsAfterFailedPodCalls(planned, context.activePods, failed)
    // R89: a decision is committed only once the caller has seen its own pod changes, and
    // only when every active pod was deleted.
    if (!context.expectationsSatisfied || !everyDeletionWentThrough(context.activePods, failed)) decision = undefined
  } else {
    const managementRuns = context.expectationsSatisfied && job.metadata.deletionTimestamp === undefined
    if (managementRuns) {
      const management = managePods(context, succeeded, indexed)
      podActions = management.actions
      counts = countsAfterFailedPodCalls(management, management.deleted, failed)
      syncAction = management.syncAction
      creationReason = management.creationReason
      if (management.requeueAfterMs !== undefined) requeues.push(management.requeueAfterMs)
    }
    decision = completionsReached(context, succeeded, counts.active)
    if (decision === undefined && managementRuns) {
      const suspension = updateSuspendedCondition(context, conditions)
      conditions = suspension.conditions
      suspendEvents = suspension.events
      if (suspension.startTime !== 'unchanged') finalStartTime = suspension.startTime
    }
  }

  const tracking = trackPods(context, {
    decision,
    indexed,
    ...counts,
    conditions,
    startTime: finalStartTime,
    suspendedConditionChanged: suspendEvents.length > 0,
    finalizerRemovalsFailed: failed.finalizerRemovalsFailed.length === 0 ? noRemovalFailed : new Set(failed.finalizerRemovalsFailed),
  })
  if (tracking.finished && job.spec.ttlSecondsAfterFinished !== undefined) {
    requeues.push(job.spec.ttlSecondsAfterFinished * 1000)
  }
  // A new decision that stops running pods is stored before the first of them is deleted: a
  // status write with its interim condition (R111) goes ahead of the deletions (R89), so a
  // crash or a failed write after them never lets the stopped pods count as failures of a Job
  // that has no verdict yet, and the stored condition fixes the verdict (R88.1, R88.2, R145).
  // Write #1 and what follows are upstream's.
  const writesAhead = decision !== undefined && !decision.alreadyRecorded && podActions.length > 0
  const podManagement = writesAhead ? [...claimActions, ...tracking.interimWrite, ...podActions] : [...claimActions, ...podActions]
  const reconciliation: Reconciliation = {
    actions: [...podManagement, ...tracking.actions, ...suspendEvents],
    trackingFrom: podManagement.length,
    status: tracking.status,
    ...(requeues.length > 0 ? { requeueAfterMs: Math.min(...requeues) } : {}),
    backoff: tracking.finished ? emptyBackoffRecord : context.backoff,
    facts: { syncAction, creationReason, failurePolicyActions: tracking.failurePolicyActions },
  }
  return { reconciliation, tracking, suspendEvents }
}

/**
 * R78/R172: `undefined` and the reserved value mean the built-in controller; an engine
 * standing beside it answers only to its own name.
 */
export function isManagedBy(job: Job, controllerName: string): boolean {
  const managedBy = job.spec.managedBy ?? BUILT_IN_CONTROLLER
  return managedBy === controllerName
}

/** R89: every active pod of a finishing Job is deleted; its finalizer stays so it is counted. */
function stopActivePods(context: SyncContext): ReadonlyArray<Action> {
  return context.activePods.map((pod): Action => ({
    _tag: 'DeletePod',
    podName: pod.metadata.name ?? '',
    podUid: pod.metadata.uid ?? '',
    reason: 'JobFinished',
  }))
}

interface SuspensionUpdate {
  readonly conditions: ReadonlyArray<JobCondition>
  readonly events: ReadonlyArray<Action>
  readonly startTime: string | undefined | 'unchanged'
}

/** R90.3, R148–R151: the `Suspended` condition, its events and the start time it resets. */
function updateSuspendedCondition(context: SyncContext, conditions: ReadonlyArray<JobCondition>): SuspensionUpdate {
  const unchanged: SuspensionUpdate = { conditions, events: [], startTime: 'unchanged' }
  if (context.job.spec.suspend) {
    const next = ensureCondition(conditions, { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' }, context.nowMs)
    if (next === conditions) return unchanged
    return { conditions: next, events: [event('Normal', 'Suspended', 'Job suspended')], startTime: undefined }
  }
  if (!conditions.some((condition) => condition.type === 'Suspended')) return unchanged
  const next = ensureCondition(conditions, { type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' }, context.nowMs)
  if (next === conditions) return unchanged
  return { conditions: next, events: [event('Normal', 'Resumed', 'Job resumed')], startTime: formatTime(context.nowMs) }
}

/**
 * A finished Job gets no pod (R79, R163). What is left: releasing finalizers its pods still
 * hold (R115) and deleting it once its TTL expires (R164–R166, whoever manages it).
 */
function reconcileFinished(job: Job, pods: ReadonlyArray<Pod>, nowMs: number, settings: EngineSettings): Reconciliation {
  const actions: Action[] = []
  if (isManagedBy(job, settings.controllerName)) {
    for (const pod of pods) {
      if (isControlledBy(pod, job.metadata.uid ?? '') && hasTrackingFinalizer(pod)) {
        actions.push({ _tag: 'RemoveTrackingFinalizer', podName: pod.metadata.name ?? '', podUid: pod.metadata.uid ?? '' })
      }
    }
  }
  const ttl = settings.ttlForEveryJob || isManagedBy(job, settings.controllerName) ? ttlVerdict(job, nowMs) : ({ _tag: 'NoTtl' } as const)
  if (ttl._tag === 'Expired') actions.push({ _tag: 'DeleteJob', propagation: 'Foreground', uid: job.metadata.uid ?? '' })
  return {
    actions,
    trackingFrom: 0,
    status: job.status ?? {},
    ...(ttl._tag === 'ExpiresIn' ? { requeueAfterMs: ttl.ms } : {}),
    backoff: emptyBackoffRecord,
    facts: { syncAction: 'reconciling', creationReason: 'new', failurePolicyActions: {} },
  }
}

function nothingToDo(job: Job, options: ReconcileOptions): Reconciliation {
  return {
    actions: [],
    trackingFrom: 0,
    status: job.status ?? {},
    backoff: options.backoff ?? emptyBackoffRecord,
    facts: { syncAction: 'reconciling', creationReason: 'new', failurePolicyActions: {} },
  }
}

function event(eventType: 'Normal' | 'Warning', reason: string, message: string): Action {
  return { _tag: 'RecordEvent', eventType, reason, message }
}

export type { FinishDecision }
