/**
 * A small `JobStore` of its own, written only against the port: two plain `Map`s, one
 * resourceVersion counter, an array of recent changes for watches, and a `PubSub` to fan them
 * out. It shows what a backend must do to pass the conformance suite — the API server's
 * generic object rules (uids, generated names, optimistic concurrency, finalizers, graceful
 * pod deletion, cascading-deletion finalizers, watches that resume from a resourceVersion,
 * aggregated events) — and leaves Job decoding, defaulting and validation to `core/model`'s
 * admission functions, as any backend should.
 *
 * Not tuned for size: lists scan everything, changes are copied through JSON.
 */
import { randomUUID } from 'node:crypto'
import { Clock, Effect, Layer, PubSub, Random, Stream } from 'effect'
import type { Either as FpEither } from 'fp-ts/lib/Either.js'
import { admitJobCreate, admitJobStatusUpdate, admitJobUpdate } from '../../core/model/admission.js'
import type { AdmissionError, Admitted } from '../../core/model/admission.js'
import type { FieldError } from '../../core/model/fieldErrors.js'
import { renderFieldError } from '../../core/model/fieldErrors.js'
import { matchesSelector } from '../../core/model/labelSelector.js'
import { formatTime, parseTime } from '../../core/model/time.js'
import type { Job, ObjectMeta, OwnerReference, Pod } from '../../core/model/types.js'
import { AlreadyExists, Conflict, Gone, Invalid, NotFound } from '../../adapters/ports/errors.js'
import type { ResourceKind } from '../../adapters/ports/errors.js'
import { JobStore } from '../../adapters/ports/JobStore.js'
import type { DeleteOptions, JobStoreService, ListOptions, ObjectKey, StoredEvent, WatchEvent, WatchOptions } from '../../adapters/ports/JobStore.js'

const FOREGROUND = 'foregroundDeletion'
const ORPHAN = 'orphan'
/** How many changes a watch can replay; older resourceVersions are `Gone`. */
const HISTORY = 5_000
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789'
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

type Kind = 'Job' | 'Pod'
type Stored = Job | Pod

interface Change {
  readonly version: number
  readonly kind: Kind
  readonly type: 'Added' | 'Modified' | 'Deleted'
  readonly object: Stored
}

/** A JSON copy, frozen: what the store keeps and hands out (no shared mutable state, no `undefined` members). */
function snapshot<A>(value: A): A {
  const copy = JSON.parse(JSON.stringify(value)) as A
  const freeze = (v: unknown): void => {
    if (typeof v !== 'object' || v === null) return
    Object.freeze(v)
    for (const item of Object.values(v)) freeze(item)
  }
  freeze(copy)
  return copy
}

const keyString = (namespace: string, name: string) => `${namespace}/${name}`

