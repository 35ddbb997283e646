// @ts-check
/**
 * A small `JobStore` of its own, written only against the port: two plain `Map`s, one
 * resourceVersion counter, an array of recent changes for watches, and a `PubSub` to fan them
 * out. It shows what a backend must do to pass the conformance suite — the API server's
 * generic object rules (uids, generated names, optimistic concurrency, finalizers, graceful
 * pod deletion, cascading-deletion finalizers, watches that resume from a resourceVersion,
 * events kept by name) — and leaves Job decoding, defaulting and validation to `core/model`'s
 * admission functions, as any backend should.
 *
 * Not tuned for size: lists scan everything, changes are copied through JSON.
 *
 * Plain JavaScript, as a package user writes it: it imports only the package's public entry
 * points, and its JSDoc types let editors and `tsc` check it (`// @ts-check`).
 */
import { randomUUID } from 'node:crypto'
import { Clock, Effect, Layer, PubSub, Random, Stream } from 'effect'
import { admitJobCreate, admitJobStatusUpdate, admitJobUpdate, formatTime, matchesSelector, parseTime, renderFieldError } from 'job-reconciler/core'
import { AlreadyExists, Conflict, Gone, Invalid, JobStore, NotFound, SizeLimits } from 'job-reconciler/adapters'

/** @import { FieldError, Job, ObjectMeta, OwnerReference, Pod } from 'job-reconciler/core' */
/** @import { JobStoreService, ListOptions, ListResult, ObjectKey, ResourceKind, StoredEvent, WatchEvent, WatchOptions } from 'job-reconciler/adapters' */

const FOREGROUND = 'foregroundDeletion'
const ORPHAN = 'orphan'
/** How many changes a watch can replay; older resourceVersions are `Gone`. */
const HISTORY = 5_000
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789'
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

/** @typedef {{ readonly Job: Job, readonly Pod: Pod }} ByKind The object each kind stores. */
/** @typedef {keyof ByKind} Kind */
/** @typedef {Job | Pod} Stored */

/**
 * @typedef {object} Change
 * @property {number} version
 * @property {Kind} kind
 * @property {'Added' | 'Modified' | 'Deleted'} type
 * @property {Stored} object
 */

/** @typedef {ReturnType<typeof admitJobCreate>} Admission What the admission functions decide. */

/**
 * A JSON copy, frozen: what the store keeps and hands out (no shared mutable state, no `undefined` members).
 * @template A
 * @param {A} value
 * @returns {A}
 */
function snapshot(value) {
  const copy = /** @type {A} */ (JSON.parse(JSON.stringify(value)))
  /** @param {unknown} v */
  const freeze = (v) => {
    if (typeof v !== 'object' || v === null) return
    Object.freeze(v)
    for (const item of Object.values(v)) freeze(item)
  }
  freeze(copy)
  return copy
}

/**
 * @param {string} namespace
 * @param {string} name
 */
const keyString = (namespace, name) => `${namespace}/${name}`

/**
 * Builds a fresh, empty store.
 * @type {Effect.Effect<JobStoreService>}
 */
