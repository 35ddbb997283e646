/**
 * `reconcile` on failures: pod failures and restarts against `backoffLimit` (R130–R132), the
 * back-off gate (R126–R128, R98), terminal failure (R88, R89, R112, R114) and
 * `activeDeadlineSeconds` (R133).
 */
import { describe, expect, it } from 'vitest'
import { BACKOFF_BASE_ANNOTATION, BACKOFF_CAP_ANNOTATION, UPSTREAM_BACKOFF } from './backoff.js'
import { reconcile } from './reconcile.js'
import {
  MINUTE,
  SECOND,
  advance,
  at,
  condition,
  conditionOf,
  creations,
  deletedNames,
  deletions,
  eventsOf,
  finalizerRemovals,
  makeJob,
  newWorld,
  pod,
  podsEvent,
  pods,
  positionOf,
  runningStatus,
  statusWrites,
  syncOnce,
  tagsOf,
  timeAt,
  trueConditionTypes,
} from './testing/fixtures.js'

const BACKOFF_LIMIT_MESSAGE = 'Job has reached the specified backoff limit'
const DEADLINE_MESSAGE = 'Job was active longer than specified deadline'

describe('reconcile: failed pods and backoffLimit (R130–R132)', () => {
  it('R130: new failed pod (Never) — counted once and replaced in the same sync when its back-off has elapsed', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 2 }, status: runningStatus({ active: 2 }) })
    const plan = reconcile(job, [pod(job, 'Running'), pod(job, 'Failed', { name: 'bad', finishedAt: at(-3600) })], at(10))
    expect(creations(plan)).toHaveLength(1)
    expect(statusWrites(plan)[0]!.uncountedTerminatedPods).toEqual({ failed: ['uid-bad'] })
    expect(plan.status).toMatchObject({ failed: 1, active: 2, uncountedTerminatedPods: {} })
    expect(plan.facts.creationReason).toBe('recreate_terminating_or_failed')
    expect(plan.backoff).toEqual({ failuresAfterLastSuccess: 1, lastFailureTimeMs: at(-3600) })
  })

  it('R73/R130: an already counted failure (no finalizer) does not bring a new pod beyond parallelism', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 2 }, status: runningStatus({ active: 2, failed: 1 }) })
    const gone = pod(job, 'Failed', { finalizer: false })
    const plan = reconcile(job, [pod(job, 'Running'), pod(job, 'Running'), gone], at(10))
    expect(plan.actions).toEqual([])
    expect(plan.status.failed).toBe(1)
  })

  it('R132: backoffLimit 0 with Never — the first failed pod fails the Job (FailureTarget then Failed, event last)', () => {
    const job = makeJob({ spec: { completions: 3, parallelism: 1, backoffLimit: 0 }, status: runningStatus({ active: 1 }) })
    const plan = reconcile(job, [pod(job, 'Failed', { name: 'bad' })], at(10))
    const [first, second] = statusWrites(plan)
    expect(conditionOf(first, 'FailureTarget')).toMatchObject({ reason: 'BackoffLimitExceeded', message: BACKOFF_LIMIT_MESSAGE, lastTransitionTime: timeAt(10) })
    expect(conditionOf(first, 'Failed')).toBeUndefined()
    expect(first!.uncountedTerminatedPods).toEqual({ failed: ['uid-bad'] })
    expect(conditionOf(second, 'Failed')).toMatchObject({ reason: 'BackoffLimitExceeded', message: BACKOFF_LIMIT_MESSAGE })
    expect(second).toMatchObject({ failed: 1, active: 0, terminating: 0, uncountedTerminatedPods: {} })
    expect(second!.completionTime).toBeUndefined()
    expect(trueConditionTypes(plan.status)).toEqual(['FailureTarget', 'Failed'])
    expect(creations(plan)).toHaveLength(0)
    expect(eventsOf(plan)).toEqual([{ eventType: 'Warning', reason: 'BackoffLimitExceeded', message: BACKOFF_LIMIT_MESSAGE }])
    expect(tagsOf(plan).at(-1)).toBe('RecordEvent')
  })

  it('R88.4: failed ≤ backoffLimit does not fail the Job (failed > backoffLimit does)', () => {
    const job = makeJob({ spec: { completions: 3, parallelism: 1, backoffLimit: 2 }, status: runningStatus({ failed: 1 }) })
    const one = reconcile(job, [pod(job, 'Failed', { finishedAt: at(-3600) })], at(10))
    expect(one.status.failed).toBe(2)
    expect(trueConditionTypes(one.status)).toEqual([])
    const two = reconcile(job, pods(job, 'Failed', 2, { finishedAt: at(-3600) }), at(10))
    expect(two.status.failed).toBe(3)
    expect(conditionOf(two.status, 'Failed')?.reason).toBe('BackoffLimitExceeded')
  })

  it('R89/R112/R114: too many failures — active pods deleted (finalizers kept), all counted failed; FailureTarget while they terminate, Failed after', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 3, backoffLimit: 0 }, status: runningStatus({ active: 3, ready: 1 }) })
    let world = newWorld(job, at(10), [
      pod(job, 'Failed', { name: 'bad', finishedAt: at(5) }),
      pod(job, 'Running', { name: 'run' }),
      pod(job, 'Ready', { name: 'ready' }),
    ])
    const first = syncOnce(world)
    expect(deletedNames(first.plan).sort()).toEqual(['ready', 'run'])
    expect(deletions(first.plan).every((d) => d.reason === 'JobFinished')).toBe(true)
    // The deletions keep the finalizer: the first removal comes after status write #1.
    const firstWrite = positionOf(first.plan, (a) => a._tag === 'UpdateJobStatus')
    for (const name of ['run', 'ready']) {
      expect(positionOf(first.plan, (a) => a._tag === 'RemoveTrackingFinalizer' && a.podName === name)).toBeGreaterThan(firstWrite)
    }
    // statusWrites[0] is the interim write (FailureTarget alone, pods as found, DIFFERENCES.md 6); [1] is upstream's write #1.
    expect(statusWrites(first.plan)[0]).toMatchObject({ active: 2, ready: 1, terminating: 0 })
    expect(statusWrites(first.plan)[1]).toMatchObject({ active: 0, ready: 0, terminating: 2 })
    expect(first.plan.status).toMatchObject({ failed: 3, active: 0, ready: 0, terminating: 2 })
    expect(trueConditionTypes(first.plan.status)).toEqual(['FailureTarget'])
    expect(eventsOf(first.plan)).toEqual([])
    expect(first.plan.facts.syncAction).toBe('reconciling')

    // Still terminating: nothing new.
    world = advance(first.world, 5 * SECOND)
    const waiting = syncOnce(world)
    expect(trueConditionTypes(waiting.plan.status)).toEqual(['FailureTarget'])
    expect(creations(waiting.plan)).toHaveLength(0)

    // The kubelet finishes them; the Job fails with the FailureTarget's reason and message.
    world = advance(podsEvent(waiting.world, (p) => p.metadata.deletionTimestamp !== undefined, { _tag: 'Terminate' }), 5 * SECOND)
    const last = syncOnce(world)
    expect(trueConditionTypes(last.plan.status)).toEqual(['FailureTarget', 'Failed'])
    expect(conditionOf(last.plan.status, 'Failed')).toMatchObject({ reason: 'BackoffLimitExceeded', message: BACKOFF_LIMIT_MESSAGE, lastTransitionTime: timeAt(20) })
    expect(last.plan.status).toMatchObject({ failed: 3, active: 0, terminating: 0, uncountedTerminatedPods: {} })
    expect(eventsOf(last.plan)).toEqual([{ eventType: 'Warning', reason: 'BackoffLimitExceeded', message: BACKOFF_LIMIT_MESSAGE }])
    expect(creations(last.plan)).toHaveLength(0)
  })

  it('R131: OnFailure — restarts of running and pending pods count: sum ≥ backoffLimit fails the Job', () => {
    const job = makeJob({ restartPolicy: 'OnFailure', spec: { completions: 5, parallelism: 2, backoffLimit: 3 }, status: runningStatus({ active: 2 }) })
    const below = reconcile(job, [pod(job, 'Running', { restartCount: 1 }), pod(job, 'Pending', { restartCount: 1 })], at(10))
    expect(trueConditionTypes(below.status)).toEqual([])
    const reached = reconcile(job, [pod(job, 'Running', { restartCount: 1 }), pod(job, 'Pending', { restartCount: 2 })], at(10))
    expect(conditionOf(reached.status, 'FailureTarget')).toMatchObject({ reason: 'BackoffLimitExceeded', message: BACKOFF_LIMIT_MESSAGE })
    expect(deletedNames(reached)).toHaveLength(2)
    expect(reached.status.failed).toBe(2)
  })

  it('R131: OnFailure with backoffLimit 0 — a single restart fails the Job; init container restarts count too', () => {
    const job = makeJob({ restartPolicy: 'OnFailure', spec: { completions: 1, backoffLimit: 0 }, status: runningStatus({ active: 1 }) })
    expect(conditionOf(reconcile(job, [pod(job, 'Running', { restartCount: 1 })], at(10)).status, 'FailureTarget')).toBeDefined()
    expect(conditionOf(reconcile(job, [pod(job, 'Running', { initRestartCount: 1 })], at(10)).status, 'FailureTarget')).toBeDefined()
    expect(trueConditionTypes(reconcile(job, [pod(job, 'Running')], at(10)).status)).toEqual([])
  })

  it('R131: restarts of every Pending or Running pod count, terminating ones included', () => {
    // Upstream sums over all pods of the Job whose phase is Pending or Running (pastBackoffLimitOnFailure).
    const job = makeJob({ restartPolicy: 'OnFailure', spec: { completions: 5, parallelism: 2, backoffLimit: 2 }, status: runningStatus({ active: 1, terminating: 1 }) })
    const plan = reconcile(job, [pod(job, 'Running', { restartCount: 1 }), pod(job, 'Terminating', { restartCount: 1 })], at(10))
    expect(conditionOf(plan.status, 'FailureTarget')).toMatchObject({ reason: 'BackoffLimitExceeded', message: BACKOFF_LIMIT_MESSAGE })
  })

  it('R131: restarts of pods that are not Pending or Running do not count', () => {
    const job = makeJob({ restartPolicy: 'OnFailure', spec: { completions: 2, parallelism: 2, backoffLimit: 2 }, status: runningStatus() })
    const plan = reconcile(job, [pod(job, 'Succeeded', { restartCount: 5 }), pod(job, 'Running', { restartCount: 1 })], at(10))
    expect(conditionOf(plan.status, 'FailureTarget')).toBeUndefined()
  })
})

