import type { JobCondition, Pod } from '../model/types.js'
import { trueCondition } from './conditions.js'
import type { IndexedProgress } from './indexedProgress.js'
import { countIndexes } from './intervals.js'
import { restartCountSum } from './podState.js'
import type { SyncContext } from './syncContext.js'
import { matchSuccessPolicy } from './successPolicy.js'

/**
 * The terminal decision of a sync (R88). `interim` is the condition that records it
 * (`FailureTarget` or `SuccessCriteriaMet`); the terminal `Failed`/`Complete` follows with the
 * same reason and message once every pod has stopped and been counted (R112.5).
 */
export interface FinishDecision {
  readonly outcome: 'Failed' | 'Complete'
  readonly reason: string
  readonly message: string
  /** True when the interim condition is already in the status. */
  readonly alreadyRecorded: boolean
}

export const BACKOFF_LIMIT_EXCEEDED_MESSAGE = 'Job has reached the specified backoff limit'
export const DEADLINE_EXCEEDED_MESSAGE = 'Job was active longer than specified deadline'
export const MAX_FAILED_INDEXES_MESSAGE = 'Job has exceeded the specified maximal number of failed indexes'
export const FAILED_INDEXES_MESSAGE = 'Job has failed indexes'
export const COMPLETIONS_REACHED_MESSAGE = 'Reached expected number of succeeded pods'

/**
 * R88 steps 1–5, 7 and 8: a decision already recorded stays; then pod failure policy,
 * backoff limit, deadline, failed indexes and success policy, in that order.
 */
export function decideFinish(context: SyncContext, indexed: IndexedProgress | undefined): FinishDecision | undefined {
  const recorded = recordedDecision(trueCondition(context.status, 'SuccessCriteriaMet'), 'Complete')
    ?? recordedDecision(trueCondition(context.status, 'FailureTarget'), 'Failed')
  if (recorded !== undefined) return recorded
  return (
    failJobByPolicy(context) ??
    failByBackoffLimit(context) ??
    failByDeadline(context) ??
    (indexed === undefined ? undefined : failByIndexes(context, indexed) ?? succeedByPolicy(context, indexed))
  )
}

function recordedDecision(condition: JobCondition | undefined, outcome: FinishDecision['outcome']): FinishDecision | undefined {
  if (condition === undefined) return undefined
  return { outcome, reason: condition.reason ?? '', message: condition.message ?? '', alreadyRecorded: true }
}

function failed(reason: string, message: string): FinishDecision {
  return { outcome: 'Failed', reason, message, alreadyRecorded: false }
}

/** R88.3 / R135: any failed pod (counted or not) matching a `FailJob` rule. */
function failJobByPolicy(context: SyncContext): FinishDecision | undefined {
  if (context.job.spec.podFailurePolicy === undefined) return undefined
  for (const pod of context.pods) {
    if (!context.isFailed(pod)) continue
    const match = context.failurePolicyMatch(pod)
    if (match?.action === 'FailJob') return failed('PodFailurePolicy', match.message)
  }
  return undefined
}

/** R88.4, R130–R132. */
function failByBackoffLimit(context: SyncContext): FinishDecision | undefined {
  const limit = context.job.spec.backoffLimit
  const tooManyFailures = context.failed > limit
  const tooManyRestarts =
    context.job.spec.template.spec.restartPolicy === 'OnFailure' && restartLimitReached(context.pods, limit)
  return tooManyFailures || tooManyRestarts ? failed('BackoffLimitExceeded', BACKOFF_LIMIT_EXCEEDED_MESSAGE) : undefined
}

/**
 * R131: in-place restarts of every `Pending` or `Running` pod of the Job count toward the
 * limit, terminating ones included (upstream's `pastBackoffLimitOnFailure` looks at all pods).
 */
function restartLimitReached(pods: ReadonlyArray<Pod>, limit: number): boolean {
  let restarts = 0
  for (const pod of pods) {
    const phase = pod.status?.phase
    if (phase === 'Running' || phase === 'Pending') restarts += restartCountSum(pod)
  }
  return limit === 0 ? restarts > 0 : restarts >= limit
}

/** R133: deadline measured from `startTime`, never while suspended. */
export function remainingDeadlineMs(context: SyncContext): number | undefined {
  const deadlineSeconds = context.job.spec.activeDeadlineSeconds
  if (deadlineSeconds === undefined || context.job.spec.suspend || context.startTimeMs === undefined) return undefined
  return deadlineSeconds * 1000 - (context.nowMs - context.startTimeMs)
}

function failByDeadline(context: SyncContext): FinishDecision | undefined {
  const remaining = remainingDeadlineMs(context)
  return remaining !== undefined && remaining <= 0 ? failed('DeadlineExceeded', DEADLINE_EXCEEDED_MESSAGE) : undefined
}

/** R88.7 / R140. */
function failByIndexes(context: SyncContext, indexed: IndexedProgress): FinishDecision | undefined {
  if (indexed.failed === undefined) return undefined
  const failedCount = countIndexes(indexed.failed)
  const maxFailed = context.job.spec.maxFailedIndexes
  if (maxFailed !== undefined && failedCount > maxFailed) {
    return failed('MaxFailedIndexesExceeded', MAX_FAILED_INDEXES_MESSAGE)
  }
  if (failedCount > 0 && failedCount + countIndexes(indexed.succeeded) >= (context.completions ?? 0)) {
    return failed('FailedIndexes', FAILED_INDEXES_MESSAGE)
  }
  return undefined
}

/** R88.8 / R143. */
function succeedByPolicy(context: SyncContext, indexed: IndexedProgress): FinishDecision | undefined {
  const policy = context.job.spec.successPolicy
  if (policy === undefined || countIndexes(indexed.succeeded) === 0) return undefined
  const match = matchSuccessPolicy(policy, context.completions ?? 0, indexed.succeeded)
  return match === undefined ? undefined : { outcome: 'Complete', reason: 'SuccessPolicy', message: match.message, alreadyRecorded: false }
}

/** R90.2: all completions reached and nothing active. */
export function completionsReached(context: SyncContext, succeeded: number, active: number): FinishDecision | undefined {
  if (active !== 0) return undefined
  const done = context.completions === undefined ? succeeded > 0 : succeeded >= context.completions
  return done ? { outcome: 'Complete', reason: 'CompletionsReached', message: COMPLETIONS_REACHED_MESSAGE, alreadyRecorded: false } : undefined
}
