/**
 * The Kubernetes store against a real kube-apiserver (etcd + apiserver on loopback; its watch
 * cache off, so that a compacted resourceVersion is answered 410 as etcd answers it): every
 * port method, the error mapping (404, 409, 410, 422, 400), the patches, events, and watches
 * that resume, reconnect and report `Gone`.
 */
import { Effect, Either, Fiber, Schedule, Stream } from 'effect'
import type { Scope } from 'effect'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderFieldError } from '../../../core/model/fieldErrors.js'
import type { Job, Pod } from '../../../core/model/types.js'
import { TRACKING_FINALIZER } from '../../../core/model/wellKnown.js'
import type { JobStoreService, WatchEvent } from '../../ports/JobStore.js'
import type { ControlPlane } from './testing/controlPlane.js'
import { startControlPlane } from './testing/controlPlane.js'
import { tcpProxy } from './testing/tcpProxy.js'
import * as KubernetesStore from './KubernetesStore.js'

let plane: ControlPlane
beforeAll(async () => {
  plane = await startControlPlane({ apiServerFlags: ['--watch-cache=false'] })
})
afterAll(() => plane?.stop())

let namespaces = 0
/** A fresh namespace and a store kept to it. */
const withStore = <A, E>(
  body: (store: JobStoreService, namespace: string) => Effect.Effect<A, E, Scope.Scope>,
  config: KubernetesStore.KubernetesStoreConfig = {},
): Promise<A> => {
  const namespace = `store-${++namespaces}`
  const full = { kubeconfigPath: plane.kubeconfigPath, namespace, qps: 100, burst: 200, ...config }
  return Effect.runPromise(
    Effect.scoped(Effect.zipRight(KubernetesStore.ensureNamespace(full, namespace), Effect.flatMap(KubernetesStore.make(full), (store) => body(store, namespace)))),
  )
}

const container = { name: 'main', image: 'busybox:1.36' }
const manifest = (name: string, namespace: string, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace, ...metadata },
  spec: { ...spec, template: { spec: { containers: [container], restartPolicy: 'Never' } } },
})
const pod = (namespace: string, name: string, extra: Partial<Pod['metadata']> = {}): Pod => ({
  metadata: { name, namespace, ...extra },
  spec: { containers: [container], restartPolicy: 'Never' },
})

