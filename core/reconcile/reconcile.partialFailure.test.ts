/**
 * `reconcileAfterFailedPodCalls`: a sync whose pod calls partly failed still writes the Job's
 * status, as upstream's syncJob does (R93: the pod-management error is returned only after
 * the tracking step ran; R112.4: failed finalizer removals leave a write of the partial
 * progress). Upstream: manageJob takes failed creations off `active` (R101, R102),
 * deleteActivePods drops the finish decision unless every active pod was deleted (R89), and
 * flushUncountedAndRemoveFinalizers moves only the pods whose finalizer is gone.
 */
import { describe, expect, it } from 'vitest'
import type { Job, Pod } from '../model/types.js'
import type { FailedPodCalls } from './failedPodCalls.js'
import { anyFailedPodCall, noFailedPodCalls } from './failedPodCalls.js'
import type { ReconcileOptions, Reconciliation } from './options.js'
import { reconcile, reconcileAfterFailedPodCalls } from './reconcile.js'
import {
  SECOND,
  advance,
  applyPlan,
  at,
  condition,
  conditionOf,
  creations,
  deletions,
  eventsOf,
  finalizerRemovals,
  jobOf,
  makeJob,
  newWorld,
  pod,
  runningStatus,
  statusWrites,
  tagsOf,
  timeAt,
  trueConditionTypes,
  type World,
} from './testing/fixtures.js'

const failures = (fields: Partial<FailedPodCalls>): FailedPodCalls => ({ ...noFailedPodCalls, ...fields })

/** The plan of one sync and the status-tracking part that replaces its rest after `failed`. */
function syncWithFailures(job: Job, pods: ReadonlyArray<Pod>, nowMs: number, failed: (plan: Reconciliation) => FailedPodCalls, options: ReconcileOptions = {}) {
  const plan = reconcile(job, pods, nowMs, options)
  const failedCalls = failed(plan)
  const after = reconcileAfterFailedPodCalls(anyFailedPodCall(failedCalls) ? asWrittenBeforePodCalls(job, plan) : job, pods, nowMs, options, failedCalls)
  return { plan, after }
}

/** The Job as the applier has it when pod calls failed: after the status write a plan makes before them, if any (applyPlan.ts). */
function asWrittenBeforePodCalls(job: Job, plan: Reconciliation): Job {
  const write = plan.actions.slice(0, plan.trackingFrom).findLast((action) => action._tag === 'UpdateJobStatus')
  return write === undefined ? job : { ...job, status: write.status }
}

const everyCreationRefused = (plan: Reconciliation): FailedPodCalls => failures({ creationsNotMade: creations(plan).length })

