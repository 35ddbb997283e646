/**
 * `reconcile`'s status tracking: the finalizer protocol (§8), expectations (R159), the
 * finalizer-removal-expected set (R160), adoption and release (§16.3), finished Jobs (R79,
 * R115), TTL after finished (§16.1) and `managedBy` (§17).
 */
import { describe, expect, it } from 'vitest'
import { reconcile } from './reconcile.js'
import {
  advance,
  applyPlan,
  at,
  condition,
  conditionOf,
  creations,
  deletedNames,
  finalizerRemovals,
  jobOf,
  makeJob,
  newWorld,
  plan as planOf,
  pod,
  podEvent,
  positionOf,
  releasedNames,
  runningStatus,
  statusWrites,
  syncOnce,
  tagsOf,
  timeAt,
  trueConditionTypes,
  withoutFinalizer,
} from './testing/fixtures.js'

const completed = (at: number) => [
  condition('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods', at),
  condition('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods', at),
]

describe('reconcile: the finalizer protocol (R107–R114)', () => {
  it('R112: a finished pod goes into uncountedTerminatedPods in write #1, its finalizer is removed, then it is counted in write #2', () => {
    const job = makeJob({ spec: { completions: 3, parallelism: 1 }, status: runningStatus({ active: 1 }) })
    const done = pod(job, 'Succeeded', { name: 'pi-done' })
    const plan = reconcile(job, [done], at(10))
    expect(tagsOf(plan)).toEqual(['CreatePod', 'UpdateJobStatus', 'RemoveTrackingFinalizer', 'UpdateJobStatus'])
    const [first, second] = statusWrites(plan)
    expect(first).toMatchObject({ succeeded: 0, uncountedTerminatedPods: { succeeded: ['uid-pi-done'] }, active: 1 })
    expect(second).toMatchObject({ succeeded: 1, uncountedTerminatedPods: {} })
    expect(finalizerRemovals(plan)).toEqual([{ _tag: 'RemoveTrackingFinalizer', podName: 'pi-done', podUid: 'uid-pi-done' }])
    expect(plan.status).toEqual(second)
  })

  it('R112: counted exactly once even if the pod is deleted between reconciles (write #2 never happened)', () => {
    const job = makeJob({ spec: { completions: 3, parallelism: 1 }, status: runningStatus({ active: 1 }) })
    let world = newWorld(job, at(10), [pod(job, 'Succeeded', { name: 'pi-done' })])
    const first = planOf(world)
    // The applier stops right after the finalizer removal (write #2 fails)…
    const upToRemoval = positionOf(first, (a) => a._tag === 'RemoveTrackingFinalizer') + 1
    world = applyPlan(world, first, upToRemoval).world
    expect(jobOf(world).status).toMatchObject({ succeeded: 0, uncountedTerminatedPods: { succeeded: ['uid-pi-done'] } })
    // …and the pod, free of its finalizer, is garbage collected before the next sync.
    world = podEvent(world, 'uid-pi-done', { _tag: 'Vanish' })
    expect(world.pods.map((p) => p.metadata.name)).not.toContain('pi-done')
    const second = syncOnce(advance(world, 1000))
    expect(second.plan.status).toMatchObject({ succeeded: 1, uncountedTerminatedPods: {} })
    const third = syncOnce(advance(second.world, 1000))
    expect(third.plan.status.succeeded).toBe(1)
    expect(statusWrites(third.plan)).toHaveLength(0)
  })

  it('R112: a crash after write #1 (finalizer still on) neither loses nor double-counts the pod', () => {
    const job = makeJob({ spec: { completions: 3, parallelism: 1 }, status: runningStatus({ active: 1 }) })
    let world = newWorld(job, at(10), [pod(job, 'Failed', { name: 'pi-bad', finishedAt: at(-3600) })])
    const first = planOf(world)
    world = applyPlan(world, first, positionOf(first, (a) => a._tag === 'UpdateJobStatus') + 1).world
    expect(jobOf(world).status).toMatchObject({ failed: 0, uncountedTerminatedPods: { failed: ['uid-pi-bad'] } })
    const second = syncOnce(advance(world, 1000))
    expect(releasedNames(second.plan)).toEqual(['pi-bad'])
    expect(second.plan.status).toMatchObject({ failed: 1, uncountedTerminatedPods: {} })
    // The retry must not list the pod twice.
    for (const write of statusWrites(second.plan)) expect((write.uncountedTerminatedPods?.failed ?? []).length).toBeLessThanOrEqual(1)
  })

  it('R108: an uncounted pod that is gone moves into the counter', () => {
    const job = makeJob({
      spec: { completions: 3, parallelism: 0 },
      status: runningStatus({ succeeded: 1, failed: 2, uncountedTerminatedPods: { succeeded: ['gone-1'], failed: ['gone-2'] } }),
    })
    const plan = reconcile(job, [], at(10))
    expect(plan.status).toMatchObject({ succeeded: 2, failed: 3, uncountedTerminatedPods: {} })
    expect(statusWrites(plan).length).toBeGreaterThanOrEqual(1)
  })

  it('R73/R160: a pod whose finalizer removal is expected is not counted again', () => {
    const job = makeJob({ spec: { completions: 3, parallelism: 0 }, status: runningStatus({ succeeded: 1 }) })
    const done = pod(job, 'Succeeded', { name: 'pi-done' }) // the cache still shows the finalizer
    const plan = reconcile(job, [done], at(10), { finalizerRemovalExpected: new Set(['uid-pi-done']) })
    expect(plan.status).toMatchObject({ succeeded: 1, uncountedTerminatedPods: {} })
    expect(finalizerRemovals(plan)).toHaveLength(0)
    expect(statusWrites(plan)).toHaveLength(0)
  })

  it('R108/R160: an uncounted pod whose finalizer removal is expected moves into the counter', () => {
    const job = makeJob({
      spec: { completions: 3, parallelism: 0 },
      status: runningStatus({ uncountedTerminatedPods: { succeeded: ['uid-pi-done'] } }),
    })
    const plan = reconcile(job, [pod(job, 'Succeeded', { name: 'pi-done' })], at(10), { finalizerRemovalExpected: new Set(['uid-pi-done']) })
    expect(plan.status).toMatchObject({ succeeded: 1, uncountedTerminatedPods: {} })
  })

  it('R73: a finished pod without the finalizer is treated as already counted', () => {
    const job = makeJob({ spec: { completions: 3, parallelism: 0 }, status: runningStatus({ failed: 1 }) })
    const plan = reconcile(job, [withoutFinalizer(pod(job, 'Failed'))], at(10))
    expect(plan.status.failed).toBe(1)
    expect(plan.actions).toEqual([])
  })

  it('R114: a UID once listed in uncounted.failed stays a failure when the pod flips to Succeeded', () => {
    const job = makeJob({
      spec: { completions: 3, parallelism: 0 },
      status: runningStatus({ uncountedTerminatedPods: { failed: ['uid-flip'] } }),
    })
    const plan = reconcile(job, [pod(job, 'Succeeded', { name: 'flip' })], at(10))
    expect(plan.status).toMatchObject({ succeeded: 0, failed: 1, uncountedTerminatedPods: {} })
  })

  it('R109: at most 500 pods are recorded per sync; the rest wait for the next one', () => {
    const job = makeJob({ spec: { completions: 1000, parallelism: 0 }, status: runningStatus() })
    const finished = Array.from({ length: 501 }, (_, i) => pod(job, 'Succeeded', { name: `done-${i}` }))
    let world = newWorld(job, at(10), finished)
    const first = syncOnce(world)
    expect(finalizerRemovals(first.plan)).toHaveLength(500)
    expect(first.plan.status.succeeded).toBe(500)
    world = first.world
    const second = syncOnce(advance(world, 1000))
    expect(second.plan.status.succeeded).toBe(501)
  })

  it('R91/R112: nothing changed, nothing written', () => {
    const job = makeJob({ spec: { completions: 3, parallelism: 2 }, status: runningStatus({ active: 2, ready: 1 }) })
    const plan = reconcile(job, [pod(job, 'Running'), pod(job, 'Ready')], at(10))
    expect(plan.actions).toEqual([])
    expect(plan.status).toEqual(job.status)
  })
})

