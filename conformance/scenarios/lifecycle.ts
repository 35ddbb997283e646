/** TTL after finished, cascading and orphaning deletion, adoption and release, managedBy (§16, §17). */
import { Effect, Either } from 'effect'
import type { Duration } from 'effect'
import { expect } from 'vitest'
import { succeedAfter } from '../../adapters/runtimes/scripted/ScriptedRuntime.js'
import type { Job, Pod } from '../../core/model/types.js'
import { CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL, TRACKING_FINALIZER } from '../../core/model/wellKnown.js'
import { conditionOf, controllerOf, hasCondition, isActivePod, jobManifest, keyOf, mainContainer, millisOf, scenario } from '../toolkit.js'
import type { Scenario, World } from '../toolkit.js'

/** Waits until the Job is gone from the store and returns the time it was first seen gone. */
const waitGone = (w: World, name: string, timeout: Duration.DurationInput = '2 minutes') =>
  w.eventually(
    Effect.gen(function* () {
      const found = yield* Effect.either(w.job(name))
      if (Either.isRight(found)) return yield* Effect.fail(`job ${name} still exists`)
      expect(found.left).toMatchObject({ _tag: 'NotFound' })
      return yield* w.now
    }),
    { timeout },
  )

const waitNoPods = (w: World, jobName: string) =>
  w.eventually(Effect.flatMap(w.pods(jobName), (pods) => (pods.length === 0 ? Effect.void : Effect.fail(`${pods.length} pods remain`))))

/** A pod created directly in the store, as a user or another tool would. */
const strayPod = (w: World, name: string, labels: Record<string, string>, finalizers?: ReadonlyArray<string>): Pod => ({
  metadata: { name, namespace: w.namespace, labels, ...(finalizers !== undefined ? { finalizers } : {}) },
  spec: { containers: [mainContainer], restartPolicy: 'Never' },
})

const finishTime = (job: Job) => millisOf((conditionOf(job, 'Complete') ?? conditionOf(job, 'Failed'))?.lastTransitionTime)

