import { Clock, Deferred, Effect } from 'effect'
import type { Scope } from 'effect'
import type { Registry } from 'prom-client'
import type { Job, OwnerReference, Pod } from '../../../core/model/types.js'
import { matchesSelector } from '../../../core/model/labelSelector.js'
import { BUILT_IN_CONTROLLER } from '../../../core/model/wellKnown.js'
import type { BackoffRecord } from '../../../core/reconcile/backoff.js'
import { finishedConditionOf, isFinished } from '../../../core/reconcile/conditions.js'
import type { EngineSettings } from '../../../core/reconcile/options.js'
import { defaultEngineSettings } from '../../../core/reconcile/options.js'
import { controllerRefOf, hasTrackingFinalizer, isTerminal } from '../../../core/reconcile/podState.js'
import { isManagedBy, reconcile, reconcileAfterFailedPodCalls } from '../../../core/reconcile/reconcile.js'
import type { StoreError } from '../../ports/errors.js'
import { JobStore } from '../../ports/JobStore.js'
import type { JobStoreService, NewEvent } from '../../ports/JobStore.js'
import { optionalCronJobStore } from '../../ports/CronJobStore.js'
import { applyPlan } from './applyPlan.js'
import type { CronJobController } from './cronJobs/CronJobController.js'
import { makeCronJobController } from './cronJobs/CronJobController.js'
import { Expectations } from './Expectations.js'
import { collectDependents, releaseOrphanFinalizer } from './garbageCollector.js'
import type { CacheChange } from './Informer.js'
import { objectKeyOf, parseObjectKey, runInformer } from './Informer.js'
import * as EventRecorder from '../events/EventRecorder.js'
import type { RecordingSettings } from '../events/EventRecorder.js'
import type { ControllerMetrics } from './metrics.js'
import { makeControllerMetrics } from './metrics.js'
import type { RetrySettings } from './WorkQueue.js'
import { makeWorkQueue, upstreamRetry } from './WorkQueue.js'

export interface ControllerOptions {
  /** Jobs synced in parallel (kube-controller-manager's `--concurrent-job-syncs`, default 5). */
  readonly workers?: number
  readonly settings?: Partial<EngineSettings>
  /** Delay that merges pod events and status-only Job updates into one sync (R158: 1 s). */
  readonly eventBatchMs?: number
  /**
   * How those are merged: `bursts` (the default) syncs a burst of them once it has settled
   * (no event for a tenth of `eventBatchMs`), never later than `eventBatchMs` after its first
   * event and at most once per `eventBatchMs`; `upstream` delays every such sync by
   * `eventBatchMs`, as kube-controller-manager does.
   */
  readonly eventBatching?: 'bursts' | 'upstream'
  readonly retry?: RetrySettings
  readonly registry?: Registry
  /** Parallel pod operations within one sync. */
  readonly podConcurrency?: number
  /**
   * Run the CronJob controller too (it needs `CronJobStore` in the context). Default: on when
   * the context provides `CronJobStore`, except for a store shared with a cluster's own
   * controllers (`CronJobStoreService.clusterShared`, the Kubernetes store): there the
   * built-in cronjob-controller would act on the same CronJobs (CronJob has no `managedBy`), so
   * this controller takes them only when told it is the cluster's CronJob controller
   * (`cronJobController: true`, with kube-controller-manager run as
   * `--controllers=*,-cronjob-controller`). `false` leaves CronJobs alone.
   */
  readonly cronJobController?: boolean
  /** CronJobs synced in parallel (kube-controller-manager's `--concurrent-cron-job-syncs`, default 5). */
  readonly cronJobWorkers?: number
  /** How events are correlated and queued (default: client-go's recorder, EventRecorder.ts). */
  readonly eventRecording?: RecordingSettings
}

/** A running controller. */
export interface ControllerHandle {
  readonly metrics: ControllerMetrics
  /** Keys queued or being synced (Jobs and CronJobs). */
  readonly pendingWork: () => number
  /** Whether this controller runs the CronJobs of its store (see `ControllerOptions.cronJobController`). */
  readonly runsCronJobs: boolean
  /** Waits until every event recorded so far has had its try (EventRecorder.ts). */
  readonly eventsSettled: Effect.Effect<void>
  /** Jobs synced in parallel (`workers`). */
  readonly workers: number
}

