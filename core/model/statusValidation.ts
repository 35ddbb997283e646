/**
 * Validation of a write to `/status` (spec §3.4, R60–R66), as the API server runs it with the
 * strengthened rules of JobManagedBy (always on in 1.36). R60 and R61 always apply; the other
 * rules only when the fields they look at change in this write, so an unrelated write to an
 * already inconsistent status still passes.
 */
import type { FieldError } from './fieldErrors.js'
import { duplicate, immutable, invalid, invalidOmitValue, required } from './fieldErrors.js'
import { jsonEqual } from './equality.js'
import { goUncountedTerminatedPods } from './goValues.js'
import { firstIndexOverlap, parseIndexesStrict } from './indexes.js'
import { nonNegative } from './policyValidation.js'
import { parseTime } from './time.js'
import type { Job, JobConditionType, JobStatus } from './types.js'
import { validateObjectMetaUpdate } from './updateValidation.js'

const isTrue = (status: JobStatus, type: JobConditionType): boolean =>
  (status.conditions ?? []).some((c) => c.type === type && c.status === 'True')

const isFinished = (s: JobStatus): boolean => isTrue(s, 'Complete') || isTrue(s, 'Failed')

const conditionsPath = 'status.conditions'

/** Which gated rules apply to this write (upstream's `getStatusValidationOptions`). */
interface Gates {
  readonly completedIndexes: boolean
  readonly failedIndexes: boolean
  readonly finishedWithActive: boolean
  readonly finishedWithoutStartTime: boolean
  readonly finishedWithUncounted: boolean
  readonly finishedWithTerminating: boolean
  readonly startTime: boolean
  readonly completionTimeOrder: boolean
  readonly completionTimeWithComplete: boolean
  readonly completeWithFailed: boolean
  readonly completeWithFailureTarget: boolean
  readonly failedWithoutFailureTarget: boolean
  readonly completeWithoutSuccessCriteriaMet: boolean
  readonly readyAboveActive: boolean
  readonly decreasingSucceeded: boolean
}

function gates(job: Job, old: Job): Gates {
  const s = job.status ?? {}
  const o = old.status ?? {}
  const changed = (type: JobConditionType): boolean => isTrue(s, type) !== isTrue(o, type)
  const finishedChanged = isFinished(s) !== isFinished(o)
  const completeChanged = changed('Complete')
  const failedChanged = changed('Failed')
  const failureTargetChanged = changed('FailureTarget')
  const completedIndexesChanged = (s.completedIndexes ?? '') !== (o.completedIndexes ?? '')
  const failedIndexesChanged = s.failedIndexes !== o.failedIndexes
  const activeChanged = (s.active ?? 0) !== (o.active ?? 0)
  const startTimeChanged = s.startTime !== o.startTime
  const completionTimeChanged = s.completionTime !== o.completionTime
  // R63's exception (R90): a suspended Job with `completions: 0` completes without ever starting.
  const completesWithoutStarting = job.spec.suspend && job.spec.completions === 0
  const isIndexed = job.spec.completionMode === 'Indexed'
  return {
    completedIndexes: completedIndexesChanged,
    failedIndexes: failedIndexesChanged,
    finishedWithActive: finishedChanged || activeChanged,
    finishedWithoutStartTime: (finishedChanged || startTimeChanged) && !completesWithoutStarting,
    finishedWithUncounted: finishedChanged || !jsonEqual(s.uncountedTerminatedPods, o.uncountedTerminatedPods),
    finishedWithTerminating: finishedChanged || s.terminating !== o.terminating,
    startTime: startTimeChanged,
    completionTimeOrder: startTimeChanged || completionTimeChanged,
    completionTimeWithComplete: completeChanged || completionTimeChanged,
    completeWithFailed: completeChanged || failedChanged,
    completeWithFailureTarget: completeChanged || failureTargetChanged,
    failedWithoutFailureTarget: failedChanged || failureTargetChanged,
    completeWithoutSuccessCriteriaMet: completeChanged || changed('SuccessCriteriaMet'),
    readyAboveActive: s.ready !== o.ready || activeChanged,
    decreasingSucceeded: !isIndexed || job.spec.completions !== job.spec.parallelism,
  }
}

/** R60: counters and uncounted UIDs (always). */
function validateCounters(s: JobStatus): FieldError[] {
  const errs: FieldError[] = [
    ...nonNegative(s.active, 'status.active'),
    ...nonNegative(s.succeeded, 'status.succeeded'),
    ...nonNegative(s.failed, 'status.failed'),
    ...nonNegative(s.ready, 'status.ready'),
    ...nonNegative(s.terminating, 'status.terminating'),
  ]
  const seen = new Set<string>()
  const uids = (list: ReadonlyArray<string> | undefined, path: string): void =>
    (list ?? []).forEach((uid, i) => {
      const p = `${path}[${i}]`
      if (uid === '') errs.push(invalid(p, uid, 'must not be empty'))
      else if (seen.has(uid)) errs.push(duplicate(p, uid))
      else seen.add(uid)
    })
  uids(s.uncountedTerminatedPods?.succeeded, 'status.uncountedTerminatedPods.succeeded')
  uids(s.uncountedTerminatedPods?.failed, 'status.uncountedTerminatedPods.failed')
  return errs
}

