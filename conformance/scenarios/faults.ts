/**
 * A failing API and a crashing controller (R161, R86, R108, R112): the controller reaches the
 * store through a fault-injecting wrapper (`FaultyStore`) while the kubelet and the scenario
 * see the real one; whatever goes wrong, no completion is lost or counted twice and the Job
 * keeps to its rules.
 */
import { Effect } from 'effect'
import { expect } from 'vitest'
import * as FaultyStore from '../../adapters/stores/faults/FaultyStore.js'
import type { FaultSchedule } from '../../adapters/stores/faults/schedule.js'
import { noFaults } from '../../adapters/stores/faults/schedule.js'
import { JobStore } from '../../adapters/ports/JobStore.js'
import type { PodScript } from '../../adapters/runtimes/scripted/ScriptedRuntime.js'
import type { Job } from '../../core/model/types.js'
import { conditionOf, controlsTheController, hasCondition, indexOfPod, isFinishedJob, jobManifest, keyOf, millisOf, scenario } from '../toolkit.js'
import type { Scenario, World } from '../toolkit.js'

/** The faulty wrapper around the scenario's store. */
const faultsAround = (w: World, plan: FaultyStore.FaultPlan) => FaultyStore.make(plan).pipe(Effect.provideService(JobStore, w.store))

/** Every pod create is refused by admission: 403 (quota) and 422 (invalid) in turn. */
const refuseEveryPodCreate: FaultSchedule = {
  onCall: (call) => (call.operation === 'createPod' ? (call.operationNumber % 2 === 1 ? 'forbidden' : 'invalid') : undefined),
  onWatchEvent: () => undefined,
}

/** Slack after a deadline: the 1 s event batching (R158) plus a step. */
const slackMs = (w: World) => (w.testClock ? 3_000 : 2_500)

/** Every counter of every version, in order: none may ever go down. */
const countersNeverDecrease = (versions: ReadonlyArray<Job>) => {
  let succeeded = 0
  let failed = 0
  for (const version of versions) {
    const now = { succeeded: version.status?.succeeded ?? 0, failed: version.status?.failed ?? 0 }
    expect(now.succeeded, `succeeded went from ${succeeded} to ${now.succeeded}`).toBeGreaterThanOrEqual(succeeded)
    expect(now.failed, `failed went from ${failed} to ${now.failed}`).toBeGreaterThanOrEqual(failed)
    succeeded = now.succeeded
    failed = now.failed
  }
}

