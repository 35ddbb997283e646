/**
 * The plan applier when pod calls fail, on the memory store behind a wrapper that refuses
 * some of them. Upstream's syncJob still writes the Job's status when a pod create, delete or
 * finalizer removal failed, then returns the error so the Job is retried with back-off (R93,
 * R112.4, R161); only a failed status write ends the sync without one.
 */
import { describe, expect, it } from '@effect/vitest'
import { Clock, Effect } from 'effect'
import type { Job, Pod } from '../../../core/model/types.js'
import type { Reconciliation } from '../../../core/reconcile/options.js'
import { reconcile, reconcileAfterFailedPodCalls } from '../../../core/reconcile/reconcile.js'
import * as MemoryStore from '../../stores/memory/MemoryStore.js'
import type { JobStoreService, NewEvent } from '../../ports/JobStore.js'
import { applyPlan } from './applyPlan.js'
import type { ApplyOutcome } from './applyPlan.js'
import { Expectations } from './Expectations.js'
import { makeControllerMetrics } from './metrics.js'
import { refusing } from './testing/refusingStore.js'

const NAMESPACE = 'default'

function jobManifest(name: string, spec: Record<string, unknown>) {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: NAMESPACE },
    spec: { ...spec, template: { spec: { containers: [{ name: 'main', image: 'busybox:1.36' }], restartPolicy: 'Never' } } },
  }
}

/** One sync of the Job as the controller makes it: reconcile what the store holds, apply through `via`. */
function sync(store: JobStoreService, via: JobStoreService, name: string): Effect.Effect<ApplyOutcome, unknown> {
  return Effect.gen(function* () {
    const job = yield* store.getJob({ namespace: NAMESPACE, name })
    const pods = (yield* store.listPods({ namespace: NAMESPACE })).items
    const nowMs = yield* Clock.currentTimeMillis
    const plan = reconcile(job, pods, nowMs)
    return yield* applyPlan(job, plan, applyContext(via, job, pods, nowMs, plan))
  })
}

function applyContext(store: JobStoreService, job: Job, pods: ReadonlyArray<Pod>, nowMs: number, plan: Reconciliation) {
  return {
    store,
    // Written at once, uncorrelated: these tests read which events a plan records.
    recordEvent: (event: NewEvent) =>
      Effect.ignore(Effect.flatMap(Clock.currentTimeMillis, (ms) => store.createEvent({ ...event, firstTimestamp: new Date(ms).toISOString(), lastTimestamp: new Date(ms).toISOString(), count: 1 }))),
    expectations: new Expectations(),
    metrics: makeControllerMetrics(),
    jobKey: `${NAMESPACE}/${job.metadata.name ?? ''}`,
    creationReason: plan.facts.creationReason,
    onFirstStatusWrite: () => undefined,
    afterFailedPodCalls: (failed: Parameters<typeof reconcileAfterFailedPodCalls>[4], written: Job) => reconcileAfterFailedPodCalls(written, pods, nowMs, {}, failed),
    podConcurrency: 64,
  }
}

const eventReasons = (store: JobStoreService, name: string) =>
  Effect.map(store.listEvents({ namespace: NAMESPACE, involvedObjectName: name }), (events) => events.map((event) => event.reason))

