/** Pod failures: back-off, backoffLimit with Never and OnFailure, activeDeadlineSeconds (§10.1). */
import { Effect } from 'effect'
import { expect } from 'vitest'
import type { PodScript } from '../../adapters/runtimes/scripted/ScriptedRuntime.js'
import type { Job, Pod } from '../../core/model/types.js'
import { conditionOf, hasCondition, isFinishedJob, jobManifest, keyOf, millisOf, scenario } from '../toolkit.js'
import type { Scenario, World } from '../toolkit.js'

/** When the pod's (first) container finished, as the runtime reported it (R75). */
const finishedAt = (pod: Pod): number => millisOf(pod.status?.containerStatuses?.[0]?.state?.terminated?.finishedAt)
const createdAt = (pod: Pod): number => millisOf(pod.metadata.creationTimestamp)

/** Attempts listed in `outcomes` fail at once (`F`) or succeed after a second (`S`); later ones succeed. */
const attempts = (outcomes: string): PodScript => (p) =>
  outcomes[p.attempt] === 'F'
    ? { outcome: { after: 0, result: 'Failed', exitCode: 1 } }
    : { outcome: { after: '1 second', result: 'Succeeded' } }

/** Slack allowed after a back-off delay: the 1 s event batching (R158) plus a step. */
const slackMs = (w: World) => (w.testClock ? 3_000 : 2_500)

const expectFailed = (job: Job, reason: string, message: string) => {
  expect(conditionOf(job, 'Failed')).toMatchObject({ status: 'True', reason, message })
  expect(conditionOf(job, 'FailureTarget')).toMatchObject({ status: 'True', reason, message })
  expect(job.status?.completionTime).toBeUndefined()
  expect(hasCondition(job, 'Complete')).toBe(false)
  expect(job.status).toMatchObject({ active: 0, terminating: 0 })
}

