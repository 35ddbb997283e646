/**
 * Conditions are ensured, never appended twice (R146): upstream's ensureJobConditionStatus
 * replaces a condition of the same type in place, so every type appears at most once, also
 * when someone else wrote it with `status: False` first (R145 ignores such conditions).
 */
import { describe, expect, it } from 'vitest'
import type { JobCondition, JobConditionType, Pod } from '../model/types.js'
import type { Job } from '../model/types.js'
import { ensureCondition } from './conditions.js'
import { reconcile } from './reconcile.js'
import { at, condition, makeJob, pod, runningStatus, timeAt } from './testing/fixtures.js'

const typesAndStatuses = (conditions: ReadonlyArray<JobCondition> | undefined): string[] =>
  (conditions ?? []).map((c) => `${c.type}=${c.status}`)

describe('ensureCondition (R146)', () => {
  const existing = condition('Suspended', 'JobSuspended', 'Job suspended', at(0))
  const cases: ReadonlyArray<{
    readonly name: string
    readonly conditions: ReadonlyArray<JobCondition>
    readonly desired: { readonly type: JobConditionType; readonly status: 'True' | 'False'; readonly reason: string; readonly message: string }
    readonly expected: ReadonlyArray<JobCondition> | 'same array'
  }> = [
    {
      name: 'R146: identical ⇒ untouched (the same array)',
      conditions: [existing],
      desired: { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' },
      expected: 'same array',
    },
    {
      name: 'R146: another status ⇒ replaced in place with fresh timestamps',
      conditions: [existing, condition('Failed', 'X', 'y', at(0), 'False')],
      desired: { type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' },
      expected: [condition('Suspended', 'JobResumed', 'Job resumed', at(9), 'False'), condition('Failed', 'X', 'y', at(0), 'False')],
    },
    {
      name: 'R146: absent and True ⇒ appended',
      conditions: [existing],
      desired: { type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: 'm' },
      expected: [existing, condition('Failed', 'DeadlineExceeded', 'm', at(9))],
    },
    {
      name: 'R146: absent and False ⇒ not added',
      conditions: [],
      desired: { type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' },
      expected: 'same array',
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const result = ensureCondition(c.conditions, c.desired, at(9))
      if (c.expected === 'same array') expect(result).toBe(c.conditions)
      else expect(result).toEqual(c.expected)
    })
  }
})

describe('reconcile: every condition type at most once (R144, R146)', () => {
  const failingJob = (foreign: JobCondition): { job: Job; pods: Pod[] } => {
    const job = makeJob({ spec: { completions: 2, parallelism: 1, backoffLimit: 0 }, status: { ...runningStatus({ active: 1 }), conditions: [foreign] } })
    return { job, pods: [pod(job, 'Failed', { name: 'pi-bad' })] }
  }
  const completingJob = (foreign: JobCondition): { job: Job; pods: Pod[] } => {
    const job = makeJob({ spec: { completions: 1, parallelism: 1 }, status: { ...runningStatus({ active: 1 }), conditions: [foreign] } })
    return { job, pods: [pod(job, 'Succeeded', { name: 'pi-done' })] }
  }
  const cases: ReadonlyArray<{ readonly name: string; readonly setup: () => { job: Job; pods: Pod[] }; readonly expected: ReadonlyArray<string> }> = [
    {
      name: 'R146: Failed=False, then the Job fails ⇒ Failed flipped in place: [Failed=True, FailureTarget=True]',
      setup: () => failingJob(condition('Failed', 'SomeoneElse', 'not failed', at(0), 'False')),
      expected: ['Failed=True', 'FailureTarget=True'],
    },
    {
      name: 'R146: FailureTarget=False, then the Job fails ⇒ FailureTarget flipped in place: [FailureTarget=True, Failed=True]',
      setup: () => failingJob(condition('FailureTarget', 'SomeoneElse', 'not failing', at(0), 'False')),
      expected: ['FailureTarget=True', 'Failed=True'],
    },
    {
      name: 'R146: Complete=False, then the Job completes ⇒ Complete flipped in place: [Complete=True, SuccessCriteriaMet=True]',
      setup: () => completingJob(condition('Complete', 'SomeoneElse', 'not complete', at(0), 'False')),
      expected: ['Complete=True', 'SuccessCriteriaMet=True'],
    },
    {
      name: 'R146: SuccessCriteriaMet=False, then the Job completes ⇒ flipped in place: [SuccessCriteriaMet=True, Complete=True]',
      setup: () => completingJob(condition('SuccessCriteriaMet', 'SomeoneElse', 'not yet', at(0), 'False')),
      expected: ['SuccessCriteriaMet=True', 'Complete=True'],
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const { job, pods } = c.setup()
      const plan = reconcile(job, pods, at(10))
      expect(typesAndStatuses(plan.status.conditions)).toEqual(c.expected)
      for (const condition of plan.status.conditions ?? []) {
        if (condition.status === 'True') expect(condition.lastTransitionTime).toBe(timeAt(10))
      }
    })
  }
})
