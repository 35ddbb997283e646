/**
 * `reconcile` on NonIndexed and work-queue Jobs: pod accounting, parallelism, slow start,
 * excess deletion, completion (spec §5, §6, §9.1, §9.3, §13; upstream cases of §19.1–§19.18).
 */
import { describe, expect, it } from 'vitest'
import { TRACKING_FINALIZER } from '../model/wellKnown.js'
import { reconcile } from './reconcile.js'
import {
  at,
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
  releasedNames,
  runningStatus,
  statusWrites,
  syncOnce,
  tagsOf,
  timeAt,
  trueConditionTypes,
} from './testing/fixtures.js'

const sorted = (names: ReadonlyArray<string>): string[] => [...names].sort()

describe('reconcile: starting pods', () => {
  it('R86/R95/R97: job start — completions 5, parallelism 2 creates 2 pods; active 2, ready 0, startTime now', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 2 } })
    const plan = reconcile(job, [], at(0))
    expect(creations(plan)).toHaveLength(2)
    expect(plan.status).toMatchObject({ active: 2, ready: 0, terminating: 0, succeeded: 0, failed: 0, startTime: timeAt(0) })
    expect(statusWrites(plan)).toHaveLength(1)
    expect(plan.facts.syncAction).toBe('pods_created')
    expect(plan.facts.creationReason).toBe('new')
    expect(plan.requeueAfterMs).toBeUndefined()
  })

  it('R95/R125: work-queue job start — completions unset, parallelism 2 creates 2 pods', () => {
    const job = makeJob({ spec: { parallelism: 2 } })
    expect(job.spec.completions).toBeUndefined()
    const plan = reconcile(job, [], at(0))
    expect(creations(plan)).toHaveLength(2)
    expect(plan.status.active).toBe(2)
  })

  it('R18: a Job with neither completions nor parallelism runs exactly one pod', () => {
    const job = makeJob()
    expect(job.spec).toMatchObject({ completions: 1, parallelism: 1 })
    expect(creations(reconcile(job, [], at(0)))).toHaveLength(1)
  })

  it('R68/R83: pending pods count as active; nothing is created', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 2 }, status: runningStatus() })
    const plan = reconcile(job, pods(job, 'Pending', 2), at(1))
    expect(creations(plan)).toHaveLength(0)
    expect(plan.status).toMatchObject({ active: 2, ready: 0 })
  })

  it('R70/R83: correct number of pods — ready pods are counted among active (3 active, 2 ready)', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 3 }, status: runningStatus() })
    const plan = reconcile(job, [pod(job, 'Running'), ...pods(job, 'Ready', 2)], at(1))
    expect(creations(plan)).toHaveLength(0)
    expect(deletedNames(plan)).toHaveLength(0)
    expect(plan.status).toMatchObject({ active: 3, ready: 2, terminating: 0 })
    // R157: pod management ran and had nothing to create or delete.
    expect(plan.facts.syncAction).toBe('tracking')
  })

  it('R69/R83: a terminating pod is neither active nor ready, and is reported in `terminating`', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 2, podReplacementPolicy: 'Failed' }, status: runningStatus() })
    const plan = reconcile(job, [pod(job, 'Ready'), pod(job, 'Terminating')], at(5))
    expect(plan.status).toMatchObject({ active: 1, ready: 1, terminating: 1 })
  })

  it('R85/R97: too few active pods — 1 active + 1 succeeded of 5 with parallelism 2 creates 1, counts the success, removes one finalizer', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 2 }, status: runningStatus({ active: 2 }) })
    const done = pod(job, 'Succeeded', { name: 'pi-done' })
    const plan = reconcile(job, [pod(job, 'Running'), done], at(5))
    expect(creations(plan)).toHaveLength(1)
    expect(releasedNames(plan)).toEqual(['pi-done'])
    expect(plan.status).toMatchObject({ active: 2, succeeded: 1, failed: 0, uncountedTerminatedPods: {} })
  })

  it('R97/R154: never more active pods than remaining completions (completions 3, parallelism 5 ⇒ 3 pods)', () => {
    const job = makeJob({ spec: { completions: 3, parallelism: 5 } })
    expect(creations(reconcile(job, [], at(0)))).toHaveLength(3)
  })

  it('R154: with 2 of 4 completions counted, only 2 more pods are started', () => {
    const job = makeJob({ spec: { completions: 4, parallelism: 4 }, status: runningStatus({ succeeded: 2 }) })
    const plan = reconcile(job, [], at(1))
    expect(creations(plan)).toHaveLength(2)
    expect(plan.status.active).toBe(2)
  })

  it('R101: slow-start batches 0,1,1,2,2,2,2,… and at most 500 creations per sync', () => {
    const job = makeJob({ spec: { completions: 1000, parallelism: 1000 } })
    const plan = reconcile(job, [], at(0))
    const batches = creations(plan).map((action) => action.batch)
    const expected: number[] = []
    for (let batch = 0, size = 1; expected.length < 500; batch++, size *= 2) {
      for (let i = 0; i < size && expected.length < 500; i++) expected.push(batch)
    }
    expect(batches).toEqual(expected)
    expect(batches.slice(0, 7)).toEqual([0, 1, 1, 2, 2, 2, 2])
    expect(plan.status.active).toBe(500)
  })

  it('R100: the per-sync creation limit is a setting (10 of 100 wanted)', () => {
    const job = makeJob({ spec: { completions: 100, parallelism: 100 } })
    const plan = reconcile(job, [], at(0), { settings: { maxPodCreateDeletePerSync: 10 } })
    expect(creations(plan)).toHaveLength(10)
    expect(plan.status.active).toBe(10)
  })
})

