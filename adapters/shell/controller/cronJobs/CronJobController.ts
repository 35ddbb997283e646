/**
 * The CronJob controller, run beside the Job controller on the same store: an informer over
 * CronJobs, the Job controller's Job cache (each Job change is handed over through
 * `observeJob`), one work-queue key per CronJob, `reconcileCronJob` on the CronJob and the
 * Jobs it controls, the plan applied in order, and a requeue at the plan's `requeueAfter` on
 * effect's `Clock` (so `TestClock` drives the schedule). It also does the garbage collector's
 * part for CronJobs: Jobs whose CronJob is gone are deleted, and foreground/orphan deletions
 * of a CronJob are finished.
 */
import { Clock, Deferred, Effect } from 'effect'
import type { Scope } from 'effect'
import type { CronJob } from '../../../../core/index.js'
import { reconcileCronJob } from '../../../../core/index.js'
import type { Job, OwnerReference } from '../../../../core/model/types.js'
import type { CronJobStoreService } from '../../../ports/CronJobStore.js'
import type { JobStoreService, NewEvent } from '../../../ports/JobStore.js'
import type { CacheChange } from '../Informer.js'
import { objectKeyOf, parseObjectKey, runInformer } from '../Informer.js'
import type { RetrySettings } from '../WorkQueue.js'
import { makeWorkQueue } from '../WorkQueue.js'
import { applyCronJobPlan } from './applyCronJobPlan.js'
import { collectCronJobDependents } from './cronJobGarbage.js'

export interface CronJobControllerOptions {
  readonly jobs: JobStoreService
  readonly cronJobs: CronJobStoreService
  /** The controller's event recorder, shared with the Job side (one correlator per process, as client-go's broadcaster). */
  readonly recordEvent: (event: NewEvent) => Effect.Effect<void>
  readonly retry: RetrySettings
  /** CronJobs synced in parallel (kube-controller-manager's `--concurrent-cron-job-syncs`, default 5). */
  readonly workers: number
  /** The zone of CronJobs without `spec.timeZone` (default UTC, see `CronJobReconcileOptions`). */
  readonly defaultTimeZone?: string
}

/** The CronJob controller, built before the Job informer starts so that it sees every Job. */
export interface CronJobController {
  /** Hands over one change of the Job cache. */
  readonly observeJob: (change: CacheChange<Job>) => Effect.Effect<void>
  /** Fills the CronJob cache and starts the workers (after the Job cache is filled). */
  readonly start: Effect.Effect<void, never, Scope.Scope>
  /** Keys queued or being synced. */
  readonly pendingWork: () => number
}

const GC_PREFIX = 'gc:'

/** The controller owner reference of a Job when it names a CronJob. */
export function cronJobOwnerOf(job: Job): OwnerReference | undefined {
  for (const ref of job.metadata.ownerReferences ?? []) if (ref.controller === true) return ref.kind === 'CronJob' ? ref : undefined
  return undefined
}

