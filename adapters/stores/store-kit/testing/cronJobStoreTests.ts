/**
 * The CronJob half of a store, checked the same way on every embedded backend (memory, file):
 * what the API server does for batch/v1 CronJobs, seen through the `CronJobStore` port.
 * Expected values are the API server's: defaults (`concurrencyPolicy: Allow`, `suspend: false`,
 * history limits 3 and 1), strict decoding's 400, 409s for stale writes, `cronjobs.batch`
 * messages, `Background` as the default propagation of a CronJob DELETE.
 */
import { describe, expect, it } from '@effect/vitest'
import { Chunk, Effect, Stream, TestClock } from 'effect'
import type { Scope } from 'effect'
import type { CronJob } from '../../../../core/index.js'
import type { CronJobStoreService } from '../../../ports/CronJobStore.js'
import type { JobStoreService } from '../../../ports/JobStore.js'

const ns = 'ns'
const key = (name: string) => ({ namespace: ns, name })

/** The documentation's `hello` CronJob, as `kubectl create -f` sends it. */
export function helloCronJob(name = 'hello', spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: ns, ...metadata },
    spec: {
      schedule: '* * * * *',
      jobTemplate: {
        spec: {
          template: {
            spec: {
              containers: [{ name: 'hello', image: 'busybox:1.28', imagePullPolicy: 'IfNotPresent', command: ['/bin/sh', '-c', 'date; echo Hello from the Kubernetes cluster'] }],
              restartPolicy: 'OnFailure',
            },
          },
        },
      },
      ...spec,
    },
  }
}

type Store = JobStoreService & CronJobStoreService

