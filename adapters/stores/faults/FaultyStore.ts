/**
 * A `JobStore` that goes wrong on purpose, around any store: conflicts, transient errors,
 * timeouts, writes applied but reported failed, creates refused with 403 or 422, watch events
 * delayed, duplicated or dropped (the watch then ends with `410 Gone`), and a controller crash
 * right after a chosen write. Everything is decided by a deterministic `FaultSchedule`, so a
 * failing case replays.
 *
 * ```ts
 * // the controller sees a faulty store; everything else (the kubelet, the test) the real one
 * const faults = yield* FaultyStore.make({ schedule: seeded(42, { unavailable: 0.05 }) })
 * const connection = yield* faults.connect
 * yield* Controller.start().pipe(Effect.provideService(JobStore, connection.store))
 * ```
 *
 * A crash: once a crash point's write has landed in the store, the connection that made it is
 * dead, as if its process had been killed at that moment: that call and every later or
 * unfinished one on it never return, its watches deliver nothing more, and `awaitCrash`
 * completes. Whoever supervises the controller stops it and starts a new one on a new
 * connection (`connect`), which sees the same store and the same schedule, counting on.
 */
import { Context, Deferred, Duration, Effect, FiberId, Layer, Stream } from 'effect'
import { renderFieldError, required } from '../../../core/model/fieldErrors.js'
import { goQuote } from '../../../core/model/fieldErrors.js'
import type { ObjectMeta, Pod } from '../../../core/model/types.js'
import { Conflict, Gone, Invalid, StoreUnavailable } from '../../ports/errors.js'
import type { ResourceKind } from '../../ports/errors.js'
import { JobStore } from '../../ports/JobStore.js'
import type { JobStoreService, ObjectKey, WatchEvent, WatchOptions } from '../../ports/JobStore.js'
import type { CallFault, FaultSchedule, Operation, WatchFault, WatchOperation } from './schedule.js'
import { appliesTo } from './schedule.js'
import { manifestNames } from '../store-kit/objectMeta.js'

/** A controller crash right after a write has landed: the `afterWrite`th write (of `operation`, or of any). */
export interface CrashPoint {
  readonly operation?: Operation
  readonly afterWrite: number
}

/** What goes wrong, and when. */
export interface FaultPlan {
  readonly schedule: FaultSchedule
  readonly crashes?: ReadonlyArray<CrashPoint>
  /** How long a `timeout` fault hangs before it fails. Default 10 s. */
  readonly timeout?: Duration.DurationInput
  /** How late a `delay` fault delivers a watch event. Default 500 ms. */
  readonly watchDelay?: Duration.DurationInput
  /** No more faults (crashes apart) once this many were injected. Default: no limit. */
  readonly maxFaults?: number
}

/** Every kind of fault, as the statistics count them. */
export type FaultKind = CallFault | `watch-${WatchFault}`

/** What the wrapper did so far. */
export interface FaultStats {
  /** Calls through the wrapper (watch starts included, watch events not). */
  readonly calls: number
  /** Writes that landed in the store, acknowledged or not. */
  readonly writes: number
  readonly faults: Readonly<Record<FaultKind, number>>
  readonly crashes: number
}

/** The store as one controller process sees it. */
export interface FaultyConnection {
  readonly store: JobStoreService
  readonly crashed: () => boolean
  /** Completes when this connection's controller crashes. */
  readonly awaitCrash: Effect.Effect<void>
}

/** The handle on a fault-injecting wrapper. */
export interface FaultInjectorService {
  /** A new connection (a new controller process) to the underlying store, through the faults. */
  readonly connect: Effect.Effect<FaultyConnection>
  readonly stats: () => FaultStats
  /** Uids of the pods created by a write whose answer was lost (`lostAck`): their creator was told it failed. */
  readonly unacknowledgedPods: () => ReadonlySet<string>
  /** Names of the pods a deletion or metadata patch of which was refused or failed without effect (the pod is still there). */
  readonly podsWithRefusedCalls: () => ReadonlySet<string>
}

/** The wrapper's handle, provided by `layer` beside the faulty `JobStore`. */
export class FaultInjector extends Context.Tag('job-reconciler/FaultInjector')<FaultInjector, FaultInjectorService>() {}

const FAULT_KINDS: ReadonlyArray<FaultKind> = [
  'conflict',
  'unavailable',
  'timeout',
  'lostAck',
  'forbidden',
  'invalid',
  'watch-delay',
  'watch-duplicate',
  'watch-dropThenGone',
]

