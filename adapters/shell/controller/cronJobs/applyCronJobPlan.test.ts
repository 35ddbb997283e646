/**
 * Applying a CronJob plan: each action's outcome handled as core/cronjob/actions.ts says
 * (C39–C42), against the memory store.
 */
import { describe, expect, it } from '@effect/vitest'
import { Effect } from 'effect'
import type { CronJob, CronJobPlan } from '../../../../core/index.js'
import { reconcileCronJob } from '../../../../core/index.js'
import { cronJobManifest } from '../../../../conformance/scenarios/cronJobs.js'
import { StoreUnavailable } from '../../../ports/errors.js'
import * as MemoryStore from '../../../stores/memory/MemoryStore.js'
import * as EventRecorder from '../../events/EventRecorder.js'
import { makeControllerMetrics } from '../metrics.js'
import { applyCronJobPlan } from './applyCronJobPlan.js'

const ns = 'ns'
const minute = 60_000

const setUp = Effect.gen(function* () {
  const store = yield* MemoryStore.make
  const manifest = cronJobManifest('hello')
  const cronJob: CronJob = yield* store.createCronJob({ ...manifest, metadata: { name: 'hello', namespace: ns } })
  const recorder = yield* EventRecorder.start(store, makeControllerMetrics().eventsDropped)
  return { store, cronJob, recorder, stores: { jobs: store, cronJobs: store, recordEvent: recorder.record } }
})

/** The reasons of the CronJob's events, once the recorder has written what was queued. */
const reasons = (store: MemoryStore.MemoryStoreService, recorder: EventRecorder.EventRecorder) =>
  Effect.zipRight(
    recorder.settled,
    Effect.map(store.listEvents({ namespace: ns, involvedObjectName: 'hello' }), (events) => events.map((e) => e.reason)),
  )

describe('applyCronJobPlan', () => {
  it.scoped('a due run: the Job is created (SuccessfulCreate) and appended to status.active with its uid, lastScheduleTime set', () =>
    Effect.gen(function* () {
      const { store, cronJob, recorder, stores } = yield* setUp
      const applied = yield* applyCronJobPlan(cronJob, reconcileCronJob(cronJob, [], 90_000), stores)
      expect(applied.created?.metadata.name).toBe('hello-1')
      expect(applied.cronJob?.status?.lastScheduleTime).toBe('1970-01-01T00:01:00Z')
      expect(applied.cronJob?.status?.active?.map((ref) => ref.uid)).toEqual([applied.created?.metadata.uid])
      expect(yield* reasons(store, recorder)).toEqual(['SuccessfulCreate'])
    }),
  )

  it.scoped('a Job of the run’s name that is not this CronJob’s (AlreadyExists): no Job, the sync ends quietly', () =>
    Effect.gen(function* () {
      const { store, cronJob, recorder, stores } = yield* setUp
      yield* store.createJob({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'hello-1', namespace: ns },
        spec: { template: { spec: { containers: [{ name: 'main', image: 'busybox:1.36' }], restartPolicy: 'Never' } } },
      })
      const plan = reconcileCronJob(cronJob, [], 90_000)
      const applied = yield* applyCronJobPlan(cronJob, plan, stores)
      expect(applied.endedQuietly).toBe(true)
      expect(applied.created).toBeUndefined()
      expect((yield* store.getCronJob({ namespace: ns, name: 'hello' })).status?.active ?? []).toEqual([])
      expect(yield* reasons(store, recorder)).not.toContain('SuccessfulCreate')
    }),
  )

  it.scoped('a creation the store refuses records FailedCreate and fails the sync with the error (retried with back-off)', () =>
    Effect.gen(function* () {
      const { store, cronJob, recorder } = yield* setUp
      const plan: CronJobPlan = reconcileCronJob(cronJob, [], 2 * minute + 1)
      expect(plan.actions.map((action) => action._tag)).toContain('CreateJob')
      const refusing = { ...store, createJob: () => Effect.fail(new StoreUnavailable({ reason: 'the API server is down' })) }
      const error = yield* Effect.flip(applyCronJobPlan(cronJob, plan, { jobs: refusing, cronJobs: store, recordEvent: recorder.record }))
      expect(error.message).toBe('the API server is down')
      expect(yield* reasons(store, recorder)).toContain('FailedCreate')
    }),
  )
})