describe('applyPlan: failed pod calls still get the status written (R93)', () => {
  it.effect('R86/R93: no pods and every creation refused ⇒ startTime is stored, active 0, and the refusal is reported', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      yield* store.createJob(jobManifest('quota', { parallelism: 2, completions: 2 }))
      const outcome = yield* sync(store, refusing(store, { createPodAfter: 0 }), 'quota')
      expect(outcome.podCallError?.message).toContain('exceeded quota')
      expect(outcome.statusWrites).toBe(1)
      const stored = yield* store.getJob({ namespace: NAMESPACE, name: 'quota' })
      expect(stored.status?.startTime).toBeDefined()
      expect(stored.status).toMatchObject({ active: 0, ready: 0, terminating: 0 })
      expect((yield* store.listPods({ namespace: NAMESPACE })).items).toHaveLength(0)
      expect(yield* eventReasons(store, 'quota')).toContain('FailedCreate')
    }),
  )

  it.effect('R101/R102: 15 creations wanted (batches 1, 2, 4, 8) and 10 go through ⇒ active 10', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      yield* store.createJob(jobManifest('fifteen', { parallelism: 15, completions: 15 }))
      const outcome = yield* sync(store, refusing(store, { createPodAfter: 10 }), 'fifteen')
      expect(outcome.podCallError).toBeDefined()
      expect((yield* store.listPods({ namespace: NAMESPACE })).items).toHaveLength(10)
      expect((yield* store.getJob({ namespace: NAMESPACE, name: 'fifteen' })).status).toMatchObject({ active: 10, ready: 0 })
    }),
  )

  it.effect('R102: one pod running and the other creation refused ⇒ active 1, ready 0, startTime kept', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      yield* store.createJob(jobManifest('half', { parallelism: 2, completions: 2 }))
      // The first sync got one pod created before the quota ran out.
      yield* sync(store, refusing(store, { createPodAfter: 1 }), 'half')
      const first = yield* store.getJob({ namespace: NAMESPACE, name: 'half' })
      expect(first.status).toMatchObject({ active: 1, ready: 0 })
      const [running] = (yield* store.listPods({ namespace: NAMESPACE })).items
      yield* store.updatePodStatus({ namespace: NAMESPACE, name: running!.metadata.name ?? '' }, { phase: 'Running' })
      const outcome = yield* sync(store, refusing(store, { createPodAfter: 0 }), 'half')
      expect(outcome.podCallError).toBeDefined()
      const stored = yield* store.getJob({ namespace: NAMESPACE, name: 'half' })
      expect(stored.status).toMatchObject({ active: 1, ready: 0, startTime: first.status?.startTime })
    }),
  )

  it.effect('R112.4: a new failed pod while every finalizer patch is refused ⇒ the status write records it in uncountedTerminatedPods', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      // Suspending deletes the running pod after removing its finalizer (R94): that patch is refused too.
      yield* store.createJob(jobManifest('patchless', { parallelism: 2, completions: 4 }))
      yield* sync(store, store, 'patchless')
      const [toFail, toRun] = (yield* store.listPods({ namespace: NAMESPACE })).items
      yield* store.updatePodStatus({ namespace: NAMESPACE, name: toRun!.metadata.name ?? '' }, { phase: 'Running' })
      yield* store.updatePodStatus(
        { namespace: NAMESPACE, name: toFail!.metadata.name ?? '' },
        { phase: 'Failed', containerStatuses: [{ name: 'main', restartCount: 0, state: { terminated: { exitCode: 1, finishedAt: '1970-01-01T00:00:01Z' } } }] },
      )
      const job = yield* store.getJob({ namespace: NAMESPACE, name: 'patchless' })
      yield* store.updateJob({ ...job, spec: { ...job.spec, suspend: true } })
      const outcome = yield* sync(store, refusing(store, { finalizerRemoval: true }), 'patchless')
      expect(outcome.podCallError?.message).toContain('forbidden')
      const stored = yield* store.getJob({ namespace: NAMESPACE, name: 'patchless' })
      expect(stored.status?.uncountedTerminatedPods).toEqual({ failed: [toFail!.metadata.uid] })
      expect(stored.status).toMatchObject({ failed: 0, active: 1 })
      expect(stored.status?.conditions?.find((c) => c.type === 'Suspended')).toMatchObject({ status: 'True', reason: 'JobSuspended' })
      // Both pods keep their finalizer: the failed one is counted once a later patch goes through.
      for (const pod of (yield* store.listPods({ namespace: NAMESPACE })).items) expect(pod.metadata.finalizers).toContain('batch.kubernetes.io/job-tracking')
      yield* sync(store, store, 'patchless')
      yield* sync(store, store, 'patchless')
      expect((yield* store.getJob({ namespace: NAMESPACE, name: 'patchless' })).status).toMatchObject({ failed: 1, uncountedTerminatedPods: {} })
    }),
  )

  it.effect('R113: a refused status write stops the plan and is the sync error', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      yield* store.createJob(jobManifest('statusless', { parallelism: 1, completions: 1 }))
      const outcome = yield* Effect.either(sync(store, refusing(store, { updateJobStatus: true }), 'statusless'))
      expect(outcome._tag).toBe('Left')
      expect((yield* store.getJob({ namespace: NAMESPACE, name: 'statusless' })).status?.startTime).toBeUndefined()
    }),
  )
})