export const lifecycle: ReadonlyArray<Scenario> = [
  scenario('R164 R165: a finished job with ttlSecondsAfterFinished 30 is deleted 30 s after it finished, its pods with it', (w) =>
    Effect.gen(function* () {
      const ttl = w.seconds(30)
      yield* w.create(jobManifest('ttl', { completions: 2, parallelism: 2, ttlSecondsAfterFinished: ttl }), succeedAfter('5 seconds'))
      const job = yield* w.waitForJob('ttl', (j) => hasCondition(j, 'Complete'))
      yield* w.pass('15 seconds')
      expect((yield* w.job('ttl')).metadata.deletionTimestamp).toBeUndefined()
      const goneAt = yield* waitGone(w, 'ttl')
      expect(goneAt - finishTime(job)).toBeGreaterThanOrEqual(ttl * 1000)
      expect(goneAt - finishTime(job)).toBeLessThan(ttl * 1000 + 3_000)
      yield* waitNoPods(w, 'ttl')
    }),
  ),

  scenario('R164: ttlSecondsAfterFinished 0 deletes a failed job as soon as it finishes', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('ttl0', { backoffLimit: 0, ttlSecondsAfterFinished: 0 }), () => ({
        outcome: { after: '5 seconds', result: 'Failed', exitCode: 1 },
      }))
      yield* w.waitForActive('ttl0', 1)
      const goneAt = yield* waitGone(w, 'ttl0')
      const versions = w.recording('ttl0').versions
      const finished = versions.find((v) => hasCondition(v, 'Failed'))
      expect(finished, 'the job was seen Failed before it went').toBeDefined()
      expect(goneAt - finishTime(finished!)).toBeLessThan(3_000)
      yield* waitNoPods(w, 'ttl0')
    }),
  ),

  scenario('R12 R164 R165: a finished job without TTL is kept; setting ttlSecondsAfterFinished later deletes it', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('ttl-late'), succeedAfter('1 second'))
      yield* w.waitForJob('ttl-late', (j) => hasCondition(j, 'Complete'))
      yield* w.pass('2 hours')
      const kept = yield* w.job('ttl-late')
      expect(kept.metadata.deletionTimestamp).toBeUndefined()
      yield* w.updateJob('ttl-late', (j) => ({ ...j, spec: { ...j.spec, ttlSecondsAfterFinished: w.seconds(60) } }))
      // The job finished two hours ago: it has expired already.
      yield* waitGone(w, 'ttl-late', '30 seconds')
    }),
  ),

  scenario('R167: Background deletion removes the job at once and the garbage collector deletes its pods', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('bg', { completions: 3, parallelism: 3 }))
      yield* w.waitForActive('bg', 3)
      yield* w.store.deleteJob({ namespace: w.namespace, name: 'bg' }, { propagationPolicy: 'Background' })
      const after = yield* Effect.either(w.job('bg'))
      expect(Either.isLeft(after) && after.left).toMatchObject({ _tag: 'NotFound' })
      yield* waitNoPods(w, 'bg')
    }),
  ),

  scenario('R167 R168: Foreground deletion keeps the job (deletionTimestamp) until its pods are gone', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('fg', { completions: 2, parallelism: 2 }), () => ({ holdTermination: true }))
      yield* w.waitForActive('fg', 2)
      yield* w.store.deleteJob({ namespace: w.namespace, name: 'fg' }, { propagationPolicy: 'Foreground' })
      const terminating = yield* w.eventually(
        Effect.flatMap(w.pods('fg'), (pods) =>
          pods.length === 2 && pods.every((p) => p.metadata.deletionTimestamp !== undefined) ? Effect.succeed(pods) : Effect.fail('pods not deleted yet'),
        ),
      )
      yield* w.pass('1 minute')
      const held = yield* w.job('fg')
      expect(held.metadata.deletionTimestamp).toBeDefined()
      expect(held.metadata.finalizers).toContain('foregroundDeletion')
      for (const pod of terminating) yield* w.kubelet.finishTermination(keyOf(pod))
      yield* waitGone(w, 'fg')
      yield* waitNoPods(w, 'fg')
    }),
  ),

  scenario('R167: Orphan deletion removes the job and leaves its pods running without owner reference or tracking finalizer', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('orphan', { completions: 2, parallelism: 2 }))
      const pods = yield* w.waitForActive('orphan', 2)
      yield* w.store.deleteJob({ namespace: w.namespace, name: 'orphan' }, { propagationPolicy: 'Orphan' })
      yield* waitGone(w, 'orphan')
      const released = yield* w.eventually(
        Effect.flatMap(w.pods('orphan'), (now) =>
          now.length === 2 && now.every((p) => (p.metadata.ownerReferences ?? []).length === 0 && !(p.metadata.finalizers ?? []).includes(TRACKING_FINALIZER))
            ? Effect.succeed(now)
            : Effect.fail('pods still owned or tracked'),
        ),
      )
      expect(released.map((p) => p.metadata.uid).sort()).toEqual(pods.map((p) => p.metadata.uid).sort())
      yield* w.pass('2 minutes')
      const later = yield* w.pods('orphan')
      expect(later).toHaveLength(2)
      for (const pod of later) {
        expect(isActivePod(pod)).toBe(true)
        expect(pod.status?.phase).toBe('Running')
      }
    }),
  ),

  scenario('R167: a DELETE without a propagation policy orphans the pods (the batch/v1 default)', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('default-delete'))
      yield* w.waitForActive('default-delete', 1)
      yield* w.store.deleteJob({ namespace: w.namespace, name: 'default-delete' })
      yield* waitGone(w, 'default-delete')
      const [pod] = yield* w.eventually(
        Effect.flatMap(w.pods('default-delete'), (pods) =>
          pods.length === 1 && (pods[0]!.metadata.ownerReferences ?? []).length === 0 ? Effect.succeed(pods) : Effect.fail('not orphaned yet'),
        ),
      )
      yield* w.pass('1 minute')
      expect(isActivePod(yield* w.store.getPod(keyOf(pod!)))).toBe(true)
    }),
  ),

  scenario('R29 R170 R171: a job with a manual selector adopts a matching orphan pod and counts it', (w) =>
    Effect.gen(function* () {
      const stray = yield* w.store.createPod(strayPod(w, 'stray', { app: 'adopt-me' }))
      yield* w.eventually(Effect.flatMap(w.store.getPod(keyOf(stray)), (p) => (p.status?.phase === 'Running' ? Effect.void : Effect.fail('not running'))))
      const job = yield* w.create(
        jobManifest('adopter', { completions: 2, parallelism: 2, manualSelector: true, selector: { matchLabels: { app: 'adopt-me' } } }, {
          templateLabels: { app: 'adopt-me' },
        }),
      )
      const adopted = yield* w.eventually(
        Effect.flatMap(w.store.getPod(keyOf(stray)), (p) => (controllerOf(p) !== undefined ? Effect.succeed(p) : Effect.fail('not adopted yet'))),
      )
      expect(controllerOf(adopted)).toMatchObject({ kind: 'Job', name: 'adopter', uid: job.metadata.uid, controller: true, blockOwnerDeletion: true })
      expect(adopted.metadata.finalizers).toContain(TRACKING_FINALIZER)
      // R171: adoption adds no selector labels.
      expect(adopted.metadata.labels).toEqual({ app: 'adopt-me' })
      const active = yield* w.waitForActive('adopter', 2)
      yield* w.pass('30 seconds')
      expect((yield* w.events('adopter')).filter((e) => e.reason === 'SuccessfulCreate')).toHaveLength(1)
      for (const pod of active) yield* w.kubelet.succeed(keyOf(pod))
      const done = yield* w.waitForJob('adopter', (j) => hasCondition(j, 'Complete'))
      expect(done.status?.succeeded).toBe(2)
      expect((yield* w.store.getPod(keyOf(stray))).metadata.finalizers ?? []).not.toContain(TRACKING_FINALIZER)
    }),
  ),

  scenario('R170 R28: a generated selector never adopts an orphan labelled for another job uid', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('picky'))
      yield* w.waitForActive('picky', 1)
      const other = '00000000-0000-4000-8000-000000000000'
      const stray = yield* w.store.createPod(
        strayPod(w, 'lookalike', {
          [JOB_NAME_LABEL]: 'picky',
          [LEGACY_JOB_NAME_LABEL]: 'picky',
          [CONTROLLER_UID_LABEL]: other,
          [LEGACY_CONTROLLER_UID_LABEL]: other,
        }),
      )
      yield* w.pass('2 minutes')
      const after = yield* w.store.getPod(keyOf(stray))
      expect(after.metadata.ownerReferences ?? []).toEqual([])
      expect(after.metadata.finalizers ?? []).toEqual([])
      expect((yield* w.job('picky')).status?.active).toBe(1)
    }),
  ),

  scenario('R115: a pod holding the tracking finalizer without any controller gets the finalizer removed', (w) =>
    Effect.gen(function* () {
      const pod = yield* w.store.createPod(strayPod(w, 'leftover', { app: 'nobody' }, [TRACKING_FINALIZER]))
      const released = yield* w.eventually(
        Effect.flatMap(w.store.getPod(keyOf(pod)), (p) =>
          (p.metadata.finalizers ?? []).includes(TRACKING_FINALIZER) ? Effect.fail('finalizer still there') : Effect.succeed(p),
        ),
      )
      expect(released.metadata.finalizers ?? []).toEqual([])
    }),
  ),

  scenario('R172 R78: a job managed by another controller gets no pods, no status and no events from this one', (w) =>
    Effect.gen(function* () {
      yield* w.create(jobManifest('foreign', { completions: 2, parallelism: 2, managedBy: 'example.com/other-controller' }))
      yield* w.pass('5 minutes')
      const job = yield* w.job('foreign')
      expect(job.spec.managedBy).toBe('example.com/other-controller')
      expect(job.status?.startTime).toBeUndefined()
      expect(job.status?.conditions ?? []).toEqual([])
      expect(job.status?.active ?? 0).toBe(0)
      expect(yield* w.pods('foreign')).toHaveLength(0)
      expect(yield* w.events('foreign')).toHaveLength(0)
    }),
  ),
]
