/** Suspend and resume (§12). */
import { Effect } from 'effect'
import { expect } from 'vitest'
import type { Job } from '../../core/model/types.js'
import { conditionOf, hasCondition, indexOfPod, isFinishedJob, jobManifest, keyOf, millisOf, scenario } from '../toolkit.js'
import type { Scenario } from '../toolkit.js'

const setSuspend = (suspend: boolean) => (job: Job): Job => ({ ...job, spec: { ...job.spec, suspend } })

export const suspension: ReadonlyArray<Scenario> = [
  scenario('R149 R150 R94 R156: suspending a running job deletes its pods uncounted, sets Suspended=True and clears startTime', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('pause', { completions: 2, parallelism: 2 }))
      const running = yield* w.waitForActive('pause', 2)
      yield* w.waitForJob('pause', (j) => j.status?.startTime !== undefined && j.status.active === 2)
      yield* w.updateJob('pause', setSuspend(true))
      const job = yield* w.waitForJob('pause', (j) => hasCondition(j, 'Suspended') && j.status?.terminating === 0)
      expect(conditionOf(job, 'Suspended')).toMatchObject({ status: 'True', reason: 'JobSuspended', message: 'Job suspended' })
      expect(job.status?.startTime).toBeUndefined()
      expect(job.status?.active).toBe(0)
      expect(job.status?.failed ?? 0).toBe(0)
      expect(isFinishedJob(job)).toBe(false)
      yield* w.eventually(Effect.flatMap(w.pods('pause'), (pods) => (pods.length === 0 ? Effect.void : Effect.fail('pods remain'))))
      const events = yield* w.events('pause')
      expect(events.filter((e) => e.reason === 'Suspended')).toEqual([expect.objectContaining({ type: 'Normal', message: 'Job suspended' })])
      expect(events.filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message).sort()).toEqual(
        running.map((p) => `Deleted pod: ${p.metadata.name}`).sort(),
      )
      yield* w.pass('5 minutes')
      expect(w.recording('pause').created).toHaveLength(2)
      expect((yield* w.job('pause')).status?.failed ?? 0).toBe(0)
    }),
  ),

  scenario('R151 R156: resuming sets Suspended=False (JobResumed), emits Resumed, restarts startTime and runs pods to completion', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('resume', { completions: 2, parallelism: 2 }))
      yield* w.waitForActive('resume', 2)
      yield* w.updateJob('resume', setSuspend(true))
      yield* w.waitForJob('resume', (j) => hasCondition(j, 'Suspended') && j.status?.active === 0)
      yield* w.pass('2 minutes')
      const resumedAt = yield* w.now
      yield* w.updateJob('resume', setSuspend(false))
      const pods = yield* w.waitForActive('resume', 2)
      let job = yield* w.waitForJob('resume', (j) => conditionOf(j, 'Suspended')?.status === 'False')
      expect(conditionOf(job, 'Suspended')).toMatchObject({ reason: 'JobResumed', message: 'Job resumed' })
      expect(millisOf(job.status?.startTime)).toBeGreaterThanOrEqual(resumedAt)
      const events = yield* w.events('resume')
      expect(events.filter((e) => e.reason === 'Resumed')).toEqual([expect.objectContaining({ type: 'Normal', message: 'Job resumed' })])
      for (const pod of pods) yield* w.kubelet.succeed(keyOf(pod))
      job = yield* w.waitForJob('resume', (j) => hasCondition(j, 'Complete'))
      expect(job.status?.succeeded).toBe(2)
      expect(job.status?.failed ?? 0).toBe(0)
      expect(w.recording('resume').created).toHaveLength(4)
    }),
  ),

  scenario('R148: a job created suspended creates no pod, has Suspended=True, a Suspended event and no startTime', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('asleep', { completions: 3, parallelism: 3, suspend: true }))
      const job = yield* w.waitForJob('asleep', (j) => hasCondition(j, 'Suspended'))
      expect(conditionOf(job, 'Suspended')).toMatchObject({ reason: 'JobSuspended', message: 'Job suspended' })
      expect(job.status?.startTime).toBeUndefined()
      yield* w.pass('10 minutes')
      expect(yield* w.pods('asleep')).toHaveLength(0)
      expect((yield* w.job('asleep')).status?.startTime).toBeUndefined()
      expect((yield* w.events('asleep')).filter((e) => e.reason === 'Suspended')).toHaveLength(1)
    }),
  ),

  scenario('R148 R133 R152: a suspended job’s deadline does not run; after resume it counts from the resume', (w) =>
    Effect.gen(function* () {
      const deadline = w.seconds(30)
      yield* w.create(jobManifest('clock', { suspend: true, activeDeadlineSeconds: deadline }))
      yield* w.waitForJob('clock', (j) => hasCondition(j, 'Suspended'))
      yield* w.pass('5 minutes')
      expect(isFinishedJob(yield* w.job('clock'))).toBe(false)
      const resumedAt = yield* w.now
      yield* w.updateJob('clock', setSuspend(false))
      yield* w.waitForActive('clock', 1)
      const job = yield* w.waitForJob('clock', (j) => hasCondition(j, 'Failed'))
      expect(conditionOf(job, 'Failed')?.reason).toBe('DeadlineExceeded')
      const failedAt = millisOf(conditionOf(job, 'FailureTarget')?.lastTransitionTime)
      expect(failedAt - millisOf(job.status?.startTime)).toBeGreaterThanOrEqual(deadline * 1000)
      expect(millisOf(job.status?.startTime)).toBeGreaterThanOrEqual(resumedAt)
    }),
  ),

  scenario('R152: counters survive a suspend/resume cycle and the job finishes with exact counts', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('keep', { completions: 3, parallelism: 1 }))
      const [first] = yield* w.waitForActive('keep', 1)
      yield* w.kubelet.succeed(keyOf(first!))
      const [second] = yield* w.eventually(
        Effect.flatMap(w.activePods('keep'), (pods) =>
          pods.length === 1 && pods[0]!.metadata.uid !== first!.metadata.uid ? Effect.succeed(pods) : Effect.fail('no second pod yet'),
        ),
      )
      yield* w.updateJob('keep', setSuspend(true))
      let job = yield* w.waitForJob('keep', (j) => hasCondition(j, 'Suspended') && j.status?.active === 0)
      expect(job.status?.succeeded).toBe(1)
      yield* w.eventually(Effect.flatMap(w.kubelet.pods, (pods) => (pods.some((p) => p.metadata.uid === second!.metadata.uid) ? Effect.fail('still there') : Effect.void)))
      yield* w.updateJob('keep', setSuspend(false))
      for (let i = 0; i < 2; i++) {
        const [pod] = yield* w.waitForActive('keep', 1)
        yield* w.kubelet.succeed(keyOf(pod!))
        yield* w.waitForJob('keep', (j) => j.status?.succeeded === 2 + i)
      }
      job = yield* w.waitForJob('keep', (j) => hasCondition(j, 'Complete'))
      expect(job.status?.succeeded).toBe(3)
      expect(job.status?.failed ?? 0).toBe(0)
      expect(w.recording('keep').created).toHaveLength(4)
    }),
  ),

  scenario('R152 R119: an Indexed job keeps its completedIndexes across suspend/resume and runs only the missing indexes', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('resume-idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }))
      const pods = yield* w.waitForActive('resume-idx', 3)
      yield* w.kubelet.succeed(keyOf(pods.find((p) => indexOfPod(p) === 1)!))
      yield* w.waitForJob('resume-idx', (j) => j.status?.completedIndexes === '1')
      yield* w.updateJob('resume-idx', setSuspend(true))
      yield* w.waitForJob('resume-idx', (j) => hasCondition(j, 'Suspended') && j.status?.active === 0)
      yield* w.updateJob('resume-idx', setSuspend(false))
      const again = yield* w.waitForActive('resume-idx', 2)
      expect(again.map(indexOfPod).sort()).toEqual([0, 2])
      for (const pod of again) yield* w.kubelet.succeed(keyOf(pod))
      const job = yield* w.waitForJob('resume-idx', (j) => hasCondition(j, 'Complete'))
      expect(job.status).toMatchObject({ completedIndexes: '0-2', succeeded: 3 })
      expect(job.status?.failed ?? 0).toBe(0)
    }),
  ),
]