const deadlineWhileCreatesFail: Scenario = scenario(
  'R86 R101 R112 R133: a deadline that fires while every pod create is refused (403/422): startTime is written at the first sync and the job fails with DeadlineExceeded about 30 s later',
  (w) =>
    Effect.gen(function* () {
      yield* w.runControllerThrough(yield* faultsAround(w, { schedule: refuseEveryPodCreate }))
      const deadline = w.seconds(30)
      const created = yield* w.create(jobManifest('refused', { activeDeadlineSeconds: deadline }))
      // Upstream writes the status (with startTime) in the sync whose creates failed.
      const started = yield* w.waitForJob('refused', (j) => j.status?.startTime !== undefined, { timeout: '10 seconds' })
      expect(millisOf(started.status?.startTime) - millisOf(created.metadata.creationTimestamp)).toBeLessThan(slackMs(w))
      const job = yield* w.waitForJob('refused', (j) => hasCondition(j, 'Failed'))
      expect(conditionOf(job, 'Failed')).toMatchObject({ status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' })
      const failedAfter = millisOf(conditionOf(job, 'FailureTarget')?.lastTransitionTime) - millisOf(job.status?.startTime)
      expect(failedAfter).toBeGreaterThanOrEqual(deadline * 1000)
      expect(failedAfter).toBeLessThan(deadline * 1000 + slackMs(w))
      expect(job.status?.active ?? 0).toBe(0)
      expect(job.status?.failed ?? 0).toBe(0)
      expect(w.recording('refused').created).toHaveLength(0)
      // The finish event follows the write that set Failed (R156); in real time it may still be on its way.
      const events = yield* w.eventually(
        Effect.flatMap(w.events('refused'), (all) =>
          all.some((e) => e.reason === 'DeadlineExceeded') ? Effect.succeed(all) : Effect.fail('no DeadlineExceeded event yet'),
        ),
        { timeout: '30 seconds' },
      )
      const refusals = events.filter((e) => e.reason === 'FailedCreate')
      expect(refusals.length).toBeGreaterThan(0)
      for (const event of refusals) {
        expect(event.type).toBe('Warning')
        expect(event.message).toMatch(/^Error creating: (pods ".*" is forbidden: exceeded quota|Pod ".*" is invalid: spec\.containers\[0\]\.image: Required value)/)
      }
      expect(events.filter((e) => e.reason === 'SuccessfulCreate')).toHaveLength(0)
      expect(events.filter((e) => e.reason === 'DeadlineExceeded')).toHaveLength(1)
    }),
  { requires: controlsTheController },
)

/**
 * Found by the soak: a decision that stops running pods must be stored before the first of them
 * is deleted. Had the deletions gone first, the next controller would see the stopped pods
 * terminating, count them as failures (R141: `TerminatingOrFailed`) and, with backoffLimit 0,
 * fail a Job whose success policy had already been met.
 */
const crashAfterDecisionDeletesAPod: Scenario = scenario(
  'R89 R111 R145 R141: a controller crash right after the first pod deletion of a success-policy decision: the stored SuccessCriteriaMet decides, the job completes by SuccessPolicy although backoffLimit is 0 and the stopped pods terminate',
  (w) =>
    Effect.gen(function* () {
      const faults = yield* faultsAround(w, { schedule: noFaults, crashes: [{ operation: 'deletePod', afterWrite: 1 }] })
      yield* w.runControllerThrough(faults)
      yield* w.create(
        jobManifest('decided', { completions: 3, parallelism: 3, completionMode: 'Indexed', backoffLimit: 0, successPolicy: { rules: [{ succeededIndexes: '0' }] } }),
      )
      yield* w.waitForActive('decided', 3)
      const leader = (yield* w.pods('decided')).find((pod) => indexOfPod(pod) === 0)!
      yield* w.kubelet.succeed(keyOf(leader))
      const job = yield* w.waitForJob('decided', isFinishedJob, { timeout: '5 minutes' })
      expect(faults.stats().crashes).toBe(1)
      const expected = { status: 'True', reason: 'SuccessPolicy', message: 'Matched rules at index 0' }
      expect(conditionOf(job, 'SuccessCriteriaMet')).toMatchObject(expected)
      expect(conditionOf(job, 'Complete')).toMatchObject(expected)
      expect(hasCondition(job, 'FailureTarget') || hasCondition(job, 'Failed')).toBe(false)
      expect(job.status).toMatchObject({ completedIndexes: '0', succeeded: 1, active: 0, terminating: 0 })
      expect(yield* w.activePods('decided')).toHaveLength(0)
    }),
  { requires: controlsTheController },
)

/**
 * The first pod create lands but its answer is lost, and the controller's pod watch runs late:
 * the controller takes the create as failed and releases its expectation, as upstream's
 * manageJob does on any create error (R101, R159), so its retry creates the same index again
 * before its cache shows the first pod. Once the cache shows both, the next sync deletes all but
 * one active pod of that index (R122), finalizer first, so the extra is never counted (R96), and
 * creates nothing in that sync.
 */
const lostCreateAnswer: FaultSchedule = {
  onCall: (call) => (call.operation === 'createPod' && call.operationNumber === 1 ? 'lostAck' : undefined),
  onWatchEvent: (event) => (event.operation === 'watchPods' && event.eventNumber <= 3 ? 'delay' : undefined),
}

const createAnsweredAsFailed: Scenario = scenario(
  'R159 R101 R122 R96: a pod create that lands but is answered as failed, while the pod watch runs late: the retry creates the index again, the next sync that sees both deletes one uncounted, and the job completes with exact counts',
  (w) =>
    Effect.gen(function* () {
      const faults = yield* faultsAround(w, { schedule: lostCreateAnswer, watchDelay: '5 seconds' })
      yield* w.runControllerThrough(faults)
      const script: PodScript = () => ({ outcome: { after: `${w.seconds(100)} seconds`, result: 'Succeeded' } })
      yield* w.create(jobManifest('unanswered', { completions: 2, parallelism: 2, completionMode: 'Indexed' }), script)
      const job = yield* w.waitForJob('unanswered', isFinishedJob, { timeout: '5 minutes' })
      expect(faults.stats().faults.lostAck).toBe(1)
      expect(conditionOf(job, 'Complete')).toMatchObject({ status: 'True', reason: 'CompletionsReached' })
      expect(job.status).toMatchObject({ completedIndexes: '0,1', succeeded: 2, active: 0, terminating: 0 })
      expect(job.status?.failed ?? 0).toBe(0)
      // On TestClock the retry always comes before the late watch and the pods' end: three pods,
      // index 0 twice, the extra one deleted by the next sync that sees it, uncounted.
      const created = w.recording('unanswered').created.length
      const pods = yield* w.pods('unanswered')
      const events = yield* w.events('unanswered')
      expect(events.filter((e) => e.reason === 'FailedCreate').length).toBeGreaterThanOrEqual(1)
      if (w.testClock) {
        expect(created).toBe(3)
        expect(pods.map(indexOfPod).sort()).toEqual([0, 1])
        expect(events.filter((e) => e.reason === 'SuccessfulDelete')).toHaveLength(1)
      } else {
        // In real time the cache may show the first pod in time (no extra), or the extra may
        // finish before any sync sees it (a finished pod is never deleted, R96 R122): either
        // way nothing is left running, and the counts above are exact.
        expect(created).toBeLessThanOrEqual(3)
        for (const pod of pods) expect(pod.metadata.deletionTimestamp !== undefined || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed').toBe(true)
      }
    }),
  { requires: controlsTheController },
)

export const faults: ReadonlyArray<Scenario> = [
  createAnsweredAsFailed,
  deadlineWhileCreatesFail,
  crashAfterDecisionDeletesAPod,
  scenario(
    'R77 R108 R112 R160: a controller crashed mid-plan (between two creates, after a finalizer removal, after a status write) is replaced and the job ends with exactly the right counts',
    (w) =>
      Effect.gen(function* () {
        const faults = yield* faultsAround(w, {
          schedule: noFaults,
          crashes: [
            // In the first sync, after the second pod is created and before its event and the status write.
            { operation: 'createPod', afterWrite: 2 },
            // After a finished pod was recorded as uncounted and its finalizer removed, before it moved into the counters.
            { operation: 'patchPodMetadata', afterWrite: 1 },
            // After some later status write, before the rest of its plan.
            { operation: 'updateJobStatus', afterWrite: 4 },
          ],
        })
        yield* w.runControllerThrough(faults)
        // Attempt 1 fails, the others succeed: 3 successes and 1 failure in 4 pods.
        const script: PodScript = (pod) =>
          pod.attempt === 1 ? { outcome: { after: '5 seconds', result: 'Failed', exitCode: 3 } } : { outcome: { after: '5 seconds', result: 'Succeeded' } }
        yield* w.create(jobManifest('crashy', { completions: 3, parallelism: 2, backoffLimit: 3 }), script)
        const job = yield* w.waitForJob('crashy', (j) => hasCondition(j, 'Complete'), { timeout: '5 minutes' })
        expect(faults.stats().crashes).toBe(3)
        expect(job.status).toMatchObject({ succeeded: 3, failed: 1, active: 0 })
        expect(job.status?.uncountedTerminatedPods?.succeeded ?? []).toEqual([])
        expect(job.status?.uncountedTerminatedPods?.failed ?? []).toEqual([])
        const recorded = w.recording('crashy')
        expect(recorded.created).toHaveLength(4)
        countersNeverDecrease(recorded.versions)
        expect(Math.max(...recorded.versions.map((v) => v.status?.succeeded ?? 0))).toBe(3)
        expect(Math.max(...recorded.versions.map((v) => v.status?.failed ?? 0))).toBe(1)
        // Stays so: the next controller finds nothing left to count.
        yield* w.pass('1 minute')
        expect((yield* w.job('crashy')).status).toEqual(job.status)
      }),
    { requires: controlsTheController, backoffPeriods: 1 },
  ),
]