describe('reconcile: rendered pods (R103, R104)', () => {
  it('R103/R104: a NonIndexed pod has generateName "pi-", the template labels, the tracking finalizer and one controller reference', () => {
    const job = makeJob({ templateLabels: { app: 'pi' } })
    const [create] = creations(reconcile(job, [], at(0)))
    const rendered = create!.pod
    expect(rendered.metadata.name).toBeUndefined()
    expect(rendered.metadata.generateName).toBe('pi-')
    expect(rendered.metadata.namespace).toBe('default')
    expect(rendered.metadata.labels).toMatchObject({
      app: 'pi',
      'batch.kubernetes.io/job-name': 'pi',
      'batch.kubernetes.io/controller-uid': job.metadata.uid,
      'job-name': 'pi',
      'controller-uid': job.metadata.uid,
    })
    expect(rendered.metadata.finalizers).toEqual([TRACKING_FINALIZER])
    expect(rendered.metadata.ownerReferences).toEqual([
      { apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: job.metadata.uid, controller: true, blockOwnerDeletion: true },
    ])
    expect(rendered.spec.restartPolicy).toBe('Never')
    expect(rendered.spec.containers.map((c) => c.name)).toEqual(['main'])
    expect(rendered.spec.hostname).toBeUndefined()
    expect(rendered.spec.containers[0]!.env ?? []).toEqual([])
    expect(create!.index).toBeUndefined()
  })
})

