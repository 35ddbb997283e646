/**
 * The garbage collector's duties for CronJobs and their Jobs, as for Jobs and their pods:
 * Jobs whose CronJob is gone are deleted (`Background`, so their pods go too); a CronJob
 * deleted in the foreground goes once its Jobs are gone; one deleted with `orphan` lets its
 * Jobs go on without it (their owner reference removed).
 */
import { Effect } from 'effect'
import type { CronJob } from '../../../../core/index.js'
import type { Job } from '../../../../core/model/types.js'
import { FOREGROUND_DELETION_FINALIZER as FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from '../../../../core/model/wellKnown.js'
import type { CronJobStoreService } from '../../../ports/CronJobStore.js'
import type { StoreError } from '../../../ports/errors.js'
import type { JobStoreService } from '../../../ports/JobStore.js'

/**
 * Looks after the Jobs (`jobs`, from the cache) whose controller reference names the CronJob
 * with `ownerUid` in `namespace`; `owner` is the cached CronJob with that uid, if any.
 */
export function collectCronJobDependents(
  stores: { readonly jobs: JobStoreService; readonly cronJobs: CronJobStoreService },
  namespace: string,
  ownerUid: string,
  owner: CronJob | undefined,
  jobs: ReadonlyArray<Job>,
): Effect.Effect<void, StoreError> {
  return Effect.gen(function* () {
    if (owner === undefined) {
      const ownerName = jobs.flatMap((job) => job.metadata.ownerReferences ?? []).find((ref) => ref.uid === ownerUid)?.name
      // The cache may lag: only a live read that finds no CronJob with this uid lets Jobs go.
      if (ownerName !== undefined && (yield* ownerStillExists(stores.cronJobs, namespace, ownerName, ownerUid))) return
      yield* Effect.forEach(jobs, (job) => deleteJob(stores.jobs, namespace, job), { concurrency: 8, discard: true })
      return
    }
    if (owner.metadata.deletionTimestamp === undefined) return
    const finalizers = owner.metadata.finalizers ?? []
    const ownerKey = { namespace, name: owner.metadata.name ?? '' }
    if (finalizers.includes(ORPHAN_FINALIZER)) {
      yield* Effect.forEach(jobs, (job) => releaseJob(stores.jobs, namespace, job, ownerUid), { concurrency: 8, discard: true })
      yield* stores.cronJobs.removeCronJobFinalizer(ownerKey, ORPHAN_FINALIZER).pipe(Effect.catchTag('NotFound', () => Effect.void))
      return
    }
    if (finalizers.includes(FOREGROUND_FINALIZER)) {
      if (jobs.length === 0) {
        yield* stores.cronJobs.removeCronJobFinalizer(ownerKey, FOREGROUND_FINALIZER).pipe(Effect.catchTag('NotFound', () => Effect.void))
        return
      }
      yield* Effect.forEach(
        jobs.filter((job) => job.metadata.deletionTimestamp === undefined),
        (job) => deleteJob(stores.jobs, namespace, job),
        { concurrency: 8, discard: true },
      )
    }
  })
}

function ownerStillExists(store: CronJobStoreService, namespace: string, name: string, uid: string): Effect.Effect<boolean, StoreError> {
  return store.getCronJob({ namespace, name }).pipe(
    Effect.map((cronJob) => cronJob.metadata.uid === uid),
    Effect.catchTag('NotFound', () => Effect.succeed(false)),
  )
}

/** Deletes a dependent Job as the garbage collector does: `Background`, guarded by its uid. */
function deleteJob(store: JobStoreService, namespace: string, job: Job): Effect.Effect<void, StoreError> {
  return store
    .deleteJob({ namespace, name: job.metadata.name ?? '' }, { propagationPolicy: 'Background', preconditionUid: job.metadata.uid ?? '' })
    .pipe(Effect.catchTags({ NotFound: () => Effect.void, Conflict: () => Effect.void }))
}

/** Removes the owner reference to the CronJob from a Job, from its latest version. */
function releaseJob(store: JobStoreService, namespace: string, job: Job, ownerUid: string): Effect.Effect<void, StoreError> {
  const key = { namespace, name: job.metadata.name ?? '' }
  const once = Effect.gen(function* () {
    const current = yield* store.getJob(key)
    if (current.metadata.uid !== job.metadata.uid) return
    const references = current.metadata.ownerReferences ?? []
    if (!references.some((ref) => ref.uid === ownerUid)) return
    const remaining = references.filter((ref) => ref.uid !== ownerUid)
    const { ownerReferences: _dropped, ...metadata } = current.metadata
    yield* store.updateJob({ ...current, metadata: remaining.length === 0 ? metadata : { ...metadata, ownerReferences: remaining } })
  })
  return once.pipe(
    Effect.retry({ times: 5, while: (error) => error._tag === 'Conflict' }),
    Effect.catchTag('NotFound', () => Effect.void),
  )
}