/** Registers the CronJob store tests for a backend; `make` opens a fresh, empty store. */
export function cronJobStoreTests(name: string, make: Effect.Effect<Store, unknown, Scope.Scope>): void {
  describe(`${name}: CronJobs`, () => {
    it.scoped('create assigns uid, creationTimestamp, resourceVersion and generation 1, applies the API defaults and clears the status', () =>
      Effect.gen(function* () {
        yield* TestClock.adjust('1 hour')
        const store = yield* make
        const created = yield* store.createCronJob({ ...helloCronJob(), status: { lastScheduleTime: '1970-01-01T00:00:00Z' } })
        expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/)
        expect(created.metadata.creationTimestamp).toBe('1970-01-01T01:00:00Z')
        expect(created.metadata.generation).toBe(1)
        expect(created.metadata.resourceVersion).toBeDefined()
        expect(created.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 })
        expect(created.status ?? {}).toEqual({})
        expect(yield* store.getCronJob(key('hello'))).toEqual(created)
        expect((yield* store.listCronJobs({ namespace: ns })).items.map((c) => c.metadata.name)).toEqual(['hello'])
      }),
    )

    it.scoped('create decodes strictly: an unknown field is refused with the API server’s 400 naming the field', () =>
      Effect.gen(function* () {
        const store = yield* make
        const manifest = helloCronJob()
        const error = yield* Effect.flip(store.createCronJob({ ...manifest, spec: { ...(manifest['spec'] as object), schedul: '@daily' } }))
        expect(error._tag).toBe('Invalid')
        expect(error.message).toBe('CronJob in version "v1" cannot be handled as a CronJob: strict decoding error: unknown field "spec.schedul"')
        expect((yield* store.listCronJobs()).items).toEqual([])
      }),
    )

    it.scoped('a second CronJob of the same name is AlreadyExists; a missing one is NotFound (cronjobs.batch)', () =>
      Effect.gen(function* () {
        const store = yield* make
        yield* store.createCronJob(helloCronJob())
        const exists = yield* Effect.flip(store.createCronJob(helloCronJob()))
        expect(exists._tag).toBe('AlreadyExists')
        expect(exists.message).toBe('cronjobs.batch "hello" already exists')
        const missing = yield* Effect.flip(store.getCronJob(key('nope')))
        expect(missing._tag).toBe('NotFound')
        expect(missing.message).toBe('cronjobs.batch "nope" not found')
      }),
    )

    it.scoped('updateCronJob: a stale resourceVersion is a Conflict; the status is kept; generation + 1 only when the spec changes', () =>
      Effect.gen(function* () {
        const store = yield* make
        const created = yield* store.createCronJob(helloCronJob())
        const withStatus = yield* store.updateCronJobStatus(key('hello'), { lastScheduleTime: '1970-01-01T00:01:00Z' }, created.metadata.resourceVersion ?? '')
        const stale = yield* Effect.flip(store.updateCronJob({ ...created, spec: { ...created.spec, suspend: true } }))
        expect(stale._tag).toBe('Conflict')
        expect(stale.message).toBe(
          'Operation cannot be fulfilled on cronjobs.batch "hello": the object has been modified; please apply your changes to the latest version and try again',
        )
        const labelled = yield* store.updateCronJob({ ...withStatus, metadata: { ...withStatus.metadata, labels: { team: 'a' } } })
        expect(labelled.metadata.generation).toBe(1)
        const suspended = yield* store.updateCronJob({ ...labelled, spec: { ...labelled.spec, suspend: true }, status: {} })
        expect(suspended.metadata.generation).toBe(2)
        expect(suspended.spec.suspend).toBe(true)
        expect(suspended.status).toEqual({ lastScheduleTime: '1970-01-01T00:01:00Z' })
      }),
    )

    it.scoped('updateCronJobStatus: a stale resourceVersion is a Conflict; only the status changes; the same status again writes nothing', () =>
      Effect.gen(function* () {
        const store = yield* make
        const created = yield* store.createCronJob(helloCronJob())
        const status = { active: [{ kind: 'Job', apiVersion: 'batch/v1', namespace: ns, name: 'hello-1', uid: 'u1' }], lastScheduleTime: '1970-01-01T00:01:00Z' }
        const written = yield* store.updateCronJobStatus(key('hello'), status, created.metadata.resourceVersion ?? '')
        expect(written.status).toEqual(status)
        expect(written.spec).toEqual(created.spec)
        expect(written.metadata.generation).toBe(1)
        const stale = yield* Effect.flip(store.updateCronJobStatus(key('hello'), {}, created.metadata.resourceVersion ?? ''))
        expect(stale._tag).toBe('Conflict')
        const again = yield* store.updateCronJobStatus(key('hello'), status, written.metadata.resourceVersion ?? '')
        expect(again.metadata.resourceVersion).toBe(written.metadata.resourceVersion)
      }),
    )

    it.scoped('watchCronJobs replays from a resourceVersion: Added, Modified, Deleted, in order', () =>
      Effect.gen(function* () {
        const store = yield* make
        const start = (yield* store.listCronJobs()).resourceVersion
        const created = yield* store.createCronJob(helloCronJob())
        yield* store.updateCronJobStatus(key('hello'), { lastScheduleTime: '1970-01-01T00:01:00Z' }, created.metadata.resourceVersion ?? '')
        yield* store.deleteCronJob(key('hello'))
        const events = yield* Stream.runCollect(Stream.take(store.watchCronJobs({ namespace: ns, resourceVersion: start }), 3))
        expect(Chunk.toReadonlyArray(events).map((e) => (e.type === 'Bookmark' ? e.type : `${e.type} ${e.object.metadata.name}`))).toEqual([
          'Added hello',
          'Modified hello',
          'Deleted hello',
        ])
      }),
    )

    it.scoped('a DELETE without a policy is Background (batch/v1’s default for CronJobs): the CronJob goes at once', () =>
      Effect.gen(function* () {
        const store = yield* make
        yield* store.createCronJob(helloCronJob())
        yield* store.deleteCronJob(key('hello'))
        expect((yield* Effect.flip(store.getCronJob(key('hello'))))._tag).toBe('NotFound')
      }),
    )

    it.scoped('Orphan and Foreground mark the CronJob with their finalizer; removing it finishes the deletion', () =>
      Effect.gen(function* () {
        const store = yield* make
        for (const [name, policy, finalizer] of [
          ['orphaned', 'Orphan', 'orphan'],
          ['foreground', 'Foreground', 'foregroundDeletion'],
        ] as const) {
          yield* store.createCronJob(helloCronJob(name))
          yield* store.deleteCronJob(key(name), { propagationPolicy: policy })
          const marked: CronJob = yield* store.getCronJob(key(name))
          expect(marked.metadata.deletionTimestamp).toBeDefined()
          expect(marked.metadata.finalizers).toEqual([finalizer])
          yield* store.removeCronJobFinalizer(key(name), finalizer)
          expect((yield* Effect.flip(store.getCronJob(key(name))))._tag).toBe('NotFound')
        }
      }),
    )

    it.scoped('a uid precondition that does not match is a Conflict and deletes nothing', () =>
      Effect.gen(function* () {
        const store = yield* make
        yield* store.createCronJob(helloCronJob())
        const error = yield* Effect.flip(store.deleteCronJob(key('hello'), { preconditionUid: 'someone-else' }))
        expect(error._tag).toBe('Conflict')
        expect((yield* store.getCronJob(key('hello'))).metadata.name).toBe('hello')
      }),
    )
  })
}