/** Builds a fresh, empty store. */
export const make: Effect.Effect<JobStoreService> = Effect.gen(function* () {
  const objects: Record<Kind, Map<string, Stored>> = { Job: new Map(), Pod: new Map() }
  const history: Change[] = []
  const changes = yield* PubSub.unbounded<Change>()
  const events = new Map<string, StoredEvent>()
  let version = 0

  // ---- the one way anything changes ----
  const commit = <A extends Stored>(kind: Kind, type: Change['type'], object: A): A => {
    version += 1
    const stored = snapshot({ ...object, metadata: { ...object.metadata, resourceVersion: String(version) } })
    const key = keyString(stored.metadata.namespace ?? 'default', stored.metadata.name ?? '')
    if (type === 'Deleted') objects[kind].delete(key)
    else objects[kind].set(key, stored)
    const change: Change = { version, kind, type, object: stored }
    history.push(change)
    if (history.length > HISTORY) history.shift()
    changes.unsafeOffer(change)
    return stored
  }

  /** Stores the new state, or removes the object once it is deleted and no finalizer holds it. */
  const save = <A extends Stored>(kind: Kind, next: A): A => {
    const meta = next.metadata
    const released = meta.deletionTimestamp !== undefined && (meta.finalizers ?? []).length === 0
    const podWaitsForKubelet = kind === 'Pod' && (meta.deletionGracePeriodSeconds ?? 0) > 0
    return commit(kind, released && !podWaitsForKubelet ? 'Deleted' : 'Modified', next)
  }

  const notFound = (kind: ResourceKind, key: ObjectKey) => new NotFound({ kind, namespace: key.namespace, name: key.name })
  const conflict = (kind: Kind, meta: ObjectMeta, detail: string) =>
    new Conflict({ kind, namespace: meta.namespace ?? 'default', name: meta.name ?? '', detail })
  const stale = (kind: Kind, meta: ObjectMeta) =>
    conflict(kind, meta, 'the object has been modified; please apply your changes to the latest version and try again')

  const find = <A extends Stored>(kind: Kind, key: ObjectKey): Effect.Effect<A, NotFound> =>
    Effect.suspend(() => {
      const found = objects[kind].get(keyString(key.namespace, key.name))
      return found === undefined ? Effect.fail(notFound(kind, key)) : Effect.succeed(found as A)
    })

  const list = <A extends Stored>(kind: Kind, options: ListOptions | undefined) =>
    Effect.sync(() => ({
      items: [...objects[kind].values()].filter(
        (o) =>
          (options?.namespace === undefined || o.metadata.namespace === options.namespace) &&
          (options?.labelSelector === undefined || matchesSelector(options.labelSelector, o.metadata.labels)),
      ) as A[],
      resourceVersion: String(version),
    }))

  const watch = <A extends Stored>(kind: Kind, options: WatchOptions | undefined): Stream.Stream<WatchEvent<A>, Gone> =>
    Stream.unwrapScoped(
      Effect.gen(function* () {
        // Subscribe first, then read the history: a change in between is in both and the
        // version filter drops the second copy.
        const live = yield* PubSub.subscribe(changes)
        let from = version
        let replay: Change[] = []
        if (options?.resourceVersion !== undefined) {
          from = /^\d+$/.test(options.resourceVersion) ? Number(options.resourceVersion) : -1
          const oldest = history[0]?.version ?? version + 1
          if (from < 0 || from > version || from < oldest - 1) return yield* Effect.fail(new Gone({ resourceVersion: options.resourceVersion }))
          replay = history.filter((c) => c.version > from)
        }
        const upTo = replay.at(-1)?.version ?? from
        const wanted = (c: Change) => c.kind === kind && (options?.namespace === undefined || c.object.metadata.namespace === options.namespace)
        return Stream.fromIterable(replay).pipe(
          Stream.concat(Stream.fromQueue(live).pipe(Stream.filter((c) => c.version > upTo))),
          Stream.filter(wanted),
          Stream.map((c): WatchEvent<A> => ({ type: c.type, object: c.object as A })),
        )
      }),
    )

  const randomName = (prefix: string) =>
    Effect.gen(function* () {
      let suffix = ''
      for (let i = 0; i < 5; i++) suffix += NAME_ALPHABET[yield* Random.nextIntBetween(0, NAME_ALPHABET.length)]
      return prefix.slice(0, 58) + suffix
    })

  /** The name to create under: the given one, or a free one generated from `generateName`. */
  const nameFor = (kind: Kind, meta: ObjectMeta | undefined, namespace: string) =>
    Effect.gen(function* () {
      if (meta?.name !== undefined && meta.name !== '') return meta.name
      if (meta?.generateName === undefined) return ''
      for (let attempt = 0; attempt < 8; attempt++) {
        const name = yield* randomName(meta.generateName)
        if (!objects[kind].has(keyString(namespace, name))) return name
      }
      return yield* randomName(meta.generateName)
    })

  const admitted = (name: string, result: FpEither<AdmissionError, Admitted>): Effect.Effect<Job, Invalid> =>
    result._tag === 'Right'
      ? Effect.succeed(result.right.job)
      : Effect.fail(new Invalid({ kind: 'Job', name, errors: result.left.errors, reason: result.left.message }))

  const deletionMark = (meta: ObjectMeta, nowMs: number, graceSeconds: number): ObjectMeta => ({
    ...meta,
    deletionTimestamp: formatTime(nowMs + graceSeconds * 1000),
    deletionGracePeriodSeconds: graceSeconds,
  })

  const withFinalizers = (meta: ObjectMeta, add: ReadonlyArray<string>, remove: ReadonlyArray<string>): ObjectMeta => {
    const finalizers = [...(meta.finalizers ?? []).filter((f) => !remove.includes(f))]
    for (const f of add) if (!finalizers.includes(f)) finalizers.push(f)
    const { finalizers: _old, ...rest } = meta
    return finalizers.length > 0 ? { ...rest, finalizers } : rest
  }

  const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

  // ---- Jobs ----
  const createJob: JobStoreService['createJob'] = (manifest) =>
    Effect.gen(function* () {
      const meta = (manifest as { metadata?: ObjectMeta } | null)?.metadata
      const namespace = meta?.namespace ?? 'default'
      const name = yield* nameFor('Job', meta, namespace)
      const body = { ...(manifest as object), metadata: { ...meta, name, namespace } }
      const job = yield* admitted(name, admitJobCreate(body, { uid: randomUUID(), now: yield* Clock.currentTimeMillis, namespace }))
      if (objects.Job.has(keyString(namespace, name))) return yield* Effect.fail(new AlreadyExists({ kind: 'Job', namespace, name }))
      return commit('Job', 'Added', job)
    })

  const updateJob: JobStoreService['updateJob'] = (incoming) =>
    Effect.gen(function* () {
      const key = { namespace: incoming.metadata.namespace ?? 'default', name: incoming.metadata.name ?? '' }
      const stored = yield* find<Job>('Job', key)
      const given = incoming.metadata.resourceVersion
      if (given !== undefined && given !== stored.metadata.resourceVersion) return yield* Effect.fail(stale('Job', stored.metadata))
      const job = yield* admitted(key.name, admitJobUpdate(stored, incoming))
      const next: Job = {
        ...job,
        metadata: {
          ...job.metadata,
          uid: stored.metadata.uid,
          creationTimestamp: stored.metadata.creationTimestamp,
          deletionTimestamp: stored.metadata.deletionTimestamp,
          deletionGracePeriodSeconds: stored.metadata.deletionGracePeriodSeconds,
          resourceVersion: stored.metadata.resourceVersion,
        },
      }
      return sameJson(next, stored) ? stored : save('Job', next)
    })

  const updateJobStatus: JobStoreService['updateJobStatus'] = (key, status, resourceVersion) =>
    Effect.gen(function* () {
      const stored = yield* find<Job>('Job', key)
      if (resourceVersion !== stored.metadata.resourceVersion) return yield* Effect.fail(stale('Job', stored.metadata))
      const job = yield* admitted(key.name, admitJobStatusUpdate(stored, status))
      return sameJson(job.status, stored.status) ? stored : commit('Job', 'Modified', { ...stored, status: job.status })
    })

  const removeJobFinalizer: JobStoreService['removeJobFinalizer'] = (key, finalizer) =>
    Effect.gen(function* () {
      const stored = yield* find<Job>('Job', key)
      if (!(stored.metadata.finalizers ?? []).includes(finalizer)) return
      save('Job', { ...stored, metadata: withFinalizers(stored.metadata, [], [finalizer]) })
    })

  const deleteJob: JobStoreService['deleteJob'] = (key, options) =>
    Effect.gen(function* () {
      const stored = yield* find<Job>('Job', key)
      const meta = stored.metadata
      if (options?.preconditionUid !== undefined && options.preconditionUid !== meta.uid) {
        return yield* Effect.fail(conflict('Job', meta, `Precondition failed: UID in precondition: ${options.preconditionUid}, UID in object meta: ${meta.uid ?? ''}`))
      }
      const held = meta.finalizers ?? []
      // R167: the request's policy, else the one an earlier DELETE left, else Orphan (batch/v1).
      const policy = options?.propagationPolicy ?? (held.includes(FOREGROUND) ? 'Foreground' : 'Orphan')
      const add = policy === 'Foreground' ? [FOREGROUND] : policy === 'Orphan' ? [ORPHAN] : []
      const marked = withFinalizers(meta, add, [FOREGROUND, ORPHAN].filter((f) => !add.includes(f)))
      if ((marked.finalizers ?? []).length === 0) {
        commit('Job', 'Deleted', stored)
        return
      }
      const nowMs = yield* Clock.currentTimeMillis
      const next = meta.deletionTimestamp === undefined ? { ...deletionMark(marked, nowMs, 0), generation: (meta.generation ?? 0) + 1 } : marked
      if (!sameJson(next, meta)) save('Job', { ...stored, metadata: next })
    })

  // ---- Pods ----
  const createPod: JobStoreService['createPod'] = (pod) =>
    Effect.gen(function* () {
      const namespace = pod.metadata.namespace ?? 'default'
      const name = yield* nameFor('Pod', pod.metadata, namespace)
      if (name.length === 0 || name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
        const error: FieldError =
          name === ''
            ? { _tag: 'Required', path: 'metadata.name', detail: 'name or generateName is required' }
            : { _tag: 'Invalid', path: 'metadata.name', value: name, detail: 'a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character' }
        return yield* Effect.fail(new Invalid({ kind: 'Pod', name, errors: [error], reason: `Pod ${JSON.stringify(name)} is invalid: ${renderFieldError(error)}` }))
      }
      if (objects.Pod.has(keyString(namespace, name))) return yield* Effect.fail(new AlreadyExists({ kind: 'Pod', namespace, name }))
      const { resourceVersion: _v, deletionTimestamp: _d, deletionGracePeriodSeconds: _g, ...meta } = pod.metadata
      const created: Pod = {
        ...pod,
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { ...meta, name, namespace, uid: randomUUID(), creationTimestamp: formatTime(yield* Clock.currentTimeMillis) },
        status: pod.status ?? { phase: 'Pending' },
      }
      return commit('Pod', 'Added', created)
    })

  const patchPodMetadata: JobStoreService['patchPodMetadata'] = (key, patch) =>
    Effect.gen(function* () {
      const stored = yield* find<Pod>('Pod', key)
      const meta = stored.metadata
      if (patch.expectUid !== undefined && patch.expectUid !== meta.uid) {
        return yield* Effect.fail(conflict('Pod', meta, `Precondition failed: UID in precondition: ${patch.expectUid}, UID in object meta: ${meta.uid ?? ''}`))
      }
      const adding = (patch.addFinalizers ?? []).filter((f) => !(meta.finalizers ?? []).includes(f))
      if (adding.length > 0 && meta.deletionTimestamp !== undefined) {
        const error: FieldError = { _tag: 'Forbidden', path: 'metadata.finalizers', detail: 'no new finalizers can be added if the object is being deleted' }
        return yield* Effect.fail(new Invalid({ kind: 'Pod', name: key.name, errors: [error], reason: `Pod "${key.name}" is invalid: ${renderFieldError(error)}` }))
      }
      let owners: ReadonlyArray<OwnerReference> = (meta.ownerReferences ?? []).filter((r) => r.uid !== patch.removeOwnerReferenceUid)
      const added = patch.addOwnerReference
      if (added !== undefined && !owners.some((r) => r.uid === added.uid)) owners = [...owners, added]
      const { ownerReferences: _o, ...rest } = withFinalizers(meta, patch.addFinalizers ?? [], patch.removeFinalizers ?? [])
      const next: ObjectMeta = owners.length > 0 ? { ...rest, ownerReferences: owners } : rest
      return sameJson(next, meta) ? stored : save('Pod', { ...stored, metadata: next })
    })

  const bindPod: JobStoreService['bindPod'] = (key, nodeName) =>
    Effect.gen(function* () {
      const stored = yield* find<Pod>('Pod', key)
      if (stored.metadata.deletionTimestamp !== undefined) return yield* Effect.fail(conflict('Pod', stored.metadata, 'the pod is being deleted'))
      if ((stored.spec.nodeName ?? '') !== '') return yield* Effect.fail(conflict('Pod', stored.metadata, `pod ${key.name} is already assigned to node "${stored.spec.nodeName}"`))
      const now = formatTime(yield* Clock.currentTimeMillis)
      const conditions = [...(stored.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled'), { type: 'PodScheduled', status: 'True' as const, lastTransitionTime: now }]
      return commit('Pod', 'Modified', { ...stored, spec: { ...stored.spec, nodeName }, status: { ...stored.status, conditions } })
    })

  const updatePodStatus: JobStoreService['updatePodStatus'] = (key, status, resourceVersion) =>
    Effect.gen(function* () {
      const stored = yield* find<Pod>('Pod', key)
      if (resourceVersion !== undefined && resourceVersion !== stored.metadata.resourceVersion) return yield* Effect.fail(stale('Pod', stored.metadata))
      return sameJson(status, stored.status) ? stored : commit('Pod', 'Modified', { ...stored, status })
    })

  const deletePod: JobStoreService['deletePod'] = (key, options?: DeleteOptions) =>
    Effect.gen(function* () {
      const stored = yield* find<Pod>('Pod', key)
      const meta = stored.metadata
      if (options?.preconditionUid !== undefined && options.preconditionUid !== meta.uid) {
        return yield* Effect.fail(conflict('Pod', meta, `Precondition failed: UID in precondition: ${options.preconditionUid}, UID in object meta: ${meta.uid ?? ''}`))
      }
      // Graceful deletion: an unbound or finished pod goes at once; a running one waits for its kubelet.
      const phase = stored.status?.phase
      const unbound = (stored.spec.nodeName ?? '') === ''
      const requested = options?.gracePeriodSeconds ?? stored.spec.terminationGracePeriodSeconds ?? 30
      const grace = unbound || phase === 'Succeeded' || phase === 'Failed' ? 0 : Math.max(0, Math.floor(requested))
      const nowMs = yield* Clock.currentTimeMillis
      if (meta.deletionTimestamp === undefined) {
        if (grace === 0 && (meta.finalizers ?? []).length === 0) {
          commit('Pod', 'Deleted', stored)
          return
        }
        commit('Pod', 'Modified', { ...stored, metadata: deletionMark(meta, nowMs, grace) })
        return
      }
      const current = meta.deletionGracePeriodSeconds ?? 0
      if (grace >= current) return
      const requestedAt = (parseTime(meta.deletionTimestamp) ?? nowMs) - current * 1000
      save('Pod', { ...stored, metadata: deletionMark(meta, requestedAt, grace) })
    })

  // ---- Events ----
  const recordEvent: JobStoreService['recordEvent'] = (event) =>
    Effect.map(Clock.currentTimeMillis, (nowMs) => {
      const now = formatTime(nowMs)
      const key = JSON.stringify([event.namespace, event.involvedObject, event.type, event.reason, event.message, event.source])
      const previous = events.get(key)
      events.delete(key)
      events.set(key, previous === undefined ? { ...event, firstTimestamp: now, lastTimestamp: now, count: 1 } : { ...previous, lastTimestamp: now, count: previous.count + 1 })
    })

  const listEvents: JobStoreService['listEvents'] = (options) =>
    Effect.sync(() =>
      [...events.values()].filter(
        (e) => e.namespace === options.namespace && (options.involvedObjectName === undefined || e.involvedObject.name === options.involvedObjectName),
      ),
    )

  return {
    getJob: (key) => find<Job>('Job', key),
    listJobs: (options) => list<Job>('Job', options),
    createJob,
    updateJob,
    updateJobStatus,
    removeJobFinalizer,
    deleteJob,
    watchJobs: (options) => watch<Job>('Job', options),
    getPod: (key) => find<Pod>('Pod', key),
    listPods: (options) => list<Pod>('Pod', options),
    createPod,
    patchPodMetadata,
    bindPod,
    updatePodStatus,
    deletePod,
    watchPods: (options) => watch<Pod>('Pod', options),
    recordEvent,
    listEvents,
  }
})

/** The `JobStore` port backed by a fresh `MapStore`. */
export const layer: Layer.Layer<JobStore> = Layer.effect(JobStore, make)