/** R63: consistency of terminal conditions, times and counters (gated). */
function validateTerminalState(job: Job, g: Gates): FieldError[] {
  const s = job.status ?? {}
  const errs: FieldError[] = []
  const complete = isTrue(s, 'Complete')
  const failed = isTrue(s, 'Failed')
  if (g.completeWithFailed && complete && failed) errs.push(invalidOmitValue(conditionsPath, 'cannot set Complete=True and Failed=true conditions'))
  if (g.completeWithFailureTarget && complete && isTrue(s, 'FailureTarget')) {
    errs.push(invalidOmitValue(conditionsPath, 'cannot set Complete=True and FailureTarget=true conditions'))
  }
  if (g.completionTimeWithComplete && s.completionTime !== undefined && !complete) {
    errs.push(invalid('status.completionTime', s.completionTime, 'cannot set completionTime when there is no Complete=True condition'))
  }
  if (g.completionTimeWithComplete && s.completionTime === undefined && complete) {
    errs.push(required('status.completionTime', 'completionTime is required for Complete jobs'))
  }
  const start = parseTime(s.startTime)
  const completion = parseTime(s.completionTime)
  if (g.completionTimeOrder && start !== undefined && completion !== undefined && completion < start) {
    errs.push(invalid('status.completionTime', s.completionTime ?? null, 'must be equal to or after `startTime`'))
  }
  if (g.failedWithoutFailureTarget && failed && !isTrue(s, 'FailureTarget')) {
    errs.push(invalidOmitValue(conditionsPath, 'cannot set Failed=True condition without the FailureTarget=true condition'))
  }
  if (g.completeWithoutSuccessCriteriaMet && complete && !isTrue(s, 'SuccessCriteriaMet')) {
    errs.push(invalidOmitValue(conditionsPath, 'cannot set Complete=True condition without the SuccessCriteriaMet=true condition'))
  }
  const finished = complete || failed
  if (g.finishedWithActive && finished && (s.active ?? 0) > 0) errs.push(invalid('status.active', s.active ?? 0, 'active>0 is invalid for finished job'))
  if (g.finishedWithoutStartTime && finished && s.startTime === undefined) {
    errs.push(required('status.startTime', 'startTime is required for finished job'))
  }
  const uncounted = s.uncountedTerminatedPods
  if (g.finishedWithUncounted && finished && uncounted !== undefined && (uncounted.succeeded ?? []).length + (uncounted.failed ?? []).length > 0) {
    errs.push(invalid('status.uncountedTerminatedPods', goUncountedTerminatedPods(uncounted), 'must be empty for finished job'))
  }
  return errs
}

/** R65: the index fields (gated). */
function validateIndexes(job: Job, g: Gates): FieldError[] {
  const s = job.status ?? {}
  const { completions, backoffLimitPerIndex, completionMode } = job.spec
  const errs: FieldError[] = []
  const completed = s.completedIndexes ?? ''
  if (g.completedIndexes && completions !== undefined) {
    const parsed = parseIndexesStrict(completed, completions)
    if (parsed._tag === 'Left') errs.push(invalid('status.completedIndexes', completed, `error parsing completedIndexes: ${parsed.left}`))
  }
  if (g.failedIndexes && completions !== undefined && backoffLimitPerIndex !== undefined && s.failedIndexes !== undefined) {
    const parsed = parseIndexesStrict(s.failedIndexes, completions)
    if (parsed._tag === 'Left') errs.push(invalid('status.failedIndexes', s.failedIndexes, `error parsing failedIndexes: ${parsed.left}`))
  }
  if (g.completedIndexes && completed !== '' && completionMode !== 'Indexed') {
    errs.push(invalid('status.completedIndexes', completed, 'cannot set non-empty completedIndexes when non-indexed completion mode'))
  }
  if (g.failedIndexes && backoffLimitPerIndex === undefined && s.failedIndexes !== undefined) {
    errs.push(invalid('status.failedIndexes', s.failedIndexes, 'cannot set non-null failedIndexes when backoffLimitPerIndex is null'))
  }
  if ((g.failedIndexes || g.completedIndexes) && completions !== undefined && s.failedIndexes !== undefined) {
    const overlap = firstIndexOverlap(completed, s.failedIndexes, completions)
    if (overlap !== undefined) errs.push(invalid('status.failedIndexes', s.failedIndexes, `failedIndexes and completedIndexes overlap at index: ${overlap}`))
  }
  return errs
}

