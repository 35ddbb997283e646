import type { ConditionStatus, JobCondition, JobConditionType, JobStatus } from '../model/types.js'
import { formatTime } from '../model/time.js'

/** The condition of this type that is `True`, if any (conditions with another status are ignored, R145). */
export function trueCondition(status: JobStatus | undefined, type: JobConditionType): JobCondition | undefined {
  return status?.conditions?.find((condition) => condition.type === type && condition.status === 'True')
}

/** A Job is finished once `Complete=True` or `Failed=True` is set (R79). */
export function isFinished(status: JobStatus | undefined): boolean {
  return trueCondition(status, 'Complete') !== undefined || trueCondition(status, 'Failed') !== undefined
}

/** The condition a finished Job ended with. */
export function finishedConditionOf(status: JobStatus | undefined): JobCondition | undefined {
  return trueCondition(status, 'Complete') ?? trueCondition(status, 'Failed')
}

/** A fresh condition with both timestamps at `nowMs` (R147). */
export function newCondition(
  type: JobConditionType,
  status: ConditionStatus,
  reason: string,
  message: string,
  nowMs: number,
): JobCondition {
  const time = formatTime(nowMs)
  return { type, status, reason, message, lastProbeTime: time, lastTransitionTime: time }
}

/**
 * Sets a condition the way upstream's "ensure" does (R146): an existing condition of that type
 * is replaced whole when status, reason or message differ, left alone when identical; an
 * absent one is appended unless the desired status is `False`. Returns the same array when
 * nothing changed.
 */
export function ensureCondition(
  conditions: ReadonlyArray<JobCondition>,
  desired: { readonly type: JobConditionType; readonly status: ConditionStatus; readonly reason: string; readonly message: string },
  nowMs: number,
): ReadonlyArray<JobCondition> {
  const position = conditions.findIndex((condition) => condition.type === desired.type)
  const replacement = newCondition(desired.type, desired.status, desired.reason, desired.message, nowMs)
  if (position === -1) return desired.status === 'False' ? conditions : [...conditions, replacement]
  const existing = conditions[position]!
  if (existing.status === desired.status && existing.reason === desired.reason && existing.message === desired.message) {
    return conditions
  }
  return conditions.map((condition, i) => (i === position ? replacement : condition))
}
