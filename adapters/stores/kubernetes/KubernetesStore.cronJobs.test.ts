/**
 * The Kubernetes store's CronJobs against a real kube-apiserver: the server's own defaults,
 * strict decoding's 400, conflicts, the status subresource, watches, and deletion (batch/v1's
 * default for a CronJob is `Background`). The messages are the ones the embedded stores imitate
 * (adapters/stores/store-kit/testing/cronJobStoreTests.ts asserts the same strings).
 */
import { Chunk, Effect, Stream } from 'effect'
import type { Scope } from 'effect'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CronJobStoreService } from '../../ports/CronJobStore.js'
import type { JobStoreService } from '../../ports/JobStore.js'
import { helloCronJob } from '../store-kit/testing/cronJobStoreTests.js'
import type { ControlPlane } from './testing/controlPlane.js'
import { startControlPlane } from './testing/controlPlane.js'
import * as KubernetesStore from './KubernetesStore.js'

let plane: ControlPlane
beforeAll(async () => {
  plane = await startControlPlane()
})
afterAll(() => plane?.stop())

let namespaces = 0
const withStore = <A, E>(body: (store: JobStoreService & CronJobStoreService, namespace: string) => Effect.Effect<A, E, Scope.Scope>): Promise<A> => {
  const namespace = `cronjobs-${++namespaces}`
  const config = { kubeconfigPath: plane.kubeconfigPath, namespace, qps: 100, burst: 200 }
  return Effect.runPromise(
    Effect.scoped(Effect.zipRight(KubernetesStore.ensureNamespace(config, namespace), Effect.flatMap(KubernetesStore.make(config), (store) => body(store, namespace)))),
  )
}

/** `helloCronJob` in the test's namespace. */
const hello = (namespace: string, name = 'hello', spec: Record<string, unknown> = {}): Record<string, unknown> => {
  const manifest = helloCronJob(name, spec)
  return { ...manifest, metadata: { ...(manifest['metadata'] as object), namespace } }
}

describe('KubernetesStore: CronJobs', () => {
  it('creates a CronJob the server defaults as the embedded stores do, reads, lists and says it shares a cluster', () =>
    withStore((store, ns) =>
      Effect.gen(function* () {
        const created = yield* store.createCronJob(hello(ns))
        expect(created.metadata).toMatchObject({ name: 'hello', namespace: ns, generation: 1 })
        expect(created.spec).toMatchObject({ schedule: '* * * * *', concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 })
        expect(yield* store.getCronJob({ namespace: ns, name: 'hello' })).toEqual(created)
        expect((yield* store.listCronJobs()).items.map((c) => c.metadata.name)).toEqual(['hello'])
        expect(store.clusterShared).toBe(true)
      }),
    ))

  it('maps 400 (strict decoding, same message as the embedded stores), 409 AlreadyExists, 404 and stale writes to Conflict', () =>
    withStore((store, ns) =>
      Effect.gen(function* () {
        const manifest = hello(ns)
        const undecodable = yield* Effect.flip(store.createCronJob({ ...manifest, spec: { ...(manifest['spec'] as object), schedul: '@daily' } }))
        expect(undecodable._tag).toBe('Invalid')
        expect(undecodable.message).toContain('strict decoding error: unknown field "spec.schedul"')
        const created = yield* store.createCronJob(manifest)
        expect(yield* Effect.flip(store.createCronJob(manifest))).toMatchObject({ _tag: 'AlreadyExists', kind: 'CronJob', message: 'cronjobs.batch "hello" already exists' })
        expect(yield* Effect.flip(store.getCronJob({ namespace: ns, name: 'nope' }))).toMatchObject({ _tag: 'NotFound', message: 'cronjobs.batch "nope" not found' })
        const written = yield* store.updateCronJobStatus({ namespace: ns, name: 'hello' }, { lastScheduleTime: '2026-01-01T00:01:00Z' }, created.metadata.resourceVersion ?? '')
        expect(written.status).toEqual({ lastScheduleTime: '2026-01-01T00:01:00Z' })
        const stale = yield* Effect.flip(store.updateCronJob({ ...created, spec: { ...created.spec, suspend: true } }))
        expect(stale).toMatchObject({ _tag: 'Conflict', kind: 'CronJob' })
        expect(stale.message).toContain('the object has been modified')
        const suspended = yield* store.updateCronJob({ ...written, spec: { ...written.spec, suspend: true } })
        expect(suspended.metadata.generation).toBe(2)
        expect(suspended.status).toEqual(written.status)
      }),
    ))

  it('watches from a resourceVersion; a DELETE without a policy removes the CronJob at once, Orphan leaves it marked', () =>
    withStore((store, ns) =>
      Effect.gen(function* () {
        const start = (yield* store.listCronJobs()).resourceVersion
        yield* store.createCronJob(hello(ns))
        yield* store.deleteCronJob({ namespace: ns, name: 'hello' })
        const events = yield* Stream.runCollect(Stream.take(store.watchCronJobs({ resourceVersion: start }), 2))
        expect(Chunk.toReadonlyArray(events).map((e) => (e.type === 'Bookmark' ? e.type : `${e.type} ${e.object.metadata.name}`))).toEqual(['Added hello', 'Deleted hello'])
        yield* store.createCronJob(hello(ns, 'kept'))
        yield* store.deleteCronJob({ namespace: ns, name: 'kept' }, { propagationPolicy: 'Orphan' })
        // No garbage collector runs here: the CronJob waits, marked, for one to release its Jobs.
        const marked = yield* store.getCronJob({ namespace: ns, name: 'kept' })
        expect(marked.metadata.deletionTimestamp).toBeDefined()
        expect(marked.metadata.finalizers).toEqual(['orphan'])
        yield* store.removeCronJobFinalizer({ namespace: ns, name: 'kept' }, 'orphan')
        expect(yield* Effect.flip(store.getCronJob({ namespace: ns, name: 'kept' }))).toMatchObject({ _tag: 'NotFound' })
      }),
    ))
})