describe('reconcile: excess pods (R96, R99, R153, R154)', () => {
  it('R96: too many active pods — 3 active with parallelism 2 deletes 1, finalizer removed first, not counted', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 2 }, status: runningStatus({ active: 3 }) })
    const plan = reconcile(job, pods(job, 'Running', 3), at(5))
    expect(deletedNames(plan)).toHaveLength(1)
    const victim = deletedNames(plan)[0]!
    const removal = positionOf(plan, (a) => a._tag === 'RemoveTrackingFinalizer' && a.podName === victim)
    const deletion = positionOf(plan, (a) => a._tag === 'DeletePod' && a.podName === victim)
    expect(removal).toBeGreaterThanOrEqual(0)
    expect(removal).toBeLessThan(deletion)
    expect(deletions(plan)[0]!.reason).toBe('Excess')
    expect(creations(plan)).toHaveLength(0)
    expect(plan.status).toMatchObject({ active: 2, terminating: 1, failed: 0 })
    expect(plan.facts.syncAction).toBe('pods_deleted')
  })

  it('R96: ready drops by the ready pods deleted as excess', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 1 }, status: runningStatus({ active: 2, ready: 2 }) })
    const plan = reconcile(job, pods(job, 'Ready', 2), at(5))
    expect(plan.status).toMatchObject({ active: 1, ready: 1, terminating: 1 })
  })

  it('R96: 10 active pods with parallelism 2 delete 8 (least valuable first, R99)', () => {
    const job = makeJob({ spec: { completions: 20, parallelism: 2 }, status: runningStatus({ active: 10 }) })
    const all = [
      pod(job, 'Pending', { name: 'a-unassigned', nodeName: null }),
      pod(job, 'Pending', { name: 'b-pending', nodeName: 'node-1' }),
      pod(job, 'Running', { name: 'c-running' }),
      pod(job, 'Running', { name: 'd-restarted', restartCount: 2 }),
      pod(job, 'Running', { name: 'e-newer', createdAt: at(30) }),
      pod(job, 'Ready', { name: 'f-ready-100', readySince: at(100) }),
      pod(job, 'Ready', { name: 'g-ready-50', readySince: at(50) }),
      pod(job, 'Ready', { name: 'h-ready-10', readySince: at(10) }),
      pod(job, 'Ready', { name: 'i-ready-10-restarted', readySince: at(10), restartCount: 1 }),
      pod(job, 'Ready', { name: 'j-ready-5', readySince: at(5) }),
    ]
    const plan = reconcile(job, [...all].reverse(), at(200))
    expect(sorted(deletedNames(plan))).toEqual(
      sorted(['a-unassigned', 'b-pending', 'd-restarted', 'e-newer', 'c-running', 'f-ready-100', 'g-ready-50', 'i-ready-10-restarted']),
    )
    expect(sorted(releasedNames(plan))).toEqual(sorted(deletedNames(plan)))
    expect(plan.status).toMatchObject({ active: 2, ready: 2, terminating: 8, failed: 0 })
  })

  it('R154: more active pods than remaining completions — 3 active, 2 of 4 succeeded deletes 1', () => {
    const job = makeJob({ spec: { completions: 4, parallelism: 3 }, status: runningStatus({ active: 3, succeeded: 2 }) })
    const plan = reconcile(job, pods(job, 'Running', 3), at(5))
    expect(deletedNames(plan)).toHaveLength(1)
    expect(plan.status).toMatchObject({ active: 2, terminating: 1, succeeded: 2 })
  })

  it('R96: deletions per sync are capped at 500', () => {
    const job = makeJob({ spec: { completions: 1000, parallelism: 0 }, status: runningStatus({ active: 600 }) })
    const plan = reconcile(job, pods(job, 'Running', 600), at(5))
    expect(deletedNames(plan)).toHaveLength(500)
    expect(plan.status).toMatchObject({ active: 100, terminating: 500 })
  })

  it('R153: parallelism 0 pauses — active pods deleted as excess (not failures), nothing created, not finished', () => {
    const job = makeJob({ spec: { completions: 3, parallelism: 0 }, status: runningStatus({ active: 2 }) })
    let world = newWorld(job, at(5), pods(job, 'Running', 2))
    const first = syncOnce(world)
    world = first.world
    expect(deletedNames(first.plan)).toHaveLength(2)
    expect(finalizerRemovals(first.plan)).toHaveLength(2)
    expect(creations(first.plan)).toHaveLength(0)
    expect(first.plan.status).toMatchObject({ active: 0, terminating: 2, failed: 0 })
    // The kubelet kills them: they end Failed, but they were released before, so they never count.
    world = podsEvent(world, () => true, { _tag: 'Terminate' })
    const second = syncOnce(world)
    expect(second.plan.status).toMatchObject({ active: 0, terminating: 0, failed: 0, succeeded: 0 })
    expect(creations(second.plan)).toHaveLength(0)
    expect(trueConditionTypes(second.plan.status)).toEqual([])
    expect(second.world.pods).toHaveLength(0)
  })

  it('R153: raising parallelism from 0 resumes creating pods', () => {
    const job = makeJob({ spec: { completions: 3, parallelism: 2 }, status: runningStatus() })
    expect(creations(reconcile(job, [], at(5)))).toHaveLength(2)
  })
})