describe('reconcile: expectations (R89, R159)', () => {
  it('R159: unsatisfied expectations — finished pods are still tracked, but nothing is created', () => {
    const job = makeJob({ spec: { completions: 3, parallelism: 2 }, status: runningStatus({ active: 1 }) })
    const plan = reconcile(job, [pod(job, 'Succeeded', { name: 'ok' })], at(10), { expectationsSatisfied: false })
    expect(creations(plan)).toHaveLength(0)
    expect(releasedNames(plan)).toEqual(['ok'])
    expect(plan.status).toMatchObject({ succeeded: 1, active: 0 })
  })

  it('R159: unsatisfied expectations — excess pods are not deleted', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 1 }, status: runningStatus({ active: 3 }) })
    const plan = reconcile(job, [pod(job, 'Running'), pod(job, 'Running'), pod(job, 'Running')], at(10), { expectationsSatisfied: false })
    expect(deletedNames(plan)).toHaveLength(0)
    expect(plan.status.active).toBe(3)
  })

  it('R89/R159: job failures with unsatisfied expectations — the failure is counted but no condition is committed', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 2, backoffLimit: 0 }, status: runningStatus({ active: 2 }) })
    const plan = reconcile(job, [pod(job, 'Failed', { name: 'bad', finishedAt: at(-3600) }), pod(job, 'Running', { name: 'run' })], at(10), {
      expectationsSatisfied: false,
    })
    expect(plan.status.failed).toBe(1)
    expect(conditionOf(plan.status, 'FailureTarget')).toBeUndefined()
    expect(conditionOf(plan.status, 'Failed')).toBeUndefined()
    expect(creations(plan)).toHaveLength(0)
  })

  it('R90.2: reaching completions is judged even when pod management is skipped for unsatisfied expectations', () => {
    // Upstream's completion check runs after the (skipped) manageJob: enough successes and
    // nothing active complete the Job whatever the expectations say.
    const job = makeJob({ spec: { completions: 1, parallelism: 1 }, status: runningStatus({ active: 1 }) })
    const plan = reconcile(job, [pod(job, 'Succeeded')], at(10), { expectationsSatisfied: false })
    expect(plan.status.succeeded).toBe(1)
    expect(trueConditionTypes(plan.status)).toEqual(['SuccessCriteriaMet', 'Complete'])
  })

  it('R89/R159: a decision taken by R88 (here: backoffLimit with a pod still running) is dropped while expectations are unsatisfied, and its pods are not stopped before it can be stored', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 1, backoffLimit: 0 }, status: runningStatus({ active: 1 }) })
    const plan = reconcile(job, [pod(job, 'Failed', { name: 'bad' }), pod(job, 'Running', { name: 'run' })], at(10), { expectationsSatisfied: false })
    // Upstream still issues the DELETEs here (R89); ours waits (DIFFERENCES.md): a pod stopped for
    // a decision that is not stored would count as a failure next time (R141).
    expect(deletedNames(plan)).toEqual([])
    expect(releasedNames(plan)).toEqual(['bad'])
    expect(plan.status).toMatchObject({ failed: 1, active: 1, terminating: 0 })
    expect(trueConditionTypes(plan.status)).toEqual([])
  })

  it('R89/R159: with FailureTarget already stored, unsatisfied expectations still stop the running pods, without finishing', () => {
    const job = makeJob({
      spec: { completions: 5, parallelism: 1, backoffLimit: 0 },
      status: { ...runningStatus({ active: 1, failed: 1 }), conditions: [condition('FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', at(5))] },
    })
    const plan = reconcile(job, [pod(job, 'Running', { name: 'run' })], at(10), { expectationsSatisfied: false })
    expect(deletedNames(plan)).toEqual(['run'])
    expect(releasedNames(plan)).toEqual([])
    expect(plan.status).toMatchObject({ failed: 1, active: 0, terminating: 1 })
    expect(trueConditionTypes(plan.status)).toEqual(['FailureTarget'])
  })
})

