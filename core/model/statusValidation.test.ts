import { describe, expect, it } from 'vitest'
import { admitJobStatusUpdate } from './admission.js'
import { decodeJob } from './decode.js'
import { prepareJobForCreate } from './defaults.js'
import { renderFieldError } from './fieldErrors.js'
import { validateJobStatusUpdate } from './statusValidation.js'
import type { Job, JobCondition, JobConditionType, JobStatus } from './types.js'

const T0 = '2026-01-01T00:00:00Z'
const T1 = '2026-01-01T00:01:00Z'

const create = (spec: Record<string, unknown> = {}): Job => {
  const decoded = decodeJob({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi' },
    spec: { ...spec, template: { spec: { containers: [{ name: 'pi', image: 'perl' }], restartPolicy: 'Never' } } },
  })
  if (decoded._tag === 'Left') throw new Error('fixture does not decode')
  return prepareJobForCreate(decoded.right, { uid: 'uid-1', now: Date.parse(T0) })
}

const cond = (type: JobConditionType, status: JobCondition['status'] = 'True'): JobCondition => ({ type, status, lastTransitionTime: T1 })
const at = (job: Job, status: JobStatus): Job => ({ ...job, status })

/** The errors of writing `next` over `previous` on `job`'s /status. */
const statusErrors = (job: Job, previous: JobStatus, next: JobStatus): string[] =>
  validateJobStatusUpdate(at(job, previous), at(job, next)).map(renderFieldError)

const job = create()
const running: JobStatus = { startTime: T0, active: 1 }
const succeeding: JobStatus = { startTime: T0, active: 0, succeeded: 1, conditions: [cond('SuccessCriteriaMet')] }

describe('R60: counters and uncounted pods (always checked)', () => {
  it.each<readonly [string, JobStatus, ReadonlyArray<string>]>([
    ['active', { ...running, active: -1 }, ['status.active: Invalid value: -1: must be greater than or equal to 0']],
    ['ready', { ...running, ready: -1 }, ['status.ready: Invalid value: -1: must be greater than or equal to 0']],
    ['terminating', { ...running, terminating: -1 }, ['status.terminating: Invalid value: -1: must be greater than or equal to 0']],
    [
      'succeeded (which also decreased)',
      { ...running, succeeded: -1 },
      ['status.succeeded: Invalid value: -1: must be greater than or equal to 0', 'status.succeeded: Invalid value: -1: cannot decrease the succeeded counter'],
    ],
    [
      'failed (which also decreased)',
      { ...running, failed: -1 },
      ['status.failed: Invalid value: -1: must be greater than or equal to 0', 'status.failed: Invalid value: -1: cannot decrease the failed counter'],
    ],
  ])('R60: a negative %s', (_name, next, expected) => {
    expect(statusErrors(job, running, next)).toEqual(expected)
  })

  it('R60: uncounted UIDs must be non-empty and unique across both lists', () => {
    expect(statusErrors(job, running, { ...running, uncountedTerminatedPods: { succeeded: ['', 'a'], failed: ['b', 'a'] } })).toEqual([
      'status.uncountedTerminatedPods.succeeded[0]: Invalid value: "": must not be empty',
      'status.uncountedTerminatedPods.failed[1]: Duplicate value: "a"',
    ])
  })

  it('R60: checked even when the write does not touch them', () => {
    const bad: JobStatus = { ...running, uncountedTerminatedPods: { succeeded: ['a', 'a'] } }
    expect(statusErrors(job, bad, { ...bad, ready: 1 })).toEqual(['status.uncountedTerminatedPods.succeeded[1]: Duplicate value: "a"'])
  })
})

