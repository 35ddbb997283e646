/**
 * The `JobStore` of a real Kubernetes API server, through `@kubernetes/client-node`: the
 * engine becomes a Job controller for a real cluster, beside the built-in one.
 *
 * ```ts
 * import * as KubernetesStore from './adapters/stores/kubernetes/KubernetesStore.js'
 * Controller.start({ settings: { controllerName: KubernetesStore.DEFAULT_CONTROLLER_NAME } })
 *   .pipe(Effect.provide(KubernetesStore.layer({ context: 'kind-dev' })))
 * ```
 *
 * - Managed Jobs: the controller reconciles only the Jobs whose `spec.managedBy` is its
 *   `settings.controllerName`; with a real cluster give it `DEFAULT_CONTROLLER_NAME`
 *   (`job-reconciler.io/controller`) and put that value into the Jobs it should run. The
 *   built-in Job controller then leaves those Jobs alone (R172) and ours leaves the others.
 * - The server does what the memory store imitates: defaulting, validation (a 422 becomes
 *   `Invalid` with one field error per cause), uids, names from `generateName`,
 *   resourceVersions (a stale write is a 409 `Conflict`), graceful deletion, finalizers.
 * - Reads decode the server's JSON with `core/model`'s codecs; writes send JSON as is (see
 *   `transport.ts` for why the typed clients are not used).
 * - Namespaces are not created: a create in a namespace that does not exist is `Invalid`
 *   (`metadata.namespace: namespace not found`). `ensureNamespace` creates one.
 * - Requests are rate limited client-side (`qps`/`burst`, default 20/30 as
 *   kube-controller-manager); watches reconnect and report `Gone` (see `watch.ts`).
 */
import { Context, Effect, Either, Layer } from 'effect'
import type { Scope } from 'effect'
import { hostname } from 'node:os'
import type { JobStatus, Pod, PodStatus } from '../../../core/model/types.js'
import { StoreUnavailable } from '../../ports/errors.js'
import type { NotFound, ResourceKind, StoreError } from '../../ports/errors.js'
import { JobStore } from '../../ports/JobStore.js'
import { CronJobStore } from '../../ports/CronJobStore.js'
import type { CronJobStoreService } from '../../ports/CronJobStore.js'
import type { DeleteOptions, JobStoreService, ObjectKey } from '../../ports/JobStore.js'
import { isUidMismatch, messageOf, toStoreError, uidPreconditionFailed } from './apiErrors.js'
import type { KubernetesStoreConfig } from './config.js'
import {
  DEFAULT_BURST,
  DEFAULT_LIST_PAGE_SIZE,
  DEFAULT_QPS,
  DEFAULT_WATCH_TIMEOUT_SECONDS,
  describeTarget,
  loadKubeConfig,
} from './config.js'
import { connect, DEFAULT_USER_AGENT } from './connection.js'
import { makeEventSink } from './events.js'
import { listAll } from './list.js'
import { cronJobStatusPatch, isRecord, jobForCreate, jobStatusPatch, podForCreate, podMetadataPatch, podStatusPatch, removeFinalizerPatch } from './objects.js'
import type { Resource } from './resources.js'
import { cronJobs, jobs, pods } from './resources.js'
import type { ApiRequest, ApiResponse, Transport } from './transport.js'
import { makeTransport } from './transport.js'
import { leftOutPods, podTombstone } from './podInterest.js'
import { watchResource } from './watch.js'

export type { KubernetesStoreConfig } from './config.js'
export { DEFAULT_BURST, DEFAULT_CONTROLLER_NAME, DEFAULT_QPS } from './config.js'

const DEFAULT_NAMESPACE = 'default'

const STRATEGIC_MERGE = 'application/strategic-merge-patch+json'
const MERGE = 'application/merge-patch+json'
const JSON_PATCH = 'application/json-patch+json'

/** Both ports on one API server: Jobs, Pods and Events, and CronJobs. */
export type KubernetesStoreService = JobStoreService & CronJobStoreService