/** R61 (always) and the SuccessCriteriaMet transitions. */
function validateSuccessCriteriaMet(job: Job, old: Job): FieldError[] {
  const s = job.status ?? {}
  const o = old.status ?? {}
  const met = isTrue(s, 'SuccessCriteriaMet')
  const errs: FieldError[] = []
  if (met && isTrue(s, 'Failed')) errs.push(invalidOmitValue(conditionsPath, 'cannot set SuccessCriteriaMet=True and Failed=true conditions'))
  if (met && isTrue(s, 'FailureTarget')) {
    errs.push(invalidOmitValue(conditionsPath, 'cannot set SuccessCriteriaMet=True and FailureTarget=true conditions'))
  }
  if (job.spec.successPolicy !== undefined && !met && isTrue(s, 'Complete')) {
    errs.push(invalidOmitValue(conditionsPath, 'cannot set Complete=True for Job with SuccessPolicy unless SuccessCriteriaMet=True'))
  }
  if (isTrue(o, 'SuccessCriteriaMet') && !met) errs.push(invalidOmitValue(conditionsPath, 'cannot disable the SuccessCriteriaMet=True condition'))
  if (isTrue(o, 'Complete') && !isTrue(o, 'SuccessCriteriaMet') && met) {
    errs.push(invalidOmitValue(conditionsPath, 'cannot set SuccessCriteriaMet=True for Job already has Complete=true conditions'))
  }
  return errs
}

/** R62, R64: transitions that may never happen (terminal conditions, counters, times). */
function validateTransitions(job: Job, old: Job, g: Gates): FieldError[] {
  const s = job.status ?? {}
  const o = old.status ?? {}
  const errs: FieldError[] = []
  for (const type of ['Failed', 'Complete', 'FailureTarget'] as const) {
    if (isTrue(o, type) && !isTrue(s, type)) errs.push(invalidOmitValue(conditionsPath, `cannot disable the terminal ${type}=True condition`))
  }
  if ((s.failed ?? 0) < (o.failed ?? 0)) errs.push(invalid('status.failed', s.failed ?? 0, 'cannot decrease the failed counter'))
  if (g.decreasingSucceeded && (s.succeeded ?? 0) < (o.succeeded ?? 0)) {
    errs.push(invalid('status.succeeded', s.succeeded ?? 0, 'cannot decrease the succeeded counter'))
  }
  if (s.completionTime !== undefined && o.completionTime !== undefined && s.completionTime !== o.completionTime) {
    errs.push(immutable('status.completionTime', s.completionTime))
  }
  const resumed = isTrue(o, 'Suspended') && !isTrue(s, 'Suspended')
  if (g.startTime && o.startTime !== undefined && s.startTime !== o.startTime && !job.spec.suspend && !resumed) {
    errs.push(invalid('status.startTime', s.startTime ?? null, 'field is immutable for unsuspended job once set'))
  }
  return errs
}

/** R66: `ready <= active` (gated on either changing). */
function validateReady(job: Job, g: Gates): FieldError[] {
  const s = job.status ?? {}
  const errs: FieldError[] = []
  if (g.finishedWithTerminating && isFinished(s) && (s.terminating ?? 0) > 0) {
    errs.push(invalid('status.terminating', s.terminating ?? 0, 'terminating>0 is invalid for finished job'))
  }
  if (g.readyAboveActive && s.ready !== undefined && s.ready > (s.active ?? 0)) {
    errs.push(invalid('status.ready', s.ready, 'cannot set more ready pods than active'))
  }
  return errs
}

/**
 * Validates a write to a Job's `/status` (`newJob` carries the stored spec, R27) against the
 * stored Job: metadata immutability (R59), R60–R66. Returns every problem.
 */
export function validateJobStatusUpdate(oldJob: Job, newJob: Job): ReadonlyArray<FieldError> {
  const g = gates(newJob, oldJob)
  const s = newJob.status ?? {}
  return [
    ...validateObjectMetaUpdate(newJob.metadata, oldJob.metadata),
    ...validateCounters(s),
    ...validateTerminalState(newJob, g),
    ...validateIndexes(newJob, g),
    ...validateReady(newJob, g),
    ...validateSuccessCriteriaMet(newJob, oldJob),
    ...validateTransitions(newJob, oldJob, g),
  ]
}

/** R27 for `/status`: the incoming status on the stored Job (spec and metadata stay as stored). */
export function prepareJobStatusUpdate(old: Job, status: JobStatus): Job {
  return { ...old, status }
}