/** Sums statistics (of several runs). */
export function addStats(a: FaultStats, b: FaultStats): FaultStats {
  const faults = {} as Record<FaultKind, number>
  for (const kind of FAULT_KINDS) faults[kind] = a.faults[kind] + b.faults[kind]
  return { calls: a.calls + b.calls, writes: a.writes + b.writes, faults, crashes: a.crashes + b.crashes }
}

/** No calls, no faults. */
export const emptyStats: FaultStats = {
  calls: 0,
  writes: 0,
  faults: Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>,
  crashes: 0,
}

/** A fault-injecting wrapper around the `JobStore` in context. */
export const make = (plan: FaultPlan): Effect.Effect<FaultInjectorService, never, JobStore> =>
  Effect.map(JobStore, (inner) => makeAround(inner, plan))

/**
 * Provides a faulty `JobStore` (one connection) around the `JobStore` it is given, and the
 * `FaultInjector` handle (statistics, new connections after a crash).
 *
 *   Controller.start().pipe(Effect.provide(FaultyStore.layer(plan).pipe(Layer.provideMerge(MemoryStore.layer))))
 */
export const layer = (plan: FaultPlan): Layer.Layer<JobStore | FaultInjector, never, JobStore> =>
  Layer.effectContext(
    Effect.gen(function* () {
      const injector = yield* make(plan)
      const connection = yield* injector.connect
      return Context.make(FaultInjector, injector).pipe(Context.add(JobStore, connection.store))
    }),
  )