describe('R61: SuccessCriteriaMet consistency', () => {
  const failed: JobStatus = { startTime: T0, active: 0, failed: 1, conditions: [cond('FailureTarget'), cond('Failed')] }

  it('R61: not together with Failed=True or FailureTarget=True', () => {
    expect(statusErrors(job, failed, { ...failed, conditions: [...(failed.conditions ?? []), cond('SuccessCriteriaMet')] })).toEqual([
      'status.conditions: Invalid value: cannot set SuccessCriteriaMet=True and Failed=true conditions',
      'status.conditions: Invalid value: cannot set SuccessCriteriaMet=True and FailureTarget=true conditions',
    ])
  })

  it('R61: with a successPolicy, Complete=True requires SuccessCriteriaMet=True', () => {
    const withPolicy = create({ completionMode: 'Indexed', completions: 2, successPolicy: { rules: [{ succeededCount: 1 }] } })
    const before: JobStatus = { startTime: T0, active: 0, succeeded: 1, completedIndexes: '0' }
    expect(statusErrors(withPolicy, before, { ...before, completionTime: T1, conditions: [cond('Complete')] })).toEqual([
      'status.conditions: Invalid value: cannot set Complete=True condition without the SuccessCriteriaMet=true condition',
      'status.conditions: Invalid value: cannot set Complete=True for Job with SuccessPolicy unless SuccessCriteriaMet=True',
    ])
  })

  it('R61: once SuccessCriteriaMet=True it cannot be removed', () => {
    expect(statusErrors(job, succeeding, { ...succeeding, conditions: [] })).toEqual([
      'status.conditions: Invalid value: cannot disable the SuccessCriteriaMet=True condition',
    ])
    expect(statusErrors(job, succeeding, { ...succeeding, conditions: [cond('SuccessCriteriaMet', 'False')] })).toEqual([
      'status.conditions: Invalid value: cannot disable the SuccessCriteriaMet=True condition',
    ])
  })

  it('R61: it cannot be added to a Job that is already Complete without it', () => {
    const oldComplete: JobStatus = { startTime: T0, active: 0, succeeded: 1, completionTime: T1, conditions: [cond('Complete')] }
    expect(statusErrors(job, oldComplete, { ...oldComplete, conditions: [cond('Complete'), cond('SuccessCriteriaMet')] })).toEqual([
      'status.conditions: Invalid value: cannot set SuccessCriteriaMet=True for Job already has Complete=true conditions',
    ])
  })
})

describe('R62: transitions that never happen', () => {
  const failed: JobStatus = { startTime: T0, active: 0, failed: 1, conditions: [cond('FailureTarget'), cond('Failed')] }

  it.each<readonly [JobConditionType, JobStatus]>([
    ['Failed', { ...failed, conditions: [cond('FailureTarget'), cond('Failed', 'False')] }],
    ['FailureTarget', { ...failed, conditions: [cond('Failed')] }],
  ])('R62: a terminal %s=True condition cannot be disabled', (type, next) => {
    expect(statusErrors(job, failed, next)).toContain(`status.conditions: Invalid value: cannot disable the terminal ${type}=True condition`)
  })

  it('R62: a Complete=True condition cannot be removed', () => {
    const complete: JobStatus = { ...succeeding, completionTime: T1, conditions: [cond('SuccessCriteriaMet'), cond('Complete')] }
    expect(statusErrors(job, complete, { ...complete, conditions: [cond('SuccessCriteriaMet')] })).toContain(
      'status.conditions: Invalid value: cannot disable the terminal Complete=True condition',
    )
  })

  it('R62: the failed counter never decreases', () => {
    expect(statusErrors(job, { ...running, failed: 3 }, { ...running, failed: 2 })).toEqual(['status.failed: Invalid value: 2: cannot decrease the failed counter'])
  })

  it('R62: the succeeded counter never decreases, except for elastic Indexed Jobs (completions == parallelism)', () => {
    expect(statusErrors(job, { ...running, succeeded: 3 }, { ...running, succeeded: 2 })).toEqual([
      'status.succeeded: Invalid value: 2: cannot decrease the succeeded counter',
    ])
    const elastic = create({ completionMode: 'Indexed', completions: 2, parallelism: 2 })
    expect(statusErrors(elastic, { ...running, succeeded: 3, completedIndexes: '0-2' }, { ...running, succeeded: 2, completedIndexes: '0-1' })).toEqual([])
    const notElastic = create({ completionMode: 'Indexed', completions: 4, parallelism: 2 })
    expect(statusErrors(notElastic, { ...running, succeeded: 3, completedIndexes: '0-2' }, { ...running, succeeded: 2, completedIndexes: '0-1' })).toEqual([
      'status.succeeded: Invalid value: 2: cannot decrease the succeeded counter',
    ])
  })

  it('R62: a set completionTime cannot change', () => {
    const complete: JobStatus = { ...succeeding, completionTime: T1, conditions: [cond('SuccessCriteriaMet'), cond('Complete')] }
    expect(statusErrors(job, complete, { ...complete, completionTime: '2026-01-01T00:02:00Z' })).toEqual([
      'status.completionTime: Invalid value: "2026-01-01T00:02:00Z": field is immutable',
    ])
  })
})

