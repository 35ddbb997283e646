/** Work-queue jobs: `completions` unset (§9.3). */
import { Effect } from 'effect'
import { expect } from 'vitest'
import { hasCondition, isFinishedJob, jobManifest, keyOf, scenario } from '../toolkit.js'
import type { Scenario } from '../toolkit.js'

export const workQueue: ReadonlyArray<Scenario> = [
  scenario('R2 R19 R125: a work-queue job (parallelism 3, no completions) starts 3 pods and keeps completions unset', (w) =>
    Effect.gen(function* () {
      const created = yield* w.create(jobManifest('wq', { parallelism: 3 }))
      expect(created.spec.completions).toBeUndefined()
      yield* w.waitForActive('wq', 3)
      const job = yield* w.waitForJob('wq', (j) => j.status?.active === 3)
      expect(job.spec.completions).toBeUndefined()
      yield* w.pass('1 minute')
      expect(w.recording('wq').created).toHaveLength(3)
    }),
  ),

  scenario('R125 R90: a work-queue job completes once one pod succeeded and none is active', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('wq-done', { parallelism: 3 }))
      const pods = yield* w.waitForActive('wq-done', 3)
      yield* w.kubelet.succeed(keyOf(pods[0]!))
      let job = yield* w.waitForJob('wq-done', (j) => j.status?.succeeded === 1)
      yield* w.pass('1 minute')
      job = yield* w.job('wq-done')
      expect(isFinishedJob(job)).toBe(false)
      expect(job.status?.active).toBe(2)
      yield* w.kubelet.succeed(keyOf(pods[1]!))
      yield* w.kubelet.succeed(keyOf(pods[2]!))
      job = yield* w.waitForJob('wq-done', (j) => hasCondition(j, 'Complete'))
      expect(job.status).toMatchObject({ succeeded: 3, active: 0 })
      expect(job.status?.failed ?? 0).toBe(0)
      expect(w.recording('wq-done').created).toHaveLength(3)
    }),
  ),

  scenario('R125 R95: after the first success a work-queue job neither replaces a failed pod nor deletes running ones, and completes with failed 1', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('wq-fail', { parallelism: 3 }))
      const pods = yield* w.waitForActive('wq-fail', 3)
      yield* w.kubelet.succeed(keyOf(pods[0]!))
      yield* w.waitForJob('wq-fail', (j) => j.status?.succeeded === 1)
      yield* w.kubelet.fail(keyOf(pods[1]!), { exitCode: 2 })
      let job = yield* w.waitForJob('wq-fail', (j) => j.status?.failed === 1)
      yield* w.pass('2 minutes')
      expect(w.recording('wq-fail').created).toHaveLength(3)
      job = yield* w.job('wq-fail')
      expect(job.status?.active).toBe(1)
      expect(isFinishedJob(job)).toBe(false)
      yield* w.kubelet.succeed(keyOf(pods[2]!))
      job = yield* w.waitForJob('wq-fail', (j) => hasCondition(j, 'Complete'))
      expect(job.status).toMatchObject({ succeeded: 2, failed: 1, active: 0 })
    }),
  ),

  scenario('R125 R97: before any success, a failed work-queue pod is replaced', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('wq-replace', { parallelism: 2 }))
      const pods = yield* w.waitForActive('wq-replace', 2)
      yield* w.kubelet.fail(keyOf(pods[0]!))
      const job = yield* w.waitForJob('wq-replace', (j) => j.status?.failed === 1 && j.status.active === 2)
      expect(isFinishedJob(job)).toBe(false)
      expect(w.recording('wq-replace').created).toHaveLength(3)
    }),
    { backoffPeriods: 1 },
  ),
]