export const make = Effect.gen(function* () {
  /** @type {{ readonly [K in Kind]: Map<string, ByKind[K]> }} */
  const objects = { Job: new Map(), Pod: new Map() }
  /** @type {Change[]} */
  const history = []
  const changes = yield* /** @type {Effect.Effect<PubSub.PubSub<Change>>} */ (PubSub.unbounded())
  /** @type {Map<string, StoredEvent>} */
  const events = new Map()
  let version = 0

  // ---- the one way anything changes ----
  /**
   * @template {Kind} K
   * @param {K} kind
   * @param {Change['type']} type
   * @param {ByKind[K]} object
   * @returns {ByKind[K]}
   */
  const commit = (kind, type, object) => {
    version += 1
    const stored = snapshot({ ...object, metadata: { ...object.metadata, resourceVersion: String(version) } })
    const key = keyString(stored.metadata.namespace ?? 'default', stored.metadata.name ?? '')
    if (type === 'Deleted') objects[kind].delete(key)
    else objects[kind].set(key, stored)
    /** @type {Change} */
    const change = { version, kind, type, object: stored }
    history.push(change)
    if (history.length > HISTORY) history.shift()
    changes.unsafeOffer(change)
    return stored
  }

  /**
   * Stores the new state, or removes the object once it is deleted and no finalizer holds it.
   * @template {Kind} K
   * @param {K} kind
   * @param {ByKind[K]} next
   * @returns {ByKind[K]}
   */
  const save = (kind, next) => {
    const meta = next.metadata
    const released = meta.deletionTimestamp !== undefined && (meta.finalizers ?? []).length === 0
    const podWaitsForKubelet = kind === 'Pod' && (meta.deletionGracePeriodSeconds ?? 0) > 0
    return commit(kind, released && !podWaitsForKubelet ? 'Deleted' : 'Modified', next)
  }

  /**
   * @param {ResourceKind} kind
   * @param {ObjectKey} key
   */
  const notFound = (kind, key) => new NotFound({ kind, namespace: key.namespace, name: key.name })
  /**
   * @param {Kind} kind
   * @param {ObjectMeta} meta
   * @param {string} detail
   */
  const conflict = (kind, meta, detail) =>
    new Conflict({ kind, namespace: meta.namespace ?? 'default', name: meta.name ?? '', detail })
  /**
   * @param {Kind} kind
   * @param {ObjectMeta} meta
   */
  const stale = (kind, meta) =>
    conflict(kind, meta, 'the object has been modified; please apply your changes to the latest version and try again')

  /**
   * @template {Kind} K
   * @param {K} kind
   * @param {ObjectKey} key
   * @returns {Effect.Effect<ByKind[K], NotFound>}
   */
  const find = (kind, key) =>
    Effect.suspend(() => {
      const found = objects[kind].get(keyString(key.namespace, key.name))
      return found === undefined ? Effect.fail(notFound(kind, key)) : Effect.succeed(found)
    })

  /**
   * @template {Kind} K
   * @param {K} kind
   * @param {ListOptions | undefined} options
   * @returns {Effect.Effect<ListResult<ByKind[K]>>}
   */
  const list = (kind, options) =>
    Effect.sync(() => ({
      items: [...objects[kind].values()].filter(
        (o) =>
          (options?.namespace === undefined || o.metadata.namespace === options.namespace) &&
          (options?.labelSelector === undefined || matchesSelector(options.labelSelector, o.metadata.labels)),
      ),
      resourceVersion: String(version),
    }))

  /**
   * @template {Kind} K
   * @param {K} kind
   * @param {WatchOptions | undefined} options
   * @returns {Stream.Stream<WatchEvent<ByKind[K]>, Gone>}
   */
  const watch = (kind, options) =>
    Stream.unwrapScoped(
      Effect.gen(function* () {
        // Subscribe first, then read the history: a change in between is in both and the
        // version filter drops the second copy.
        const live = yield* PubSub.subscribe(changes)
        let from = version
        /** @type {Change[]} */
        let replay = []
        if (options?.resourceVersion !== undefined) {
          from = /^\d+$/.test(options.resourceVersion) ? Number(options.resourceVersion) : -1
          const oldest = history[0]?.version ?? version + 1
          if (from < 0 || from > version || from < oldest - 1) return yield* Effect.fail(new Gone({ resourceVersion: options.resourceVersion }))
          replay = history.filter((c) => c.version > from)
        }
        const upTo = replay.at(-1)?.version ?? from
        /** @param {Change} c */
        const wanted = (c) => c.kind === kind && (options?.namespace === undefined || c.object.metadata.namespace === options.namespace)
        return Stream.fromIterable(replay).pipe(
          Stream.concat(Stream.fromQueue(live).pipe(Stream.filter((c) => c.version > upTo))),
          Stream.filter(wanted),
          // `wanted` kept only changes of this kind.
          Stream.map((c) => /** @type {WatchEvent<ByKind[K]>} */ ({ type: c.type, object: c.object })),
        )
      }),
    )

  /** @param {string} prefix */
  const randomName = (prefix) =>
    Effect.gen(function* () {
      let suffix = ''
      for (let i = 0; i < 5; i++) suffix += NAME_ALPHABET[yield* Random.nextIntBetween(0, NAME_ALPHABET.length)]
      return prefix.slice(0, 58) + suffix
    })

  /**
   * The name to create under: the given one, or a free one generated from `generateName`.
   * @param {Kind} kind
   * @param {ObjectMeta | undefined} meta
   * @param {string} namespace
   * @returns {Effect.Effect<string>}
   */
  const nameFor = (kind, meta, namespace) =>
    Effect.gen(function* () {
      if (meta?.name !== undefined && meta.name !== '') return meta.name
      if (meta?.generateName === undefined) return ''
      for (let attempt = 0; attempt < 8; attempt++) {
        const name = yield* randomName(meta.generateName)
        if (!objects[kind].has(keyString(namespace, name))) return name
      }
      return yield* randomName(meta.generateName)
    })

  /**
   * @param {string} name
   * @param {Admission} result
   * @returns {Effect.Effect<Job, Invalid>}
   */
  const admitted = (name, result) =>
    result._tag === 'Right'
      ? Effect.succeed(result.right.job)
      : Effect.fail(new Invalid({ kind: 'Job', name, errors: result.left.errors, reason: result.left.message }))

  /**
   * @param {ObjectMeta} meta
   * @param {number} nowMs
   * @param {number} graceSeconds
   * @returns {ObjectMeta}
   */
  const deletionMark = (meta, nowMs, graceSeconds) => ({
    ...meta,
    deletionTimestamp: formatTime(nowMs + graceSeconds * 1000),
    deletionGracePeriodSeconds: graceSeconds,
  })

  /**
   * @param {ObjectMeta} meta
   * @param {ReadonlyArray<string>} add
   * @param {ReadonlyArray<string>} remove
   * @returns {ObjectMeta}
   */
  const withFinalizers = (meta, add, remove) => {
    const finalizers = [...(meta.finalizers ?? []).filter((f) => !remove.includes(f))]
    for (const f of add) if (!finalizers.includes(f)) finalizers.push(f)
    const { finalizers: _old, ...rest } = meta
    return finalizers.length > 0 ? { ...rest, finalizers } : rest
  }

  /**
   * @param {unknown} a
   * @param {unknown} b
   */
  const sameJson = (a, b) => JSON.stringify(a) === JSON.stringify(b)

  // ---- Jobs ----
  /** @type {JobStoreService['createJob']} */
  const createJob = (manifest) =>
    Effect.gen(function* () {
      // A cluster refuses a body over 3 MiB before it reads it (413).
      const tooLarge = SizeLimits.requestTooLarge(SizeLimits.requestTarget('Job', manifest), manifest)
      if (tooLarge !== undefined) return yield* Effect.fail(tooLarge)
      const meta = /** @type {{ metadata?: ObjectMeta } | null} */ (manifest)?.metadata
      const namespace = meta?.namespace ?? 'default'
      const name = yield* nameFor('Job', meta, namespace)
      const body = { .../** @type {object} */ (manifest), metadata: { ...meta, name, namespace } }
      const job = yield* admitted(name, admitJobCreate(body, { uid: randomUUID(), now: yield* Clock.currentTimeMillis, namespace }))
      if (objects.Job.has(keyString(namespace, name))) return yield* Effect.fail(new AlreadyExists({ kind: 'Job', namespace, name }))
      return commit('Job', 'Added', job)
    })

  /** @type {JobStoreService['updateJob']} */
  const updateJob = (incoming) =>
    Effect.gen(function* () {
      const key = { namespace: incoming.metadata.namespace ?? 'default', name: incoming.metadata.name ?? '' }
      const tooLarge = SizeLimits.requestTooLarge(SizeLimits.requestTarget('Job', incoming, key), incoming)
      if (tooLarge !== undefined) return yield* Effect.fail(tooLarge)
      const stored = yield* find('Job', key)
      const given = incoming.metadata.resourceVersion
      if (given !== undefined && given !== stored.metadata.resourceVersion) return yield* Effect.fail(stale('Job', stored.metadata))
      const job = yield* admitted(key.name, admitJobUpdate(stored, incoming))
      /** @type {Job} */
      const next = {
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

  /** @type {JobStoreService['updateJobStatus']} */
  const updateJobStatus = (key, status, resourceVersion) =>
    Effect.gen(function* () {
      const stored = yield* find('Job', key)
      if (resourceVersion !== stored.metadata.resourceVersion) return yield* Effect.fail(stale('Job', stored.metadata))
      const job = yield* admitted(key.name, admitJobStatusUpdate(stored, status))
      return sameJson(job.status, stored.status) ? stored : commit('Job', 'Modified', { ...stored, status: job.status })
    })

  /** @type {JobStoreService['removeJobFinalizer']} */
  const removeJobFinalizer = (key, finalizer) =>
    Effect.gen(function* () {
      const stored = yield* find('Job', key)
      if (!(stored.metadata.finalizers ?? []).includes(finalizer)) return
      save('Job', { ...stored, metadata: withFinalizers(stored.metadata, [], [finalizer]) })
    })

  /** @type {JobStoreService['deleteJob']} */
  const deleteJob = (key, options) =>
    Effect.gen(function* () {
      const stored = yield* find('Job', key)
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
  /** @type {JobStoreService['createPod']} */
  const createPod = (pod) =>
    Effect.gen(function* () {
      const namespace = pod.metadata.namespace ?? 'default'
      const name = yield* nameFor('Pod', pod.metadata, namespace)
      if (name.length === 0 || name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
        /** @type {FieldError} */
        const error =
          name === ''
            ? { _tag: 'Required', path: 'metadata.name', detail: 'name or generateName is required' }
            : { _tag: 'Invalid', path: 'metadata.name', value: name, detail: 'a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character' }
        return yield* Effect.fail(new Invalid({ kind: 'Pod', name, errors: [error], reason: `Pod ${JSON.stringify(name)} is invalid: ${renderFieldError(error)}` }))
      }
      if (objects.Pod.has(keyString(namespace, name))) return yield* Effect.fail(new AlreadyExists({ kind: 'Pod', namespace, name }))
      const { resourceVersion: _v, deletionTimestamp: _d, deletionGracePeriodSeconds: _g, ...meta } = pod.metadata
      /** @type {Pod} */
      const created = {
        ...pod,
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { ...meta, name, namespace, uid: randomUUID(), creationTimestamp: formatTime(yield* Clock.currentTimeMillis) },
        status: pod.status ?? { phase: 'Pending' },
      }
      return commit('Pod', 'Added', created)
    })

  /** @type {JobStoreService['patchPodMetadata']} */
  const patchPodMetadata = (key, patch) =>
    Effect.gen(function* () {
      const stored = yield* find('Pod', key)
      const meta = stored.metadata
      if (patch.expectUid !== undefined && patch.expectUid !== meta.uid) {
        return yield* Effect.fail(conflict('Pod', meta, `Precondition failed: UID in precondition: ${patch.expectUid}, UID in object meta: ${meta.uid ?? ''}`))
      }
      const adding = (patch.addFinalizers ?? []).filter((f) => !(meta.finalizers ?? []).includes(f))
      if (adding.length > 0 && meta.deletionTimestamp !== undefined) {
        /** @type {FieldError} */
        const error = { _tag: 'Forbidden', path: 'metadata.finalizers', detail: 'no new finalizers can be added if the object is being deleted' }
        return yield* Effect.fail(new Invalid({ kind: 'Pod', name: key.name, errors: [error], reason: `Pod "${key.name}" is invalid: ${renderFieldError(error)}` }))
      }
      /** @type {ReadonlyArray<OwnerReference>} */
      let owners = (meta.ownerReferences ?? []).filter((r) => r.uid !== patch.removeOwnerReferenceUid)
      const added = patch.addOwnerReference
      if (added !== undefined && !owners.some((r) => r.uid === added.uid)) owners = [...owners, added]
      const { ownerReferences: _o, ...rest } = withFinalizers(meta, patch.addFinalizers ?? [], patch.removeFinalizers ?? [])
      /** @type {ObjectMeta} */
      const next = owners.length > 0 ? { ...rest, ownerReferences: owners } : rest
      return sameJson(next, meta) ? stored : save('Pod', { ...stored, metadata: next })
    })

  /** @type {JobStoreService['bindPod']} */
  const bindPod = (key, nodeName) =>
    Effect.gen(function* () {
      const stored = yield* find('Pod', key)
      if (stored.metadata.deletionTimestamp !== undefined) return yield* Effect.fail(conflict('Pod', stored.metadata, 'the pod is being deleted'))
      if ((stored.spec.nodeName ?? '') !== '') return yield* Effect.fail(conflict('Pod', stored.metadata, `pod ${key.name} is already assigned to node "${stored.spec.nodeName}"`))
      const now = formatTime(yield* Clock.currentTimeMillis)
      const conditions = [...(stored.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled'), { type: 'PodScheduled', status: /** @type {const} */ ('True'), lastTransitionTime: now }]
      return commit('Pod', 'Modified', { ...stored, spec: { ...stored.spec, nodeName }, status: { ...stored.status, conditions } })
    })

  /** @type {JobStoreService['updatePodStatus']} */
  const updatePodStatus = (key, status, resourceVersion) =>
    Effect.gen(function* () {
      const stored = yield* find('Pod', key)
      if (resourceVersion !== undefined && resourceVersion !== stored.metadata.resourceVersion) return yield* Effect.fail(stale('Pod', stored.metadata))
      return sameJson(status, stored.status) ? stored : commit('Pod', 'Modified', { ...stored, status })
    })

  /** @type {JobStoreService['deletePod']} */
  const deletePod = (key, options) =>
    Effect.gen(function* () {
      const stored = yield* find('Pod', key)
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
  // The recorder in the controller counts and aggregates events (as client-go's does); the
  // store only keeps them by name, as the API server does.
  let lastEventNanos = 0n
  /** @type {JobStoreService['createEvent']} */
  const createEvent = (event) =>
    Effect.map(Clock.currentTimeMillis, (nowMs) => {
      const nanos = BigInt(nowMs) * 1_000_000n
      lastEventNanos = nanos > lastEventNanos ? nanos : lastEventNanos + 1n
      const stored = { ...event, name: `${event.involvedObject.name}.${lastEventNanos.toString(16)}` }
      events.set(`${event.namespace}/${stored.name}`, stored)
      return stored
    })

  /** @type {JobStoreService['patchEvent']} */
  const patchEvent = (key, update) =>
    Effect.suspend(() => {
      const previous = events.get(`${key.namespace}/${key.name}`)
      if (previous === undefined) return Effect.fail(notFound('Event', key))
      const patched = { ...previous, ...update }
      events.delete(`${key.namespace}/${key.name}`)
      events.set(`${key.namespace}/${key.name}`, patched)
      return Effect.succeed(patched)
    })

  /** @type {JobStoreService['listEvents']} */
  const listEvents = (options) =>
    Effect.sync(() =>
      [...events.values()].filter(
        (e) => e.namespace === options.namespace && (options.involvedObjectName === undefined || e.involvedObject.name === options.involvedObjectName),
      ),
    )

  return {
    getJob: (key) => find('Job', key),
    listJobs: (options) => list('Job', options),
    createJob,
    updateJob,
    updateJobStatus,
    removeJobFinalizer,
    deleteJob,
    watchJobs: (options) => watch('Job', options),
    getPod: (key) => find('Pod', key),
    listPods: (options) => list('Pod', options),
    createPod,
    patchPodMetadata,
    bindPod,
    updatePodStatus,
    deletePod,
    watchPods: (options) => watch('Pod', options),
    createEvent,
    patchEvent,
    listEvents,
  }
})

/**
 * The `JobStore` port backed by a fresh `MapStore`.
 * @type {Layer.Layer<JobStore>}
 */
export const layer = Layer.effect(JobStore, make)
