/** Fixed completions with parallelism, parallelism 0, scaling up and down (§9.1, §13). */
import { Effect } from 'effect'
import { expect } from 'vitest'
import { succeedAfter } from '../../adapters/runtimes/scripted/ScriptedRuntime.js'
import type { Job } from '../../core/model/types.js'
import { hasCondition, isFinishedJob, jobManifest, keyOf, scenario } from '../toolkit.js'
import type { Scenario } from '../toolkit.js'

const withParallelism = (parallelism: number) => (job: Job): Job => ({ ...job, spec: { ...job.spec, parallelism } })

export const parallelism: ReadonlyArray<Scenario> = [
  scenario('R1 R116: completions 5 with parallelism 2 never runs more than 2 pods at once and completes with exactly 5 successes', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('fixed', { completions: 5, parallelism: 2 }), succeedAfter('10 seconds'))
      const job = yield* w.waitForJob('fixed', (j) => hasCondition(j, 'Complete'))
      expect(job.status).toMatchObject({ succeeded: 5, active: 0 })
      expect(job.status?.failed ?? 0).toBe(0)
      const seen = w.recording('fixed')
      expect(seen.maxActive).toBe(2)
      expect(seen.created).toHaveLength(5)
      for (const version of seen.versions) expect(version.status?.active ?? 0).toBeLessThanOrEqual(2)
    }),
  ),

  scenario('R95 R154: never more active pods than remaining completions (completions 4, parallelism 3)', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('remaining', { completions: 4, parallelism: 3 }))
      const first = yield* w.waitForActive('remaining', 3)
      yield* w.kubelet.succeed(keyOf(first[0]!))
      yield* w.kubelet.succeed(keyOf(first[1]!))
      // 2 succeeded, 2 to go: one more pod beside the one still running, never a third.
      yield* w.waitForJob('remaining', (j) => j.status?.succeeded === 2 && j.status.active === 2)
      yield* w.pass('1 minute')
      expect(yield* w.activePods('remaining')).toHaveLength(2)
      expect(w.recording('remaining').created).toHaveLength(4)
      for (const pod of yield* w.activePods('remaining')) yield* w.kubelet.succeed(keyOf(pod))
      const job = yield* w.waitForJob('remaining', (j) => hasCondition(j, 'Complete'))
      expect(job.status?.succeeded).toBe(4)
      expect(w.recording('remaining').maxActive).toBe(3)
    }),
  ),

  scenario('R1 R153: parallelism 0 creates no pod and the job stays unfinished', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('idle', { completions: 2, parallelism: 0 }))
      yield* w.waitForJob('idle', (j) => j.status?.startTime !== undefined)
      yield* w.pass('5 minutes')
      const job = yield* w.job('idle')
      expect(yield* w.pods('idle')).toHaveLength(0)
      expect(isFinishedJob(job)).toBe(false)
      expect(job.status?.active ?? 0).toBe(0)
      expect((yield* w.events('idle')).filter((e) => e.reason === 'SuccessfulCreate')).toHaveLength(0)
    }),
  ),

  scenario('R153: raising parallelism from 0 starts pods and the job completes', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('wake', { completions: 2, parallelism: 0 }), succeedAfter('5 seconds'))
      yield* w.waitForJob('wake', (j) => j.status?.startTime !== undefined)
      yield* w.pass('30 seconds')
      expect(yield* w.pods('wake')).toHaveLength(0)
      yield* w.updateJob('wake', withParallelism(2))
      const job = yield* w.waitForJob('wake', (j) => hasCondition(j, 'Complete'))
      expect(job.status?.succeeded).toBe(2)
      expect(w.recording('wake').maxActive).toBe(2)
    }),
  ),

  scenario('R153 R94 R114: scaling parallelism down to 0 deletes the active pods without counting them as failed', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('drain', { completions: 4, parallelism: 2 }))
      const running = yield* w.waitForActive('drain', 2)
      yield* w.updateJob('drain', withParallelism(0))
      yield* w.eventually(Effect.flatMap(w.pods('drain'), (pods) => (pods.length === 0 ? Effect.void : Effect.fail('pods remain'))))
      const job = yield* w.waitForJob('drain', (j) => j.status?.active === 0 && j.status.terminating === 0)
      expect(job.status?.failed ?? 0).toBe(0)
      expect(job.status?.succeeded ?? 0).toBe(0)
      expect(isFinishedJob(job)).toBe(false)
      const deletes = (yield* w.events('drain')).filter((e) => e.reason === 'SuccessfulDelete')
      expect(deletes.map((e) => e.message).sort()).toEqual(running.map((p) => `Deleted pod: ${p.metadata.name}`).sort())
      yield* w.pass('1 minute')
      expect(yield* w.pods('drain')).toHaveLength(0)
    }),
  ),

  scenario('R154 R96 R99: lowering parallelism from 3 to 1 deletes the 2 least valuable pods (pending before running)', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('shrink', { completions: 6, parallelism: 3 }), () => ({ startAfter: 'manual' }))
      const pods = yield* w.waitForActive('shrink', 3)
      // Only the newest pod runs; the two others stay Pending, so they go first.
      const keeper = pods[2]!
      yield* w.kubelet.start(keyOf(keeper))
      yield* w.waitForJob('shrink', (j) => j.status?.ready === 1)
      yield* w.updateJob('shrink', withParallelism(1))
      const left = yield* w.waitForActive('shrink', 1)
      expect(left[0]!.metadata.uid).toBe(keeper.metadata.uid)
      const job = yield* w.waitForJob('shrink', (j) => j.status?.active === 1)
      expect(job.status?.failed ?? 0).toBe(0)
      yield* w.pass('1 minute')
      expect(yield* w.activePods('shrink')).toHaveLength(1)
      expect(w.recording('shrink').created).toHaveLength(3)
    }),
  ),

  scenario('R95 R101: raising parallelism from 1 to 3 creates two more pods right away', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('grow', { completions: 5, parallelism: 1 }))
      yield* w.waitForActive('grow', 1)
      yield* w.pass('30 seconds')
      expect(w.recording('grow').created).toHaveLength(1)
      yield* w.updateJob('grow', withParallelism(3))
      yield* w.waitForActive('grow', 3, { timeout: '10 seconds' })
      const job = yield* w.waitForJob('grow', (j) => j.status?.active === 3)
      expect(job.spec.parallelism).toBe(3)
      expect(job.metadata.generation).toBe(2)
    }),
  ),
]