/** The wrapper around a given store. */
export function makeAround(inner: JobStoreService, plan: FaultPlan): FaultInjectorService {
  const timeout = Duration.decode(plan.timeout ?? '10 seconds')
  const watchDelay = Duration.decode(plan.watchDelay ?? '500 millis')
  const faults = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>
  let calls = 0
  let writes = 0
  let crashes = 0
  let injected = 0
  const callsByOperation = new Map<Operation, number>()
  const writesByOperation = new Map<Operation, number>()
  const eventsByWatch = new Map<WatchOperation, number>()
  const unacknowledgedPods = new Set<string>()
  const podsWithRefusedCalls = new Set<string>()

  const withinBudget = (): boolean => plan.maxFaults === undefined || injected < plan.maxFaults
  const count = (kind: FaultKind): void => {
    faults[kind]++
    injected++
  }

  /** The fault of the next call of `operation`, if it applies there and the budget allows. */
  const nextFault = (operation: Operation): CallFault | undefined => {
    calls++
    const operationNumber = (callsByOperation.get(operation) ?? 0) + 1
    callsByOperation.set(operation, operationNumber)
    const fault = plan.schedule.onCall({ operation, operationNumber, number: calls })
    if (fault === undefined || !appliesTo(fault, operation) || !withinBudget()) return undefined
    count(fault)
    return fault
  }

  /** Counts a landed write; true when it is a crash point. */
  const landed = (operation: Operation): boolean => {
    writes++
    const ofOperation = (writesByOperation.get(operation) ?? 0) + 1
    writesByOperation.set(operation, ofOperation)
    return (plan.crashes ?? []).some((point) =>
      point.operation === undefined ? point.afterWrite === writes : point.operation === operation && point.afterWrite === ofOperation,
    )
  }

  const connect = Effect.sync((): FaultyConnection => {
    let dead = false
    const died = Deferred.unsafeMake<void>(FiberId.none)
    const die = (): Effect.Effect<never> => {
      if (!dead) {
        dead = true
        crashes++
        Deferred.unsafeDone(died, Effect.void)
      }
      return Effect.never
    }
    /** A dead process neither sends nor hears anything. */
    const alive = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> =>
      Effect.suspend(() => (dead ? Effect.never : Effect.flatMap(effect, (value) => (dead ? Effect.never : Effect.succeed(value)))))

    const transient = (operation: Operation, fault: 'unavailable' | 'timeout'): Effect.Effect<never, StoreUnavailable> =>
      fault === 'unavailable'
        ? Effect.fail(new StoreUnavailable({ reason: `${operation}: injected fault: the server is currently unable to handle the request` }))
        : Effect.zipRight(
            Effect.sleep(timeout),
            Effect.fail(new StoreUnavailable({ reason: `${operation}: injected fault: no answer within ${Duration.format(timeout)}` })),
          )

    /** A read: it may fail transiently or time out. */
    const read = <A, E>(operation: Operation, effect: Effect.Effect<A, E>): Effect.Effect<A, E | StoreUnavailable> =>
      alive(
        Effect.suspend((): Effect.Effect<A, E | StoreUnavailable> => {
          const fault = nextFault(operation)
          return fault === 'unavailable' || fault === 'timeout' ? transient(operation, fault) : effect
        }),
      )

    /**
     * A write: besides transient failures, a versioned one may be refused as stale, a create
     * refused by admission, and an applied one reported failed; a landed one may be the crash.
     */
    const write = <A, E>(
      operation: Operation,
      target: () => { readonly kind: ResourceKind; readonly key: ObjectKey },
      effect: Effect.Effect<A, E>,
      onLostAck?: (value: A) => void,
      onRefused?: () => void,
    ): Effect.Effect<A, E | Conflict | Invalid | StoreUnavailable> =>
      alive(
        Effect.suspend((): Effect.Effect<A, E | Conflict | Invalid | StoreUnavailable> => {
          const fault = nextFault(operation)
          if (fault !== undefined && fault !== 'lostAck') onRefused?.()
          switch (fault) {
            case 'unavailable':
            case 'timeout':
              return transient(operation, fault)
            case 'conflict':
            case 'forbidden':
            case 'invalid':
              return Effect.fail(refusal(fault, target()))
            case 'lostAck':
            case undefined:
              return Effect.flatMap(effect, (value) => {
                if (dead) return Effect.never
                if (landed(operation)) return die()
                if (fault !== 'lostAck') return Effect.succeed(value)
                onLostAck?.(value)
                return Effect.fail(new StoreUnavailable({ reason: `${operation}: injected fault: the connection was lost before the answer came` }))
              })
          }
        }),
      )

    const watch =
      <A extends { readonly metadata: ObjectMeta }>(
        operation: WatchOperation,
        open: (options?: WatchOptions) => Stream.Stream<WatchEvent<A>, Gone | StoreUnavailable>,
      ) =>
      (options?: WatchOptions): Stream.Stream<WatchEvent<A>, Gone | StoreUnavailable> =>
        Stream.unwrap(
          read(
            operation,
            Effect.sync(() =>
              open(options).pipe(Stream.flatMap((event) => watchEvent(operation, event), { switch: false })),
            ),
          ),
        )

    const watchEvent = <A extends { readonly metadata: ObjectMeta }>(
      operation: WatchOperation,
      event: WatchEvent<A>,
    ): Stream.Stream<WatchEvent<A>, Gone> => {
      if (dead) return Stream.fromEffect(Effect.never)
      if (event.type === 'Bookmark') return Stream.succeed(event)
      const eventNumber = (eventsByWatch.get(operation) ?? 0) + 1
      eventsByWatch.set(operation, eventNumber)
      const fault = plan.schedule.onWatchEvent({ operation, eventNumber })
      if (fault === undefined || !withinBudget()) return Stream.succeed(event)
      count(`watch-${fault}`)
      switch (fault) {
        case 'delay':
          return Stream.fromEffect(Effect.as(Effect.sleep(watchDelay), event))
        case 'duplicate':
          return Stream.make(event, event)
        case 'dropThenGone':
          return Stream.fail(new Gone({ resourceVersion: event.object.metadata.resourceVersion ?? '' }))
      }
    }

    const job = (key: ObjectKey) => () => ({ kind: 'Job' as const, key })
    const pod = (key: ObjectKey) => () => ({ kind: 'Pod' as const, key })
    const podOf = (created: Pod) => () => ({
      kind: 'Pod' as const,
      key: { namespace: created.metadata.namespace ?? 'default', name: created.metadata.name ?? created.metadata.generateName ?? '' },
    })
    const jobOfManifest = (manifest: unknown) => () => ({ kind: 'Job' as const, key: manifestKey(manifest) })

    const store: JobStoreService = {
      getJob: (key) => read('getJob', inner.getJob(key)),
      listJobs: (options) => read('listJobs', inner.listJobs(options)),
      createJob: (manifest) => write('createJob', jobOfManifest(manifest), inner.createJob(manifest)),
      updateJob: (updated) => write('updateJob', job(keyOfMeta(updated.metadata)), inner.updateJob(updated)),
      updateJobStatus: (key, status, resourceVersion) =>
        write('updateJobStatus', job(key), inner.updateJobStatus(key, status, resourceVersion)),
      removeJobFinalizer: (key, finalizer) => write('removeJobFinalizer', job(key), inner.removeJobFinalizer(key, finalizer)),
      deleteJob: (key, options) => write('deleteJob', job(key), inner.deleteJob(key, options)),
      watchJobs: watch('watchJobs', inner.watchJobs),

      getPod: (key) => read('getPod', inner.getPod(key)),
      listPods: (options) => read('listPods', inner.listPods(options)),
      createPod: (created) =>
        write('createPod', podOf(created), inner.createPod(created), (stored) => void unacknowledgedPods.add(stored.metadata.uid ?? '')),
      patchPodMetadata: (key, patch) => write('patchPodMetadata', pod(key), inner.patchPodMetadata(key, patch), undefined, () => void podsWithRefusedCalls.add(key.name)),
      bindPod: (key, nodeName) => write('bindPod', pod(key), inner.bindPod(key, nodeName)),
      updatePodStatus: (key, status, resourceVersion) =>
        write('updatePodStatus', pod(key), inner.updatePodStatus(key, status, resourceVersion)),
      deletePod: (key, options) => write('deletePod', pod(key), inner.deletePod(key, options), undefined, () => void podsWithRefusedCalls.add(key.name)),
      watchPods: watch('watchPods', inner.watchPods),

      // An event is a write the port reports only as unavailable (or, patched, as gone): refusals never apply to it.
      createEvent: (event) =>
        write('createEvent', () => ({ kind: 'Event', key: { namespace: event.namespace, name: event.involvedObject.name } }), inner.createEvent(event)).pipe(
          Effect.catchTags({
            Conflict: (error) => Effect.fail(new StoreUnavailable({ reason: error.message })),
            Invalid: (error) => Effect.fail(new StoreUnavailable({ reason: error.message })),
          }),
        ),
      patchEvent: (key, update) =>
        write('patchEvent', () => ({ kind: 'Event', key }), inner.patchEvent(key, update)).pipe(
          Effect.catchTags({
            Conflict: (error) => Effect.fail(new StoreUnavailable({ reason: error.message })),
            Invalid: (error) => Effect.fail(new StoreUnavailable({ reason: error.message })),
          }),
        ),
      listEvents: (options) => read('listEvents', inner.listEvents(options)),
    }
    return { store, crashed: () => dead, awaitCrash: Deferred.await(died) }
  })

  return {
    connect,
    stats: () => ({ calls, writes, faults: { ...faults }, crashes }),
    unacknowledgedPods: () => new Set(unacknowledgedPods),
    podsWithRefusedCalls: () => new Set(podsWithRefusedCalls),
  }
}

