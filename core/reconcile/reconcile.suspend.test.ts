/**
 * `reconcile` on suspend and resume (spec §12, R94, R90.3, R148–R152; upstream cases of
 * §19.41–§19.45).
 */
import { describe, expect, it } from 'vitest'
import { reconcile } from './reconcile.js'
import {
  advance,
  at,
  condition,
  conditionOf,
  createdIndexes,
  creations,
  deletedNames,
  deletions,
  eventsOf,
  makeJob,
  newWorld,
  pod,
  podsEvent,
  positionOf,
  releasedNames,
  runningStatus,
  statusWrites,
  syncOnce,
  timeAt,
} from './testing/fixtures.js'

const SUSPENDED = { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' }
const RESUMED = { type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' }

describe('reconcile: suspend (R94, R148–R150)', () => {
  it('R148: a Job created suspended gets no pod, Suspended=True, the Suspended event, and no startTime', () => {
    const job = makeJob({ spec: { completions: 2, parallelism: 2, suspend: true } })
    const plan = reconcile(job, [], at(0))
    expect(creations(plan)).toHaveLength(0)
    expect(plan.status.conditions).toEqual([{ ...SUSPENDED, lastProbeTime: timeAt(0), lastTransitionTime: timeAt(0) }])
    expect(plan.status.startTime).toBeUndefined()
    expect(plan.status).toMatchObject({ active: 0, ready: 0, terminating: 0 })
    expect(eventsOf(plan)).toEqual([{ eventType: 'Normal', reason: 'Suspended', message: 'Job suspended' }])
    expect(plan.facts.syncAction).toBe('pods_deleted')
    expect(plan.requeueAfterMs).toBeUndefined()
  })

  it('R148: a suspended Job that already says so is left alone (no event, no write)', () => {
    const job = makeJob({
      spec: { completions: 2, parallelism: 2, suspend: true },
      status: { ...runningStatus(), startTime: undefined, conditions: [condition('Suspended', 'JobSuspended', 'Job suspended', at(0))] },
    })
    const plan = reconcile(job, [], at(50))
    expect(plan.actions).toEqual([])
  })

  it('R94/R149/R150: suspending a running Job deletes every active pod (finalizer first, not failures), sets Suspended=True and clears startTime', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 2, suspend: true }, status: runningStatus({ active: 2, ready: 1 }) })
    let world = newWorld(job, at(30), [pod(job, 'Running', { name: 'run' }), pod(job, 'Ready', { name: 'ready' }), pod(job, 'Succeeded', { name: 'done' })])
    const first = syncOnce(world)
    expect(deletedNames(first.plan).sort()).toEqual(['ready', 'run'])
    expect(deletions(first.plan).every((d) => d.reason === 'Suspended')).toBe(true)
    for (const name of ['run', 'ready']) {
      const removal = positionOf(first.plan, (a) => a._tag === 'RemoveTrackingFinalizer' && a.podName === name)
      expect(removal).toBeGreaterThanOrEqual(0)
      expect(removal).toBeLessThan(positionOf(first.plan, (a) => a._tag === 'DeletePod' && a.podName === name))
    }
    const write = statusWrites(first.plan)[0]!
    expect(conditionOf(write, 'Suspended')).toMatchObject({ reason: 'JobSuspended', message: 'Job suspended', lastTransitionTime: timeAt(30) })
    expect(write.startTime).toBeUndefined()
    expect(write).toMatchObject({ active: 0, ready: 0, terminating: 2 })
    expect(first.plan.status).toMatchObject({ succeeded: 1, failed: 0 })
    expect(eventsOf(first.plan)).toEqual([{ eventType: 'Normal', reason: 'Suspended', message: 'Job suspended' }])

    // The kubelet kills the pods: they end Failed but were released first, so they never count.
    world = advance(podsEvent(first.world, () => true, { _tag: 'Terminate' }), 5000)
    const second = syncOnce(world)
    expect(second.plan.status).toMatchObject({ failed: 0, succeeded: 1, active: 0, terminating: 0 })
    expect(eventsOf(second.plan)).toEqual([])
    expect(creations(second.plan)).toHaveLength(0)
  })

  it('R149: suspending with unsatisfied expectations does nothing yet', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 2, suspend: true }, status: runningStatus({ active: 2 }) })
    const plan = reconcile(job, [pod(job, 'Running'), pod(job, 'Running')], at(30), { expectationsSatisfied: false })
    expect(deletedNames(plan)).toEqual([])
    expect(conditionOf(plan.status, 'Suspended')).toBeUndefined()
    expect(eventsOf(plan)).toEqual([])
    expect(plan.status.startTime).toBe(timeAt(0))
  })

  it('R149/R168: suspending a Job that is being deleted — no deletions, no condition; finalizers removed', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 2, suspend: true }, status: runningStatus({ active: 2 }), deletionTimestamp: at(20) })
    const plan = reconcile(job, [pod(job, 'Running', { name: 'a' }), pod(job, 'Running', { name: 'b' })], at(30))
    expect(deletedNames(plan)).toEqual([])
    expect(conditionOf(plan.status, 'Suspended')).toBeUndefined()
    expect(eventsOf(plan)).toEqual([])
    expect(releasedNames(plan).sort()).toEqual(['a', 'b'])
    expect(plan.status.failed).toBe(0)
  })
})