describe('KubernetesStore: Jobs', () => {
  it('creates a Job the server defaults (generated selector, managedBy kept) and reads it back', () =>
    withStore((store, ns) =>
      Effect.gen(function* () {
        const job = yield* store.createJob(manifest('pi', ns, { managedBy: KubernetesStore.DEFAULT_CONTROLLER_NAME }))
        expect(job.metadata).toMatchObject({ name: 'pi', namespace: ns, generation: 1 })
        expect(job.spec).toMatchObject({ parallelism: 1, completions: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, managedBy: 'job-reconciler.io/controller' })
        expect(job.spec.selector.matchLabels).toEqual({ 'batch.kubernetes.io/controller-uid': job.metadata.uid })
        // int32 counters the server leaves out when 0 read back as 0, as Go clients read them.
        expect(job.status).toMatchObject({ active: 0, succeeded: 0, failed: 0 })
        expect(yield* store.getJob({ namespace: ns, name: 'pi' })).toEqual(job)
        const named = yield* store.createJob({ ...manifest('', ns), metadata: { generateName: 'gen-', namespace: ns } })
        expect(named.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/)
      }),
    ))

  it('maps 404, 409 AlreadyExists, 409 Conflict, 422 (with field paths) and 400 (strict decoding)', () =>
    withStore((store, ns) =>
      Effect.gen(function* () {
        expect(yield* Effect.flip(store.getJob({ namespace: ns, name: 'nope' }))).toMatchObject({ _tag: 'NotFound', kind: 'Job', name: 'nope' })
        const job = yield* store.createJob(manifest('dup', ns))
        expect(yield* Effect.flip(store.createJob(manifest('dup', ns)))).toMatchObject({ _tag: 'AlreadyExists', name: 'dup' })
        const updated = yield* store.updateJob({ ...job, spec: { ...job.spec, parallelism: 2 } })
        expect(updated.metadata.generation).toBe(2)
        const stale = yield* Effect.flip(store.updateJob({ ...job, spec: { ...job.spec, parallelism: 3 } }))
        expect(stale).toMatchObject({ _tag: 'Conflict' })
        expect(stale.message).toBe(
          'Operation cannot be fulfilled on jobs.batch "dup": the object has been modified; please apply your changes to the latest version and try again',
        )
        const current = yield* store.getJob({ namespace: ns, name: 'dup' })
        const immutable = yield* Effect.flip(store.updateJob({ ...current, spec: { ...current.spec, completions: 3 } }))
        expect(immutable._tag === 'Invalid' && immutable.errors.map(renderFieldError)).toEqual(['spec.completions: Invalid value: 3: field is immutable'])
        const invalid = yield* Effect.flip(store.createJob(manifest('bad', ns, { parallelism: -1, completionMode: 'Sometimes' })))
        expect(invalid).toMatchObject({ _tag: 'Invalid', name: 'bad' })
        expect(invalid._tag === 'Invalid' && invalid.errors.map(renderFieldError)).toEqual([
          'spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
          'spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"',
        ])
        expect(invalid.message).toMatch(/^Job\.batch "bad" is invalid: \[spec\.parallelism: Invalid value: -1/)
        const unknown = yield* Effect.flip(store.createJob(manifest('odd', ns, { foo: 1 })))
        expect(unknown._tag === 'Invalid' && unknown.errors.map(renderFieldError)).toEqual(['unknown field "spec.foo"'])
        const nowhere = yield* Effect.flip(store.createJob(manifest('lost', 'no-such-namespace')))
        expect(nowhere._tag === 'Invalid' && nowhere.errors.map(renderFieldError)).toEqual([
          'metadata.namespace: Invalid value: "no-such-namespace": namespace not found',
        ])
      }),
    ))

  it('writes status through the subresource: replaced whole, guarded by resourceVersion, labels and finalizers untouched', () =>
    withStore((store, ns) =>
      Effect.gen(function* () {
        const job = yield* store.createJob(manifest('st', ns, {}, { labels: { team: 'a' }, finalizers: ['example.com/keep'] }))
        const first = yield* store.updateJobStatus({ namespace: ns, name: 'st' }, { startTime: '2026-01-01T00:00:00Z', active: 1, ready: 0 }, job.metadata.resourceVersion!)
        expect(first.status).toMatchObject({ startTime: '2026-01-01T00:00:00Z', active: 1, ready: 0 })
        expect(first.metadata.labels).toMatchObject({ team: 'a' })
        expect(first.metadata.finalizers).toEqual(['example.com/keep'])
        const stale = yield* Effect.flip(store.updateJobStatus({ namespace: ns, name: 'st' }, { active: 2 }, job.metadata.resourceVersion!))
        expect(stale).toMatchObject({ _tag: 'Conflict' })
        const invalid = yield* Effect.flip(
          store.updateJobStatus({ namespace: ns, name: 'st' }, { startTime: '2026-01-01T00:00:00Z', active: -1 }, first.metadata.resourceVersion!),
        )
        expect(invalid._tag === 'Invalid' && invalid.errors.map(renderFieldError)).toContain('status.active: Invalid value: -1: must be greater than or equal to 0')
        expect(yield* Effect.flip(store.updateJobStatus({ namespace: ns, name: 'gone' }, {}, '1'))).toMatchObject({ _tag: 'NotFound' })
        yield* store.removeJobFinalizer({ namespace: ns, name: 'st' }, 'example.com/other')
        yield* store.removeJobFinalizer({ namespace: ns, name: 'st' }, 'example.com/keep')
        expect((yield* store.getJob({ namespace: ns, name: 'st' })).metadata.finalizers).toBeUndefined()
      }),
    ))

  it('deletes with an explicit propagation policy and a uid precondition (Orphan when none is given)', () =>
    withStore((store, ns) =>
      Effect.gen(function* () {
        const fg = yield* store.createJob(manifest('fg', ns))
        expect(yield* Effect.flip(store.deleteJob({ namespace: ns, name: 'fg' }, { preconditionUid: 'not-the-uid' }))).toMatchObject({ _tag: 'Conflict' })
        yield* store.deleteJob({ namespace: ns, name: 'fg' }, { propagationPolicy: 'Foreground', preconditionUid: fg.metadata.uid! })
        const held = yield* store.getJob({ namespace: ns, name: 'fg' })
        expect(held.metadata.deletionTimestamp).toBeDefined()
        expect(held.metadata.finalizers).toEqual(['foregroundDeletion'])
        yield* store.removeJobFinalizer({ namespace: ns, name: 'fg' }, 'foregroundDeletion')
        expect(yield* Effect.flip(store.getJob({ namespace: ns, name: 'fg' }))).toMatchObject({ _tag: 'NotFound' })
        yield* store.createJob(manifest('orphaned', ns))
        yield* store.deleteJob({ namespace: ns, name: 'orphaned' })
        expect((yield* store.getJob({ namespace: ns, name: 'orphaned' })).metadata.finalizers).toEqual(['orphan'])
        yield* store.createJob(manifest('bg', ns))
        yield* store.deleteJob({ namespace: ns, name: 'bg' }, { propagationPolicy: 'Background' })
        expect(yield* Effect.flip(store.getJob({ namespace: ns, name: 'bg' }))).toMatchObject({ _tag: 'NotFound' })
        expect(yield* Effect.flip(store.deleteJob({ namespace: ns, name: 'bg' }))).toMatchObject({ _tag: 'NotFound' })
      }),
    ))
})

describe('KubernetesStore: Pods', () => {
  it('adopts and releases with one guarded patch each, touching only the tracking finalizer', () =>
    withStore((store, ns) =>
      Effect.gen(function* () {
        const job = yield* store.createJob(manifest('owner', ns))
        const created = yield* store.createPod({ ...pod(ns, ''), metadata: { generateName: 'owner-', namespace: ns, finalizers: ['example.com/other'] } })
        expect(created.metadata.name).toMatch(/^owner-[a-z0-9]{5}$/)
        expect(created.status?.phase).toBe('Pending')
        const key = { namespace: ns, name: created.metadata.name! }
        const reference = { apiVersion: 'batch/v1', kind: 'Job', name: 'owner', uid: job.metadata.uid!, controller: true, blockOwnerDeletion: true }
        const adopted = yield* store.patchPodMetadata(key, { expectUid: created.metadata.uid!, addOwnerReference: reference, addFinalizers: [TRACKING_FINALIZER] })
        expect(adopted.metadata.ownerReferences).toEqual([reference])
        expect([...(adopted.metadata.finalizers ?? [])].sort()).toEqual(['batch.kubernetes.io/job-tracking', 'example.com/other'])
        const second = { ...reference, name: 'other', uid: '00000000-0000-4000-8000-000000000001' }
        const twoControllers = yield* Effect.flip(store.patchPodMetadata(key, { expectUid: created.metadata.uid!, addOwnerReference: second }))
        expect(twoControllers).toMatchObject({ _tag: 'Invalid' })
        const wrongUid = yield* Effect.flip(store.patchPodMetadata(key, { expectUid: 'another-pod', removeFinalizers: [TRACKING_FINALIZER] }))
        expect(wrongUid).toMatchObject({ _tag: 'Conflict' })
        const released = yield* store.patchPodMetadata(key, {
          expectUid: created.metadata.uid!,
          removeOwnerReferenceUid: job.metadata.uid!,
          removeFinalizers: [TRACKING_FINALIZER],
        })
        expect(released.metadata.ownerReferences).toBeUndefined()
        expect(released.metadata.finalizers).toEqual(['example.com/other'])
        expect(yield* Effect.flip(store.patchPodMetadata({ namespace: ns, name: 'nope' }, { removeFinalizers: [TRACKING_FINALIZER] }))).toMatchObject({
          _tag: 'NotFound',
        })
      }),
    ))

  it('binds, writes the kubelet status (server fields kept, stale version refused) and deletes gracefully', () =>
    withStore((store, ns) =>
      Effect.gen(function* () {
        const created = yield* store.createPod(pod(ns, 'runner', { finalizers: [TRACKING_FINALIZER], labels: { app: 'x' } }))
        const key = { namespace: ns, name: 'runner' }
        const bound = yield* store.bindPod(key, 'node-a')
        expect(bound.spec.nodeName).toBe('node-a')
        expect(bound.status?.conditions).toContainEqual(expect.objectContaining({ type: 'PodScheduled', status: 'True' }))
        expect(yield* Effect.flip(store.bindPod(key, 'node-b'))).toMatchObject({ _tag: 'Conflict' })
        const running = yield* store.updatePodStatus(key, {
          ...bound.status,
          phase: 'Running',
          reason: 'Started',
          containerStatuses: [{ name: 'main', restartCount: 0, ready: true, state: { running: { startedAt: '2026-01-01T00:00:00Z' } } }],
        })
        expect(running.status).toMatchObject({ phase: 'Running', reason: 'Started', qosClass: 'BestEffort' })
        expect(running.metadata.finalizers).toEqual([TRACKING_FINALIZER])
        expect(running.metadata.labels).toEqual({ app: 'x' })
        const { reason: _reason, ...withoutReason } = running.status!
        const replaced = yield* store.updatePodStatus(key, withoutReason, running.metadata.resourceVersion)
        expect(replaced.status?.reason).toBeUndefined()
        expect(yield* Effect.flip(store.updatePodStatus(key, withoutReason, running.metadata.resourceVersion))).toMatchObject({ _tag: 'Conflict' })
        // Bound and running: a DELETE only marks it; the kubelet's grace-0 DELETE ends it, the finalizer still holds it.
        expect(yield* Effect.flip(store.deletePod(key, { preconditionUid: 'not-it' }))).toMatchObject({ _tag: 'Conflict' })
        yield* store.deletePod(key, { preconditionUid: created.metadata.uid! })
        const marked = yield* store.getPod(key)
        expect(marked.metadata).toMatchObject({ deletionGracePeriodSeconds: 30 })
        yield* store.deletePod(key, { gracePeriodSeconds: 0 })
        expect((yield* store.getPod(key)).metadata.deletionGracePeriodSeconds).toBe(0)
        const refused = yield* Effect.flip(store.patchPodMetadata(key, { addFinalizers: ['example.com/late'] }))
        expect(refused._tag === 'Invalid' && refused.errors[0]?.path).toBe('metadata.finalizers')
        yield* store.patchPodMetadata(key, { expectUid: created.metadata.uid!, removeFinalizers: [TRACKING_FINALIZER] })
        expect(yield* Effect.flip(store.getPod(key))).toMatchObject({ _tag: 'NotFound' })
        // Not bound: a DELETE removes it at once.
        yield* store.createPod(pod(ns, 'pending'))
        yield* store.deletePod({ namespace: ns, name: 'pending' })
        expect(yield* Effect.flip(store.getPod({ namespace: ns, name: 'pending' }))).toMatchObject({ _tag: 'NotFound' })
      }),
    ))

  it('a status write: a terminated container may not run again (restartPolicy Never, 422 on status.containerStatuses[0].state); Failed to Succeeded is accepted', () =>
    withStore((store, ns) =>
      Effect.gen(function* () {
        yield* store.createPod(pod(ns, 'flip'))
        const key = { namespace: ns, name: 'flip' }
        const bound = yield* store.bindPod(key, 'node-a')
        const ended = (phase: 'Failed' | 'Succeeded', exitCode: number) => ({
          ...bound.status,
          phase,
          containerStatuses: [{ name: 'main', restartCount: 0, ready: false, state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' } } }],
        })
        yield* store.updatePodStatus(key, ended('Failed', 137))
        const refused = yield* Effect.flip(
          store.updatePodStatus(key, { ...bound.status, phase: 'Running', containerStatuses: [{ name: 'main', restartCount: 0, state: { running: { startedAt: '2026-01-01T00:00:00Z' } } }] }),
        )
        expect(refused._tag).toBe('Invalid')
        expect(refused._tag === 'Invalid' && refused.errors.map(renderFieldError)).toEqual(['status.containerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state'])
        expect(refused.message).toBe('Pod "flip" is invalid: status.containerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state')
        // No rule on the phase: the server writes a pod's move from Failed to Succeeded.
        const flipped = yield* store.updatePodStatus(key, ended('Succeeded', 0))
        expect(flipped.status?.phase).toBe('Succeeded')
      }),
    ))

  it('lists with a label selector, page by page, within the configured namespace', () =>
    withStore(
      (store, ns) =>
        Effect.gen(function* () {
          for (let i = 0; i < 5; i++) yield* store.createPod(pod(ns, `p${i}`, { labels: { app: i % 2 === 0 ? 'even' : 'odd' } }))
          const all = yield* store.listPods()
          expect(all.items.map((p) => p.metadata.name)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4'])
          expect(Number(all.resourceVersion)).toBeGreaterThan(0)
          const even = yield* store.listPods({ labelSelector: { matchLabels: { app: 'even' } } })
          expect(even.items.map((p) => p.metadata.name)).toEqual(['p0', 'p2', 'p4'])
          const odd = yield* store.listPods({ labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['odd'] }] } })
          expect(odd.items.map((p) => p.metadata.name)).toEqual(['p1', 'p3'])
          expect((yield* store.listPods({ namespace: 'default' })).items).toEqual([])
        }),
      { listPageSize: 2 },
    ))

  it('writes events as client-go\'s sink does: POST a new core/v1 Event, PATCH its count, lastTimestamp and message', () =>
    withStore((store, ns) =>
      Effect.gen(function* () {
        const event = {
          namespace: ns,
          involvedObject: { kind: 'Job' as const, name: 'pi', uid: 'u-1' },
          type: 'Normal' as const,
          reason: 'SuccessfulCreate',
          message: 'Created pod: pi-abcde',
          source: 'job-controller',
          firstTimestamp: '2026-01-01T00:00:00Z',
          lastTimestamp: '2026-01-01T00:00:00Z',
          count: 1,
        }
        const created = yield* store.createEvent(event)
        expect(created.name).toMatch(/^pi\.[0-9a-f]+$/)
        const patched = yield* store.patchEvent(
          { namespace: ns, name: created.name },
          { count: 11, lastTimestamp: '2026-01-01T00:00:09Z', message: '(combined from similar events): Created pod: pi-fghij' },
        )
        expect(patched).toMatchObject({ name: created.name, count: 11, lastTimestamp: '2026-01-01T00:00:09Z', firstTimestamp: '2026-01-01T00:00:00Z' })
        yield* store.createEvent({ ...event, type: 'Warning', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', firstTimestamp: '2026-01-01T00:00:10Z', lastTimestamp: '2026-01-01T00:00:10Z' })
        yield* store.createEvent({ ...event, involvedObject: { kind: 'Job', name: 'other', uid: 'u-2' } })
        const events = yield* store.listEvents({ namespace: ns, involvedObjectName: 'pi' })
        expect(events.map((e) => [e.reason, e.count, e.message])).toEqual([
          ['SuccessfulCreate', 11, '(combined from similar events): Created pod: pi-fghij'],
          ['BackoffLimitExceeded', 1, 'Job has reached the specified backoff limit'],
        ])
        expect(yield* store.listEvents({ namespace: ns })).toHaveLength(3)
        const gone = yield* Effect.either(store.patchEvent({ namespace: ns, name: 'pi.0' }, { count: 2, lastTimestamp: '2026-01-01T00:00:09Z', message: 'm' }))
        expect(gone._tag === 'Left' && gone.left._tag).toBe('NotFound')
      }),
    ))
})

describe('KubernetesStore: watches', () => {
  const names = (events: ReadonlyArray<WatchEvent<Pod>>) =>
    events.flatMap((e) => (e.type === 'Bookmark' ? [] : [`${e.type}:${e.object.metadata.name}`]))

  /** Watches pods from `from`, collecting until `count` object events arrived. */
  const take = (store: JobStoreService, count: number, from?: string) =>
    store.watchPods(from === undefined ? {} : { resourceVersion: from }).pipe(
      Stream.filter((e) => e.type !== 'Bookmark'),
      Stream.take(count),
      Stream.runCollect,
      Effect.map((chunk) => [...chunk]),
      Effect.timeout('30 seconds'),
    )

  it('replays what happened after a listed resourceVersion, in order; without one it starts now', () =>
    withStore((store, ns) =>
      Effect.gen(function* () {
        yield* store.createPod(pod(ns, 'before'))
        const listed = yield* store.listPods()
        const fromList = yield* Effect.fork(take(store, 3, listed.resourceVersion))
        const fromNow = yield* Effect.fork(take(store, 2))
        yield* Effect.sleep('300 millis')
        yield* store.createPod(pod(ns, 'a'))
        yield* store.patchPodMetadata({ namespace: ns, name: 'a' }, { addFinalizers: ['example.com/f'] })
        yield* store.createPod(pod(ns, 'b'))
        expect(names(yield* Fiber.join(fromList))).toEqual(['Added:a', 'Modified:a', 'Added:b'])
        expect(names(yield* Fiber.join(fromNow))).toEqual(['Added:a', 'Modified:a'])
      }),
    ))

  it('PodInterest: pods of an ignored controller are left out of the list, and a watch reports one it may have delivered as Deleted once, then nothing more of it', () =>
    withStore((store, ns) =>
      Effect.gen(function* () {
        const ignored = new Set<string>()
        const ignoresController = (controller: { readonly kind: string; readonly uid: string }) => controller.kind === 'Job' && ignored.has(controller.uid)
        const owned = (name: string, uid: string): Pod =>
          pod(ns, name, { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'other', uid, controller: true }] })
        yield* store.createPod(owned('theirs-listed', 'uid-theirs'))
        yield* store.createPod(owned('ours-listed', 'uid-ours'))
        ignored.add('uid-theirs')
        const listed = yield* store.listPods({ ignoresController })
        expect(listed.items.map((p) => p.metadata.name)).toEqual(['ours-listed'])

        const events: Array<{ readonly type: string; readonly object: Pod }> = []
        yield* Effect.forkScoped(
          Stream.runForEach(store.watchPods({ resourceVersion: listed.resourceVersion, ignoresController }), (event) =>
            Effect.sync(() => void (event.type !== 'Bookmark' && events.push(event))),
          ),
        )
        const seen = (count: number) =>
          Effect.sync(() => events.length).pipe(
            Effect.repeat({ until: (n) => n >= count, schedule: Schedule.spaced('20 millis') }),
            Effect.timeout('30 seconds'),
          )
        yield* store.createPod(owned('theirs-new', 'uid-theirs'))
        // Its later changes are not delivered: the tombstone was enough.
        yield* store.patchPodMetadata({ namespace: ns, name: 'theirs-new' }, { addFinalizers: ['example.com/f'] })
        yield* store.patchPodMetadata({ namespace: ns, name: 'theirs-listed' }, { addFinalizers: ['example.com/f'] })
        yield* store.createPod(owned('ours-new', 'uid-ours'))
        yield* seen(3)
        // No longer ignored (the test applies when an event arrives): the next change is delivered in full.
        ignored.delete('uid-theirs')
        yield* store.patchPodMetadata({ namespace: ns, name: 'theirs-new' }, { addFinalizers: ['example.com/g'] })
        yield* seen(4)
        expect(events.map((e) => `${e.type}:${e.object.metadata.name}`)).toEqual(['Deleted:theirs-new', 'Deleted:theirs-listed', 'Added:ours-new', 'Modified:theirs-new'])
        expect(events[0]!.object.spec.containers).toEqual([])
        expect([...(events[3]!.object.metadata.finalizers ?? [])].sort()).toEqual(['example.com/f', 'example.com/g'])
      }),
    ))

  it('reopens watches the server closes (timeoutSeconds 1) without losing or repeating an event', () =>
    withStore(
      (store, ns) =>
        Effect.gen(function* () {
          const from = (yield* store.listPods()).resourceVersion
          const watched = yield* Effect.fork(take(store, 6, from))
          for (let i = 0; i < 6; i++) {
            yield* store.createPod(pod(ns, `slow-${i}`))
            yield* Effect.sleep('700 millis') // spread over several 1–2 s watches
          }
          expect(names(yield* Fiber.join(watched))).toEqual([0, 1, 2, 3, 4, 5].map((i) => `Added:slow-${i}`))
        }),
      { watchTimeoutSeconds: 1 },
    ))

  it('reconnects from the last event seen when the connection drops', async () => {
    const proxy = await tcpProxy(new URL(plane.server).port)
    try {
      await withStore(
        (store, ns) =>
          Effect.gen(function* () {
            const from = (yield* store.listPods()).resourceVersion
            const watched = yield* Effect.fork(take(store, 4, from))
            yield* store.createPod(pod(ns, 'x1'))
            yield* store.createPod(pod(ns, 'x2'))
            yield* Effect.sleep('500 millis')
            proxy.dropAll()
            yield* store.createPod(pod(ns, 'x3'))
            yield* store.createPod(pod(ns, 'x4'))
            expect(names(yield* Fiber.join(watched))).toEqual(['Added:x1', 'Added:x2', 'Added:x3', 'Added:x4'])
            expect(proxy.connections()).toBeGreaterThan(1)
          }),
        { kubeconfigPath: undefined, server: `https://127.0.0.1:${proxy.port}`, token: plane.token, caPath: plane.caPath },
      )
    } finally {
      await proxy.close()
    }
  })

  it('a resourceVersion compacted away is Gone; a new list then has everything', () =>
    withStore((store, ns) =>
      Effect.gen(function* () {
        const old = (yield* store.listPods()).resourceVersion
        yield* store.createPod(pod(ns, 'c1'))
        yield* store.createPod(pod(ns, 'c2'))
        const now = (yield* store.listPods()).resourceVersion
        yield* Effect.promise(() => fetch(`${plane.etcdUrl}/v3/kv/compaction`, { method: 'POST', body: JSON.stringify({ revision: now, physical: true }) }))
        const gone = yield* Effect.flip(Stream.runDrain(store.watchPods({ resourceVersion: old })))
        expect(gone).toMatchObject({ _tag: 'Gone' })
        const jobsGone = yield* Effect.either(Stream.runDrain(store.watchJobs({ resourceVersion: old })))
        expect(Either.isLeft(jobsGone) && jobsGone.left._tag).toBe('Gone')
        expect((yield* store.listPods()).items.map((p) => p.metadata.name)).toEqual(['c1', 'c2'])
      }),
    ))

  it('a Job watch delivers decoded Jobs; deletion comes as Deleted with the last state', () =>
    withStore((store, ns) =>
      Effect.gen(function* () {
        const from = (yield* store.listJobs()).resourceVersion
        const watched = yield* Effect.fork(
          store.watchJobs({ resourceVersion: from }).pipe(
            Stream.filter((e) => e.type !== 'Bookmark'),
            Stream.take(2),
            Stream.runCollect,
            Effect.timeout('30 seconds'),
          ),
        )
        yield* store.createJob(manifest('w', ns))
        yield* store.deleteJob({ namespace: ns, name: 'w' }, { propagationPolicy: 'Background' })
        const events = [...(yield* Fiber.join(watched))] as Array<{ type: string; object: Job }>
        expect(events.map((e) => e.type)).toEqual(['Added', 'Deleted'])
        expect(events[1]!.object.spec.selector.matchLabels).toBeDefined()
      }),
    ))
})
