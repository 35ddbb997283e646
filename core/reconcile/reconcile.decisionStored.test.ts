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
import { reconcileAfterFailedPodCalls } from './reconcile.js'
import { noFailedPodCalls } from './failedPodCalls.js'
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
      const { world, decided } = start()
      const firstDeletion = decided.actions.findIndex((a) => a._tag === 'DeletePod')
      const interimWrite = decided.actions.findIndex(
        (a) => a._tag === 'UpdateJobStatus' && (a.status.conditions ?? []).some((cond) => cond.type === interimOf(c.verdict.type) && cond.status === 'True'),
      )
      expect(firstDeletion).toBeGreaterThanOrEqual(0)
      expect(interimWrite).toBeGreaterThanOrEqual(0)
      expect(interimWrite).toBeLessThan(firstDeletion)
      // It records nothing yet for the pods it is about to stop (still active, not failures), so
      // one whose deletion fails, or that finishes first, counts as what it did (R114).
      const written = decided.actions[interimWrite]!
      const running = world.pods.filter((p) => p.status?.phase === 'Running')
      expect(running.length).toBeGreaterThan(0)
      expect(written._tag === 'UpdateJobStatus' && written.status.active).toBe(running.length)
      const recordedFailed = written._tag === 'UpdateJobStatus' ? (written.status.uncountedTerminatedPods?.failed ?? []) : []
      for (const p of running) expect(recordedFailed).not.toContain(p.metadata.uid)
      // Then, after the deletions, upstream's write #1: nothing active, the stopped pods terminating (R89).
      const firstWrite = decided.actions.findIndex((a, i) => i > firstDeletion && a._tag === 'UpdateJobStatus')
      const after = decided.actions[firstWrite]!
      expect(after._tag === 'UpdateJobStatus' && [after.status.active, after.status.terminating]).toEqual([0, running.length])
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

describe('reconcile: a pod the decision could not stop counts as what it did (R89, R114)', () => {
  // Found by the soak: had the interim write already listed the running pod as failed, its
  // refused deletion would have left it running, listed, and its later success counted as a
  // failure (R114: a listed failure stays one).
  it('R89 R114: FailJob decided, the DELETE of the running pod refused, then the pod succeeds ⇒ it is counted as a success; the Job still fails by PodFailurePolicy', () => {
    const c = cases.find((each) => each.name === 'R88.3 PodFailurePolicy FailJob')!
    let world = newWorld(c.job, at(5), c.pods(c.job))
    const decided = plan(world)
    const seen = world.pods
    const firstDeletion = decided.actions.findIndex((a) => a._tag === 'DeletePod')
    // The interim write lands; the DELETE is refused; the rest is the replan from the Job as written.
    world = applyPlan(world, decided, firstDeletion).world
    const after = reconcileAfterFailedPodCalls(jobOf(world), seen, world.nowMs, {}, { ...noFailedPodCalls, deletionsFailed: ['uid-run'] })
    world = applyPlan(world, after).world
    expect(world.pods.find((p) => p.metadata.name === 'run')?.metadata.deletionTimestamp).toBeUndefined()
    world = advance(podsEvent(world, (p) => p.metadata.name === 'run', { _tag: 'Succeed' }), SECOND)
    expect(verdictOf(runToTheEnd(world))).toEqual(c.verdict)
    let end = world
    for (let sync = 0; sync < 5; sync++) end = syncOnce(end).world
    expect(jobOf(end).status).toMatchObject({ succeeded: 1, failed: 1, active: 0, uncountedTerminatedPods: {} })
  })
})