/** A store on the configured API server, for the life of the scope. */
export function make(config: KubernetesStoreConfig = {}): Effect.Effect<KubernetesStoreService, StoreUnavailable, Scope.Scope> {
  return Effect.gen(function* () {
    const kc = yield* loadKubeConfig(config)
    const userAgent = config.userAgent ?? DEFAULT_USER_AGENT
    const transport = yield* makeTransport(kc, {
      qps: config.qps ?? DEFAULT_QPS,
      burst: config.burst ?? DEFAULT_BURST,
      requestTimeoutMs: config.requestTimeoutMs ?? 60_000,
      userAgent,
    })
    if (config.probe ?? true) yield* probe(transport, describeTarget(kc))
    const pageSize = config.listPageSize ?? DEFAULT_LIST_PAGE_SIZE
    const watchSettings = { timeoutSeconds: config.watchTimeoutSeconds ?? DEFAULT_WATCH_TIMEOUT_SECONDS }
    const events = makeEventSink(transport, hostname())
    const writeQuery = { fieldManager: userAgent }
    /** Lists and watches that name no namespace stay in the configured one, if any. */
    const scoped = <O extends { readonly namespace?: string }>(options: O | undefined): O =>
      ({ ...options, ...(options?.namespace === undefined && config.namespace !== undefined ? { namespace: config.namespace } : {}) }) as O

    /** Sends a request about one object; a status outside `ok` becomes the port's error. */
    const call = <A>(
      resource: Resource<A> | { readonly kind: ResourceKind },
      key: ObjectKey,
      request: ApiRequest,
      ok: ReadonlyArray<number> = [200, 201],
    ): Effect.Effect<ApiResponse, StoreError> =>
      Effect.flatMap(transport.request(request), (response) =>
        ok.includes(response.status) ? Effect.succeed(response) : Effect.fail(toStoreError(resource.kind, key, response)),
      )

    /** The object in a response, decoded; an undecodable answer is `StoreUnavailable`. */
    const decoded = <A>(resource: Resource<A>, key: ObjectKey, response: ApiResponse): Effect.Effect<A, StoreUnavailable> =>
      Either.match(resource.decode(response.body), {
        onLeft: (problem) =>
          Effect.fail(new StoreUnavailable({ reason: `the server sent a ${resource.kind} ${key.namespace}/${key.name} that cannot be read: ${problem}` })),
        onRight: (object) => Effect.succeed(object),
      })

    const get = <A>(resource: Resource<A>, key: ObjectKey): Effect.Effect<A, NotFound | StoreUnavailable> =>
      call(resource, key, { method: 'GET', path: resource.objectPath(key) }, [200]).pipe(
        Effect.flatMap((response) => decoded(resource, key, response)),
        only('NotFound'),
      )

    /** A write answered with the object; `only` keeps the errors it can report. */
    const write = <A>(resource: Resource<A>, key: ObjectKey, request: ApiRequest): Effect.Effect<A, StoreError> =>
      call(resource, key, request).pipe(Effect.flatMap((response) => decoded(resource, key, response)))

    const remove = (resource: Resource<unknown>, key: ObjectKey, body: Record<string, unknown>) =>
      call(resource, key, { method: 'DELETE', path: resource.objectPath(key), body: { apiVersion: 'v1', kind: 'DeleteOptions', ...body } }, [200, 202]).pipe(
        Effect.asVoid,
        only('NotFound', 'Conflict', 'Invalid', 'TooLarge'),
      )

    const deleteBody = (options: DeleteOptions | undefined, extra: Record<string, unknown>): Record<string, unknown> => ({
      ...extra,
      ...(options?.preconditionUid !== undefined ? { preconditions: { uid: options.preconditionUid } } : {}),
    })

    /** A POST of a manifest, decoded strictly by the server (`fieldValidation=Strict`). */
    const createFrom = <A>(resource: Resource<A>, manifest: unknown) =>
      Effect.suspend(() => {
        const body = isRecord(manifest) ? manifest : {}
        const metadata = isRecord(body['metadata']) ? body['metadata'] : {}
        const namespace = typeof metadata['namespace'] === 'string' && metadata['namespace'] !== '' ? metadata['namespace'] : DEFAULT_NAMESPACE
        const key = { namespace, name: typeof metadata['name'] === 'string' ? metadata['name'] : String(metadata['generateName'] ?? '') }
        return write(resource, key, {
          method: 'POST',
          path: resource.collectionPath(namespace),
          query: { ...writeQuery, fieldValidation: 'Strict' },
          body: isRecord(manifest) ? jobForCreate(body, namespace) : manifest,
        }).pipe(only('AlreadyExists', 'Conflict', 'Invalid', 'TooLarge'))
      })

    const service: KubernetesStoreService = {
      getJob: (key) => get(jobs, key),
      listJobs: (options) => listAll(transport, jobs, scoped(options), pageSize),
      createJob: (manifest) => createFrom(jobs, manifest),
      updateJob: (job) => {
        const key = keyOf(job.metadata)
        return write(jobs, key, {
          method: 'PUT',
          path: jobs.objectPath(key),
          query: { ...writeQuery, fieldValidation: 'Strict' },
          body: job,
        }).pipe(only('NotFound', 'Conflict', 'Invalid', 'TooLarge'))
      },
      updateJobStatus: (key, status: JobStatus, resourceVersion) =>
        write(jobs, key, {
          method: 'PATCH',
          path: jobs.objectPath(key, 'status'),
          query: writeQuery,
          body: jobStatusPatch(status, resourceVersion),
          contentType: JSON_PATCH,
        }).pipe(only('NotFound', 'Conflict', 'Invalid', 'TooLarge')),
      removeJobFinalizer: (key, finalizer) =>
        call(jobs, key, { method: 'PATCH', path: jobs.objectPath(key), query: writeQuery, body: removeFinalizerPatch(finalizer), contentType: STRATEGIC_MERGE }).pipe(
          Effect.asVoid,
          only('NotFound', 'Conflict', 'Invalid', 'TooLarge'),
        ),
      deleteJob: (key, options) =>
        // Explicit: a DELETE without a policy orphans a batch/v1 Job's pods, the port's default too (R167).
        remove(jobs, key, deleteBody(options, { propagationPolicy: options?.propagationPolicy ?? 'Orphan' })),
      watchJobs: (options) => watchResource(kc, transport, jobs, scoped(options), watchSettings),

      getPod: (key) => get(pods, key),
      listPods: (options) => listAll(transport, pods, scoped(options), pageSize, leftOutPods(options)),
      createPod: (pod: Pod) =>
        Effect.suspend(() => {
          const namespace = pod.metadata.namespace ?? DEFAULT_NAMESPACE
          const key = { namespace, name: pod.metadata.name ?? pod.metadata.generateName ?? '' }
          return write(pods, key, {
            method: 'POST',
            path: pods.collectionPath(namespace),
            query: writeQuery,
            body: podForCreate(pod, namespace),
          }).pipe(only('AlreadyExists', 'Conflict', 'Invalid', 'TooLarge'))
        }),
      patchPodMetadata: (key, patch) =>
        Effect.flatMap(
          transport.request({ method: 'PATCH', path: pods.objectPath(key), query: writeQuery, body: podMetadataPatch(patch), contentType: STRATEGIC_MERGE }),
          (response): Effect.Effect<Pod, StoreError> => {
            if (response.status === 200) return decoded(pods, key, response)
            if (patch.expectUid !== undefined && isUidMismatch(response)) return Effect.fail(uidPreconditionFailed('Pod', key, patch.expectUid))
            return Effect.fail(toStoreError('Pod', key, response))
          },
        ).pipe(only('NotFound', 'Conflict', 'Invalid', 'TooLarge')),
      bindPod: (key, nodeName) =>
        call(pods, key, {
          method: 'POST',
          path: pods.objectPath(key, 'binding'),
          query: writeQuery,
          body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: key.name, namespace: key.namespace }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } },
        }).pipe(
          Effect.zipRight(get(pods, key)),
          only('NotFound', 'Conflict', 'Invalid', 'TooLarge'),
        ),
      updatePodStatus: (key, status: PodStatus, resourceVersion) =>
        write(pods, key, {
          method: 'PATCH',
          path: pods.objectPath(key, 'status'),
          query: writeQuery,
          body: podStatusPatch(status, resourceVersion),
          contentType: MERGE,
        }).pipe(only('NotFound', 'Conflict', 'Invalid', 'TooLarge')),
      deletePod: (key, options) =>
        remove(pods, key, deleteBody(options, options?.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: options.gracePeriodSeconds } : {})),
      watchPods: (options) => {
        const applies = leftOutPods(options)
        return watchResource(kc, transport, pods, scoped(options), watchSettings, applies === undefined ? undefined : { applies, tombstone: podTombstone })
      },

      createEvent: (event) => events.create(event),
      patchEvent: (key, update) => events.patch(key, update),
      listEvents: (options) => events.list(options),

      // A real cluster may run the built-in cronjob-controller on the same CronJobs.
      clusterShared: true,
      getCronJob: (key) => get(cronJobs, key),
      listCronJobs: (options) => listAll(transport, cronJobs, scoped(options), pageSize),
      createCronJob: (manifest) => createFrom(cronJobs, manifest),
      updateCronJob: (cronJob) => {
        const key = keyOf(cronJob.metadata)
        return write(cronJobs, key, {
          method: 'PUT',
          path: cronJobs.objectPath(key),
          query: { ...writeQuery, fieldValidation: 'Strict' },
          body: cronJob,
        }).pipe(only('NotFound', 'Conflict', 'Invalid'))
      },
      updateCronJobStatus: (key, status, resourceVersion) =>
        write(cronJobs, key, {
          method: 'PATCH',
          path: cronJobs.objectPath(key, 'status'),
          query: writeQuery,
          body: cronJobStatusPatch(status, resourceVersion),
          contentType: JSON_PATCH,
        }).pipe(only('NotFound', 'Conflict', 'Invalid')),
      removeCronJobFinalizer: (key, finalizer) =>
        call(cronJobs, key, {
          method: 'PATCH',
          path: cronJobs.objectPath(key),
          query: writeQuery,
          body: removeFinalizerPatch(finalizer),
          contentType: STRATEGIC_MERGE,
        }).pipe(Effect.asVoid, only('NotFound', 'Conflict', 'Invalid')),
      deleteCronJob: (key, options) =>
        // batch/v1's default for CronJobs is Background (the server's DeleteDependents); said explicitly.
        remove(cronJobs, key, deleteBody(options, { propagationPolicy: options?.propagationPolicy ?? 'Background' })),
      watchCronJobs: (options) => watchResource(kc, transport, cronJobs, scoped(options), watchSettings),
    }
    return service
  })
}