describe('R63: terminal transitions', () => {
  const completing = (extra: Partial<JobStatus> = {}): JobStatus => ({
    ...succeeding,
    completionTime: T1,
    conditions: [cond('SuccessCriteriaMet'), cond('Complete')],
    ...extra,
  })

  it('R63: the controller\'s own completion (SuccessCriteriaMet, then Complete with completionTime) is accepted', () => {
    expect(statusErrors(job, succeeding, completing())).toEqual([])
  })

  it('R63: Complete and Failed cannot both be True; Failed needs FailureTarget', () => {
    expect(statusErrors(job, succeeding, completing({ conditions: [cond('SuccessCriteriaMet'), cond('Complete'), cond('Failed')] }))).toEqual([
      'status.conditions: Invalid value: cannot set Complete=True and Failed=true conditions',
      'status.conditions: Invalid value: cannot set Failed=True condition without the FailureTarget=true condition',
      'status.conditions: Invalid value: cannot set SuccessCriteriaMet=True and Failed=true conditions',
    ])
  })

  it('R63: Complete not with FailureTarget, and not without SuccessCriteriaMet', () => {
    const target: JobStatus = { startTime: T0, active: 0, conditions: [cond('FailureTarget')] }
    expect(statusErrors(job, target, { ...target, completionTime: T1, conditions: [cond('FailureTarget'), cond('Complete')] })).toEqual([
      'status.conditions: Invalid value: cannot set Complete=True and FailureTarget=true conditions',
      'status.conditions: Invalid value: cannot set Complete=True condition without the SuccessCriteriaMet=true condition',
    ])
  })

  it('R63: Failed=True requires FailureTarget=True', () => {
    expect(statusErrors(job, { startTime: T0, active: 0 }, { startTime: T0, active: 0, conditions: [cond('Failed')] })).toEqual([
      'status.conditions: Invalid value: cannot set Failed=True condition without the FailureTarget=true condition',
    ])
  })

  it.each<readonly [string, Partial<JobStatus>, string]>([
    ['startTime', { startTime: undefined }, 'status.startTime: Required value: startTime is required for finished job'],
    ['active == 0', { active: 1 }, 'status.active: Invalid value: 1: active>0 is invalid for finished job'],
    ['terminating == 0', { terminating: 2 }, 'status.terminating: Invalid value: 2: terminating>0 is invalid for finished job'],
    [
      'empty uncountedTerminatedPods',
      { uncountedTerminatedPods: { succeeded: ['a'] } },
      'status.uncountedTerminatedPods: Invalid value: {"Succeeded":["a"],"Failed":null}: must be empty for finished job',
    ],
    ['a completionTime', { completionTime: undefined }, 'status.completionTime: Required value: completionTime is required for Complete jobs'],
    ['completionTime not before startTime', { completionTime: '2025-12-31T23:59:59Z' }, 'status.completionTime: Invalid value: "2025-12-31T23:59:59Z": must be equal to or after `startTime`'],
  ])('R63: a finished Job needs %s', (_name, change, expected) => {
    const previous: JobStatus = { ...succeeding, ...(change.startTime === undefined && 'startTime' in change ? { startTime: undefined } : {}) }
    expect(statusErrors(job, previous, completing(change))).toEqual([expected])
  })

  it('R63: completionTime without Complete=True is rejected', () => {
    expect(statusErrors(job, running, { ...running, completionTime: T1 })).toEqual([
      'status.completionTime: Invalid value: "2026-01-01T00:01:00Z": cannot set completionTime when there is no Complete=True condition',
    ])
  })

  it('R63 (R90 exception): a suspended Job with completions 0 completes without a startTime', () => {
    const zero = create({ suspend: true, completions: 0 })
    const suspended: JobStatus = { conditions: [cond('Suspended')] }
    const done: JobStatus = { completionTime: T1, conditions: [cond('Suspended'), cond('SuccessCriteriaMet'), cond('Complete')] }
    expect(statusErrors(zero, suspended, done)).toEqual([])
    const notSuspended = create({ completions: 0 })
    expect(statusErrors(notSuspended, suspended, done)).toEqual(['status.startTime: Required value: startTime is required for finished job'])
  })

  it('R63: unrelated writes to an already inconsistent status pass', () => {
    const inconsistent: JobStatus = { ...completing(), active: 2 }
    expect(statusErrors(job, inconsistent, { ...inconsistent, failed: 1 })).toEqual([])
  })
})