describe('reconcileAfterFailedPodCalls: failed creations (R86, R93, R101, R102)', () => {
  const cases: ReadonlyArray<{
    readonly name: string
    readonly parallelism: number
    readonly status?: Job['status']
    readonly pods: (job: Job) => Pod[]
    readonly wanted: number
    readonly notMade: number
    readonly expected: { readonly active: number; readonly ready: number }
  }> = [
    {
      name: 'R86/R102: no pods and every creation refused ⇒ startTime is written, active 0',
      parallelism: 2,
      pods: () => [],
      wanted: 2,
      notMade: 2,
      expected: { active: 0, ready: 0 },
    },
    {
      name: 'R102: one pod running and the other creation refused ⇒ active 1, ready 0, startTime written',
      parallelism: 2,
      pods: (job) => [pod(job, 'Running', { name: 'pi-running' })],
      wanted: 1,
      notMade: 1,
      expected: { active: 1, ready: 0 },
    },
    {
      name: 'R102: one pod ready and the other creation refused ⇒ active 1, ready 1',
      parallelism: 2,
      pods: (job) => [pod(job, 'Ready', { name: 'pi-ready' })],
      wanted: 1,
      notMade: 1,
      expected: { active: 1, ready: 1 },
    },
    {
      name: 'R101/R102: 15 creations wanted (batches 1+2+4+8), the last 5 of batch 8 refused ⇒ active 10',
      parallelism: 15,
      pods: () => [],
      wanted: 15,
      notMade: 5,
      expected: { active: 10, ready: 0 },
    },
    {
      name: 'R101/R102: a refusal in batch 4 abandons batch 8 (1 + 2 + 3 made) ⇒ active 6',
      parallelism: 15,
      pods: () => [],
      wanted: 15,
      notMade: 9,
      expected: { active: 6, ready: 0 },
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const job = makeJob({ spec: { completions: 20, parallelism: c.parallelism }, ...(c.status === undefined ? {} : { status: c.status }) })
      const { plan, after } = syncWithFailures(job, c.pods(job), at(5), () => failures({ creationsNotMade: c.notMade }))
      expect(creations(plan)).toHaveLength(c.wanted)
      expect(tagsOf(after)).toEqual(['UpdateJobStatus'])
      expect(statusWrites(after)[0]).toMatchObject({ startTime: timeAt(5), ...c.expected, terminating: 0, succeeded: 0, failed: 0 })
      expect(after.status).toEqual(statusWrites(after)[0])
    })
  }

  it('R86: the startTime a failed sync wrote is kept by the next sync (not "now" again)', () => {
    const job = makeJob({ spec: { completions: 1, parallelism: 1 } })
    let world = newWorld(job, at(0))
    for (let sync = 0; sync < 3; sync++) {
      const { after } = syncWithFailures(jobOf(world), world.pods, world.nowMs, everyCreationRefused)
      world = advance(applyPlan(world, after).world, 7 * SECOND)
    }
    expect(jobOf(world).status?.startTime).toBe(timeAt(0))
  })

  it('R133: activeDeadlineSeconds 30 fires although every creation is refused: Failed, DeadlineExceeded, at 30 s', () => {
    const job = makeJob({ spec: { completions: 1, parallelism: 1, activeDeadlineSeconds: 30 } })
    let world = newWorld(job, at(0))
    let requeueAfterMs: number | undefined
    for (let sync = 0; sync < 10 && conditionOf(jobOf(world).status, 'Failed') === undefined; sync++) {
      const { plan, after } = syncWithFailures(jobOf(world), world.pods, world.nowMs, everyCreationRefused)
      world = applyPlan(world, creations(plan).length > 0 ? after : plan).world
      requeueAfterMs = after.requeueAfterMs
      // The controller wakes at the deadline (R88.6) even while it retries the refused creations.
      if (requeueAfterMs !== undefined) world = advance(world, requeueAfterMs)
    }
    const status = jobOf(world).status
    expect(conditionOf(status, 'Failed')).toMatchObject({ reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline', lastTransitionTime: timeAt(30) })
    expect(trueConditionTypes(status)).toEqual(['FailureTarget', 'Failed'])
    expect(status).toMatchObject({ startTime: timeAt(0), active: 0 })
  })
})

describe('reconcileAfterFailedPodCalls: failed deletions (R89, R94, R96)', () => {
  it('R89/R145: a finishing Job whose pod deletion failed: FailureTarget was stored before the deletions and stays, the Job does not finish, the pod still counts as active', () => {
    const job = makeJob({ spec: { completions: 2, parallelism: 2, activeDeadlineSeconds: 10 }, status: runningStatus({ active: 2, ready: 1 }) })
    const kept = pod(job, 'Ready', { name: 'pi-kept' })
    const stopped = pod(job, 'Running', { name: 'pi-stopped' })
    const { plan, after } = syncWithFailures(job, [kept, stopped], at(20), () => failures({ deletionsFailed: ['uid-pi-kept'] }))
    expect(deletions(plan).map((d) => d.podName).sort()).toEqual(['pi-kept', 'pi-stopped'])
    expect(tagsOf(plan).slice(0, plan.trackingFrom)).toEqual(['UpdateJobStatus', 'DeletePod', 'DeletePod'])
    expect(conditionOf(statusWrites(plan)[0], 'FailureTarget')).toBeDefined()
    expect(tagsOf(after)).toEqual(['UpdateJobStatus'])
    expect(after.status).toMatchObject({ active: 1, ready: 1, terminating: 1, startTime: timeAt(0) })
    expect(trueConditionTypes(after.status)).toEqual(['FailureTarget'])
    expect(conditionOf(after.status, 'FailureTarget')).toMatchObject({ reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' })
    expect(finalizerRemovals(after)).toEqual([])
  })

  it('R89: when every deletion of a finishing Job went through, the decision stands', () => {
    const job = makeJob({ spec: { completions: 2, parallelism: 2, activeDeadlineSeconds: 10 }, status: runningStatus({ active: 1 }) })
    const pods = [pod(job, 'Running', { name: 'pi-a' })]
    const { plan, after } = syncWithFailures(job, pods, at(20), () => failures({ creationsNotMade: 0 }))
    expect(after.actions).toEqual(plan.actions.slice(plan.trackingFrom))
    expect(conditionOf(after.status, 'FailureTarget')?.reason).toBe('DeadlineExceeded')
  })

  it('R94/R150: suspending with one deletion refused still writes Suspended=True; the refused pod stays active', () => {
    const job = makeJob({ spec: { completions: 4, parallelism: 2, suspend: true }, status: runningStatus({ active: 2 }) })
    const pods = [pod(job, 'Running', { name: 'pi-a' }), pod(job, 'Running', { name: 'pi-b' })]
    const { after } = syncWithFailures(job, pods, at(20), () => failures({ deletionsFailed: ['uid-pi-b'] }))
    expect(tagsOf(after)).toEqual(['UpdateJobStatus', 'RecordEvent'])
    expect(conditionOf(after.status, 'Suspended')).toMatchObject({ reason: 'JobSuspended' })
    expect(after.status).toMatchObject({ active: 1, terminating: 1 })
    expect(after.status.startTime).toBeUndefined()
    expect(eventsOf(after)).toEqual([{ eventType: 'Normal', reason: 'Suspended', message: 'Job suspended' }])
  })
})

describe('reconcileAfterFailedPodCalls: failed finalizer removals (R112.4)', () => {
  it('R112.4: a new failed pod while creations and its finalizer patch fail ⇒ it is recorded in uncountedTerminatedPods', () => {
    const job = makeJob({ spec: { completions: 3, parallelism: 1 }, status: runningStatus({ active: 1 }) })
    const pods = [pod(job, 'Failed', { name: 'pi-bad', finishedAt: at(-3600) })]
    // The replacement's creation is refused: the status-tracking part runs all the same…
    const { plan, after } = syncWithFailures(job, pods, at(5), everyCreationRefused)
    expect(creations(plan)).toHaveLength(1)
    expect(tagsOf(after)).toEqual(['UpdateJobStatus', 'RemoveTrackingFinalizer', 'UpdateJobStatus'])
    const recorded = statusWrites(after)[0]!
    expect(recorded).toMatchObject({ active: 0, failed: 0, uncountedTerminatedPods: { failed: ['uid-pi-bad'] } })
    // …and when the finalizer patch fails too, nothing moved: no further write, the pod stays uncounted.
    const rest = reconcileAfterFailedPodCalls(job, pods, at(5), {}, failures({ creationsNotMade: 1, finalizerRemovalsFailed: ['uid-pi-bad'] }))
    expect(rest.actions).toEqual([])
    expect(rest.status).toEqual(recorded)
  })

  it('R112.4: of two released pods, the one whose finalizer went moves into the counters; the other stays uncounted; no finish', () => {
    const job = makeJob({ spec: { completions: 2, parallelism: 2 }, status: runningStatus({ active: 2 }) })
    const pods = [pod(job, 'Succeeded', { name: 'pi-a' }), pod(job, 'Succeeded', { name: 'pi-b' })]
    const plan = reconcile(job, pods, at(5))
    expect(trueConditionTypes(plan.status)).toEqual(['SuccessCriteriaMet', 'Complete'])
    const rest = reconcileAfterFailedPodCalls(job, pods, at(5), {}, failures({ finalizerRemovalsFailed: ['uid-pi-b'] }))
    expect(tagsOf(rest)).toEqual(['UpdateJobStatus'])
    expect(rest.status).toMatchObject({ succeeded: 1, uncountedTerminatedPods: { succeeded: ['uid-pi-b'] } })
    expect(trueConditionTypes(rest.status)).toEqual(['SuccessCriteriaMet'])
    expect(rest.status.completionTime).toBeUndefined()
  })

  it('R112.4: when every removal failed nothing moved, so no partial write', () => {
    const job = makeJob({ spec: { completions: 3, parallelism: 1 }, status: runningStatus({ active: 1 }) })
    const pods = [pod(job, 'Succeeded', { name: 'pi-a' }), pod(job, 'Running', { name: 'pi-b' })]
    const rest = reconcileAfterFailedPodCalls(job, pods, at(5), {}, failures({ finalizerRemovalsFailed: ['uid-pi-a'] }))
    expect(rest.actions).toEqual([])
    expect(rest.status).toMatchObject({ succeeded: 0, uncountedTerminatedPods: { succeeded: ['uid-pi-a'] } })
  })
})

describe('reconcileAfterFailedPodCalls: consistency with reconcile', () => {
  const world = (): World => {
    const job = makeJob({ spec: { completions: 5, parallelism: 3 }, status: runningStatus({ active: 2 }) })
    return newWorld(job, at(5), [pod(job, 'Running'), pod(job, 'Succeeded', { name: 'pi-done' })])
  }

  it('nothing failed ⇒ exactly the status-tracking part of the plan', () => {
    const w = world()
    const plan = reconcile(jobOf(w), w.pods, w.nowMs)
    const after = reconcileAfterFailedPodCalls(jobOf(w), w.pods, w.nowMs, {}, noFailedPodCalls)
    expect(creations(plan)).toHaveLength(2)
    expect(plan.trackingFrom).toBe(2)
    expect(after.actions).toEqual(plan.actions.slice(plan.trackingFrom))
    expect(after.status).toEqual(plan.status)
  })

  it('a finished Job: nothing is left to do after a failed finalizer removal', () => {
    const job = makeJob({
      spec: { completions: 1, parallelism: 1 },
      status: {
        ...runningStatus({ succeeded: 1 }),
        completionTime: timeAt(1),
        conditions: [condition('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods', at(1)), condition('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods', at(1))],
      },
    })
    const pods = [pod(job, 'Succeeded', { name: 'pi-late' })]
    const plan = reconcile(job, pods, at(5))
    expect(tagsOf(plan)).toEqual(['RemoveTrackingFinalizer'])
    expect(reconcileAfterFailedPodCalls(job, pods, at(5), {}, failures({ finalizerRemovalsFailed: ['uid-pi-late'] })).actions).toEqual([])
  })
})