/** The error a refusing API server answers with. */
function refusal(fault: 'conflict' | 'forbidden' | 'invalid', target: { readonly kind: ResourceKind; readonly key: ObjectKey }): Conflict | Invalid | StoreUnavailable {
  const { kind, key } = target
  switch (fault) {
    case 'conflict':
      return new Conflict({
        kind,
        namespace: key.namespace,
        name: key.name,
        detail: 'the object has been modified; please apply your changes to the latest version and try again',
      })
    case 'forbidden':
      // The port has no 403 of its own: the Kubernetes store reports it as unavailable, with the server's message.
      return new StoreUnavailable({
        reason: `${kind === 'Pod' ? 'pods' : 'jobs.batch'} ${goQuote(key.name)} is forbidden: exceeded quota: injected-quota, requested: count/${kind === 'Pod' ? 'pods' : 'jobs.batch'}=1, used: count/${kind === 'Pod' ? 'pods' : 'jobs.batch'}=0, limited: count/${kind === 'Pod' ? 'pods' : 'jobs.batch'}=0`,
      })
    case 'invalid': {
      const errors = [required(kind === 'Pod' ? 'spec.containers[0].image' : 'spec.template.spec.containers[0].image', 'injected fault')]
      return new Invalid({
        kind,
        name: key.name,
        errors,
        reason: `${kind === 'Pod' ? 'Pod' : 'Job.batch'} ${goQuote(key.name)} is invalid: ${errors.map(renderFieldError).join(', ')}`,
      })
    }
  }
}

function keyOfMeta(metadata: ObjectMeta): ObjectKey {
  return { namespace: metadata.namespace ?? 'default', name: metadata.name ?? '' }
}

/** Names of an undecoded manifest, for the error a refused create reports. */
function manifestKey(manifest: unknown): ObjectKey {
  const names = manifestNames(manifest)
  const metadata = (manifest as { readonly metadata?: { readonly namespace?: unknown } } | undefined)?.metadata
  const namespace = typeof metadata?.namespace === 'string' ? metadata.namespace : 'default'
  return { namespace, name: names?.name ?? names?.generateName ?? '' }
}