const GC_PREFIX = 'gc:'
const ORPHAN_PREFIX = 'orphan:'

/**
 * The Job controller: informers over the store, a work queue, `reconcile`, and the plan
 * applied in order; plus the TTL and garbage-collection duties (architecture.md). Runs in
 * the background for the life of the scope; returns once the caches are filled.
 */
export const start = (options: ControllerOptions = {}): Effect.Effect<ControllerHandle, never, JobStore | Scope.Scope> =>
  Effect.gen(function* () {
    const store = yield* JobStore
    const settings: EngineSettings = { ...defaultEngineSettings, ...options.settings }
    const eventBatchMs = options.eventBatchMs ?? 1000
    const queue = yield* makeWorkQueue(options.retry ?? upstreamRetry)
    /** R158's batched wake-up of a Job. */
    const addBatched =
      options.eventBatching === 'upstream' ? (key: string) => queue.addAfter(key, eventBatchMs) : (key: string) => queue.addBatched(key, eventBatchMs)
    const metrics = makeControllerMetrics(options.registry)
    const events = yield* EventRecorder.start(store, metrics.eventsDropped, options.eventRecording)
    const expectations = new Expectations()
    const backoffs = new Map<string, BackoffRecord>()
    const jobs = new Map<string, Job>()
    const pods = new Map<string, Pod>()
    const jobKeyByUid = new Map<string, string>()
    const podsByOwnerUid = new Map<string, Set<string>>()
    const orphansByNamespace = new Map<string, Set<string>>()
    const cronJobController = yield* cronJobControllerFor(store, events.record, options)

    // ---- cache indexes and wake-ups (R158) ----
    const onJobChange = (change: CacheChange<Job>): Effect.Effect<void> =>
      Effect.gen(function* () {
        const { key, previous, current } = change
        if (cronJobController !== undefined) yield* cronJobController.observeJob(change)
        if (previous?.metadata.uid !== undefined && previous.metadata.uid !== current?.metadata.uid) jobKeyByUid.delete(previous.metadata.uid)
        if (current?.metadata.uid !== undefined) jobKeyByUid.set(current.metadata.uid, key)
        if (current === undefined) {
          yield* queue.add(key)
          if (previous?.metadata.uid !== undefined) yield* queue.add(gcKey(key, previous.metadata.uid))
          return
        }
        if (previous === undefined) {
          if (!isManagedBy(current, settings.controllerName) && current.spec.managedBy !== undefined && current.spec.managedBy !== BUILT_IN_CONTROLLER) {
            metrics.jobsByExternalController.inc({ controller_name: current.spec.managedBy })
          }
          yield* queue.add(key)
        } else if (previous.metadata.generation !== current.metadata.generation) {
          yield* queue.add(key)
        } else if (!(isFinished(previous.status) && isFinished(current.status))) {
          yield* addBatched(key)
        }
        if (current.metadata.deletionTimestamp !== undefined && current.metadata.uid !== undefined) {
          yield* queue.add(gcKey(key, current.metadata.uid))
        }
      })

    // Every write to every pod comes here (several per pod): the cache indexes and the
    // bookkeeping are plain code done in the call (the informer runs the effect returned
    // before its next change), and the only effects are the queue's.
    const onPodChange = (change: CacheChange<Pod>): Effect.Effect<void> => {
      const { key, previous, current } = change
      const namespace = parseObjectKey(key).namespace
      if (previous !== undefined) unindexPod(key, previous)
      if (current !== undefined) indexPod(key, current)
      observeForExpectations(namespace, previous, current)
      countTrackedTerminations(previous, current)
      const wakeUps: Array<Effect.Effect<void>> = []
      for (const jobKey of jobsInterestedIn(namespace, previous, current)) wakeUps.push(addBatched(jobKey))
      const owner = controllerRefOf(current ?? previous!)
      if (owner?.kind === 'Job') {
        // The garbage collector looks again when the owner is gone, or is being deleted
        // (a Foreground deletion finishes once the last dependent is gone, R167).
        const ownerKey = jobKeyByUid.get(owner.uid)
        const ownerJob = ownerKey === undefined ? undefined : jobs.get(ownerKey)
        if (ownerJob === undefined || ownerJob.metadata.deletionTimestamp !== undefined) {
          wakeUps.push(queue.add(gcKey(`${namespace}/${owner.name}`, owner.uid)))
        }
      }
      if (current !== undefined && owner === undefined && hasTrackingFinalizer(current)) wakeUps.push(queue.add(ORPHAN_PREFIX + key))
      return inOrder(wakeUps)
    }

    const unindexPod = (key: string, pod: Pod) => {
      const owner = controllerRefOf(pod)
      if (owner !== undefined) podsByOwnerUid.get(owner.uid)?.delete(key)
      else orphansByNamespace.get(pod.metadata.namespace ?? 'default')?.delete(key)
    }
    const indexPod = (key: string, pod: Pod) => {
      const owner = controllerRefOf(pod)
      const index = owner !== undefined ? podsByOwnerUid : orphansByNamespace
      const indexKey = owner !== undefined ? owner.uid : pod.metadata.namespace ?? 'default'
      let keys = index.get(indexKey)
      if (keys === undefined) {
        keys = new Set()
        index.set(indexKey, keys)
      }
      keys.add(key)
    }

    // R159, R160: what this controller sees of its own writes.
    const observeForExpectations = (namespace: string, previous: Pod | undefined, current: Pod | undefined) => {
      const pod = current ?? previous!
      const owner = controllerRefOf(pod)
      const uid = pod.metadata.uid ?? ''
      if (current === undefined || !hasTrackingFinalizer(current)) expectations.finalizerRemovalObserved(uid)
      if (owner === undefined || owner.kind !== 'Job') return
      const jobKey = `${namespace}/${owner.name}`
      if (previous === undefined) expectations.creationObserved(jobKey)
      const goneOrGoing = current === undefined || current.metadata.deletionTimestamp !== undefined
      if (goneOrGoing) expectations.deletionObserved(jobKey, uid)
    }

    const countTrackedTerminations = (previous: Pod | undefined, current: Pod | undefined) => {
      const before = previous !== undefined && isTerminal(previous) && hasTrackingFinalizer(previous)
      const after = current !== undefined && isTerminal(current) && hasTrackingFinalizer(current)
      if (!before && after) metrics.terminatedPodsTrackingFinalizer.inc({ event: 'add' })
      if (before && !after) metrics.terminatedPodsTrackingFinalizer.inc({ event: 'delete' })
    }

    /** The Job controlling the pod, or for an orphan every Job whose selector may adopt it (R67). */
    const jobsInterestedIn = (namespace: string, previous: Pod | undefined, current: Pod | undefined): ReadonlyArray<string> => {
      // The usual event: a pod with the same controller before and after.
      const before = previous === undefined ? undefined : controllerRefOf(previous)
      const after = current === undefined ? undefined : controllerRefOf(current)
      if ((previous === undefined || before !== undefined) && after !== undefined && (before === undefined || before.uid === after.uid)) {
        const jobKey = jobKeyByUid.get(after.uid)
        return jobKey === undefined ? [] : [jobKey]
      }
      const keys = new Set<string>()
      for (const pod of [previous, current]) {
        if (pod === undefined) continue
        const owner = controllerRefOf(pod)
        if (owner !== undefined) {
          const jobKey = jobKeyByUid.get(owner.uid)
          if (jobKey !== undefined) keys.add(jobKey)
          continue
        }
        for (const [jobKey, job] of jobs) {
          if (job.metadata.namespace === namespace && matchesSelector(job.spec.selector, pod.metadata.labels)) keys.add(jobKey)
        }
      }
      return [...keys]
    }

    /** R160: the candidates whose finalizer removal was sent and not yet seen, at this moment. */
    const expectedRemovalsAmong = (candidates: ReadonlyArray<Pod>): ReadonlySet<string> => {
      const pending = expectations.pendingFinalizerRemovals
      const expected = new Set<string>()
      if (pending.size === 0) return expected
      for (const pod of candidates) {
        const uid = pod.metadata.uid ?? ''
        if (pending.has(uid)) expected.add(uid)
      }
      return expected
    }

    const podsOf = (keys: ReadonlySet<string> | undefined): Pod[] => {
      const found: Pod[] = []
      for (const key of keys ?? []) {
        const pod = pods.get(key)
        if (pod !== undefined) found.push(pod)
      }
      return found
    }

    // ---- syncs ----
    /**
     * Jobs whose last status write failed as a conflict or without an answer: the write may
     * have landed, or the cached copy is behind, and the informer may be slow to tell. Their
     * next sync reads the Job from the store first (R76's intent: never decide from a copy
     * older than our own write), or finished pods whose finalizer that write released would
     * look counted and be replaced.
     */
    const unsureOfStatus = new Set<string>()

    /**
     * Puts a Job this controller wrote (or read back) into the cache, unless the cache has a
     * newer copy. The informer skips the watch event of that version later, so the CronJob
     * controller hears of the change here (a finished Job is what frees a Forbid run).
     */
    const cacheWrittenJob = (key: string, written: Job): Effect.Effect<void> =>
      Effect.suspend(() => {
        const previous = jobs.get(key)
        const current = newest(previous, written)
        if (current === previous) return Effect.void
        jobs.set(key, current)
        return cronJobController === undefined ? Effect.void : cronJobController.observeJob(previous === undefined ? { key, current } : { key, previous, current })
      })

    const refreshIfUnsure = (key: string): Effect.Effect<void, StoreError> =>
      Effect.suspend(() => {
        if (!unsureOfStatus.has(key)) return Effect.void
        return store.getJob(parseObjectKey(key)).pipe(
          Effect.flatMap((fresh) => cacheWrittenJob(key, fresh)),
          // Gone: the informer removes it, and the sync below finds nothing.
          Effect.catchTag('NotFound', () => Effect.sync(() => void jobs.delete(key))),
          Effect.tap(() => Effect.sync(() => unsureOfStatus.delete(key))),
        )
      })

    const syncJob = (key: string): Effect.Effect<void> =>
      Effect.gen(function* () {
        const refreshed = yield* Effect.either(refreshIfUnsure(key))
        if (refreshed._tag === 'Left') {
          yield* Effect.logWarning(`sync failed, retrying: ${refreshed.left.message}`).pipe(Effect.annotateLogs({ job: key }))
          yield* queue.addRateLimited(key)
          return
        }
        const job = jobs.get(key)
        if (job === undefined) {
          expectations.forget(key) // R77
          return
        }
        const uid = job.metadata.uid ?? ''
        const nowMs = yield* Clock.currentTimeMillis
        const expectationsSatisfied = expectations.satisfied(key, nowMs) // R82: before listing pods
        const candidates = [...podsOf(podsByOwnerUid.get(uid)), ...podsOf(orphansByNamespace.get(job.metadata.namespace ?? 'default'))]
        const started = performance.now()
        const reconcileOptions = {
          ...(backoffs.has(uid) ? { backoff: backoffs.get(uid)! } : {}),
          expectationsSatisfied,
          // A copy of what this Job's pods expect, so a replan after failed pod calls sees the same input.
          finalizerRemovalExpected: expectedRemovalsAmong(candidates),
          settings,
        }
        const plan = reconcile(job, candidates, nowMs, reconcileOptions)
        const labels = { completion_mode: job.spec.completionMode, action: plan.facts.syncAction }
        const outcome = yield* Effect.either(
          applyPlan(job, plan, {
            store,
            recordEvent: events.record,
            expectations,
            metrics,
            jobKey: key,
            creationReason: plan.facts.creationReason,
            onFirstStatusWrite: (backoff) => backoffs.set(uid, backoff),
            afterFailedPodCalls: (failed, written) => reconcileAfterFailedPodCalls(written, candidates, nowMs, reconcileOptions, failed),
            podConcurrency: options.podConcurrency ?? 64,
          }),
        )
        const seconds = (performance.now() - started) / 1000
        if (outcome._tag === 'Left') {
          if (outcome.left._tag === 'StoreUnavailable' || outcome.left._tag === 'Conflict') unsureOfStatus.add(key)
          metrics.syncs.inc({ ...labels, result: 'error' })
          metrics.syncDuration.observe({ ...labels, result: 'error' }, seconds)
          yield* Effect.logWarning(`sync failed, retrying: ${outcome.left.message}`).pipe(Effect.annotateLogs({ job: key }))
          yield* queue.addRateLimited(key)
          return
        }
        const { plan: applied, statusWrites, podCallError } = outcome.right
        const result = podCallError === undefined ? 'success' : 'error'
        metrics.syncs.inc({ ...labels, result })
        metrics.syncDuration.observe({ ...labels, result }, seconds)
        if (statusWrites === 0 && podCallError === undefined) backoffs.set(uid, applied.backoff)
        if (statusWrites > 0 || podCallError === undefined) {
          if (isFinished(applied.status)) backoffs.delete(uid)
          recordProgress(job, applied.status, applied.facts.failurePolicyActions)
        }
        if (statusWrites > 0) yield* cacheWrittenJob(key, outcome.right.job)
        if (podCallError === undefined) queue.forget(key)
        else {
          // R93/R161: the status was written; the failed pod calls are retried with back-off.
          yield* Effect.logWarning(`sync failed, retrying: ${podCallError.message}`).pipe(Effect.annotateLogs({ job: key }))
          yield* queue.addRateLimited(key)
        }
        // R88.6: the deadline (and back-off, TTL) wake-up stands even when the sync is retried.
        if (applied.requeueAfterMs !== undefined) yield* queue.addAfter(key, applied.requeueAfterMs)
      }).pipe(Effect.annotateLogs({ job: key }))

    const recordProgress = (job: Job, status: NonNullable<Job['status']>, policyActions: Readonly<Partial<Record<string, number>>>) => {
      const mode = job.spec.completionMode
      const before = job.status ?? {}
      const succeeded = (status.succeeded ?? 0) - (before.succeeded ?? 0)
      const failed = (status.failed ?? 0) - (before.failed ?? 0)
      if (succeeded > 0) metrics.podsFinished.inc({ completion_mode: mode, result: 'succeeded' }, succeeded)
      if (failed > 0) metrics.podsFinished.inc({ completion_mode: mode, result: 'failed' }, failed)
      for (const [action, count] of Object.entries(policyActions)) {
        if (count !== undefined && count > 0) metrics.podFailuresHandledByFailurePolicy.inc({ action }, count)
      }
      if (!isFinished(before) && isFinished(status)) {
        const condition = finishedConditionOf(status)!
        metrics.jobsFinished.inc({
          completion_mode: mode,
          result: condition.type === 'Complete' ? 'succeeded' : 'failed',
          reason: condition.reason ?? '',
        })
      }
    }

    const syncGarbage = (key: string): Effect.Effect<void> => {
      const [jobKey, ownerUid] = splitGcKey(key)
      const namespace = parseObjectKey(jobKey).namespace
      const ownerKey = jobKeyByUid.get(ownerUid)
      const owner = ownerKey === undefined ? undefined : jobs.get(ownerKey)
      return collectDependents(store, namespace, ownerUid, owner, podsOf(podsByOwnerUid.get(ownerUid))).pipe(
        Effect.zipRight(Effect.sync(() => queue.forget(key))),
        Effect.catchAll((error) =>
          Effect.logWarning(`garbage collection failed, retrying: ${error.message}`).pipe(Effect.zipRight(queue.addRateLimited(key))),
        ),
      )
    }

    const syncOrphan = (key: string): Effect.Effect<void> => {
      const podKey = key.slice(ORPHAN_PREFIX.length)
      const pod = pods.get(podKey)
      if (pod === undefined) return Effect.void
      return releaseOrphanFinalizer(store, parseObjectKey(podKey).namespace, pod).pipe(
        Effect.catchAll((error) => Effect.logWarning(`could not release orphan pod: ${error.message}`).pipe(Effect.zipRight(queue.addRateLimited(key)))),
      )
    }

    const worker = Effect.gen(function* () {
      const key = yield* queue.take
      const sync = key.startsWith(GC_PREFIX) ? syncGarbage(key) : key.startsWith(ORPHAN_PREFIX) ? syncOrphan(key) : syncJob(key)
      yield* sync.pipe(Effect.ensuring(queue.done(key)))
    }).pipe(Effect.forever)

    /**
     * The pods a store may leave out (PodInterest): those of a Job another controller manages
     * (R172), as long as it is not being deleted (then the garbage collector looks at them).
     * In a cluster they are most pods; reading none of them keeps this engine light beside others.
     */
    const ignoresController = (controller: Pick<OwnerReference, 'kind' | 'uid'>): boolean => {
      if (controller.kind !== 'Job') return false
      const key = jobKeyByUid.get(controller.uid)
      const job = key === undefined ? undefined : jobs.get(key)
      return job !== undefined && job.metadata.deletionTimestamp === undefined && !isManagedBy(job, settings.controllerName)
    }

    // ---- start: fill the caches, then run the workers ----
    const jobsSynced = yield* Deferred.make<void>()
    const podsSynced = yield* Deferred.make<void>()
    yield* Effect.forkScoped(
      runInformer({ cache: jobs, list: store.listJobs(), watch: (rv) => store.watchJobs({ resourceVersion: rv }), onChange: onJobChange, synced: jobsSynced }),
    )
    yield* Effect.forkScoped(
      runInformer({
        cache: pods,
        list: store.listPods({ ignoresController }),
        watch: (rv) => store.watchPods({ resourceVersion: rv, ignoresController }),
        onChange: onPodChange,
        synced: podsSynced,
      }),
    )
    yield* Deferred.await(jobsSynced)
    yield* Deferred.await(podsSynced)
    if (cronJobController !== undefined) yield* cronJobController.start
    const workers = Math.max(1, options.workers ?? 5)
    for (let i = 0; i < workers; i++) yield* Effect.forkScoped(worker)
    yield* Effect.logDebug(`job controller started with ${workers} workers`)
    const pendingWork = cronJobController === undefined ? queue.size : () => queue.size() + cronJobController.pendingWork()
    return { metrics, pendingWork, runsCronJobs: cronJobController !== undefined, eventsSettled: events.settled, workers }
  })

