/**
 * A terminal decision that stops running pods is stored before the first of them is deleted
 * (R89, R111): otherwise a crash or a failed status write between the deletions and the write
 * lets the next sync see the stopped pods as failures (R141: a terminating pod is a failure
 * under `TerminatingOrFailed`) and decide anew — a success policy turning into
 * BackoffLimitExceeded, a deadline into BackoffLimitExceeded. Once stored, the interim condition
 * fixes the verdict's type, reason and message (R88.1, R88.2, R145).
 */
import { describe, expect, it } from 'vitest'
import type { Job, JobCondition, Pod } from '../model/types.js'
import type { Reconciliation } from './options.js'
import { applyPlan, at, jobOf, makeJob, newWorld, plan, pod, podsEvent, runningStatus, syncOnce, advance, SECOND, type World } from './testing/fixtures.js'

interface DecisionCase {
  readonly name: string
  readonly job: Job
  readonly pods: (job: Job) => Pod[]
  readonly verdict: Pick<JobCondition, 'type' | 'reason' | 'message'>
  readonly nowSeconds?: number
}

const indexedStatus = runningStatus({ completedIndexes: '' })

const cases: ReadonlyArray<DecisionCase> = [
  {
    name: 'R88.4 BackoffLimitExceeded',
    job: makeJob({ spec: { completions: 3, parallelism: 2, backoffLimit: 0 }, status: runningStatus({ active: 2 }) }),
    pods: (job) => [pod(job, 'Failed', { name: 'bad' }), pod(job, 'Running', { name: 'run' })],
    verdict: { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
  },
  {
    // Re-decided after the stopped pods count as failures, backoffLimit 0 would win (R88.4 before R88.5).
    name: 'R88.5 DeadlineExceeded',
    job: makeJob({ spec: { completions: 2, parallelism: 2, backoffLimit: 0, activeDeadlineSeconds: 10 }, status: runningStatus({ active: 2 }) }),
    pods: (job) => [pod(job, 'Running', { name: 'a' }), pod(job, 'Ready', { name: 'b' })],
    verdict: { type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' },
    nowSeconds: 20,
  },
  {
    name: 'R88.3 PodFailurePolicy FailJob',
    job: makeJob({
      spec: { completions: 3, parallelism: 2, backoffLimit: 6, podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] } },
      status: runningStatus({ active: 2 }),
    }),
    pods: (job) => [pod(job, 'Failed', { name: 'bad', exitCode: 42 }), pod(job, 'Running', { name: 'run' })],
    verdict: { type: 'Failed', reason: 'PodFailurePolicy', message: 'Container main for pod default/bad failed with exit code 42 matching FailJob rule at index 0' },
  },
  {
    name: 'R88.7 MaxFailedIndexesExceeded',
    job: makeJob({
      spec: { completions: 3, parallelism: 3, completionMode: 'Indexed', backoffLimitPerIndex: 0, maxFailedIndexes: 0 },
      status: { ...indexedStatus, active: 3, failedIndexes: '' },
    }),
    pods: (job) => [pod(job, 'Failed', { index: 0 }), pod(job, 'Running', { index: 1 }), pod(job, 'Running', { index: 2 })],
    verdict: { type: 'Failed', reason: 'MaxFailedIndexesExceeded', message: 'Job has exceeded the specified maximal number of failed indexes' },
  },
  {
    // Re-decided after the stopped pods count as failures, backoffLimit 0 would fail the Job.
    name: 'R88.8 SuccessPolicy',
    job: makeJob({
      spec: { completions: 3, parallelism: 3, completionMode: 'Indexed', backoffLimit: 0, successPolicy: { rules: [{ succeededIndexes: '0' }] } },
      status: { ...indexedStatus, active: 3 },
    }),
    pods: (job) => [pod(job, 'Succeeded', { index: 0 }), pod(job, 'Running', { index: 1 }), pod(job, 'Ready', { index: 2 })],
    verdict: { type: 'Complete', reason: 'SuccessPolicy', message: 'Matched rules at index 0' },
  },
]

const interimOf = (type: JobCondition['type']) => (type === 'Failed' ? 'FailureTarget' : 'SuccessCriteriaMet')

/** Syncs until the Job finishes; between syncs, pods being deleted terminate (the kubelet). */
function runToTheEnd(start: World): JobCondition | undefined {
  let world = start
  for (let sync = 0; sync < 10; sync++) {
    world = syncOnce(world).world
    const finished = jobOf(world).status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')
    if (finished !== undefined) return finished
    world = advance(podsEvent(world, (p) => p.metadata.deletionTimestamp !== undefined, { _tag: 'Terminate' }), SECOND)
  }
  return undefined
}

const verdictOf = (condition: JobCondition | undefined) => (condition === undefined ? undefined : { type: condition.type, reason: condition.reason, message: condition.message })

describe('reconcile: a terminal decision is stored before its pods are stopped (R89, R111, R145)', () => {
  for (const c of cases) {
    const start = (): { world: World; decided: Reconciliation } => {
      const world = newWorld(c.job, at(c.nowSeconds ?? 5), c.pods(c.job))
      return { world, decided: plan(world) }
    }

    it(`${c.name}: the status write carrying ${interimOf(c.verdict.type)} comes before every pod deletion`, () => {
      const { decided } = start()
      const firstDeletion = decided.actions.findIndex((a) => a._tag === 'DeletePod')
      const interimWrite = decided.actions.findIndex(
        (a) => a._tag === 'UpdateJobStatus' && (a.status.conditions ?? []).some((cond) => cond.type === interimOf(c.verdict.type) && cond.status === 'True'),
      )
      expect(firstDeletion).toBeGreaterThanOrEqual(0)
      expect(interimWrite).toBeGreaterThanOrEqual(0)
      expect(interimWrite).toBeLessThan(firstDeletion)
      // What the write carries is upstream's write #1: the stopped pods already counted as terminating (R89).
      const written = decided.actions[interimWrite]!
      expect(written._tag === 'UpdateJobStatus' && written.status.active).toBe(0)
    })

    it(`${c.name}: a crash after any action of the deciding sync ends with the same verdict, ${c.verdict.type}/${c.verdict.reason}`, () => {
      const { world, decided } = start()
      expect(verdictOf(runToTheEnd(world))).toEqual(c.verdict)
      for (let crashAfter = 0; crashAfter < decided.actions.length; crashAfter++) {
        const crashed = applyPlan(world, decided, crashAfter).world
        expect(verdictOf(runToTheEnd(crashed)), `crash after ${crashAfter} of ${decided.actions.map((a) => a._tag).join(', ')}`).toEqual(c.verdict)
      }
    })
  }
})
