/** Finalizer tracking when pods vanish, and pod replacement policies (§8, §10.4). */
import { Effect } from 'effect'
import { expect } from 'vitest'
import { hasCondition, jobManifest, keyOf, scenario } from '../toolkit.js'
import type { Scenario, World } from '../toolkit.js'

const maxOver = (w: World, jobName: string, field: 'succeeded' | 'failed') =>
  Math.max(0, ...w.recording(jobName).versions.map((v) => v.status?.[field] ?? 0))

export const tracking: ReadonlyArray<Scenario> = [
  scenario('R108 R112 R73: succeeded pods whose objects are deleted right away are still counted exactly once', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('vanish', { completions: 2, parallelism: 2 }))
      const pods = yield* w.waitForActive('vanish', 2)
      for (const pod of pods) {
        yield* w.kubelet.succeed(keyOf(pod))
        yield* w.store.deletePod(keyOf(pod), { gracePeriodSeconds: 0 })
      }
      const job = yield* w.waitForJob('vanish', (j) => hasCondition(j, 'Complete'))
      expect(job.status?.succeeded).toBe(2)
      expect(job.status?.failed ?? 0).toBe(0)
      yield* w.eventually(Effect.flatMap(w.pods('vanish'), (left) => (left.length === 0 ? Effect.void : Effect.fail('pods remain'))))
      yield* w.pass('1 minute')
      expect(maxOver(w, 'vanish', 'succeeded')).toBe(2)
      expect(w.recording('vanish').created).toHaveLength(2)
    }),
  ),

  scenario('R71 R108 R73: a failed pod whose object is deleted right away is counted once and replaced', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('vanish-fail', { backoffLimit: 3 }))
      const [first] = yield* w.waitForActive('vanish-fail', 1)
      yield* w.kubelet.fail(keyOf(first!), { exitCode: 9 })
      yield* w.store.deletePod(keyOf(first!), { gracePeriodSeconds: 0 })
      const [second] = yield* w.eventually(
        Effect.flatMap(w.activePods('vanish-fail'), (pods) =>
          pods.length === 1 && pods[0]!.metadata.uid !== first!.metadata.uid ? Effect.succeed(pods) : Effect.fail('no replacement yet'),
        ),
      )
      yield* w.kubelet.succeed(keyOf(second!))
      const job = yield* w.waitForJob('vanish-fail', (j) => hasCondition(j, 'Complete'))
      expect(job.status).toMatchObject({ succeeded: 1, failed: 1 })
      expect(maxOver(w, 'vanish-fail', 'failed')).toBe(1)
      expect(w.recording('vanish-fail').created).toHaveLength(2)
    }),
    { backoffPeriods: 1 },
  ),

  scenario('R73 R85: deleting pods after they were counted changes no counter', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('settled', { completions: 3, parallelism: 3, backoffLimit: 5 }))
      const pods = yield* w.waitForActive('settled', 3)
      yield* w.kubelet.succeed(keyOf(pods[0]!))
      yield* w.kubelet.fail(keyOf(pods[1]!))
      yield* w.waitForJob('settled', (j) => j.status?.succeeded === 1 && j.status.failed === 1)
      yield* w.store.deletePod(keyOf(pods[0]!), { gracePeriodSeconds: 0 })
      yield* w.store.deletePod(keyOf(pods[1]!), { gracePeriodSeconds: 0 })
      yield* w.pass('1 minute')
      const job = yield* w.job('settled')
      expect(job.status).toMatchObject({ succeeded: 1, failed: 1 })
      expect(maxOver(w, 'settled', 'succeeded')).toBe(1)
      expect(maxOver(w, 'settled', 'failed')).toBe(1)
    }),
  ),

  scenario('R141 R69 R71: with TerminatingOrFailed a deleted running pod counts as failed at once and is replaced while it terminates', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('eager', { backoffLimit: 3 }), () => ({ holdTermination: true }))
      const [first] = yield* w.waitForActive('eager', 1)
      yield* w.eventually(Effect.flatMap(w.store.getPod(keyOf(first!)), (p) => (p.status?.phase === 'Running' ? Effect.void : Effect.fail('not running yet'))))
      yield* w.store.deletePod(keyOf(first!))
      let job = yield* w.waitForJob('eager', (j) => j.status?.failed === 1 && j.status.active === 1 && j.status.terminating === 1)
      expect(job.spec.podReplacementPolicy).toBe('TerminatingOrFailed')
      const all = yield* w.pods('eager')
      expect(all).toHaveLength(2)
      const old = all.find((p) => p.metadata.uid === first!.metadata.uid)!
      expect(old.metadata.deletionTimestamp).toBeDefined()
      expect(old.status?.phase).toBe('Running')
      yield* w.kubelet.finishTermination(keyOf(first!))
      const [replacement] = yield* w.waitForActive('eager', 1)
      yield* w.kubelet.succeed(keyOf(replacement!))
      job = yield* w.waitForJob('eager', (j) => hasCondition(j, 'Complete'))
      expect(job.status).toMatchObject({ succeeded: 1, failed: 1, terminating: 0 })
    }),
    { backoffPeriods: 1 },
  ),

  scenario('R142 R72 R97: with podReplacementPolicy Failed a deleted pod is replaced only once it has terminated', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('patient', { backoffLimit: 3, podReplacementPolicy: 'Failed' }), () => ({ holdTermination: true }))
      const [first] = yield* w.waitForActive('patient', 1)
      yield* w.store.deletePod(keyOf(first!))
      let job = yield* w.waitForJob('patient', (j) => j.status?.terminating === 1 && j.status.active === 0)
      yield* w.pass('2 minutes')
      job = yield* w.job('patient')
      expect(job.status).toMatchObject({ active: 0, terminating: 1 })
      expect(job.status?.failed ?? 0).toBe(0)
      expect(w.recording('patient').created).toHaveLength(1)
      yield* w.kubelet.finishTermination(keyOf(first!))
      job = yield* w.waitForJob('patient', (j) => j.status?.failed === 1 && j.status.active === 1)
      expect(job.status?.terminating).toBe(0)
      const [replacement] = yield* w.waitForActive('patient', 1)
      expect(replacement!.metadata.uid).not.toBe(first!.metadata.uid)
      yield* w.kubelet.succeed(keyOf(replacement!))
      job = yield* w.waitForJob('patient', (j) => hasCondition(j, 'Complete'))
      expect(job.status).toMatchObject({ succeeded: 1, failed: 1 })
    }),
    { backoffPeriods: 1 },
  ),
]