/** The CronJob controller when this controller runs CronJobs (see `ControllerOptions.cronJobController`). */
function cronJobControllerFor(
  jobs: JobStoreService,
  recordEvent: (event: NewEvent) => Effect.Effect<void>,
  options: ControllerOptions,
): Effect.Effect<CronJobController | undefined> {
  return Effect.gen(function* () {
    const found = yield* optionalCronJobStore
    if (options.cronJobController === false) return undefined
    if (found._tag === 'None') {
      if (options.cronJobController === true) yield* Effect.logWarning('cronJobController is on, but the store provides no CronJobStore: CronJobs are not run')
      return undefined
    }
    const cronJobs = found.value
    if (options.cronJobController === undefined && cronJobs.clusterShared === true) return undefined
    return yield* makeCronJobController({ jobs, cronJobs, recordEvent, retry: options.retry ?? upstreamRetry, workers: options.cronJobWorkers ?? 5 })
  })
}

/** The effects one after the other; no step at all for none or one. */
function inOrder(effects: ReadonlyArray<Effect.Effect<void>>): Effect.Effect<void> {
  if (effects.length === 0) return Effect.void
  if (effects.length === 1) return effects[0]!
  return Effect.all(effects, { discard: true })
}

/** Keeps whichever copy of the Job is newer, so a slower watch never rolls the cache back. */
function newest(cached: Job | undefined, written: Job): Job {
  if (cached === undefined) return written
  const cachedVersion = Number(cached.metadata.resourceVersion)
  const writtenVersion = Number(written.metadata.resourceVersion)
  if (Number.isFinite(cachedVersion) && Number.isFinite(writtenVersion)) return writtenVersion >= cachedVersion ? written : cached
  return written
}

function gcKey(jobKey: string, uid: string): string {
  return `${GC_PREFIX}${uid}|${jobKey}`
}

function splitGcKey(key: string): [jobKey: string, uid: string] {
  const body = key.slice(GC_PREFIX.length)
  const bar = body.indexOf('|')
  return [body.slice(bar + 1), body.slice(0, bar)]
}

export type { JobStoreService }
export { objectKeyOf }