describe('reconcile: the back-off gate (R98, R126–R128)', () => {
  it('R98/R126 (Appendix B): a failure at t=0 gates the next pod until t=10 s; the requeue is the time left', () => {
    const job = makeJob({ spec: { completions: 1 }, status: runningStatus({ active: 1 }) })
    let world = newWorld(job, at(0.5), [pod(job, 'Failed', { name: 'first', finishedAt: at(0) })])
    const first = syncOnce(world)
    expect(first.plan.status.failed).toBe(1)
    expect(creations(first.plan)).toHaveLength(0)
    expect(first.plan.requeueAfterMs).toBe(9500)
    expect(first.plan.backoff).toEqual({ failuresAfterLastSuccess: 1, lastFailureTimeMs: at(0) })
    expect(first.plan.facts.syncAction).toBe('pods_created')
    world = first.world

    expect(creations(syncOnce({ ...world, nowMs: at(9) }).plan)).toHaveLength(0)
    const retry = syncOnce({ ...world, nowMs: at(10) })
    expect(creations(retry.plan)).toHaveLength(1)
    world = retry.world

    // The second pod fails at t=30: the third waits until t=50.
    world = podsEvent({ ...world, nowMs: at(30) }, (p) => p.status?.phase === 'Pending', { _tag: 'Start' })
    world = podsEvent(world, (p) => p.status?.phase === 'Running', { _tag: 'Fail', exitCode: 1 })
    const second = syncOnce(world)
    expect(second.plan.status.failed).toBe(2)
    expect(second.plan.requeueAfterMs).toBe(20_000)
    expect(creations(syncOnce({ ...second.world, nowMs: at(49) }).plan)).toHaveLength(0)
    expect(creations(syncOnce({ ...second.world, nowMs: at(50) }).plan)).toHaveLength(1)
  })

  it('R98: while backing off, status.active keeps the real count', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 3 }, status: runningStatus({ active: 2 }) })
    const plan = reconcile(job, pods(job, 'Running', 2), at(10), { backoff: { failuresAfterLastSuccess: 1, lastFailureTimeMs: at(8) } })
    expect(creations(plan)).toHaveLength(0)
    expect(plan.status.active).toBe(2)
    expect(plan.requeueAfterMs).toBe(8000)
  })

  it('R126: delays 10 s, 20 s, 40 s, … capped at 6 minutes by default', () => {
    const job = makeJob({ spec: { completions: 1 }, status: runningStatus() })
    const expected = [10, 20, 40, 80, 160, 320, 360, 360, 360]
    const delays = expected.map((_, i) =>
      reconcile(job, [], at(1000), { backoff: { failuresAfterLastSuccess: i + 1, lastFailureTimeMs: at(1000) } }).requeueAfterMs,
    )
    expect(delays).toEqual(expected.map((s) => s * SECOND))
  })

  it("R126: upstream's 10-minute cap when configured through settings.backoff", () => {
    const job = makeJob({ spec: { completions: 1 }, status: runningStatus() })
    const delay = (failures: number) =>
      reconcile(job, [], at(1000), { backoff: { failuresAfterLastSuccess: failures, lastFailureTimeMs: at(1000) }, settings: { backoff: UPSTREAM_BACKOFF } })
        .requeueAfterMs
    expect([6, 7, 8, 20].map(delay)).toEqual([320 * SECOND, 10 * MINUTE, 10 * MINUTE, 10 * MINUTE])
  })

  it('R126: per-job back-off annotations override base and cap', () => {
    const both = makeJob({ spec: { completions: 1 }, annotations: { [BACKOFF_BASE_ANNOTATION]: '2', [BACKOFF_CAP_ANNOTATION]: '5' }, status: runningStatus() })
    const capOnly = makeJob({ spec: { completions: 1 }, annotations: { [BACKOFF_CAP_ANNOTATION]: '15' }, status: runningStatus() })
    const delay = (job: typeof both, failures: number) =>
      reconcile(job, [], at(1000), { backoff: { failuresAfterLastSuccess: failures, lastFailureTimeMs: at(1000) } }).requeueAfterMs
    expect([1, 2, 3, 10].map((n) => delay(both, n))).toEqual([2000, 4000, 5000, 5000])
    expect([1, 2, 3].map((n) => delay(capOnly, n))).toEqual([10_000, 15_000, 15_000])
  })

  it('R158: a back-off requeue is never shorter than 1 s', () => {
    const job = makeJob({ spec: { completions: 1 }, status: runningStatus() })
    const plan = reconcile(job, [], at(100), { backoff: { failuresAfterLastSuccess: 1, lastFailureTimeMs: at(100) - 9700 } })
    expect(creations(plan)).toHaveLength(0)
    expect(plan.requeueAfterMs).toBe(1000)
  })

  it('R127/R128: a new success resets the back-off — the replacement starts at once', () => {
    const job = makeJob({ spec: { completions: 3, parallelism: 1 }, status: runningStatus({ active: 1 }) })
    const plan = reconcile(job, [pod(job, 'Succeeded', { finishedAt: at(99) })], at(100), {
      backoff: { failuresAfterLastSuccess: 3, lastFailureTimeMs: at(99) },
    })
    expect(creations(plan)).toHaveLength(1)
    expect(plan.backoff).toEqual({ failuresAfterLastSuccess: 0 })
    expect(plan.requeueAfterMs).toBeUndefined()
  })

  it('R127: failed + succeeded pods in one sync — only failures after the latest success count', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 1 }, status: runningStatus({ active: 1 }) })
    const plan = reconcile(
      job,
      [pod(job, 'Failed', { finishedAt: at(10) }), pod(job, 'Succeeded', { finishedAt: at(20) }), pod(job, 'Failed', { finishedAt: at(30) })],
      at(31),
    )
    expect(plan.backoff).toEqual({ failuresAfterLastSuccess: 1, lastFailureTimeMs: at(30) })
    expect(creations(plan)).toHaveLength(0)
    expect(plan.requeueAfterMs).toBe(9000)
  })
})