export const failures: ReadonlyArray<Scenario> = [
  scenario('R126 R128: replacements after consecutive failures wait 10 s, 20 s and 40 s', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('backoff', { backoffLimit: 6 }), attempts('FFF'))
      const job = yield* w.waitForJob('backoff', (j) => hasCondition(j, 'Complete'), { timeout: '10 minutes' })
      expect(job.status).toMatchObject({ succeeded: 1, failed: 3 })
      const pods = yield* w.pods('backoff')
      expect(pods).toHaveLength(4)
      const base = w.backoffBaseSeconds * 1000
      for (const [n, delay] of [base, 2 * base, 4 * base].entries()) {
        const gap = createdAt(pods[n + 1]!) - finishedAt(pods[n]!)
        expect(gap, `pod ${n + 1} after failure ${n + 1}`).toBeGreaterThanOrEqual(delay)
        expect(gap, `pod ${n + 1} after failure ${n + 1}`).toBeLessThan(delay + slackMs(w))
      }
    }),
    { backoffPeriods: 7 },
  ),

  scenario('R127: a success resets the back-off: the first replacement after it waits 10 s again, not 40 s', (w) =>
    Effect.gen(function* () {
      // completions 3, one pod at a time: fail, fail, succeed, fail, succeed, succeed.
      yield* w.create(jobManifest('reset', { completions: 3, parallelism: 1, backoffLimit: 6 }), attempts('FF_F'))
      const job = yield* w.waitForJob('reset', (j) => hasCondition(j, 'Complete'), { timeout: '10 minutes' })
      expect(job.status).toMatchObject({ succeeded: 3, failed: 3 })
      const pods = yield* w.pods('reset')
      expect(pods).toHaveLength(6)
      const base = w.backoffBaseSeconds * 1000
      const gap = (n: number) => createdAt(pods[n + 1]!) - finishedAt(pods[n]!)
      expect(gap(0)).toBeGreaterThanOrEqual(base)
      expect(gap(1)).toBeGreaterThanOrEqual(2 * base)
      // After the success: no delay at all, then 10 s after the next failure.
      expect(gap(2)).toBeLessThan(base)
      expect(gap(3)).toBeGreaterThanOrEqual(base)
      expect(gap(3)).toBeLessThan(base + slackMs(w))
    }),
    { backoffPeriods: 4 },
  ),

  scenario('R130 R132 R88 R156: backoffLimit 0 with restartPolicy Never fails the job at the first failed pod', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('strict', { backoffLimit: 0 }), attempts('FFFF'))
      const job = yield* w.waitForJob('strict', (j) => hasCondition(j, 'Failed'))
      expectFailed(job, 'BackoffLimitExceeded', 'Job has reached the specified backoff limit')
      expect(job.status?.failed).toBe(1)
      expect(job.status?.succeeded ?? 0).toBe(0)
      yield* w.pass('5 minutes')
      expect(w.recording('strict').created).toHaveLength(1)
      const events = yield* w.events('strict')
      expect(events.filter((e) => e.reason === 'BackoffLimitExceeded')).toEqual([
        expect.objectContaining({ type: 'Warning', message: 'Job has reached the specified backoff limit' }),
      ])
      expect(events.some((e) => e.reason === 'Completed')).toBe(false)
    }),
  ),

  scenario('R88 R130: backoffLimit 2 fails the job at the third failed pod, having created exactly 3 pods', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('three', { backoffLimit: 2 }), attempts('FFFFFF'))
      const job = yield* w.waitForJob('three', (j) => hasCondition(j, 'Failed'), { timeout: '10 minutes' })
      expectFailed(job, 'BackoffLimitExceeded', 'Job has reached the specified backoff limit')
      expect(job.status?.failed).toBe(3)
      yield* w.pass('10 minutes')
      expect(w.recording('three').created).toHaveLength(3)
      expect((yield* w.job('three')).status?.failed).toBe(3)
    }),
    { backoffPeriods: 3 },
  ),

  scenario('R131 R114: OnFailure container restarts reaching backoffLimit fail the job; the running pod is stopped and counted', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('restarts', { backoffLimit: 2 }, { restartPolicy: 'OnFailure' }))
      const [pod] = yield* w.waitForActive('restarts', 1)
      yield* w.kubelet.restartContainer(keyOf(pod!), { exitCode: 1 })
      yield* w.pass('30 seconds')
      expect(isFinishedJob(yield* w.job('restarts'))).toBe(false)
      yield* w.kubelet.restartContainer(keyOf(pod!), { exitCode: 1 })
      const job = yield* w.waitForJob('restarts', (j) => hasCondition(j, 'Failed'))
      expectFailed(job, 'BackoffLimitExceeded', 'Job has reached the specified backoff limit')
      expect(job.status?.failed).toBe(1)
      expect(w.recording('restarts').created).toHaveLength(1)
      expect(yield* w.activePods('restarts')).toHaveLength(0)
    }),
  ),

  scenario('R131: OnFailure restarts below backoffLimit do not fail the job; it completes with failed 0', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('survivor', { backoffLimit: 3 }, { restartPolicy: 'OnFailure' }))
      const [pod] = yield* w.waitForActive('survivor', 1)
      yield* w.kubelet.restartContainer(keyOf(pod!))
      yield* w.kubelet.restartContainer(keyOf(pod!))
      yield* w.pass('30 seconds')
      yield* w.kubelet.succeed(keyOf(pod!))
      const job = yield* w.waitForJob('survivor', (j) => hasCondition(j, 'Complete'))
      expect(job.status?.succeeded).toBe(1)
      expect(job.status?.failed ?? 0).toBe(0)
      expect(w.recording('survivor').created).toHaveLength(1)
    }),
  ),

  scenario('R131: OnFailure with backoffLimit 0 fails the job at the first container restart', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('brittle', { backoffLimit: 0 }, { restartPolicy: 'OnFailure' }))
      const [pod] = yield* w.waitForActive('brittle', 1)
      yield* w.kubelet.restartContainer(keyOf(pod!), { exitCode: 7 })
      const job = yield* w.waitForJob('brittle', (j) => hasCondition(j, 'Failed'))
      expectFailed(job, 'BackoffLimitExceeded', 'Job has reached the specified backoff limit')
    }),
  ),

  scenario('R133 R88 R89 R156: activeDeadlineSeconds fails a running job with DeadlineExceeded and stops its pods', (w) =>
    Effect.gen(function* () {
      const deadline = w.seconds(30)
      yield* w.create(jobManifest('deadline', { completions: 2, parallelism: 2, activeDeadlineSeconds: deadline }))
      yield* w.waitForActive('deadline', 2)
      const job = yield* w.waitForJob('deadline', (j) => hasCondition(j, 'Failed'))
      expectFailed(job, 'DeadlineExceeded', 'Job was active longer than specified deadline')
      const failedAt = millisOf(conditionOf(job, 'FailureTarget')?.lastTransitionTime) - millisOf(job.status?.startTime)
      expect(failedAt).toBeGreaterThanOrEqual(deadline * 1000)
      expect(failedAt).toBeLessThan(deadline * 1000 + slackMs(w))
      expect(job.status?.failed).toBe(2)
      expect(yield* w.activePods('deadline')).toHaveLength(0)
      const events = yield* w.events('deadline')
      expect(events.filter((e) => e.reason === 'DeadlineExceeded')).toEqual([
        expect.objectContaining({ type: 'Warning', message: 'Job was active longer than specified deadline' }),
      ])
      expect(events.filter((e) => e.reason === 'SuccessfulDelete')).toHaveLength(2)
    }),
  ),

  scenario('R133: the deadline takes precedence over back-off: no pod is created after it and the reason is DeadlineExceeded', (w) =>
    Effect.gen(function* () {
      // Failures at ~0 s and ~10 s; the third pod would wait until ~30 s, past the 20 s deadline.
      const deadline = 2 * w.backoffBaseSeconds
      yield* w.create(jobManifest('late', { backoffLimit: 6, activeDeadlineSeconds: deadline }), attempts('FFFFFF'))
      const job = yield* w.waitForJob('late', (j) => hasCondition(j, 'Failed'))
      expectFailed(job, 'DeadlineExceeded', 'Job was active longer than specified deadline')
      expect(job.status?.failed).toBe(2)
      yield* w.pass('5 minutes')
      expect(w.recording('late').created).toHaveLength(2)
    }),
    { backoffPeriods: 2 },
  ),

  scenario('R133 R158: lowering activeDeadlineSeconds of a running job applies the new deadline', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('tighten', { activeDeadlineSeconds: w.seconds(3600) }))
      yield* w.waitForActive('tighten', 1)
      yield* w.pass('10 seconds')
      const deadline = w.seconds(60)
      yield* w.updateJob('tighten', (j) => ({ ...j, spec: { ...j.spec, activeDeadlineSeconds: deadline } }))
      const job = yield* w.waitForJob('tighten', (j) => hasCondition(j, 'Failed'))
      expectFailed(job, 'DeadlineExceeded', 'Job was active longer than specified deadline')
      const failedAt = millisOf(conditionOf(job, 'FailureTarget')?.lastTransitionTime) - millisOf(job.status?.startTime)
      expect(failedAt).toBeGreaterThanOrEqual(deadline * 1000)
      expect(failedAt).toBeLessThan(deadline * 1000 + slackMs(w))
    }),
  ),
]
