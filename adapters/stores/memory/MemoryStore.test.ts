import { describe, expect, it } from '@effect/vitest'
import { Chunk, Effect, Layer, Stream, TestClock } from 'effect'
import type { Job } from '../../../core/model/types.js'
import { JobStore } from '../../ports/JobStore.js'
import type { JobStoreService } from '../../ports/JobStore.js'
import * as MemoryStore from './MemoryStore.js'

const ns = 'ns'
const key = (name: string) => ({ namespace: ns, name })

/** The documentation's `pi` Job, as `kubectl create -f` sends it. */
const manifest = (name = 'pi', spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: ns, ...metadata },
  spec: {
    backoffLimit: 4,
    template: {
      spec: {
        containers: [{ name: 'pi', image: 'perl:5.34.0', command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'] }],
        restartPolicy: 'Never',
      },
    },
    ...spec,
  },
})

const withParallelism = (job: Job, parallelism: number): Job => ({ ...job, spec: { ...job.spec, parallelism } })

const gone = (store: JobStoreService, name: string) => Effect.map(Effect.flip(store.getJob(key(name))), (e) => e._tag)

describe('MemoryStore jobs', () => {
  it.effect('MemoryStore.layer provides the JobStore port', () =>
    Effect.gen(function* () {
      const store = yield* JobStore
      const created = yield* store.createJob(manifest())
      expect((yield* store.getJob(key('pi'))).metadata.uid).toBe(created.metadata.uid)
    }).pipe(Effect.provide(MemoryStore.layer)),
  )

  it.effect('each layer build is a new, empty store', () =>
    Effect.gen(function* () {
      const count = Effect.map(
        Effect.flatMap(JobStore, (store) => store.listJobs()),
        (list) => list.items.length,
      )
      const program = Effect.flatMap(JobStore, (store) => store.createJob(manifest())).pipe(Effect.zipRight(count))
      expect(yield* Effect.provide(program, MemoryStore.layer)).toBe(1)
      expect(yield* Effect.provide(count, Layer.fresh(MemoryStore.layer))).toBe(0)
    }),
  )

  it.effect('R27: createJob assigns uid, creationTimestamp, resourceVersion and generation 1, and clears the status', () =>
    Effect.gen(function* () {
      yield* TestClock.adjust('1 hour')
      const store = yield* MemoryStore.make
      const created = yield* store.createJob({ ...manifest(), status: { succeeded: 5, active: 2 } })
      expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/)
      expect(created.metadata.creationTimestamp).toBe('1970-01-01T01:00:00Z')
      expect(created.metadata.generation).toBe(1)
      expect(created.metadata.resourceVersion).toMatch(/^\d+$/)
      expect(created.status ?? {}).toEqual({})
      expect(yield* store.getJob(key('pi'))).toEqual(created)
    }),
  )

  it.effect('R18–R25, R28: createJob defaults the spec and generates the selector and template labels from the uid', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      const created = yield* store.createJob(manifest())
      const uid = created.metadata.uid ?? ''
      expect(created.spec).toMatchObject({
        parallelism: 1,
        completions: 1,
        backoffLimit: 4,
        completionMode: 'NonIndexed',
        suspend: false,
        manualSelector: false,
        podReplacementPolicy: 'TerminatingOrFailed',
      })
      expect(created.spec.selector).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': uid } })
      expect(created.spec.template.metadata?.labels).toEqual({
        'batch.kubernetes.io/controller-uid': uid,
        'batch.kubernetes.io/job-name': 'pi',
        'controller-uid': uid,
        'job-name': 'pi',
      })
      // R26: the Job's own labels default from the template's.
      expect(created.metadata.labels).toEqual(created.spec.template.metadata?.labels)
    }),
  )

  it.effect('R29: with manualSelector nothing is generated', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      const template = { ...manifest().spec.template, metadata: { labels: { app: 'pi' } } }
      const created = yield* store.createJob(manifest('pi', { manualSelector: true, selector: { matchLabels: { app: 'pi' } }, template }))
      expect(created.spec.selector).toEqual({ matchLabels: { app: 'pi' } })
      expect(created.spec.template.metadata?.labels).toEqual({ app: 'pi' })
    }),
  )

  it.effect('R30, R34, R42: an invalid manifest is Invalid with every field error, and nothing is stored', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      const bad = manifest('pi', {
        parallelism: -1,
        template: { spec: { containers: [{ name: 'pi', image: 'perl' }], restartPolicy: 'Always' } },
      })
      const error = yield* Effect.flip(store.createJob(bad))
      expect(error._tag).toBe('Invalid')
      if (error._tag !== 'Invalid') return
      expect(error.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['spec.parallelism', 'spec.template.spec.restartPolicy']))
      expect(error.message).toMatch(/^Job\.batch "pi" is invalid: \[/)
      expect(error.message).toContain('spec.parallelism: Invalid value: -1: must be greater than or equal to 0')
      expect(error.message).toContain('spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"')
      expect((yield* store.listJobs()).items).toEqual([])
      expect((yield* store.listJobs()).resourceVersion).toBe('0')
    }),
  )

  it.effect('a body that cannot be decoded is refused with the API server message for it', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      const error = yield* Effect.flip(store.createJob(manifest('pi', { parallelism: 'two', surprise: true })))
      expect(error._tag).toBe('Invalid')
      expect(error.message).toMatch(/^Job in version "v1" cannot be handled as a Job: /)
      expect(error.message).toContain('unknown field "spec.surprise"')
      expect((yield* Effect.flip(store.createJob('not a job')))._tag).toBe('Invalid')
      expect((yield* store.listJobs()).items).toEqual([])
    }),
  )

  it.effect('createJob defaults the namespace to "default"', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      const { metadata: _m, ...rest } = manifest()
      const created = yield* store.createJob({ ...rest, metadata: { name: 'pi' } })
      expect(created.metadata.namespace).toBe('default')
      expect((yield* store.getJob({ namespace: 'default', name: 'pi' })).metadata.uid).toBe(created.metadata.uid)
    }),
  )

  it.effect('createJob with generateName draws the name as for pods', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      const created = yield* store.createJob(manifest('', {}, { generateName: 'pi-' }))
      expect(created.metadata.name).toMatch(/^pi-[bcdfghjklmnpqrstvwxz2456789]{5}$/)
    }),
  )

  it.effect('createJob with a taken name is AlreadyExists and changes nothing', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      const first = yield* store.createJob(manifest())
      const error = yield* Effect.flip(store.createJob(manifest('pi', { parallelism: 3 })))
      expect(error._tag).toBe('AlreadyExists')
      expect(error.message).toBe('jobs.batch "pi" already exists')
      expect(yield* store.getJob(key('pi'))).toEqual(first)
    }),
  )

  it.effect('getJob of a missing Job is NotFound', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      const error = yield* Effect.flip(store.getJob(key('nope')))
      expect(error.message).toBe('jobs.batch "nope" not found')
    }),
  )

  it.effect('listJobs filters by namespace and labels', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      yield* store.createJob(manifest('a', {}, { labels: { team: 'x' } }))
      yield* store.createJob(manifest('b', {}, { labels: { team: 'y' } }))
      yield* store.createJob(manifest('c', {}, { namespace: 'other', labels: { team: 'x' } }))
      expect((yield* store.listJobs()).items.map((j) => j.metadata.name)).toEqual(['a', 'b', 'c'])
      expect((yield* store.listJobs({ namespace: ns })).items.map((j) => j.metadata.name)).toEqual(['a', 'b'])
      const team = yield* store.listJobs({ labelSelector: { matchLabels: { team: 'x' } } })
      expect(team.items.map((j) => j.metadata.name)).toEqual(['a', 'c'])
    }),
  )

  describe('updateJob', () => {
    it.effect('R27: keeps the stored status and bumps generation only when the spec changes', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        const created = yield* store.createJob(manifest())
        const withStatus = yield* store.updateJobStatus(key('pi'), { active: 1, ready: 0 }, created.metadata.resourceVersion ?? '')
        const relabelled = yield* store.updateJob({
          ...withStatus,
          metadata: { ...withStatus.metadata, labels: { extra: 'yes' } },
          status: { active: 99 },
        })
        expect(relabelled.metadata.generation).toBe(1)
        expect(relabelled.metadata.labels).toMatchObject({ extra: 'yes' })
        expect(relabelled.status).toEqual({ active: 1, ready: 0 })
        const scaled = yield* store.updateJob(withParallelism(relabelled, 3))
        expect(scaled.spec.parallelism).toBe(3)
        expect(scaled.metadata.generation).toBe(2)
      }),
    )

    it.effect('a stale resourceVersion is a Conflict with the API server message, and changes nothing', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        const created = yield* store.createJob(manifest())
        const updated = yield* store.updateJob(withParallelism(created, 2))
        const error = yield* Effect.flip(store.updateJob(withParallelism(created, 5)))
        expect(error._tag).toBe('Conflict')
        expect(error.message).toBe(
          'Operation cannot be fulfilled on jobs.batch "pi": the object has been modified; please apply your changes to the latest version and try again',
        )
        expect(yield* store.getJob(key('pi'))).toEqual(updated)
      }),
    )

    it.effect('R59: uid, creationTimestamp and deletionTimestamp cannot be changed by an update', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        const created = yield* store.createJob(manifest())
        const error = yield* Effect.flip(store.updateJob({ ...created, metadata: { ...created.metadata, uid: 'other' } }))
        expect(error._tag).toBe('Invalid')
        expect(error.message).toContain('metadata.uid: Invalid value: "other": field is immutable')
        const kept = yield* store.updateJob({
          ...created,
          metadata: { ...created.metadata, creationTimestamp: '2000-01-01T00:00:00Z', deletionTimestamp: '2000-01-01T00:00:00Z' },
        })
        expect(kept.metadata.creationTimestamp).toBe(created.metadata.creationTimestamp)
        expect(kept.metadata.deletionTimestamp).toBeUndefined()
      }),
    )

    it.effect('R54: an immutable field cannot change; the stored Job stays as it was', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        const created = yield* store.createJob(manifest())
        const error = yield* Effect.flip(store.updateJob({ ...created, spec: { ...created.spec, completions: 3 } }))
        expect(error._tag).toBe('Invalid')
        if (error._tag !== 'Invalid') return
        expect(error.errors.map((e) => e.path)).toContain('spec.completions')
        expect(error.message).toContain('spec.completions: Invalid value: 3: field is immutable')
        expect(yield* store.getJob(key('pi'))).toEqual(created)
      }),
    )

    it.effect('an update that changes nothing keeps the resourceVersion', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        const created = yield* store.createJob(manifest())
        const same = yield* store.updateJob(created)
        expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion)
      }),
    )

    it.effect('an update of a missing Job is NotFound', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        const created = yield* store.createJob(manifest())
        yield* store.deleteJob(key('pi'), { propagationPolicy: 'Background' })
        expect((yield* Effect.flip(store.updateJob(created)))._tag).toBe('NotFound')
      }),
    )
  })

  describe('updateJobStatus', () => {
    it.effect('R27: replaces the status only, keeping spec and generation', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        const created = yield* store.createJob(manifest())
        const updated = yield* store.updateJobStatus(key('pi'), { active: 1, ready: 1, terminating: 0 }, created.metadata.resourceVersion ?? '')
        expect(updated.status).toEqual({ active: 1, ready: 1, terminating: 0 })
        expect(updated.spec).toEqual(created.spec)
        expect(updated.metadata.generation).toBe(1)
        expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion))
      }),
    )

    it.effect('R62: the failed counter cannot decrease; the refused write changes nothing', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        const created = yield* store.createJob(manifest())
        const failed = yield* store.updateJobStatus(key('pi'), { failed: 2, active: 1 }, created.metadata.resourceVersion ?? '')
        const error = yield* Effect.flip(store.updateJobStatus(key('pi'), { failed: 1, active: 1 }, failed.metadata.resourceVersion ?? ''))
        expect(error._tag).toBe('Invalid')
        expect(error.message).toBe('Job.batch "pi" is invalid: status.failed: Invalid value: 1: cannot decrease the failed counter')
        expect(yield* store.getJob(key('pi'))).toEqual(failed)
      }),
    )

    it.effect('R60, R66: negative counters and more ready than active pods are Invalid', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        const created = yield* store.createJob(manifest())
        const rv = created.metadata.resourceVersion ?? ''
        const negative = yield* Effect.flip(store.updateJobStatus(key('pi'), { active: -1 }, rv))
        expect(negative.message).toContain('status.active: Invalid value: -1: must be greater than or equal to 0')
        const ready = yield* Effect.flip(store.updateJobStatus(key('pi'), { active: 1, ready: 2 }, rv))
        expect(ready.message).toContain('status.ready: Invalid value: 2: cannot set more ready pods than active')
        expect(yield* store.getJob(key('pi'))).toEqual(created)
      }),
    )

    it.effect('a stale resourceVersion is a Conflict', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        const created = yield* store.createJob(manifest())
        yield* store.updateJob(withParallelism(created, 2))
        const error = yield* Effect.flip(store.updateJobStatus(key('pi'), { active: 1 }, created.metadata.resourceVersion ?? ''))
        expect(error._tag).toBe('Conflict')
        expect((yield* store.getJob(key('pi'))).status ?? {}).toEqual({})
      }),
    )
  })

  describe('deleteJob (R167)', () => {
    it.effect('R167: delete without propagation policy orphans the pods (orphan finalizer, deletionTimestamp)', () =>
      Effect.gen(function* () {
        yield* TestClock.adjust('2 minutes')
        const store = yield* MemoryStore.make
        yield* store.createJob(manifest())
        yield* store.deleteJob(key('pi'))
        const deleting = yield* store.getJob(key('pi'))
        expect(deleting.metadata.finalizers).toEqual(['orphan'])
        expect(deleting.metadata.deletionTimestamp).toBe('1970-01-01T00:02:00Z')
        expect(deleting.metadata.deletionGracePeriodSeconds).toBe(0)
        expect(deleting.metadata.generation).toBe(2)
        yield* store.removeJobFinalizer(key('pi'), 'orphan')
        expect(yield* gone(store, 'pi')).toBe('NotFound')
      }),
    )

    it.effect('R167: Background removes the Job at once and leaves its pods for the garbage collector', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        const job = yield* store.createJob(manifest())
        const owner = { apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: job.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }
        yield* store.createPod({ metadata: { name: 'pi-abcde', namespace: ns, ownerReferences: [owner] }, spec: { containers: [] } })
        yield* store.deleteJob(key('pi'), { propagationPolicy: 'Background' })
        expect(yield* gone(store, 'pi')).toBe('NotFound')
        const orphan = yield* store.getPod(key('pi-abcde'))
        expect(orphan.metadata.ownerReferences).toEqual([owner])
      }),
    )

    it.effect('R167: Foreground marks the Job with the foregroundDeletion finalizer; it goes when the GC removes it', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        yield* store.createJob(manifest())
        yield* store.deleteJob(key('pi'), { propagationPolicy: 'Foreground' })
        const deleting = yield* store.getJob(key('pi'))
        expect(deleting.metadata.finalizers).toEqual(['foregroundDeletion'])
        expect(deleting.metadata.deletionTimestamp).toBeDefined()
        // A repeat DELETE changes nothing.
        yield* store.deleteJob(key('pi'), { propagationPolicy: 'Foreground' })
        expect(yield* store.getJob(key('pi'))).toEqual(deleting)
        // Removing a finalizer the Job does not have changes nothing either.
        yield* store.removeJobFinalizer(key('pi'), 'orphan')
        expect(yield* store.getJob(key('pi'))).toEqual(deleting)
        yield* store.removeJobFinalizer(key('pi'), 'foregroundDeletion')
        expect(yield* gone(store, 'pi')).toBe('NotFound')
      }),
    )

    it.effect('a Job with its own finalizer stays after a Background delete until that finalizer goes', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        yield* store.createJob(manifest('pi', {}, { finalizers: ['example.com/keep'] }))
        yield* store.deleteJob(key('pi'), { propagationPolicy: 'Background' })
        const deleting = yield* store.getJob(key('pi'))
        expect(deleting.metadata.finalizers).toEqual(['example.com/keep'])
        expect(deleting.metadata.deletionTimestamp).toBeDefined()
        // The update path honours finalizers too: dropping the last one deletes the Job.
        yield* store.updateJob({ ...deleting, metadata: { ...deleting.metadata, finalizers: [] } })
        expect(yield* gone(store, 'pi')).toBe('NotFound')
      }),
    )

    it.effect('no finalizer can be added to a Job being deleted', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        yield* store.createJob(manifest())
        yield* store.deleteJob(key('pi'), { propagationPolicy: 'Orphan' })
        const deleting = yield* store.getJob(key('pi'))
        const error = yield* Effect.flip(
          store.updateJob({ ...deleting, metadata: { ...deleting.metadata, finalizers: ['orphan', 'example.com/late'] } }),
        )
        expect(error._tag).toBe('Invalid')
        expect(error.message).toContain('metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted')
      }),
    )

    it.effect('R165: a uid precondition that does not match is a Conflict', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        yield* store.createJob(manifest())
        const error = yield* Effect.flip(store.deleteJob(key('pi'), { propagationPolicy: 'Foreground', preconditionUid: 'old-uid' }))
        expect(error._tag).toBe('Conflict')
        expect((yield* store.getJob(key('pi'))).metadata.deletionTimestamp).toBeUndefined()
      }),
    )

    it.effect('deleting a missing Job is NotFound', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        expect((yield* Effect.flip(store.deleteJob(key('pi'))))._tag).toBe('NotFound')
        expect((yield* Effect.flip(store.removeJobFinalizer(key('pi'), 'orphan')))._tag).toBe('NotFound')
      }),
    )
  })

  describe('watchJobs', () => {
    it.effect('reports create, update, status and delete in order, replayed from a resourceVersion', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        const { resourceVersion } = yield* store.listJobs()
        const created = yield* store.createJob(manifest())
        const updated = yield* store.updateJob(withParallelism(created, 2))
        yield* store.updateJobStatus(key('pi'), { active: 2 }, updated.metadata.resourceVersion ?? '')
        yield* store.deleteJob(key('pi'), { propagationPolicy: 'Background' })
        const events = Chunk.toReadonlyArray(yield* store.watchJobs({ resourceVersion }).pipe(Stream.take(4), Stream.runCollect))
        expect(events.map((e) => e.type)).toEqual(['Added', 'Modified', 'Modified', 'Deleted'])
        expect(events[0]).toEqual({ type: 'Added', object: created })
      }),
    )
  })

  describe('events', () => {
    const event = (reason: string, message: string) => ({
      namespace: ns,
      involvedObject: { kind: 'Job' as const, name: 'pi', uid: 'u1' },
      type: 'Normal' as const,
      reason,
      message,
      source: 'job-controller',
    })

    const at = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')
    const created = (reason: string, message: string, seconds = 0) => ({ ...event(reason, message), firstTimestamp: at(seconds), lastTimestamp: at(seconds), count: 1 })

    it.effect('R156: an event is created with a name of its own, and a patch changes its count, lastTimestamp and message (client-go\'s sink)', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        const first = yield* store.createEvent(created('SuccessfulCreate', 'Created pod: pi-a'))
        expect(first.name).toMatch(/^pi\.[0-9a-f]+$/)
        yield* TestClock.adjust('1 second')
        const second = yield* store.createEvent(created('SuccessfulDelete', 'Deleted pod: pi-a', 1))
        expect(second.name).not.toBe(first.name)
        yield* TestClock.adjust('1 second')
        yield* store.patchEvent({ namespace: ns, name: first.name }, { count: 2, lastTimestamp: at(2), message: 'Created pod: pi-b' })
        yield* store.createEvent({ ...created('Completed', 'Job completed', 2), involvedObject: { kind: 'Job', name: 'other', uid: 'u2' } })
        const listed = yield* store.listEvents({ namespace: ns, involvedObjectName: 'pi' })
        expect(listed.map((e) => [e.reason, e.message, e.count, e.firstTimestamp, e.lastTimestamp])).toEqual([
          ['SuccessfulDelete', 'Deleted pod: pi-a', 1, '1970-01-01T00:00:01Z', '1970-01-01T00:00:01Z'],
          ['SuccessfulCreate', 'Created pod: pi-b', 2, '1970-01-01T00:00:00Z', '1970-01-01T00:00:02Z'],
        ])
        expect((yield* store.listEvents({ namespace: ns })).map((e) => e.involvedObject.name)).toEqual(['pi', 'pi', 'other'])
        expect(yield* store.listEvents({ namespace: 'elsewhere' })).toEqual([])
      }),
    )

    it.effect('identical events created twice stay two events: counting is the recorder\'s job, as with the API server', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        yield* store.createEvent(created('SuccessfulCreate', 'Created pod: pi-a'))
        yield* store.createEvent(created('SuccessfulCreate', 'Created pod: pi-a'))
        expect((yield* store.listEvents({ namespace: ns })).map((e) => e.count)).toEqual([1, 1])
      }),
    )

    it.effect('events expire an hour after their last change, as with the API server default TTL; a patch of an expired one is NotFound', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        const old = yield* store.createEvent(created('SuccessfulCreate', 'Created pod: pi-a'))
        yield* TestClock.adjust('61 minutes')
        yield* store.createEvent(created('Completed', 'Job completed', 61 * 60))
        expect((yield* store.listEvents({ namespace: ns })).map((e) => e.reason)).toEqual(['Completed'])
        const patch = yield* Effect.either(store.patchEvent({ namespace: ns, name: old.name }, { count: 2, lastTimestamp: at(61 * 60), message: 'm' }))
        expect(patch._tag === 'Left' && patch.left._tag).toBe('NotFound')
      }),
    )
  })

  it.effect('returned Jobs are frozen snapshots', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      const input = manifest()
      const created = yield* store.createJob(input)
      input.spec.backoffLimit = 1
      expect(() => {
        ;(created.spec as { backoffLimit: number }).backoffLimit = 0
      }).toThrow(TypeError)
      expect((yield* store.getJob(key('pi'))).spec.backoffLimit).toBe(4)
    }),
  )
})