describe('reconcile: adoption and release (R170, R171)', () => {
  it('R171: an orphan matching the selector is adopted and counted', () => {
    const job = makeJob({ spec: { completions: 3, parallelism: 2 }, status: runningStatus() })
    const orphanDone = pod(job, 'Succeeded', { name: 'orphan-done', owner: 'none', finalizer: false })
    const orphanRunning = pod(job, 'Running', { name: 'orphan-run', owner: 'none', finalizer: false })
    const plan = reconcile(job, [orphanDone, orphanRunning], at(10))
    expect(plan.actions.filter((a) => a._tag === 'AdoptPod')).toEqual([
      { _tag: 'AdoptPod', podName: 'orphan-done', podUid: 'uid-orphan-done' },
      { _tag: 'AdoptPod', podName: 'orphan-run', podUid: 'uid-orphan-run' },
    ])
    // Adoption comes first; the adopted success is recorded, released and counted.
    expect(tagsOf(plan).slice(0, 2)).toEqual(['AdoptPod', 'AdoptPod'])
    expect(releasedNames(plan)).toEqual(['orphan-done'])
    expect(plan.status).toMatchObject({ succeeded: 1, active: 2 })
    // 2 remaining completions, one running orphan: one more pod.
    expect(creations(plan)).toHaveLength(1)
  })

  it('R170: an owned pod that no longer matches the selector is released and not counted', () => {
    const job = makeJob({ spec: { completions: 3, parallelism: 1 }, status: runningStatus({ active: 1 }) })
    const strayed = pod(job, 'Running', { name: 'strayed', labels: { app: 'something-else' } })
    const plan = reconcile(job, [strayed], at(10))
    expect(plan.actions.filter((a) => a._tag === 'ReleasePod')).toEqual([{ _tag: 'ReleasePod', podName: 'strayed', podUid: 'uid-strayed' }])
    expect(creations(plan)).toHaveLength(1)
    expect(plan.status.active).toBe(1)
  })

  it('R67/R170: orphans that do not match, pods of other controllers, other namespaces and deleted orphans are left alone', () => {
    const job = makeJob({ spec: { completions: 3, parallelism: 1 }, status: runningStatus() })
    const others = [
      pod(job, 'Running', { name: 'unrelated', owner: 'none', labels: { app: 'x' }, finalizer: false }),
      pod(job, 'Running', {
        name: 'replicaset-pod',
        owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs-uid', controller: true },
      }),
      pod(job, 'Running', { name: 'elsewhere', owner: 'none', namespace: 'other', finalizer: false }),
      pod(job, 'Running', { name: 'being-deleted', owner: 'none', finalizer: false, deletedAt: at(5) }),
    ]
    const plan = reconcile(job, others, at(10))
    expect(plan.actions.filter((a) => a._tag === 'AdoptPod' || a._tag === 'ReleasePod')).toEqual([])
    expect(creations(plan)).toHaveLength(1)
    expect(plan.status).toMatchObject({ active: 1, terminating: 0 })
  })

  it('R170: no adoption and no release while the Job is being deleted', () => {
    const job = makeJob({ spec: { completions: 3, parallelism: 1 }, status: runningStatus(), deletionTimestamp: at(5) })
    const plan = reconcile(
      job,
      [pod(job, 'Running', { name: 'orphan', owner: 'none', finalizer: false }), pod(job, 'Running', { name: 'strayed', labels: { app: 'x' } })],
      at(10),
    )
    expect(plan.actions.filter((a) => a._tag === 'AdoptPod' || a._tag === 'ReleasePod')).toEqual([])
  })
})

