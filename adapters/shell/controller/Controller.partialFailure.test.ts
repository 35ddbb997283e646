/**
 * The controller when pod calls keep failing, end to end on the memory store and effect's
 * TestClock: upstream's Job controller writes the status anyway (R93), so `startTime` is
 * stored on the first sync and `activeDeadlineSeconds` runs out although no pod could ever be
 * created; the failed calls are retried with the per-key back-off (R161).
 */
import { describe, expect, it } from '@effect/vitest'
import { Effect, Layer } from 'effect'
import { conditionOf, hasCondition, jobManifest, millisOf, runScenario } from '../../../conformance/toolkit.js'
import type { World } from '../../../conformance/toolkit.js'
import * as MemoryStore from '../../stores/memory/MemoryStore.js'
import { JobStore } from '../../ports/JobStore.js'
import type { Refusals } from './testing/refusingStore.js'
import { refusing } from './testing/refusingStore.js'

/** Runs `body` with the controller on a memory store that refuses what `refusals` says. */
function withRefusals(refusals: Refusals, body: (world: World) => Effect.Effect<void, unknown>) {
  const layer = Layer.effect(JobStore, Effect.map(MemoryStore.make, (store) => refusing(store, refusals)))
  return runScenario({ name: 'memory, refusing pod calls', layer }, 1, body)
}

/** The 1 s event batching (R158) plus a step of the scenario clock. */
const SLACK_MS = 3_000

describe('Controller: pod calls that keep failing (R93, R161)', () => {
  it.effect('R133 R93: activeDeadlineSeconds 30 with every creation refused ⇒ Failed, DeadlineExceeded, about 30 s after the first sync', () =>
    withRefusals({ createPodAfter: 0 }, (w) =>
      Effect.gen(function* () {
        const createdAt = yield* w.now
        yield* w.create(jobManifest('quota', { activeDeadlineSeconds: 30 }))
        const started = yield* w.waitForJob('quota', (job) => job.status?.startTime !== undefined)
        const startTime = millisOf(started.status?.startTime)
        expect(startTime - createdAt).toBeLessThan(SLACK_MS)

        const job = yield* w.waitForJob('quota', (j) => hasCondition(j, 'Failed'), { timeout: '5 minutes' })
        expect(conditionOf(job, 'Failed')).toMatchObject({ status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' })
        expect(job.status?.startTime).toBe(started.status?.startTime)
        const failedAfter = millisOf(conditionOf(job, 'Failed')?.lastTransitionTime) - startTime
        expect(failedAfter).toBeGreaterThanOrEqual(30_000)
        expect(failedAfter).toBeLessThan(30_000 + SLACK_MS)
        expect(job.status).toMatchObject({ active: 0, failed: 0, succeeded: 0 })
        expect(yield* w.pods('quota')).toHaveLength(0)
        const reasons = (yield* w.events('quota')).map((event) => event.reason)
        expect(reasons).toContain('FailedCreate')
        expect(reasons).toContain('DeadlineExceeded')
      }),
    ),
  )

  it.effect('R161 R86: once the quota frees up the retried sync creates the pod; startTime stays the first sync\'s', () => {
    const refusals: Refusals = { createPodAfter: 0 }
    return withRefusals(refusals, (w) =>
      Effect.gen(function* () {
        yield* w.create(jobManifest('later', { completions: 1 }))
        const started = yield* w.waitForJob('later', (job) => job.status?.startTime !== undefined)
        yield* w.pass('20 seconds')
        expect(yield* w.pods('later')).toHaveLength(0)
        expect((yield* w.job('later')).status?.startTime).toBe(started.status?.startTime)

        refusals.createPodAfter = undefined
        const liftedAt = yield* w.now
        const [pod] = yield* w.waitForActive('later', 1, { timeout: '2 minutes' })
        // The retry back-off doubles from 1 s (R161): after 20 s of refusals the next retry is at most 16 s away.
        expect(millisOf(pod!.metadata.creationTimestamp) - liftedAt).toBeLessThan(16_000 + SLACK_MS)
        const job = yield* w.waitForJob('later', (j) => j.status?.active === 1)
        expect(job.status?.startTime).toBe(started.status?.startTime)
      }),
    )
  })

  it.effect('R89 R111: past its deadline with the pod DELETE refused, FailureTarget is stored before the DELETE, and the Job does not finish until the DELETE goes through', () => {
    const refusals: Refusals = { deletePod: true }
    return withRefusals(refusals, (w) =>
      Effect.gen(function* () {
        yield* w.create(jobManifest('undeletable', { activeDeadlineSeconds: 10 }))
        yield* w.waitForActive('undeletable', 1)
        yield* w.pass('20 seconds')
        const stuck = yield* w.job('undeletable')
        // Stored before any pod is stopped for it (DIFFERENCES.md 6); upstream drops it while a DELETE fails.
        expect(conditionOf(stuck, 'FailureTarget')).toMatchObject({ status: 'True', reason: 'DeadlineExceeded' })
        expect(hasCondition(stuck, 'Failed')).toBe(false)
        expect(stuck.status).toMatchObject({ active: 1, terminating: 0 })
        expect((yield* w.events('undeletable')).map((event) => event.reason)).toContain('FailedDelete')

        refusals.deletePod = false
        const job = yield* w.waitForJob('undeletable', (j) => hasCondition(j, 'Failed'), { timeout: '2 minutes' })
        expect(conditionOf(job, 'Failed')).toMatchObject({ reason: 'DeadlineExceeded' })
        expect(yield* w.activePods('undeletable')).toHaveLength(0)
      }),
    )
  })

  it.effect('R112.4: a failed pod whose finalizer cannot be removed is recorded as uncounted, then counted once removals go through', () => {
    const refusals: Refusals = {}
    return withRefusals(refusals, (w) =>
      Effect.gen(function* () {
        yield* w.create(jobManifest('sticky', { completions: 1, backoffLimit: 0 }), () => ({ outcome: { after: '1 second', result: 'Failed', exitCode: 1 } }))
        const [first] = yield* w.waitForActive('sticky', 1)
        refusals.finalizerRemoval = true
        const recorded = yield* w.waitForJob('sticky', (job) => (job.status?.uncountedTerminatedPods?.failed ?? []).includes(first!.metadata.uid ?? ''))
        expect(recorded.status?.failed).toBe(0)
        expect(hasCondition(recorded, 'FailureTarget')).toBe(true)
        expect(hasCondition(recorded, 'Failed')).toBe(false)
        yield* w.pass('10 seconds')
        expect(hasCondition(yield* w.job('sticky'), 'Failed')).toBe(false)

        refusals.finalizerRemoval = false
        const failed = yield* w.waitForJob('sticky', (job) => hasCondition(job, 'Failed'), { timeout: '2 minutes' })
        expect(failed.status).toMatchObject({ failed: 1, uncountedTerminatedPods: {} })
        const types = (failed.status?.conditions ?? []).map((c) => c.type)
        expect(types).toEqual(['FailureTarget', 'Failed'])
      }),
    )
  })
})
