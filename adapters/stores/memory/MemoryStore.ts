/**
 * The embedded default backend: a `JobStore` held in memory, behaving as the API server does
 * for everything a Job controller and kubectl see (see `JobStoreService`).
 *
 * ```ts
 * import * as MemoryStore from './adapters/stores/memory/MemoryStore.js'
 * program.pipe(Effect.provide(MemoryStore.layer))
 * ```
 *
 * Every write is one synchronous step: it reads the stored object, decides (pure functions of
 * `store-kit/`), bumps the store-wide resourceVersion, stores a frozen snapshot and publishes
 * the change to the watches. Steps never interleave, so writes are linearizable and watches
 * see them in exactly that order. Time comes from effect's `Clock` (tests run on `TestClock`),
 * generated names from effect's `Random`, uids from `crypto.randomUUID`.
 */
import { randomUUID } from 'node:crypto'
import { Context, Effect, Either, Layer, Schedule } from 'effect'
import type { CronJob } from '../../../core/index.js'
import type { Job, ObjectMeta, Pod } from '../../../core/model/types.js'
import { AlreadyExists, NotFound } from '../../ports/errors.js'
import type { ResourceKind, TooLarge } from '../../ports/errors.js'
import { JobStore } from '../../ports/JobStore.js'
import { CronJobStore } from '../../ports/CronJobStore.js'
import type { CronJobStoreService } from '../../ports/CronJobStore.js'
import { withNowMs } from '../../shell/effects/clock.js'
import { retryAfterFailure } from '../../shell/effects/retry.js'
import type { JobStoreService, ListOptions, ListResult, ObjectKey } from '../../ports/JobStore.js'
import * as CronJobWrites from '../store-kit/cronJobWrites.js'
import { EventLog } from '../store-kit/eventLog.js'
import * as JobWrites from '../store-kit/jobWrites.js'
import { GENERATED_NAME_ATTEMPTS, generateName, prefixToGenerate } from '../store-kit/names.js'
import type { Write } from '../store-kit/objectMeta.js'
import { keyOf, manifestNames, put } from '../store-kit/objectMeta.js'
import { objectTooLarge, refusingLargeRequests, requestTarget, writeTooLarge } from '../store-kit/sizeLimits.js'
import { ObjectTable } from '../store-kit/objectTable.js'
import * as PodWrites from '../store-kit/podWrites.js'
import { frozenCopyWith } from '../store-kit/snapshot.js'
import * as WatchHub from '../store-kit/watchHub.js'

/** Tuning of a memory store. */
export interface MemoryStoreOptions {
  /**
   * How many changes of each kind (Jobs, Pods) a watch can replay from a resourceVersion;
   * older versions are `Gone`. Default 10 000.
   */
  readonly historySize?: number
}

/** The default number of remembered changes per kind. */
export const DEFAULT_HISTORY_SIZE = 10_000

interface Kind<A extends { readonly metadata: ObjectMeta }> {
  readonly name: ResourceKind
  readonly table: ObjectTable<A>
  readonly hub: WatchHub.WatchHub<A>
}

/** Both ports of one memory store: Jobs, Pods and Events, and CronJobs. */
export type MemoryStoreService = JobStoreService & CronJobStoreService