describe('reconcile: activeDeadlineSeconds (R88.5, R88.6, R133)', () => {
  it('R133: past the deadline — FailureTarget DeadlineExceeded, active pods deleted, then Failed with the event', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 1, activeDeadlineSeconds: 30 }, status: runningStatus({ active: 1, startedAt: at(0) }) })
    let world = newWorld(job, at(30), [pod(job, 'Running', { name: 'run' })])
    const first = syncOnce(world)
    expect(conditionOf(first.plan.status, 'FailureTarget')).toMatchObject({ reason: 'DeadlineExceeded', message: DEADLINE_MESSAGE })
    expect(deletedNames(first.plan)).toEqual(['run'])
    expect(first.plan.status).toMatchObject({ active: 0, terminating: 1, failed: 1 })
    expect(eventsOf(first.plan)).toEqual([])
    world = advance(podsEvent(first.world, () => true, { _tag: 'Terminate' }), SECOND)
    const second = syncOnce(world)
    expect(conditionOf(second.plan.status, 'Failed')).toMatchObject({ reason: 'DeadlineExceeded', message: DEADLINE_MESSAGE })
    expect(eventsOf(second.plan)).toEqual([{ eventType: 'Warning', reason: 'DeadlineExceeded', message: DEADLINE_MESSAGE }])
  })

  it('R133: deadline stops creations even below the backoff limit', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 2, activeDeadlineSeconds: 10 }, status: runningStatus({ startedAt: at(0) }) })
    const plan = reconcile(job, [], at(11))
    expect(creations(plan)).toHaveLength(0)
    // Nothing to stop: FailureTarget and Failed land in the same sync.
    expect(trueConditionTypes(plan.status)).toEqual(['FailureTarget', 'Failed'])
    expect(conditionOf(plan.status, 'Failed')?.reason).toBe('DeadlineExceeded')
  })

  it('R133: both limits at once ⇒ BackoffLimitExceeded', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 1, backoffLimit: 0, activeDeadlineSeconds: 10 }, status: runningStatus({ active: 1, startedAt: at(0) }) })
    const plan = reconcile(job, [pod(job, 'Failed')], at(20))
    expect(conditionOf(plan.status, 'Failed')?.reason).toBe('BackoffLimitExceeded')
  })

  it('R88.6: before the deadline the Job is looked at again when it is due, with no 1 s floor', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 1, activeDeadlineSeconds: 100 }, status: runningStatus({ active: 1, startedAt: at(0) }) })
    expect(reconcile(job, [pod(job, 'Running')], at(40.3)).requeueAfterMs).toBe(59_700)
    expect(reconcile(job, [pod(job, 'Running')], at(99.6)).requeueAfterMs).toBe(400)
  })

  it('R86/R88.6: a new Job with a deadline starts its clock at its first sync', () => {
    const job = makeJob({ spec: { completions: 1, activeDeadlineSeconds: 60 } })
    const plan = reconcile(job, [], at(0))
    expect(plan.status.startTime).toBe(timeAt(0))
    expect(plan.requeueAfterMs).toBe(60_000)
  })

  it('R133: the requeue is the earlier of back-off and deadline', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 1, activeDeadlineSeconds: 100 }, status: runningStatus({ startedAt: at(0) }) })
    const plan = reconcile(job, [], at(95), { backoff: { failuresAfterLastSuccess: 1, lastFailureTimeMs: at(94) } })
    expect(plan.requeueAfterMs).toBe(5000)
  })

  it('R133/R152: a suspended Job never times out', () => {
    const job = makeJob({
      spec: { completions: 5, parallelism: 1, activeDeadlineSeconds: 10, suspend: true },
      status: { ...runningStatus({ startedAt: at(0) }), conditions: [condition('Suspended', 'JobSuspended', 'Job suspended', at(1))] },
    })
    const plan = reconcile(job, [], at(1000))
    expect(conditionOf(plan.status, 'FailureTarget')).toBeUndefined()
    expect(conditionOf(plan.status, 'Failed')).toBeUndefined()
    expect(plan.requeueAfterMs).toBeUndefined()
  })

  it('R3/R133: activeDeadlineSeconds 0 fails a Job on its first sync', () => {
    const job = makeJob({ spec: { completions: 1, activeDeadlineSeconds: 0 } })
    const plan = reconcile(job, [], at(0))
    expect(creations(plan)).toHaveLength(0)
    expect(conditionOf(plan.status, 'Failed')?.reason).toBe('DeadlineExceeded')
  })

  it('R145: a FailureTarget=False added by someone else is ignored', () => {
    const job = makeJob({
      spec: { completions: 2, parallelism: 1 },
      status: { ...runningStatus(), conditions: [condition('FailureTarget', 'Manual', 'set by hand', at(0), 'False')] },
    })
    const plan = reconcile(job, [], at(5))
    expect(creations(plan)).toHaveLength(1)
    expect(conditionOf(plan.status, 'Failed')).toBeUndefined()
  })

  it('R88.2/R145: an existing FailureTarget is final — no new pod, Failed once nothing runs', () => {
    const job = makeJob({
      spec: { completions: 2, parallelism: 1 },
      status: { ...runningStatus(), conditions: [condition('FailureTarget', 'BackoffLimitExceeded', BACKOFF_LIMIT_MESSAGE, at(0))] },
    })
    const plan = reconcile(job, [pod(job, 'Succeeded'), pod(job, 'Succeeded')], at(5))
    expect(creations(plan)).toHaveLength(0)
    expect(trueConditionTypes(plan.status)).toEqual(['FailureTarget', 'Failed'])
    expect(conditionOf(plan.status, 'Complete')).toBeUndefined()
  })
})

it('R89: finalizer removals for a failing Job come after the status write that records the pods', () => {
  const job = makeJob({ spec: { completions: 2, parallelism: 2, backoffLimit: 0 }, status: runningStatus({ active: 2 }) })
  const plan = reconcile(job, [pod(job, 'Failed'), pod(job, 'Running')], at(5))
  const firstWrite = positionOf(plan, (a) => a._tag === 'UpdateJobStatus')
  for (const removal of finalizerRemovals(plan)) {
    expect(plan.actions.indexOf(removal)).toBeGreaterThan(firstWrite)
  }
})