describe('reconcile: completion (R90, R116, R125)', () => {
  it('R90/R112/R144: reaching completions writes SuccessCriteriaMet, then Complete with completionTime, and the Completed event', () => {
    const job = makeJob({ spec: { completions: 2, parallelism: 2 }, status: runningStatus({ active: 2 }) })
    const plan = reconcile(job, [pod(job, 'Succeeded', { name: 'a' }), pod(job, 'Succeeded', { name: 'b' })], at(60))
    const [first, second] = statusWrites(plan)
    expect(conditionOf(first, 'SuccessCriteriaMet')).toMatchObject({
      reason: 'CompletionsReached',
      message: 'Reached expected number of succeeded pods',
      lastTransitionTime: timeAt(60),
    })
    expect(conditionOf(first, 'Complete')).toBeUndefined()
    expect(sorted(first!.uncountedTerminatedPods?.succeeded ?? [])).toEqual(['uid-a', 'uid-b'])
    expect(second).toMatchObject({ succeeded: 2, active: 0, completionTime: timeAt(60), uncountedTerminatedPods: {} })
    expect(conditionOf(second, 'Complete')).toMatchObject({ reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' })
    expect(trueConditionTypes(plan.status)).toEqual(['SuccessCriteriaMet', 'Complete'])
    expect(eventsOf(plan)).toEqual([{ eventType: 'Normal', reason: 'Completed', message: 'Job completed' }])
    expect(tagsOf(plan).at(-1)).toBe('RecordEvent')
  })

  it('R116: more successes than completions keep succeeded > completions and add the TooManySucceededPods warning', () => {
    const job = makeJob({ spec: { completions: 1, parallelism: 2 }, status: runningStatus({ active: 2 }) })
    const plan = reconcile(job, pods(job, 'Succeeded', 2), at(60))
    expect(plan.status.succeeded).toBe(2)
    expect(conditionOf(plan.status, 'Complete')).toBeDefined()
    // Upstream's recordJobFinished emits the warning first, then Completed.
    expect(eventsOf(plan)).toEqual([
      { eventType: 'Warning', reason: 'TooManySucceededPods', message: 'Too many succeeded pods running after completion count reached' },
      { eventType: 'Normal', reason: 'Completed', message: 'Job completed' },
    ])
  })

  it('R90/R114: lingering active pods of a job that reached its completions are deleted and released uncounted', () => {
    const job = makeJob({ spec: { completions: 1, parallelism: 2 }, status: runningStatus({ active: 2 }) })
    const running = pod(job, 'Running', { name: 'still-running' })
    const plan = reconcile(job, [pod(job, 'Succeeded', { name: 'done' }), running], at(60))
    // Completions are reached with one pod active: excess deletion (R96), then completion (R90.2).
    expect(deletedNames(plan)).toEqual(['still-running'])
    expect(plan.status).toMatchObject({ succeeded: 1, failed: 0, active: 0, terminating: 1 })
    expect(conditionOf(plan.status, 'SuccessCriteriaMet')).toBeDefined()
    expect(conditionOf(plan.status, 'Complete')).toBeUndefined()
  })

  it('R125: work-queue job finishing — one succeeded, one still active: no new pods, not complete', () => {
    const job = makeJob({ spec: { parallelism: 2 }, status: runningStatus({ active: 2 }) })
    const plan = reconcile(job, [pod(job, 'Succeeded'), pod(job, 'Running')], at(30))
    expect(creations(plan)).toHaveLength(0)
    expect(deletedNames(plan)).toHaveLength(0)
    expect(plan.status).toMatchObject({ active: 1, succeeded: 1 })
    expect(trueConditionTypes(plan.status)).toEqual([])
  })

  it('R95/R125: after the first success a work-queue job neither creates nor deletes, even above parallelism', () => {
    const job = makeJob({ spec: { parallelism: 1 }, status: runningStatus({ active: 3, succeeded: 1 }) })
    const plan = reconcile(job, pods(job, 'Running', 3), at(30))
    expect(creations(plan)).toHaveLength(0)
    expect(deletedNames(plan)).toHaveLength(0)
  })

  it('R125: work-queue job all finished — Complete', () => {
    const job = makeJob({ spec: { parallelism: 2 }, status: runningStatus({ active: 2 }) })
    const plan = reconcile(job, pods(job, 'Succeeded', 2), at(30))
    expect(trueConditionTypes(plan.status)).toEqual(['SuccessCriteriaMet', 'Complete'])
    expect(plan.status).toMatchObject({ succeeded: 2, failed: 0, active: 0 })
  })

  it('R125: work-queue job all finished despite one failure — Complete with failed 1', () => {
    const job = makeJob({ spec: { parallelism: 2 }, status: runningStatus({ active: 2 }) })
    const plan = reconcile(job, [pod(job, 'Succeeded'), pod(job, 'Failed', { finishedAt: at(-3600) })], at(30))
    expect(trueConditionTypes(plan.status)).toEqual(['SuccessCriteriaMet', 'Complete'])
    expect(plan.status).toMatchObject({ succeeded: 1, failed: 1 })
  })

  it('R125: a work-queue job with no success stays unfinished when parallelism is 0', () => {
    const job = makeJob({ spec: { parallelism: 0 }, status: runningStatus() })
    const plan = reconcile(job, [], at(30))
    expect(creations(plan)).toHaveLength(0)
    expect(trueConditionTypes(plan.status)).toEqual([])
  })

  it('R90: completions 0 completes at once', () => {
    const job = makeJob({ spec: { completions: 0, parallelism: 1 } })
    const plan = reconcile(job, [], at(0))
    expect(creations(plan)).toHaveLength(0)
    expect(trueConditionTypes(plan.status)).toEqual(['SuccessCriteriaMet', 'Complete'])
  })
})

describe('reconcile: a Job being deleted (R168)', () => {
  it('R168: a terminal decision reached while the Job is being deleted still deletes the active pods, which count as failed', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 2, backoffLimit: 0 }, status: runningStatus({ active: 2 }), deletionTimestamp: at(20) })
    const plan = reconcile(job, [pod(job, 'Failed', { name: 'bad' }), pod(job, 'Running', { name: 'run' })], at(30))
    expect(deletedNames(plan)).toEqual(['run'])
    expect(conditionOf(plan.status, 'FailureTarget')?.reason).toBe('BackoffLimitExceeded')
    expect(plan.status).toMatchObject({ failed: 2, active: 0, terminating: 1 })
    expect(creations(plan)).toHaveLength(0)
  })

  it('R168: deleting job — no creations or deletions; every finalizer removed; running pods uncounted, finished ones counted', () => {
    const job = makeJob({ spec: { completions: 5, parallelism: 3 }, status: runningStatus({ active: 3 }), deletionTimestamp: at(20) })
    const plan = reconcile(
      job,
      [pod(job, 'Running', { name: 'run' }), pod(job, 'Succeeded', { name: 'ok' }), pod(job, 'Failed', { name: 'bad', finishedAt: at(-3600) })],
      at(30),
    )
    expect(creations(plan)).toHaveLength(0)
    expect(deletedNames(plan)).toHaveLength(0)
    expect(sorted(releasedNames(plan))).toEqual(['bad', 'ok', 'run'])
    expect(plan.status).toMatchObject({ succeeded: 1, failed: 1, active: 1, uncountedTerminatedPods: {} })
    expect(statusWrites(plan)[0]!.uncountedTerminatedPods).toEqual({ succeeded: ['uid-ok'], failed: ['uid-bad'] })
  })
})
