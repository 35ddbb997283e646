/** Terminal jobs stay terminal, terminal conditions wait for pods, several jobs, controller restarts. */
import { Effect } from 'effect'
import { expect } from 'vitest'
import { succeedAfter } from '../../adapters/runtimes/scripted/ScriptedRuntime.js'
import type { Pod } from '../../core/model/types.js'
import { TRACKING_FINALIZER } from '../../core/model/wellKnown.js'
import { conditionOf, controlsTheController, hasCondition, isFinishedJob, jobManifest, keyOf, mainContainer, scenario } from '../toolkit.js'
import type { Scenario } from '../toolkit.js'

export const robustness: ReadonlyArray<Scenario> = [
  scenario('R79 R163 R115: a finished job stays finished when a pod of it appears and fails later', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('final'), succeedAfter('5 seconds'))
      const finished = yield* w.waitForJob('final', (j) => hasCondition(j, 'Complete'))
      // A late pod of the job (as a stale client might create): owned, labelled, tracked.
      const late: Pod = {
        metadata: {
          generateName: 'final-',
          namespace: w.namespace,
          labels: finished.spec.template.metadata?.labels ?? {},
          ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'final', uid: finished.metadata.uid!, controller: true, blockOwnerDeletion: true }],
          finalizers: [TRACKING_FINALIZER],
        },
        spec: { containers: [mainContainer], restartPolicy: 'Never' },
      }
      const created = yield* w.store.createPod(late)
      yield* w.eventually(Effect.flatMap(w.store.getPod(keyOf(created)), (p) => (p.status?.phase === 'Running' ? Effect.void : Effect.fail('not running'))))
      yield* w.kubelet.fail(keyOf(created), { exitCode: 1 })
      if (!w.externalController) {
        // Ours releases the late pod's finalizer at once; upstream only once the pod is deleted
        // or the Job changes (conformance/DIFFERENCES.md).
        yield* w.eventually(
          Effect.flatMap(w.store.getPod(keyOf(created)), (p) =>
            (p.metadata.finalizers ?? []).includes(TRACKING_FINALIZER) ? Effect.fail('still tracked') : Effect.void,
          ),
        )
      }
      yield* w.pass('5 minutes')
      const after = yield* w.job('final')
      expect(after.status).toEqual(finished.status)
      expect((yield* w.events('final')).filter((e) => e.reason === 'SuccessfulCreate')).toHaveLength(1)
      expect(yield* w.activePods('final')).toHaveLength(0)
      // The finalizer never holds the late pod: deleted, it goes.
      yield* w.store.deletePod(keyOf(created))
      yield* w.eventually(
        Effect.flatMap(Effect.either(w.store.getPod(keyOf(created))), (found) => (found._tag === 'Left' ? Effect.void : Effect.fail('late pod still there'))),
      )
    }),
  ),

  scenario('R112 R114 R144: the Failed condition waits until the stopped pods have terminated; FailureTarget comes first', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('linger', { completions: 2, parallelism: 2, backoffLimit: 0 }), () => ({ holdTermination: true }))
      const pods = yield* w.waitForActive('linger', 2)
      yield* w.kubelet.fail(keyOf(pods[0]!))
      let job = yield* w.waitForJob('linger', (j) => hasCondition(j, 'FailureTarget'))
      expect(conditionOf(job, 'FailureTarget')).toMatchObject({ reason: 'BackoffLimitExceeded' })
      job = yield* w.waitForJob('linger', (j) => j.status?.terminating === 1)
      expect(hasCondition(job, 'Failed')).toBe(false)
      expect(job.status?.active).toBe(0)
      yield* w.pass('2 minutes')
      job = yield* w.job('linger')
      expect(hasCondition(job, 'Failed')).toBe(false)
      expect(job.status?.terminating).toBe(1)
      yield* w.kubelet.finishTermination(keyOf(pods[1]!))
      job = yield* w.waitForJob('linger', (j) => hasCondition(j, 'Failed'))
      expect(conditionOf(job, 'Failed')).toMatchObject({ reason: 'BackoffLimitExceeded' })
      expect(job.status).toMatchObject({ failed: 2, active: 0, terminating: 0 })
      // The interim condition stays next to the terminal one.
      expect(hasCondition(job, 'FailureTarget')).toBe(true)
    }),
  ),

  scenario('R67 R162: two jobs in one namespace run side by side and each counts only its own pods', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('left', { completions: 3, parallelism: 2 }), succeedAfter('10 seconds'))
      yield* w.create(jobManifest('right', { completions: 2, parallelism: 2, backoffLimit: 5 }), (p) =>
        p.attempt === 0 ? { outcome: { after: '3 seconds', result: 'Failed' } } : { outcome: { after: '10 seconds', result: 'Succeeded' } },
      )
      const left = yield* w.waitForJob('left', (j) => hasCondition(j, 'Complete'))
      const right = yield* w.waitForJob('right', (j) => hasCondition(j, 'Complete'))
      expect(left.status).toMatchObject({ succeeded: 3 })
      expect(left.status?.failed ?? 0).toBe(0)
      expect(right.status).toMatchObject({ succeeded: 2, failed: 1 })
      for (const pod of yield* w.pods('left')) expect(pod.metadata.ownerReferences?.[0]?.uid).toBe(left.metadata.uid)
      for (const pod of yield* w.pods('right')) expect(pod.metadata.ownerReferences?.[0]?.uid).toBe(right.metadata.uid)
      expect(w.recording('left').created).toHaveLength(3)
      expect(w.recording('right').created).toHaveLength(3)
    }),
    { backoffPeriods: 1 },
  ),

  scenario('R77 R8 R112: a controller restart mid-job loses nothing: pods finished while it was down are counted exactly once', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('restart', { completions: 4, parallelism: 2, backoffLimit: 5 }))
      const first = yield* w.waitForActive('restart', 2)
      yield* w.kubelet.succeed(keyOf(first[0]!))
      yield* w.waitForJob('restart', (j) => j.status?.succeeded === 1 && j.status.active === 2)
      const running = yield* w.activePods('restart')
      yield* w.stopController
      // While no controller runs: one pod succeeds, one fails.
      yield* w.kubelet.succeed(keyOf(running[0]!))
      yield* w.kubelet.fail(keyOf(running[1]!), { exitCode: 2 })
      yield* w.pass('1 minute')
      let job = yield* w.job('restart')
      expect(job.status?.succeeded).toBe(1)
      expect(w.recording('restart').created).toHaveLength(3)
      yield* w.startController
      job = yield* w.waitForJob('restart', (j) => j.status?.succeeded === 2 && j.status.failed === 1)
      const fresh = yield* w.waitForActive('restart', 2)
      for (const pod of fresh) yield* w.kubelet.succeed(keyOf(pod))
      job = yield* w.waitForJob('restart', (j) => hasCondition(j, 'Complete'))
      expect(job.status).toMatchObject({ succeeded: 4, failed: 1, active: 0 })
      expect(w.recording('restart').created).toHaveLength(5)
      expect(Math.max(...w.recording('restart').versions.map((v) => v.status?.succeeded ?? 0))).toBe(4)
      expect(Math.max(...w.recording('restart').versions.map((v) => v.status?.failed ?? 0))).toBe(1)
    }),
    { requires: controlsTheController, backoffPeriods: 1 },
  ),

  scenario('R77 R79: a controller restarted after the job finished leaves it and its pods alone', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('after', { completions: 2, parallelism: 2 }), succeedAfter('5 seconds'))
      const finished = yield* w.waitForJob('after', (j) => hasCondition(j, 'Complete'))
      yield* w.stopController
      yield* w.startController
      yield* w.pass('5 minutes')
      const job = yield* w.job('after')
      expect(job.status).toEqual(finished.status)
      expect(isFinishedJob(job)).toBe(true)
      expect(w.recording('after').created).toHaveLength(2)
    }),
    { requires: controlsTheController },
  ),
]