describe('reconcile: resume (R151, R152)', () => {
  const suspendedStatus = (extra = {}) => ({
    ...runningStatus(extra),
    startTime: undefined,
    conditions: [condition('Suspended', 'JobSuspended', 'Job suspended', at(0))],
  })

  it('R151: resuming creates pods, flips Suspended to False (JobResumed), emits Resumed and sets startTime to now', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 2, suspend: false }, status: suspendedStatus() })
    const plan = reconcile(job, [], at(100))
    expect(creations(plan)).toHaveLength(2)
    expect(plan.status.conditions).toEqual([{ ...RESUMED, lastProbeTime: timeAt(100), lastTransitionTime: timeAt(100) }])
    expect(plan.status.startTime).toBe(timeAt(100))
    expect(eventsOf(plan)).toEqual([{ eventType: 'Normal', reason: 'Resumed', message: 'Job resumed' }])
  })

  it('R151: after a resume the deadline counts from the resume', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 1, activeDeadlineSeconds: 60 }, status: suspendedStatus() })
    const plan = reconcile(job, [], at(1000))
    expect(conditionOf(plan.status, 'FailureTarget')).toBeUndefined()
    expect(plan.requeueAfterMs).toBe(60_000)
  })

  it('R151: back-off still applies after a resume (the condition flips anyway)', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 1 }, status: suspendedStatus({ failed: 1 }) })
    const plan = reconcile(job, [], at(100), { backoff: { failuresAfterLastSuccess: 1, lastFailureTimeMs: at(95) } })
    expect(creations(plan)).toHaveLength(0)
    expect(plan.requeueAfterMs).toBe(5000)
    expect(conditionOf(plan.status, 'Suspended')).toBeUndefined()
    expect(plan.status.conditions?.[0]).toMatchObject(RESUMED)
  })

  it('R152: counters and completed indexes survive a suspend/resume cycle', () => {
    const job = makeJob({
      spec: { completionMode: 'Indexed', completions: 4, parallelism: 4 },
      status: suspendedStatus({ succeeded: 2, failed: 3, completedIndexes: '0,1' }),
    })
    const plan = reconcile(job, [], at(100))
    expect(createdIndexes(plan)).toEqual([2, 3])
    expect(plan.status).toMatchObject({ succeeded: 2, failed: 3, completedIndexes: '0,1' })
  })

  it('R90.2: a suspended Job with completions 0 still completes', () => {
    const job = makeJob({ spec: { completions: 0, suspend: true } })
    const plan = reconcile(job, [], at(0))
    expect(conditionOf(plan.status, 'Complete')).toBeDefined()
    expect(conditionOf(plan.status, 'Suspended')).toBeUndefined()
  })
})

describe('reconcile: finishing while suspended (R63, R90.2, R150)', () => {
  // R150 clears startTime when a Job is suspended, and R90.2/R88 still finish a suspended Job;
  // the API server rejects a finished Job without startTime (R63, save completions 0), so the
  // write that finishes such a Job must carry one or the Job can never finish.
  it('R63/R150: a pod that was terminating when the Job was suspended fails it later — the Failed write is accepted', () => {
    const job = makeJob({
      spec: { completions: 2, parallelism: 1, backoffLimit: 0, podReplacementPolicy: 'Failed', suspend: true },
      status: runningStatus({ terminating: 1 }),
    })
    let world = newWorld(job, at(10), [pod(job, 'Terminating', { name: 'leaving' })])
    const suspending = syncOnce(world)
    expect(conditionOf(suspending.plan.status, 'Suspended')).toBeDefined()
    expect(suspending.plan.status.startTime).toBeUndefined()
    world = advance(podsEvent(suspending.world, () => true, { _tag: 'Terminate' }), 5000)
    const failing = syncOnce(world)
    expect(conditionOf(failing.plan.status, 'Failed')?.reason).toBe('BackoffLimitExceeded')
    expect(failing.plan.status.startTime).toBeDefined()
  })

  it('R63/R124/R150: an elastic Indexed Job scaled down to its completed indexes while suspended — the Complete write is accepted', () => {
    const job = makeJob({
      spec: { completionMode: 'Indexed', completions: 3, parallelism: 3, suspend: true },
      status: {
        ...runningStatus({ completedIndexes: '0-2', succeeded: 3 }),
        startTime: undefined,
        conditions: [condition('Suspended', 'JobSuspended', 'Job suspended', at(0))],
      },
    })
    const { plan } = syncOnce(newWorld(job, at(100)))
    expect(conditionOf(plan.status, 'Complete')?.reason).toBe('CompletionsReached')
    expect(plan.status.startTime).toBeDefined()
  })
})