describe('reconcile: finished Jobs (R79, R115, R163)', () => {
  it('R79/R163: a Complete Job never gets a new pod, even with parallelism to spare', () => {
    const job = makeJob({
      spec: { completions: 1, parallelism: 3 },
      status: { ...runningStatus({ succeeded: 1 }), conditions: completed(at(5)), completionTime: timeAt(5) },
    })
    const plan = reconcile(job, [], at(100))
    expect(plan.actions).toEqual([])
    expect(plan.status).toEqual(job.status)
  })

  it('R115: lingering tracking finalizers of a finished Job are released, without counting', () => {
    const job = makeJob({
      spec: { completions: 1, parallelism: 3, backoffLimit: 0 },
      status: {
        ...runningStatus({ failed: 1 }),
        conditions: [condition('FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', at(5)), condition('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', at(6))],
      },
    })
    const plan = reconcile(job, [pod(job, 'Failed', { name: 'late' }), withoutFinalizer(pod(job, 'Failed', { name: 'old' }))], at(100))
    expect(tagsOf(plan)).toEqual(['RemoveTrackingFinalizer'])
    expect(releasedNames(plan)).toEqual(['late'])
    expect(plan.status).toEqual(job.status)
  })

  it('R172: the finalizers of a finished Job managed by another controller are left alone', () => {
    const job = makeJob({
      spec: { completions: 1, managedBy: 'example.org/other' },
      status: { ...runningStatus({ succeeded: 1 }), conditions: completed(at(5)), completionTime: timeAt(5) },
    })
    expect(reconcile(job, [pod(job, 'Succeeded')], at(100)).actions).toEqual([])
  })
})

