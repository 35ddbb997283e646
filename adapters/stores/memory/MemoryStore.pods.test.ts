import { describe, expect, it } from '@effect/vitest'
import { Chunk, Deferred, Effect, Either, Fiber, Stream, TestClock } from 'effect'
import type { Pod } from '../../../core/model/types.js'
import type { WatchEvent } from '../../ports/JobStore.js'
import * as MemoryStore from './MemoryStore.js'

const ns = 'ns'
const key = (name: string) => ({ namespace: ns, name })

const pod = (name: string, extra: Partial<Pod['metadata']> = {}, spec: Partial<Pod['spec']> = {}): Pod => ({
  metadata: { name, namespace: ns, ...extra },
  spec: { containers: [{ name: 'main', image: 'busybox' }], restartPolicy: 'Never', ...spec },
})

const names = (events: ReadonlyArray<WatchEvent<Pod>>) =>
  events.map((e) => (e.type === 'Bookmark' ? 'Bookmark' : `${e.type} ${e.object.metadata.name}`))

describe('MemoryStore pods', () => {
  it.effect('createPod assigns uid, creationTimestamp, resourceVersion and a Pending status', () =>
    Effect.gen(function* () {
      yield* TestClock.adjust('90 seconds')
      const store = yield* MemoryStore.make
      const created = yield* store.createPod(pod('a'))
      expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/)
      expect(created.metadata.creationTimestamp).toBe('1970-01-01T00:01:30Z')
      expect(created.metadata.resourceVersion).toMatch(/^\d+$/)
      expect(created.status?.phase).toBe('Pending')
      expect(created.apiVersion).toBe('v1')
      expect(yield* store.getPod(key('a'))).toEqual(created)
    }),
  )

  it.effect('createPod defaults the namespace to "default"', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      const created = yield* store.createPod({ metadata: { name: 'a' }, spec: { containers: [] } })
      expect(created.metadata.namespace).toBe('default')
    }),
  )

  it.effect('R104: generateName gets five characters of the API server alphabet', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      const created = yield* store.createPod(pod('', { generateName: 'pi-' }))
      expect(created.metadata.name).toMatch(/^pi-[bcdfghjklmnpqrstvwxz2456789]{5}$/)
      expect(created.metadata.generateName).toBe('pi-')
    }),
  )

  it.effect('R105: a generateName prefix is cut to 58 characters before the suffix', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      const prefix = 'x'.repeat(70)
      const created = yield* store.createPod(pod('', { generateName: prefix }))
      expect(created.metadata.name?.length).toBe(63)
      expect(created.metadata.name?.startsWith('x'.repeat(58))).toBe(true)
      expect(created.metadata.name?.slice(58)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{5}$/)
    }),
  )

  it.effect('createPod with a taken name fails with AlreadyExists and changes nothing', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      const first = yield* store.createPod(pod('a'))
      const error = yield* Effect.flip(store.createPod(pod('a', { labels: { other: 'yes' } })))
      expect(error._tag).toBe('AlreadyExists')
      expect(error.message).toBe('pods "a" already exists')
      expect(yield* store.getPod(key('a'))).toEqual(first)
    }),
  )

  it.effect('createPod without name or generateName is Invalid', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      const error = yield* Effect.flip(store.createPod(pod('')))
      expect(error._tag).toBe('Invalid')
      expect(error.message).toBe('Pod "" is invalid: metadata.name: Required value: name or generateName is required')
      expect((yield* store.listPods()).items).toEqual([])
    }),
  )

  it.effect('createPod ignores deletion fields and a resourceVersion in the request', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      const created = yield* store.createPod(
        pod('a', { deletionTimestamp: '2020-01-01T00:00:00Z', deletionGracePeriodSeconds: 3, resourceVersion: '999' }),
      )
      expect(created.metadata.deletionTimestamp).toBeUndefined()
      expect(created.metadata.deletionGracePeriodSeconds).toBeUndefined()
      expect(created.metadata.resourceVersion).not.toBe('999')
    }),
  )

  it.effect('getPod of a missing pod is NotFound', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      const error = yield* Effect.flip(store.getPod(key('nope')))
      expect(error).toMatchObject({ _tag: 'NotFound', kind: 'Pod', namespace: ns, name: 'nope' })
      expect(error.message).toBe('pods "nope" not found')
    }),
  )

  it.effect('listPods filters by namespace and label selector and returns the current resourceVersion', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      yield* store.createPod(pod('a', { labels: { job: 'x', idx: '0' } }))
      yield* store.createPod(pod('b', { labels: { job: 'y' } }))
      yield* store.createPod(pod('c', { labels: { job: 'x', idx: '1' } }))
      const last = yield* store.createPod({ ...pod('d', { labels: { job: 'x' } }), metadata: { name: 'd', namespace: 'other', labels: { job: 'x' } } })
      const all = yield* store.listPods()
      expect(all.items.map((p) => p.metadata.name)).toEqual(['a', 'b', 'c', 'd'])
      expect(all.resourceVersion).toBe(last.metadata.resourceVersion)
      const inNs = yield* store.listPods({ namespace: ns })
      expect(inNs.items.map((p) => p.metadata.name)).toEqual(['a', 'b', 'c'])
      const x = yield* store.listPods({ namespace: ns, labelSelector: { matchLabels: { job: 'x' } } })
      expect(x.items.map((p) => p.metadata.name)).toEqual(['a', 'c'])
      const xEverywhere = yield* store.listPods({ labelSelector: { matchLabels: { job: 'x' } } })
      expect(xEverywhere.items.map((p) => p.metadata.name)).toEqual(['a', 'c', 'd'])
      const expr = yield* store.listPods({
        namespace: ns,
        labelSelector: { matchExpressions: [{ key: 'idx', operator: 'Exists' }] },
      })
      expect(expr.items.map((p) => p.metadata.name)).toEqual(['a', 'c'])
      const both = yield* store.listPods({
        namespace: ns,
        labelSelector: { matchLabels: { job: 'x' }, matchExpressions: [{ key: 'idx', operator: 'NotIn', values: ['0'] }] },
      })
      expect(both.items.map((p) => p.metadata.name)).toEqual(['c'])
      const none = yield* store.listPods({ namespace: ns, labelSelector: { matchLabels: { job: 'z' } } })
      expect(none.items).toEqual([])
    }),
  )

  it.effect('a label index follows label changes and deletions', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      yield* store.createPod(pod('a', { labels: { job: 'x' } }))
      const selector = { matchLabels: { job: 'x' } }
      expect((yield* store.listPods({ namespace: ns, labelSelector: selector })).items).toHaveLength(1)
      yield* store.createPod(pod('b', { labels: { job: 'x' } }))
      yield* store.deletePod(key('a'))
      expect((yield* store.listPods({ namespace: ns, labelSelector: selector })).items.map((p) => p.metadata.name)).toEqual(['b'])
    }),
  )

  it.effect('every write bumps the one store-wide resourceVersion', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      const a = yield* store.createPod(pod('a'))
      const b = yield* store.createPod(pod('b'))
      const bound = yield* store.bindPod(key('a'), 'node-1')
      const versions = [a, b, bound].map((p) => Number(p.metadata.resourceVersion))
      expect(versions).toEqual([...versions].sort((x, y) => x - y))
      expect(new Set(versions).size).toBe(3)
      expect((yield* store.listPods()).resourceVersion).toBe(bound.metadata.resourceVersion)
    }),
  )

  it.effect('bindPod sets spec.nodeName and PodScheduled; a bound pod cannot be bound again (Conflict)', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      yield* store.createPod(pod('a'))
      const bound = yield* store.bindPod(key('a'), 'node-1')
      expect(bound.spec.nodeName).toBe('node-1')
      expect(bound.status?.conditions).toEqual([{ type: 'PodScheduled', status: 'True', lastTransitionTime: '1970-01-01T00:00:00Z' }])
      const error = yield* Effect.flip(store.bindPod(key('a'), 'node-2'))
      expect(error._tag).toBe('Conflict')
      expect(error.message).toBe('Operation cannot be fulfilled on pods "a": pod a is already assigned to node "node-1"')
    }),
  )

  it.effect('updatePodStatus with a stale resourceVersion is a Conflict; without one it always applies', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      const created = yield* store.createPod(pod('a'))
      const running = yield* store.updatePodStatus(key('a'), { phase: 'Running' }, created.metadata.resourceVersion)
      expect(running.status).toEqual({ phase: 'Running' })
      const error = yield* Effect.flip(store.updatePodStatus(key('a'), { phase: 'Failed' }, created.metadata.resourceVersion))
      expect(error._tag).toBe('Conflict')
      expect(error.message).toBe(
        'Operation cannot be fulfilled on pods "a": the object has been modified; please apply your changes to the latest version and try again',
      )
      expect((yield* store.getPod(key('a'))).status?.phase).toBe('Running')
      const succeeded = yield* store.updatePodStatus(key('a'), { phase: 'Succeeded' })
      expect(succeeded.status?.phase).toBe('Succeeded')
    }),
  )

  it.effect("updatePodStatus refuses a terminated container going back to running (restartPolicy Never), with the API server's 422; a phase change alone is accepted, as kube-apiserver 1.36 does", () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      yield* store.createPod(pod('a'))
      const ended = { phase: 'Succeeded', containerStatuses: [{ name: 'main', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] } as const
      const succeeded = yield* store.updatePodStatus(key('a'), ended)
      const error = yield* Effect.flip(
        store.updatePodStatus(key('a'), { phase: 'Running', containerStatuses: [{ name: 'main', restartCount: 0, state: { running: {} } }] }),
      )
      expect(error._tag).toBe('Invalid')
      expect(error.message).toBe('Pod "a" is invalid: status.containerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state')
      expect(error).toMatchObject({ errors: [{ _tag: 'Forbidden', path: 'status.containerStatuses[0].state' }] })
      expect(yield* store.getPod(key('a'))).toEqual(succeeded)
      // The API server checks no phase transition: Succeeded to Failed with the container still terminated is written.
      const failed = yield* store.updatePodStatus(key('a'), { ...ended, phase: 'Failed' })
      expect(failed.status?.phase).toBe('Failed')
    }),
  )

  it.effect('a write that changes nothing keeps the resourceVersion (no event)', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      const created = yield* store.createPod(pod('a', { finalizers: ['f'] }))
      const same = yield* store.patchPodMetadata(key('a'), { addFinalizers: ['f'] })
      expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion)
      const status = yield* store.updatePodStatus(key('a'), { phase: 'Pending' })
      expect(status.metadata.resourceVersion).toBe(created.metadata.resourceVersion)
    }),
  )

  describe('patchPodMetadata', () => {
    const owner = (uid: string, controller = true) => ({ apiVersion: 'batch/v1', kind: 'Job', name: `job-${uid}`, uid, controller, blockOwnerDeletion: true })

    it.effect('R170: adds and removes finalizers and owner references', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        const created = yield* store.createPod(pod('a'))
        const adopted = yield* store.patchPodMetadata(key('a'), {
          expectUid: created.metadata.uid,
          addFinalizers: ['batch.kubernetes.io/job-tracking'],
          addOwnerReference: owner('u1'),
        })
        expect(adopted.metadata.finalizers).toEqual(['batch.kubernetes.io/job-tracking'])
        expect(adopted.metadata.ownerReferences).toEqual([owner('u1')])
        const again = yield* store.patchPodMetadata(key('a'), { addOwnerReference: { ...owner('u1'), name: 'renamed' } })
        expect(again.metadata.ownerReferences).toEqual([owner('u1')])
        const released = yield* store.patchPodMetadata(key('a'), {
          removeFinalizers: ['batch.kubernetes.io/job-tracking'],
          removeOwnerReferenceUid: 'u1',
        })
        expect(released.metadata.finalizers).toBeUndefined()
        expect(released.metadata.ownerReferences).toBeUndefined()
      }),
    )

    it.effect('R170: expectUid of another pod is a Conflict and changes nothing', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        const created = yield* store.createPod(pod('a'))
        const error = yield* Effect.flip(store.patchPodMetadata(key('a'), { expectUid: 'other', addFinalizers: ['f'] }))
        expect(error._tag).toBe('Conflict')
        expect(error.message).toContain('Precondition failed: UID in precondition: other')
        expect(yield* store.getPod(key('a'))).toEqual(created)
      }),
    )

    it.effect('R170: a second controller reference is Invalid (only one adopter wins)', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        yield* store.createPod(pod('a'))
        yield* store.patchPodMetadata(key('a'), { addOwnerReference: owner('u1') })
        const error = yield* Effect.flip(store.patchPodMetadata(key('a'), { addOwnerReference: owner('u2') }))
        expect(error._tag).toBe('Invalid')
        expect(error.message).toContain('Only one reference can have Controller set to true. Found "true" in references for Job/job-u1, Job/job-u2')
        const nonController = yield* store.patchPodMetadata(key('a'), { addOwnerReference: owner('u3', false) })
        expect(nonController.metadata.ownerReferences?.map((r) => r.uid)).toEqual(['u1', 'u3'])
      }),
    )

    it.effect('no finalizer can be added to a pod being deleted', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        yield* store.createPod(pod('a', { finalizers: ['keep'] }))
        yield* store.deletePod(key('a'))
        const error = yield* Effect.flip(store.patchPodMetadata(key('a'), { addFinalizers: ['more'] }))
        expect(error._tag).toBe('Invalid')
        expect(error.message).toBe(
          'Pod "a" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"more"}',
        )
      }),
    )
  })

  describe('deletePod', () => {
    it.effect('an unbound pod without finalizers is deleted at once', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        yield* store.createPod(pod('a'))
        yield* store.deletePod(key('a'))
        expect((yield* Effect.flip(store.getPod(key('a'))))._tag).toBe('NotFound')
        expect((yield* Effect.flip(store.deletePod(key('a'))))._tag).toBe('NotFound')
      }),
    )

    it.effect('R115: a finalizer keeps a deleted pod, with deletionTimestamp, until the last one is removed', () =>
      Effect.gen(function* () {
        yield* TestClock.adjust('10 seconds')
        const store = yield* MemoryStore.make
        yield* store.createPod(pod('a', { finalizers: ['batch.kubernetes.io/job-tracking', 'other'] }))
        yield* store.deletePod(key('a'))
        const terminating = yield* store.getPod(key('a'))
        expect(terminating.metadata.deletionTimestamp).toBe('1970-01-01T00:00:10Z')
        expect(terminating.metadata.deletionGracePeriodSeconds).toBe(0)
        yield* store.deletePod(key('a'))
        expect((yield* store.getPod(key('a'))).metadata.resourceVersion).toBe(terminating.metadata.resourceVersion)
        yield* store.patchPodMetadata(key('a'), { removeFinalizers: ['batch.kubernetes.io/job-tracking'] })
        expect((yield* store.getPod(key('a'))).metadata.finalizers).toEqual(['other'])
        yield* store.patchPodMetadata(key('a'), { removeFinalizers: ['other'] })
        expect((yield* Effect.flip(store.getPod(key('a'))))._tag).toBe('NotFound')
      }),
    )

    it.effect('a bound pod is deleted gracefully: deletionTimestamp = now + grace, gone on the kubelet delete with grace 0', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        yield* store.createPod(pod('a'))
        yield* store.bindPod(key('a'), 'node-1')
        yield* store.deletePod(key('a'))
        const terminating = yield* store.getPod(key('a'))
        expect(terminating.metadata.deletionTimestamp).toBe('1970-01-01T00:00:30Z')
        expect(terminating.metadata.deletionGracePeriodSeconds).toBe(30)
        // A repeat DELETE with a longer or equal grace period changes nothing.
        yield* store.deletePod(key('a'), { gracePeriodSeconds: 60 })
        expect(yield* store.getPod(key('a'))).toEqual(terminating)
        yield* store.deletePod(key('a'), { gracePeriodSeconds: 0 })
        expect((yield* Effect.flip(store.getPod(key('a'))))._tag).toBe('NotFound')
      }),
    )

    it.effect("a bound pod's grace period defaults to spec.terminationGracePeriodSeconds and can only shrink", () =>
      Effect.gen(function* () {
        yield* TestClock.adjust('100 seconds')
        const store = yield* MemoryStore.make
        yield* store.createPod(pod('a', {}, { terminationGracePeriodSeconds: 20 }))
        yield* store.bindPod(key('a'), 'node-1')
        yield* store.deletePod(key('a'))
        expect((yield* store.getPod(key('a'))).metadata).toMatchObject({
          deletionTimestamp: '1970-01-01T00:02:00Z',
          deletionGracePeriodSeconds: 20,
        })
        yield* TestClock.adjust('5 seconds')
        yield* store.deletePod(key('a'), { gracePeriodSeconds: 5 })
        // The deadline is counted from the first request: 100 s + 5 s.
        expect((yield* store.getPod(key('a'))).metadata).toMatchObject({
          deletionTimestamp: '1970-01-01T00:01:45Z',
          deletionGracePeriodSeconds: 5,
        })
      }),
    )

    it.effect('a bound pod with a finalizer stays after the kubelet delete until the finalizer goes', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        yield* store.createPod(pod('a', { finalizers: ['batch.kubernetes.io/job-tracking'] }))
        yield* store.bindPod(key('a'), 'node-1')
        yield* store.deletePod(key('a'))
        // Removing the finalizer during the grace period does not cut it short.
        yield* store.patchPodMetadata(key('a'), { removeFinalizers: ['batch.kubernetes.io/job-tracking'] })
        expect((yield* store.getPod(key('a'))).metadata.deletionGracePeriodSeconds).toBe(30)
        yield* store.patchPodMetadata(key('a'), {})
        yield* store.deletePod(key('a'), { gracePeriodSeconds: 0 })
        expect((yield* Effect.flip(store.getPod(key('a'))))._tag).toBe('NotFound')
      }),
    )

    it.effect('a bound pod whose kubelet delete comes before the finalizer removal goes with the finalizer', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        yield* store.createPod(pod('a', { finalizers: ['batch.kubernetes.io/job-tracking'] }))
        yield* store.bindPod(key('a'), 'node-1')
        yield* store.deletePod(key('a'))
        yield* store.deletePod(key('a'), { gracePeriodSeconds: 0 })
        const held = yield* store.getPod(key('a'))
        expect(held.metadata.deletionGracePeriodSeconds).toBe(0)
        yield* store.patchPodMetadata(key('a'), { removeFinalizers: ['batch.kubernetes.io/job-tracking'] })
        expect((yield* Effect.flip(store.getPod(key('a'))))._tag).toBe('NotFound')
      }),
    )

    it.effect('a bound pod that already finished is deleted at once', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        yield* store.createPod(pod('a'))
        yield* store.bindPod(key('a'), 'node-1')
        yield* store.updatePodStatus(key('a'), { phase: 'Succeeded' })
        yield* store.deletePod(key('a'))
        expect((yield* Effect.flip(store.getPod(key('a'))))._tag).toBe('NotFound')
      }),
    )

    it.effect('a uid precondition that does not match is a Conflict', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        yield* store.createPod(pod('a'))
        const error = yield* Effect.flip(store.deletePod(key('a'), { preconditionUid: 'someone-else' }))
        expect(error._tag).toBe('Conflict')
        expect(Either.isRight(yield* Effect.either(store.getPod(key('a'))))).toBe(true)
      }),
    )
  })

  describe('snapshots', () => {
    it.effect('returned pods are frozen and the caller keeps no handle on the stored copy', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        const input = pod('a', { labels: { x: '1' } })
        const created = yield* store.createPod(input)
        ;(input.metadata.labels as Record<string, string>)['x'] = 'changed'
        expect(() => {
          ;(created.metadata.labels as Record<string, string>)['x'] = 'mutated'
        }).toThrow(TypeError)
        expect(() => {
          ;(created.spec.containers as unknown as unknown[]).push({ name: 'extra' })
        }).toThrow(TypeError)
        const read = yield* store.getPod(key('a'))
        expect(read.metadata.labels).toEqual({ x: '1' })
        expect(Object.isFrozen(read)).toBe(true)
        // A later write gives a new snapshot; the old one does not change.
        yield* store.bindPod(key('a'), 'node-1')
        expect(read.spec.nodeName).toBeUndefined()
        const status = { phase: 'Running' as const }
        yield* store.updatePodStatus(key('a'), status)
        ;(status as { phase: string }).phase = 'Failed'
        expect((yield* store.getPod(key('a'))).status?.phase).toBe('Running')
      }),
    )
  })

  describe('watchPods', () => {
    it.effect('replays the changes after a resourceVersion, in store order', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        yield* store.createPod(pod('before'))
        const { resourceVersion } = yield* store.listPods()
        yield* store.createPod(pod('a'))
        yield* store.bindPod(key('a'), 'node')
        yield* store.createPod(pod('b'))
        yield* store.deletePod(key('b'))
        const events = yield* store.watchPods({ resourceVersion }).pipe(Stream.take(4), Stream.runCollect)
        expect(names(Chunk.toReadonlyArray(events))).toEqual(['Added a', 'Modified a', 'Added b', 'Deleted b'])
        const versions = Chunk.toReadonlyArray(events).map((e) => (e.type === 'Bookmark' ? 0 : Number(e.object.metadata.resourceVersion)))
        expect(versions).toEqual([...versions].sort((x, y) => x - y))
        expect(versions[0]).toBe(Number(resourceVersion) + 1)
      }),
    )

    it.effect('a Deleted event carries the last state with the deletion resourceVersion', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        const created = yield* store.createPod(pod('a', { labels: { k: 'v' } }))
        yield* store.deletePod(key('a'))
        const [added, deleted] = Chunk.toReadonlyArray(
          yield* store.watchPods({ resourceVersion: '0' }).pipe(Stream.take(2), Stream.runCollect),
        )
        expect(added).toEqual({ type: 'Added', object: created })
        expect(deleted?.type).toBe('Deleted')
        if (deleted?.type !== 'Deleted') return
        expect(deleted.object.metadata.labels).toEqual({ k: 'v' })
        expect(Number(deleted.object.metadata.resourceVersion)).toBe(Number(created.metadata.resourceVersion) + 1)
      }),
    )

    it.effect('without a resourceVersion, only changes from now on; replay then live without a gap or a repeat', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        yield* store.createPod(pod('old'))
        const { resourceVersion } = yield* store.listPods()
        yield* store.createPod(pod('replayed'))
        const live = yield* Effect.fork(store.watchPods().pipe(Stream.take(2), Stream.runCollect))
        const fromVersion = yield* Effect.fork(store.watchPods({ resourceVersion }).pipe(Stream.take(3), Stream.runCollect))
        yield* waitUntilSuspended(live)
        yield* waitUntilSuspended(fromVersion)
        yield* store.createPod(pod('new-1'))
        yield* store.createPod(pod('new-2'))
        expect(names(Chunk.toReadonlyArray(yield* Fiber.join(live)))).toEqual(['Added new-1', 'Added new-2'])
        expect(names(Chunk.toReadonlyArray(yield* Fiber.join(fromVersion)))).toEqual(['Added replayed', 'Added new-1', 'Added new-2'])
      }),
    )

    it.effect('filters by namespace', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        yield* store.createPod({ metadata: { name: 'x', namespace: 'elsewhere' }, spec: { containers: [] } })
        yield* store.createPod(pod('a'))
        const events = yield* store.watchPods({ namespace: ns, resourceVersion: '0' }).pipe(Stream.take(1), Stream.runCollect)
        expect(names(Chunk.toReadonlyArray(events))).toEqual(['Added a'])
      }),
    )

    it.effect('a resourceVersion older than the remembered history is Gone', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.makeWith({ historySize: 3 })
        const first = yield* store.createPod(pod('a'))
        for (const name of ['b', 'c', 'd', 'e']) yield* store.createPod(pod(name))
        const gone = yield* Effect.flip(store.watchPods({ resourceVersion: first.metadata.resourceVersion ?? '' }).pipe(Stream.runDrain))
        expect(gone._tag).toBe('Gone')
        expect(gone.message).toBe(`too old resource version: ${first.metadata.resourceVersion}`)
        // The oldest version still fully remembered works: the last 3 changes after it.
        const kept = yield* store
          .watchPods({ resourceVersion: String(Number(first.metadata.resourceVersion) + 1) })
          .pipe(Stream.take(3), Stream.runCollect)
        expect(names(Chunk.toReadonlyArray(kept))).toEqual(['Added c', 'Added d', 'Added e'])
        const notAVersion = yield* Effect.flip(store.watchPods({ resourceVersion: 'abc' }).pipe(Stream.runDrain))
        expect(notAVersion._tag).toBe('Gone')
      }),
    )

    it.effect('a watch that stops reading never blocks writers, and still gets everything once it reads again', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        const gate = yield* Deferred.make<void>()
        const count = 5_000
        // Reads one change, then stalls until the gate opens.
        const stalled = yield* Effect.fork(
          store.watchPods().pipe(
            Stream.zipWithIndex,
            Stream.mapEffect(([event, i]) => (i === 0 ? Effect.as(Deferred.await(gate), event) : Effect.succeed(event))),
            Stream.take(count),
            Stream.runCollect,
          ),
        )
        yield* waitUntilSuspended(stalled)
        for (let i = 0; i < count; i++) yield* store.createPod(pod(`p${i}`))
        expect((yield* store.listPods()).items).toHaveLength(count)
        yield* Deferred.succeed(gate, undefined)
        const events = Chunk.toReadonlyArray(yield* Fiber.join(stalled))
        expect(names(events)).toEqual(Array.from({ length: count }, (_, i) => `Added p${i}`))
      }),
    )

    it.effect('many concurrent writers: every watch sees every change once, in increasing version order', () =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        const writers = 50
        const perWriter = 20
        const total = writers * perWriter * 2
        const watch = () => Effect.fork(store.watchPods().pipe(Stream.take(total), Stream.runCollect))
        const watches = [yield* watch(), yield* watch()]
        for (const fiber of watches) yield* waitUntilSuspended(fiber)
        yield* Effect.forEach(
          Array.from({ length: writers }, (_, w) => w),
          (w) =>
            Effect.forEach(
              Array.from({ length: perWriter }, (_, i) => `w${w}-${i}`),
              (name) => Effect.zipRight(store.createPod(pod(name)), store.updatePodStatus(key(name), { phase: 'Running' })),
              { discard: true },
            ),
          { concurrency: 'unbounded', discard: true },
        )
        for (const fiber of watches) {
          const events = Chunk.toReadonlyArray(yield* Fiber.join(fiber))
          expect(events).toHaveLength(total)
          const versions = events.map((e) => (e.type === 'Bookmark' ? 0 : Number(e.object.metadata.resourceVersion)))
          for (let i = 1; i < versions.length; i++) expect(versions[i]).toBeGreaterThan(versions[i - 1] ?? 0)
          const perPod = new Map<string, string[]>()
          for (const e of events) {
            if (e.type === 'Bookmark') continue
            const name = e.object.metadata.name ?? ''
            perPod.set(name, [...(perPod.get(name) ?? []), e.type])
          }
          expect(perPod.size).toBe(writers * perWriter)
          for (const types of perPod.values()) expect(types).toEqual(['Added', 'Modified'])
        }
      }),
    )
  })
})

/** Lets a forked watch run until it waits for the next change (its subscription is in place). */
function waitUntilSuspended<A, E>(fiber: Fiber.RuntimeFiber<A, E>): Effect.Effect<void> {
  return Effect.gen(function* () {
    for (;;) {
      yield* Effect.yieldNow()
      const status = yield* Fiber.status(fiber)
      if (status._tag === 'Suspended') return
    }
  })
}
