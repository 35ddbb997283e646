import { Context, Effect, Option } from 'effect'
import type { Stream } from 'effect'
import type { CronJob, CronJobStatus } from '../../core/index.js'
import type { AlreadyExists, Gone, NotFound } from './errors.js'
import type { DeleteOptions, ListOptions, ListResult, ObjectKey, ReadError, WatchEvent, WatchOptions, WriteError } from './JobStore.js'

/**
 * The API server's side of batch/v1 CronJobs, beside `JobStore` (a separate port, so a
 * backend written for Jobs alone keeps working; see docs/cronjob-backends.md). It follows
 * the same rules as the Job half: manifests decoded, defaulted and validated on create (an
 * `Invalid` with field paths), uids, resourceVersions and timestamps assigned, a stale
 * `resourceVersion` is a `Conflict`, watches resume from a resourceVersion or fail `Gone`.
 *
 * Deleting a CronJob cascades to its Jobs as the garbage collector does: the Jobs whose
 * controller owner reference names the CronJob's uid are deleted (`Background`, the batch/v1
 * default for CronJobs, and `Foreground`) or released (`Orphan`). The store marks the CronJob
 * (as for Jobs); the controller's garbage collector does the rest.
 */
export interface CronJobStoreService {
  /**
   * The store is shared with a cluster's own controllers (a real API server, where the
   * built-in cronjob-controller may run): the controller then runs CronJobs only when told
   * (`ControllerOptions.cronJobController`). Omitted: false.
   */
  readonly clusterShared?: boolean
  readonly getCronJob: (key: ObjectKey) => Effect.Effect<CronJob, NotFound | ReadError>
  readonly listCronJobs: (options?: ListOptions) => Effect.Effect<ListResult<CronJob>, ReadError>
  /** Creates a CronJob from a manifest as `kubectl create` sends it (decoded and validated here). */
  readonly createCronJob: (manifest: unknown) => Effect.Effect<CronJob, AlreadyExists | WriteError>
  /** Replaces spec and metadata (status kept); `cronJob.metadata.resourceVersion`, when given, must be current. */
  readonly updateCronJob: (cronJob: CronJob) => Effect.Effect<CronJob, NotFound | WriteError>
  /** Replaces the status through the status subresource; `resourceVersion` must be current. */
  readonly updateCronJobStatus: (
    key: ObjectKey,
    status: CronJobStatus,
    resourceVersion: string,
  ) => Effect.Effect<CronJob, NotFound | WriteError>
  /** Removes a finalizer (the garbage collector's foreground/orphan bookkeeping). */
  readonly removeCronJobFinalizer: (key: ObjectKey, finalizer: string) => Effect.Effect<void, NotFound | WriteError>
  /** Deletes a CronJob; omitted `propagationPolicy` means `Background` (batch/v1's default for CronJobs). */
  readonly deleteCronJob: (key: ObjectKey, options?: DeleteOptions) => Effect.Effect<void, NotFound | WriteError>
  readonly watchCronJobs: (options?: WatchOptions) => Stream.Stream<WatchEvent<CronJob>, Gone | ReadError>
}

/**
 * The CronJob port. `MemoryStore.layer`, `FileStore.layer(dir)` and
 * `KubernetesStore.layer(config)` provide it together with `JobStore`; a backend that
 * provides only `JobStore` has no CronJobs (the controller runs Jobs alone and the
 * conformance suite leaves out its `cronJobs` topic).
 */
export class CronJobStore extends Context.Tag('job-reconciler/CronJobStore')<CronJobStore, CronJobStoreService>() {}

/** The CronJob port when the context provides one (a backend without CronJobs has none). */
export const optionalCronJobStore: Effect.Effect<Option.Option<CronJobStoreService>> = Effect.serviceOption(CronJobStore)