describe('R64: startTime', () => {
  it('R64: once set it cannot change while the Job is not suspended', () => {
    expect(statusErrors(job, running, { ...running, startTime: T1 })).toEqual([
      'status.startTime: Invalid value: "2026-01-01T00:01:00Z": field is immutable for unsuspended job once set',
    ])
    expect(statusErrors(job, running, { ...running, startTime: undefined })).toEqual([
      'status.startTime: Invalid value: null: field is immutable for unsuspended job once set',
    ])
  })

  it('R64: the first startTime can be set', () => {
    expect(statusErrors(job, { active: 0 }, { active: 1, startTime: T0 })).toEqual([])
  })

  it('R64: it may change or be removed while the Job is suspended', () => {
    const suspendedJob = create({ suspend: true })
    expect(statusErrors(suspendedJob, { startTime: T0, active: 0 }, { active: 0, conditions: [cond('Suspended')] })).toEqual([])
  })

  it('R64: it may change in the write that flips Suspended from True to False (resume)', () => {
    const wasSuspended: JobStatus = { startTime: T0, active: 0, conditions: [cond('Suspended')] }
    expect(statusErrors(job, wasSuspended, { startTime: T1, active: 1, conditions: [cond('Suspended', 'False')] })).toEqual([])
  })
})

describe('R65: indexes', () => {
  const indexedJob = create({ completionMode: 'Indexed', completions: 3, backoffLimitPerIndex: 1 })

  it('R65: completedIndexes must follow R50 with the current completions', () => {
    expect(statusErrors(indexedJob, running, { ...running, completedIndexes: '1,5' })).toEqual([
      'status.completedIndexes: Invalid value: "1,5": error parsing completedIndexes: too large index: "5"',
    ])
  })

  it('R65: failedIndexes must follow R50', () => {
    expect(statusErrors(indexedJob, running, { ...running, failedIndexes: '2-1' })).toEqual([
      'status.failedIndexes: Invalid value: "2-1": error parsing failedIndexes: non-increasing order, previous: 2, current: 1',
    ])
  })

  it('R65: completedIndexes must be empty for NonIndexed Jobs', () => {
    expect(statusErrors(job, running, { ...running, completedIndexes: '0' })).toEqual([
      'status.completedIndexes: Invalid value: "0": cannot set non-empty completedIndexes when non-indexed completion mode',
    ])
  })

  it('R65: failedIndexes must be nil without backoffLimitPerIndex', () => {
    const noPerIndex = create({ completionMode: 'Indexed', completions: 3 })
    expect(statusErrors(noPerIndex, running, { ...running, failedIndexes: '' })).toEqual([
      'status.failedIndexes: Invalid value: "": cannot set non-null failedIndexes when backoffLimitPerIndex is null',
    ])
  })

  it('R65: completedIndexes and failedIndexes must not overlap', () => {
    expect(statusErrors(indexedJob, running, { ...running, completedIndexes: '0-1', failedIndexes: '1-2' })).toEqual([
      'status.failedIndexes: Invalid value: "1-2": failedIndexes and completedIndexes overlap at index: 1',
    ])
  })

  it('R65: only checked when the index fields change (e.g. just after a scale-down)', () => {
    const scaledDown: JobStatus = { ...running, completedIndexes: '0-4' }
    expect(statusErrors(indexedJob, scaledDown, { ...scaledDown, active: 2 })).toEqual([])
  })
})

describe('R66: ready <= active', () => {
  it('R66: more ready pods than active is rejected when ready or active change', () => {
    expect(statusErrors(job, running, { ...running, ready: 2 })).toEqual(['status.ready: Invalid value: 2: cannot set more ready pods than active'])
  })

  it('R66: more ready pods than active, but allowed: an unrelated write passes', () => {
    const inconsistent: JobStatus = { ...running, ready: 2 }
    expect(statusErrors(job, inconsistent, { ...inconsistent, failed: 1 })).toEqual([])
  })
})

describe('R59 and the write path of /status', () => {
  it('R59: metadata identity cannot change through /status either', () => {
    expect(validateJobStatusUpdate(job, { ...job, metadata: { ...job.metadata, name: 'other' } }).map(renderFieldError)).toEqual([
      'metadata.name: Invalid value: "other": field is immutable',
    ])
  })

  it('admitJobStatusUpdate keeps the stored spec and reports the 422 message', () => {
    const stored = at(job, running)
    const accepted = admitJobStatusUpdate(stored, { ...running, ready: 1 })
    expect(accepted._tag === 'Right' && accepted.right.job).toEqual(at(job, { ...running, ready: 1 }))
    const rejected = admitJobStatusUpdate(stored, { ...running, terminating: -1 })
    expect(rejected._tag === 'Left' && rejected.left.message).toBe(
      'Job.batch "pi" is invalid: status.terminating: Invalid value: -1: must be greater than or equal to 0',
    )
  })
})