export const makeCronJobController = (options: CronJobControllerOptions): Effect.Effect<CronJobController> =>
  Effect.gen(function* () {
    const stores = { jobs: options.jobs, cronJobs: options.cronJobs, recordEvent: options.recordEvent }
    const queue = yield* makeWorkQueue(options.retry)
    const cronJobs = new Map<string, CronJob>()
    const keyByUid = new Map<string, string>()
    /** CronJob uid -> Job key -> Job: the Jobs each CronJob controls. */
    const jobsByOwnerUid = new Map<string, Map<string, Job>>()
    /**
     * Jobs this controller created that the Job cache has not shown yet, by owner uid, so that
     * a sync right after a creation counts the new Job (its name is deterministic, so a second
     * creation would only be refused, but `status.active` would miss it for a moment).
     */
    const createdUnseen = new Map<string, Map<string, Job>>()

    const observeJob = (change: CacheChange<Job>): Effect.Effect<void> =>
      Effect.suspend(() => {
        const { key, previous, current } = change
        const before = previous === undefined ? undefined : cronJobOwnerOf(previous)
        const after = current === undefined ? undefined : cronJobOwnerOf(current)
        if (before !== undefined) {
          jobsByOwnerUid.get(before.uid)?.delete(key)
          if (current === undefined) createdUnseen.get(before.uid)?.delete(key)
        }
        if (after !== undefined && current !== undefined) {
          let owned = jobsByOwnerUid.get(after.uid)
          if (owned === undefined) {
            owned = new Map()
            jobsByOwnerUid.set(after.uid, owned)
          }
          owned.set(key, current)
          createdUnseen.get(after.uid)?.delete(key)
        }
        const wakeUps: Array<Effect.Effect<void>> = []
        for (const owner of [before, after]) {
          if (owner === undefined) continue
          const ownerKey = keyByUid.get(owner.uid)
          const ownerCronJob = ownerKey === undefined ? undefined : cronJobs.get(ownerKey)
          if (ownerKey !== undefined) wakeUps.push(queue.add(ownerKey))
          if (ownerCronJob === undefined || ownerCronJob.metadata.deletionTimestamp !== undefined) {
            wakeUps.push(queue.add(gcKey(`${parseObjectKey(key).namespace}/${owner.name}`, owner.uid)))
          }
        }
        return Effect.all(wakeUps, { discard: true })
      })

    const onCronJobChange = (change: CacheChange<CronJob>): Effect.Effect<void> =>
      Effect.gen(function* () {
        const { key, previous, current } = change
        if (previous?.metadata.uid !== undefined && previous.metadata.uid !== current?.metadata.uid) keyByUid.delete(previous.metadata.uid)
        if (current?.metadata.uid !== undefined) keyByUid.set(current.metadata.uid, key)
        yield* queue.add(key)
        const gone = current === undefined ? previous?.metadata.uid : undefined
        if (gone !== undefined) yield* queue.add(gcKey(key, gone))
        if (current?.metadata.deletionTimestamp !== undefined && current.metadata.uid !== undefined) yield* queue.add(gcKey(key, current.metadata.uid))
      })

    const ownedJobs = (uid: string): Job[] => {
      const seen = jobsByOwnerUid.get(uid)
      const jobs = [...(seen?.values() ?? [])]
      for (const [key, job] of createdUnseen.get(uid) ?? []) if (seen?.has(key) !== true) jobs.push(job)
      return jobs
    }

    const rememberCreated = (uid: string, job: Job) => {
      let unseen = createdUnseen.get(uid)
      if (unseen === undefined) {
        unseen = new Map()
        createdUnseen.set(uid, unseen)
      }
      unseen.set(objectKeyOf(job), job)
    }

    const syncCronJob = (key: string): Effect.Effect<void> =>
      Effect.gen(function* () {
        const cronJob = cronJobs.get(key)
        if (cronJob === undefined) return
        const uid = cronJob.metadata.uid ?? ''
        const nowMs = yield* Clock.currentTimeMillis
        const plan = reconcileCronJob(cronJob, ownedJobs(uid), nowMs, options.defaultTimeZone === undefined ? {} : { defaultTimeZone: options.defaultTimeZone })
        const outcome = yield* Effect.either(applyCronJobPlan(cronJob, plan, stores))
        if (outcome._tag === 'Left') {
          yield* Effect.logWarning(`sync failed, retrying: ${outcome.left.message}`)
          yield* queue.addRateLimited(key)
        } else {
          queue.forget(key)
          if (outcome.right.created !== undefined) rememberCreated(uid, outcome.right.created)
          const written = outcome.right.cronJob
          if (written !== undefined) cronJobs.set(key, newest(cronJobs.get(key), written))
        }
        // The next schedule time stands even when this sync is retried; not after a sync that
        // met another owner's Job of the run's name (upstream waits for the next change).
        const quiet = outcome._tag === 'Right' && outcome.right.endedQuietly === true
        if (plan.requeueAfter !== undefined && !quiet) yield* queue.addAfter(key, Math.max(0, Math.ceil(plan.requeueAfter)))
      }).pipe(Effect.annotateLogs({ cronjob: key }))

    const syncGarbage = (key: string): Effect.Effect<void> => {
      const [cronJobKey, ownerUid] = splitGcKey(key)
      const namespace = parseObjectKey(cronJobKey).namespace
      const ownerKey = keyByUid.get(ownerUid)
      const owner = ownerKey === undefined ? undefined : cronJobs.get(ownerKey)
      const jobs = [...(jobsByOwnerUid.get(ownerUid)?.values() ?? [])]
      return collectCronJobDependents(stores, namespace, ownerUid, owner, jobs).pipe(
        Effect.zipRight(Effect.sync(() => queue.forget(key))),
        Effect.catchAll((error) =>
          Effect.logWarning(`garbage collection failed, retrying: ${error.message}`).pipe(Effect.zipRight(queue.addRateLimited(key))),
        ),
      )
    }

    const worker = Effect.gen(function* () {
      const key = yield* queue.take
      const sync = key.startsWith(GC_PREFIX) ? syncGarbage(key) : syncCronJob(key)
      yield* sync.pipe(Effect.ensuring(queue.done(key)))
    }).pipe(Effect.forever)

    const start = Effect.gen(function* () {
      const synced = yield* Deferred.make<void>()
      yield* Effect.forkScoped(
        runInformer({
          cache: cronJobs,
          list: options.cronJobs.listCronJobs(),
          watch: (rv) => options.cronJobs.watchCronJobs({ resourceVersion: rv }),
          onChange: onCronJobChange,
          synced,
        }),
      )
      yield* Deferred.await(synced)
      for (let i = 0; i < Math.max(1, options.workers); i++) yield* Effect.forkScoped(worker)
      yield* Effect.logDebug(`cronjob controller started with ${options.workers} workers`)
    })

    return { observeJob, start, pendingWork: queue.size }
  })

/** Keeps whichever copy is newer, so a slower watch never rolls the cache back. */
function newest(cached: CronJob | undefined, written: CronJob): CronJob {
  if (cached === undefined) return written
  const cachedVersion = Number(cached.metadata.resourceVersion)
  const writtenVersion = Number(written.metadata.resourceVersion)
  if (Number.isFinite(cachedVersion) && Number.isFinite(writtenVersion)) return writtenVersion >= cachedVersion ? written : cached
  return written
}

function gcKey(cronJobKey: string, uid: string): string {
  return `${GC_PREFIX}${uid}|${cronJobKey}`
}

function splitGcKey(key: string): [cronJobKey: string, uid: string] {
  const body = key.slice(GC_PREFIX.length)
  const bar = body.indexOf('|')
  return [body.slice(bar + 1), body.slice(0, bar)]
}