describe('reconcile: TTL after finished (R164–R166)', () => {
  const finishedJob = (ttl: number | undefined, extra: Parameters<typeof makeJob>[0] = {}) =>
    makeJob({
      ...extra,
      spec: { completions: 1, ...(ttl === undefined ? {} : { ttlSecondsAfterFinished: ttl }), ...extra.spec },
      status: { ...runningStatus({ succeeded: 1 }), conditions: completed(at(10)), completionTime: timeAt(10) },
    })

  it('R164: before expiry the Job is looked at again when the TTL expires', () => {
    const plan = reconcile(finishedJob(100), [], at(50))
    expect(plan.actions).toEqual([])
    expect(plan.requeueAfterMs).toBe(60_000)
  })

  it('R164/R165: once due, the Job is deleted in the foreground with a UID precondition', () => {
    const job = finishedJob(100)
    const plan = reconcile(job, [], at(110))
    expect(plan.actions).toEqual([{ _tag: 'DeleteJob', propagation: 'Foreground', uid: job.metadata.uid }])
  })

  it('R164: no TTL, no deletion; a Job already being deleted is not deleted again', () => {
    expect(reconcile(finishedJob(undefined), [], at(5000)).actions).toEqual([])
    expect(reconcile(finishedJob(undefined), [], at(5000)).requeueAfterMs).toBeUndefined()
    const deleting = finishedJob(10, { deletionTimestamp: at(30) })
    expect(reconcile(deleting, [], at(5000)).actions.filter((a) => a._tag === 'DeleteJob')).toEqual([])
  })

  it('R166: TTL applies whatever the managedBy value', () => {
    const job = finishedJob(0, { spec: { managedBy: 'example.org/other' } })
    expect(reconcile(job, [], at(10)).actions).toEqual([{ _tag: 'DeleteJob', propagation: 'Foreground', uid: job.metadata.uid }])
  })

  it('R166 R173: beside a cluster\'s own TTL controller (ttlForEveryJob false), only our own Jobs are deleted', () => {
    const foreign = finishedJob(0, { spec: { managedBy: 'example.org/other' } })
    const settings = { controllerName: 'job-reconciler.io/controller', ttlForEveryJob: false }
    expect(reconcile(foreign, [], at(10), { settings }).actions).toEqual([])
    const ours = finishedJob(0, { spec: { managedBy: 'job-reconciler.io/controller' } })
    expect(reconcile(ours, [], at(10), { settings }).actions).toEqual([{ _tag: 'DeleteJob', propagation: 'Foreground', uid: ours.metadata.uid }])
  })

  it('R164: the sync that finishes a Job asks to look again when its TTL expires (ttl 0 ⇒ at once)', () => {
    for (const ttl of [0, 30]) {
      const job = makeJob({ spec: { completions: 1, ttlSecondsAfterFinished: ttl }, status: runningStatus({ active: 1 }) })
      let world = newWorld(job, at(10), [pod(job, 'Succeeded')])
      const finishing = syncOnce(world)
      expect(conditionOf(finishing.plan.status, 'Complete')).toBeDefined()
      expect(finishing.plan.requeueAfterMs).toBe(ttl * 1000)
      world = advance(finishing.world, ttl * 1000)
      const next = syncOnce(world)
      expect(next.plan.actions).toEqual([{ _tag: 'DeleteJob', propagation: 'Foreground', uid: job.metadata.uid }])
      expect(next.world.job).toBeUndefined()
    }
  })
})

describe('reconcile: managedBy (R78, R172, R173)', () => {
  it('R78/R172: a Job managed by another controller gets no action and keeps its status', () => {
    const job = makeJob({ spec: { completions: 3, parallelism: 2, managedBy: 'example.org/other' }, status: runningStatus() })
    const plan = reconcile(job, [pod(job, 'Succeeded'), pod(job, 'Failed')], at(10))
    expect(plan.actions).toEqual([])
    expect(plan.status).toEqual(job.status)
  })

  it('R16/R172: the reserved value means the built-in controller', () => {
    const job = makeJob({ spec: { completions: 3, parallelism: 2, managedBy: 'kubernetes.io/job-controller' } })
    expect(creations(reconcile(job, [], at(0)))).toHaveLength(2)
  })

  it('R173: an engine named by settings.controllerName manages only the Jobs naming it', () => {
    const settings = { controllerName: 'example.org/ts-job-controller' }
    const ours = makeJob({ spec: { completions: 3, parallelism: 2, managedBy: 'example.org/ts-job-controller' } })
    const builtIn = makeJob({ spec: { completions: 3, parallelism: 2 } })
    expect(creations(reconcile(ours, [], at(0), { settings }))).toHaveLength(2)
    expect(reconcile(builtIn, [], at(0), { settings }).actions).toEqual([])
  })
})

describe('reconcile: determinism', () => {
  it('same input, same output — including the order of the candidate pods for the deletion choice', () => {
    const job = makeJob({ spec: { completions: 9, parallelism: 2 }, status: runningStatus({ active: 4 }) })
    const candidates = [pod(job, 'Running', { name: 'x1' }), pod(job, 'Running', { name: 'x2' }), pod(job, 'Pending', { name: 'x3' }), pod(job, 'Ready', { name: 'x4' })]
    const a = reconcile(job, candidates, at(10))
    const b = reconcile(job, candidates, at(10))
    expect(b).toEqual(a)
    expect(deletedNames(reconcile(job, [...candidates].reverse(), at(10))).sort()).toEqual(deletedNames(a).sort())
  })
})