describe('applyPlan: a terminal decision is stored before its pods are stopped (R89, R111, R145)', () => {
  /** A Job with backoffLimit 0 whose first pod failed while the second runs: the sync decides BackoffLimitExceeded. */
  const failingJob = (store: JobStoreService, name: string) =>
    Effect.gen(function* () {
      yield* store.createJob(jobManifest(name, { parallelism: 2, completions: 2, backoffLimit: 0 }))
      yield* sync(store, store, name)
      const [toFail, toRun] = (yield* store.listPods({ namespace: NAMESPACE })).items
      yield* store.updatePodStatus({ namespace: NAMESPACE, name: toRun!.metadata.name ?? '' }, { phase: 'Running' })
      yield* store.updatePodStatus(
        { namespace: NAMESPACE, name: toFail!.metadata.name ?? '' },
        { phase: 'Failed', containerStatuses: [{ name: 'main', restartCount: 0, state: { terminated: { exitCode: 1, finishedAt: '1970-01-01T00:00:01Z' } } }] },
      )
      return toRun!.metadata.name ?? ''
    })

  it.effect('R111/R89: the status write carrying FailureTarget is refused ⇒ no pod is deleted', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      const running = yield* failingJob(store, 'unwritten')
      const outcome = yield* Effect.either(sync(store, refusing(store, { updateJobStatus: true }), 'unwritten'))
      expect(outcome._tag).toBe('Left')
      const pod = yield* store.getPod({ namespace: NAMESPACE, name: running })
      expect(pod.metadata.deletionTimestamp).toBeUndefined()
      expect((yield* store.getJob({ namespace: NAMESPACE, name: 'unwritten' })).status?.conditions ?? []).toEqual([])
    }),
  )

  it.effect('R89/R145: the deletion of the running pod is refused after FailureTarget was stored ⇒ it stays, active 1, and the next sync fails the Job for the same reason', () =>
    Effect.gen(function* () {
      const store = yield* MemoryStore.make
      const running = yield* failingJob(store, 'undeleted')
      const outcome = yield* sync(store, refusing(store, { deletePod: true }), 'undeleted')
      expect(outcome.podCallError?.message).toContain('forbidden')
      const stored = yield* store.getJob({ namespace: NAMESPACE, name: 'undeleted' })
      expect(stored.status?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([['FailureTarget', 'True', 'BackoffLimitExceeded']])
      // R89: a deletion that failed leaves the pod active, so the decision is not carried out in this sync.
      expect(stored.status).toMatchObject({ active: 1, terminating: 0, failed: 1 })
      expect((yield* store.getPod({ namespace: NAMESPACE, name: running })).metadata.deletionTimestamp).toBeUndefined()
      yield* sync(store, store, 'undeleted')
      yield* sync(store, store, 'undeleted')
      const finished = yield* store.getJob({ namespace: NAMESPACE, name: 'undeleted' })
      expect(finished.status?.conditions?.map((c) => [c.type, c.reason])).toEqual([
        ['FailureTarget', 'BackoffLimitExceeded'],
        ['Failed', 'BackoffLimitExceeded'],
      ])
      expect(finished.status).toMatchObject({ failed: 2, active: 0, terminating: 0, uncountedTerminatedPods: {} })
    }),
  )
})