/** A memory store with the given options; each run makes a new, empty store. */
export function makeWith(options: MemoryStoreOptions = {}): Effect.Effect<MemoryStoreService> {
  return Effect.gen(function* () {
    const historySize = options.historySize ?? DEFAULT_HISTORY_SIZE
    let version = 0
    const currentVersion = (): number => version
    const jobs: Kind<Job> = { name: 'Job', table: new ObjectTable(), hub: yield* WatchHub.make<Job>(historySize, currentVersion) }
    const pods: Kind<Pod> = { name: 'Pod', table: new ObjectTable(), hub: yield* WatchHub.make<Pod>(historySize, currentVersion) }
    const cronJobs: Kind<CronJob> = { name: 'CronJob', table: new ObjectTable(), hub: yield* WatchHub.make<CronJob>(historySize, currentVersion) }
    const events = new EventLog()

    /** Applies a decided write: new version, frozen snapshot, table, watches. Synchronous. */
    const commit = <A extends { readonly metadata: ObjectMeta }>(kind: Kind<A>, write: Write<A>): A => {
      if (write._tag === 'Unchanged') return write.object
      version += 1
      const metadata = frozenCopyWith(write.object.metadata, { resourceVersion: String(version) })
      const object = frozenCopyWith(write.object, { metadata }) as A
      const namespace = object.metadata.namespace ?? ''
      const name = object.metadata.name ?? ''
      if (write._tag === 'Remove') {
        kind.table.remove(namespace, name)
        kind.hub.publish({ resourceVersion: version, type: 'Deleted', object })
      } else {
        const existed = kind.table.get(namespace, name) !== undefined
        kind.table.put(object)
        kind.hub.publish({ resourceVersion: version, type: existed ? 'Modified' : 'Added', object })
      }
      return object
    }

    const notFound = (kind: ResourceKind, key: ObjectKey): NotFound => new NotFound({ kind, namespace: key.namespace, name: key.name })

    const get = <A extends { readonly metadata: ObjectMeta }>(kind: Kind<A>, key: ObjectKey): Effect.Effect<A, NotFound> =>
      Effect.suspend(() => {
        const object = kind.table.get(key.namespace, key.name)
        return object === undefined ? Effect.fail(notFound(kind.name, key)) : Effect.succeed(object)
      })

    const list = <A extends { readonly metadata: ObjectMeta }>(kind: Kind<A>, options: ListOptions | undefined): Effect.Effect<ListResult<A>> =>
      Effect.sync(() => ({ items: kind.table.list(options?.namespace, options?.labelSelector), resourceVersion: String(version) }))

    /** Reads the stored object, decides the write with `decide`, commits it; one step. */
    const modify = <A extends { readonly metadata: ObjectMeta }, E>(
      kind: Kind<A>,
      key: ObjectKey,
      decide: (stored: A, nowMs: number) => Either.Either<Write<A>, E>,
    ): Effect.Effect<A, NotFound | E | TooLarge> =>
      withNowMs((nowMs): Effect.Effect<A, NotFound | E | TooLarge> => {
        const stored = kind.table.get(key.namespace, key.name)
        if (stored === undefined) return Effect.fail(notFound(kind.name, key))
        return Either.match(decide(stored, nowMs), {
          onLeft: (error): Effect.Effect<A, E | TooLarge> => Effect.fail(error),
          onRight: (write) => {
            const tooLarge = writeTooLarge(kind.name, write)
            return tooLarge === undefined ? Effect.succeed(commit(kind, write)) : Effect.fail(tooLarge)
          },
        })
      })

    /**
     * Stores the object `create` makes, unless one with its name exists. With a `prefix` (the
     * object's `generateName`), `create` gets a name drawn from it, and a taken one is drawn
     * again (8 attempts in all).
     */
    const insert = <A extends { readonly metadata: ObjectMeta }, E>(
      kind: Kind<A>,
      prefix: string | undefined,
      create: (generatedName: string | undefined, nowMs: number) => Either.Either<A, E>,
    ): Effect.Effect<A, AlreadyExists | E | TooLarge> => {
      const name: Effect.Effect<string | undefined> = prefix === undefined ? Effect.succeed(undefined) : generateName(prefix)
      const attempt = Effect.flatMap(name, (generatedName) =>
        withNowMs((nowMs): Effect.Effect<A, AlreadyExists | E | TooLarge> => {
          const created = create(generatedName, nowMs)
          if (Either.isLeft(created)) return Effect.fail(created.left)
          const object = created.right
          const tooLarge = objectTooLarge(kind.name, object)
          if (tooLarge !== undefined) return Effect.fail(tooLarge)
          const namespace = object.metadata.namespace ?? ''
          const objectName = object.metadata.name ?? ''
          if (kind.table.get(namespace, objectName) !== undefined) {
            return Effect.fail(new AlreadyExists({ kind: kind.name, namespace, name: objectName }))
          }
          return Effect.succeed(commit(kind, put(object)))
        }),
      )
      if (prefix === undefined) return attempt
      return retryAfterFailure(attempt, {
        schedule: Schedule.recurs(GENERATED_NAME_ATTEMPTS - 1),
        while: (error: AlreadyExists | E | TooLarge) => error instanceof AlreadyExists,
      })
    }

    const service: MemoryStoreService = {
      getJob: (key) => get(jobs, key),
      listJobs: (options) => list(jobs, options),
      createJob: (manifest) =>
        refusingLargeRequests(
          requestTarget('Job', manifest),
          manifest,
          insert(jobs, prefixToGenerate(manifestNames(manifest)), (name, nowMs) => JobWrites.createJob(manifest, { name, uid: randomUUID(), nowMs })),
        ),
      updateJob: (job) =>
        refusingLargeRequests(requestTarget('Job', job), job, modify(jobs, keyOf(job.metadata), (stored) => JobWrites.updateJob(stored, job))),
      updateJobStatus: (key, status, resourceVersion) =>
        refusingLargeRequests(
          requestTarget('Job', status, key),
          status,
          modify(jobs, key, (stored) => JobWrites.updateJobStatus(stored, status, resourceVersion)),
        ),
      removeJobFinalizer: (key, finalizer) =>
        Effect.asVoid(modify(jobs, key, (stored) => Either.right(JobWrites.removeJobFinalizer(stored, finalizer)))),
      deleteJob: (key, options) => Effect.asVoid(modify(jobs, key, (stored, nowMs) => JobWrites.deleteJob(stored, options, nowMs))),
      watchJobs: (options) => jobs.hub.watch(options),

      getPod: (key) => get(pods, key),
      listPods: (options) => list(pods, options),
      createPod: (pod) =>
        refusingLargeRequests(
          requestTarget('Pod', pod),
          pod,
          insert(pods, prefixToGenerate(pod.metadata), (name, nowMs) => PodWrites.createPod(pod, { name: name ?? pod.metadata.name, uid: randomUUID(), nowMs })),
        ),
      patchPodMetadata: (key, patch) => modify(pods, key, (stored) => PodWrites.patchPodMetadata(stored, patch)),
      bindPod: (key, nodeName) => modify(pods, key, (stored, nowMs) => PodWrites.bindPod(stored, nodeName, nowMs)),
      updatePodStatus: (key, status, resourceVersion) =>
        refusingLargeRequests(
          requestTarget('Pod', status, key),
          status,
          modify(pods, key, (stored) => PodWrites.updatePodStatus(stored, status, resourceVersion)),
        ),
      deletePod: (key, options) => Effect.asVoid(modify(pods, key, (stored, nowMs) => PodWrites.deletePod(stored, options, nowMs))),
      watchPods: (options) => pods.hub.watch(options),

      createEvent: (event) =>
        withNowMs((nowMs) => {
          version += 1
          return Effect.succeed(events.create(event, nowMs))
        }),
      patchEvent: (key, update) =>
        withNowMs((nowMs) => {
          const patched = events.patched(key.namespace, key.name, update, nowMs)
          if (patched === undefined) return Effect.fail(notFound('Event', key))
          version += 1
          events.put(patched, nowMs)
          return Effect.succeed(patched)
        }),
      listEvents: (options) => Effect.sync(() => events.list(options.namespace, options.involvedObjectName)),

      getCronJob: (key) => get(cronJobs, key),
      listCronJobs: (options) => list(cronJobs, options),
      createCronJob: (manifest) =>
        insert(cronJobs, prefixToGenerate(manifestNames(manifest)), (name, nowMs) =>
          CronJobWrites.createCronJob(manifest, { name, uid: randomUUID(), nowMs }),
        ),
      updateCronJob: (cronJob) => modify(cronJobs, keyOf(cronJob.metadata), (stored) => CronJobWrites.updateCronJob(stored, cronJob)),
      updateCronJobStatus: (key, status, resourceVersion) =>
        modify(cronJobs, key, (stored) => CronJobWrites.updateCronJobStatus(stored, status, resourceVersion)),
      removeCronJobFinalizer: (key, finalizer) =>
        Effect.asVoid(modify(cronJobs, key, (stored) => Either.right(CronJobWrites.removeCronJobFinalizer(stored, finalizer)))),
      deleteCronJob: (key, options) =>
        Effect.asVoid(modify(cronJobs, key, (stored, nowMs) => CronJobWrites.deleteCronJob(stored, options, nowMs))),
      watchCronJobs: (options) => cronJobs.hub.watch(options),
    }
    return service
  })
}

/** A new, empty memory store with the default options. */
export const make: Effect.Effect<MemoryStoreService> = makeWith()

/** `JobStore` and `CronJobStore` backed by one memory store, with the given options. */
export const layerWith = (options: MemoryStoreOptions): Layer.Layer<JobStore | CronJobStore> =>
  Layer.effectContext(Effect.map(makeWith(options), (service) => Context.make(JobStore, service).pipe(Context.add(CronJobStore, service))))

/** `JobStore` and `CronJobStore` backed by memory: the embedded default backend. */
export const layer: Layer.Layer<JobStore | CronJobStore> = layerWith({})

/** The `metadata` of an undecoded manifest, when it has names to read. */