/**
 * `JobStore` and `CronJobStore` on a real API server. Fails with `StoreUnavailable` when the
 * configuration cannot be loaded or (with `probe`, the default) the server does not answer.
 * The controller runs this store's CronJobs only with `cronJobController: true` (see
 * `ControllerOptions.cronJobController`).
 */
export const layer = (config: KubernetesStoreConfig = {}): Layer.Layer<JobStore | CronJobStore, StoreUnavailable> =>
  Layer.scopedContext(Effect.map(make(config), (service) => Context.make(JobStore, service).pipe(Context.add(CronJobStore, service))))

/**
 * Creates the namespace unless it exists (the store never creates namespaces by itself; a
 * controller needs no rights on them).
 */
export function ensureNamespace(config: KubernetesStoreConfig, namespace: string): Effect.Effect<void, StoreUnavailable> {
  return Effect.scoped(
    Effect.gen(function* () {
      const transport = yield* connect(config)
      const response = yield* transport.request({
        method: 'POST',
        path: '/api/v1/namespaces',
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      })
      if (response.status === 201 || response.status === 200 || response.status === 409) return
      return yield* Effect.fail(new StoreUnavailable({ reason: `creating namespace ${namespace}: ${messageOf(response)}` }))
    }),
  )
}

/** The API server answers and serves batch/v1. */
function probe(transport: Transport, target: string): Effect.Effect<void, StoreUnavailable> {
  return transport.request({ method: 'GET', path: '/apis/batch/v1' }).pipe(
    Effect.mapError((error) => new StoreUnavailable({ reason: `cannot reach the Kubernetes API server at ${target}: ${error.reason}` })),
    Effect.flatMap((response) =>
      response.status === 200
        ? Effect.void
        : Effect.fail(new StoreUnavailable({ reason: `the Kubernetes API server at ${target} refused batch/v1: ${messageOf(response)}` })),
    ),
  )
}

function keyOf(metadata: { readonly namespace?: string; readonly name?: string }): ObjectKey {
  return { namespace: metadata.namespace ?? DEFAULT_NAMESPACE, name: metadata.name ?? '' }
}

type Tag = StoreError['_tag']

/**
 * Keeps the errors an operation can report and turns any other (an answer the operation
 * should never get, such as a 409 to a GET) into `StoreUnavailable`, so each operation's
 * error type is exactly what it can fail with.
 */
function only<const T extends ReadonlyArray<Exclude<Tag, 'StoreUnavailable'>>>(...tags: T) {
  return <A, R>(effect: Effect.Effect<A, StoreError, R>): Effect.Effect<A, Extract<StoreError, { readonly _tag: T[number] }> | StoreUnavailable, R> =>
    Effect.catchAll(effect, (error) =>
      error._tag === 'StoreUnavailable' || (tags as ReadonlyArray<Tag>).includes(error._tag)
        ? Effect.fail(error as Extract<StoreError, { readonly _tag: T[number] }> | StoreUnavailable)
        : Effect.fail(new StoreUnavailable({ reason: `unexpected answer: ${error.message}` })),
    )
}
