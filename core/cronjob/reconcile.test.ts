/**
 * `reconcileCronJob` by example. The cases follow upstream's own table in
 * cronjob_controllerv2_test.go (`TestControllerV2SyncCronJob`: an hourly `0 * * * ?` CronJob
 * created at 09:01, synced just before or just after 10:00), with the expected requeue times,
 * creations, deletions and events upstream asserts; the rest follow the rules' text.
 */
import { describe, expect, it } from 'vitest'
import type { CronJobAction, CronJobPlan } from './actions.js'
import { reconcileCronJob } from './reconcile.js'
import { activeRef, at, cronJob, job } from './testing/builders.js'
import type { CronJobSpecManifest, CronJobStatus } from './types.js'

const BEFORE_THE_HOUR = at('2016-05-19T09:59:00Z')
const AFTER_THE_HOUR = at('2016-05-19T10:01:00Z')
const MINUTE = 60_000
const DELTA = 100

const tags = (plan: CronJobPlan): string[] => plan.actions.map((a) => (a._tag === 'RecordEvent' ? `RecordEvent ${a.reason}` : a._tag === 'DeleteJob' ? `DeleteJob ${a.reason} ${a.name}` : a._tag))
const eventsOf = (plan: CronJobPlan) => plan.actions.filter((a): a is Extract<CronJobAction, { _tag: 'RecordEvent' }> => a._tag === 'RecordEvent')
const creation = (plan: CronJobPlan) => plan.actions.find((a): a is Extract<CronJobAction, { _tag: 'CreateJob' }> => a._tag === 'CreateJob')
const statusWrite = (plan: CronJobPlan) => plan.actions.find((a): a is Extract<CronJobAction, { _tag: 'UpdateCronJobStatus' }> => a._tag === 'UpdateCronJobStatus')

/** The previous run: created for 09:00, still running or not. */
const previous = (finished?: 'Complete' | 'Failed') =>
  job('mycronjob-24394140', { ...(finished === undefined ? {} : { finished, startTime: '2016-05-19T09:00:01Z', completionTime: '2016-05-19T09:30:00Z' }) })
const ranAt0900: CronJobStatus = { active: [activeRef('mycronjob-24394140')], lastScheduleTime: '2016-05-19T09:00:00Z' }

describe('C19, C38: a first run', () => {
  it.each(['Allow', 'Forbid', 'Replace'] as const)('never ran, not time yet (%s): nothing, look again in 1 min + 100 ms', (policy) => {
    const plan = reconcileCronJob(cronJob({ concurrencyPolicy: policy }), [], BEFORE_THE_HOUR)
    expect(plan).toEqual({ actions: [], requeueAfter: MINUTE + DELTA })
  })

  it.each(['Allow', 'Forbid', 'Replace'] as const)('never ran, it is time (%s): one Job for 10:00, active, look again at 11:00 + 100 ms', (policy) => {
    const plan = reconcileCronJob(cronJob({ concurrencyPolicy: policy }), [], AFTER_THE_HOUR)
    expect(tags(plan)).toEqual(['CreateJob', 'UpdateCronJobStatus'])
    expect(statusWrite(plan)).toEqual({ _tag: 'UpdateCronJobStatus', status: { lastScheduleTime: '2016-05-19T10:00:00Z' }, appendCreatedJob: true })
    expect(plan.requeueAfter).toBe(59 * MINUTE + DELTA)
  })

  it('C25–C28 the Job: name in minutes, template labels and annotations, scheduled-timestamp annotation, controller reference, template spec', () => {
    const cj = cronJob()
    const created = creation(reconcileCronJob(cj, [], AFTER_THE_HOUR))
    expect(created?.scheduledTime).toBe('2016-05-19T10:00:00Z')
    expect(created?.job).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: `mycronjob-${at('2016-05-19T10:00:00Z') / 60_000}`,
        namespace: 'snazzycats',
        labels: { a: 'b' },
        annotations: { x: 'y', 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2016-05-19T10:00:00Z' },
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'mycronjob', uid: '1a2b3c', controller: true, blockOwnerDeletion: true }],
      },
      spec: cj.spec.jobTemplate.spec,
    })
    expect(created?.job.metadata?.name).toBe('mycronjob-24394200')
  })

  it('C10, C26 in a time zone: the hour is New York\'s, and the annotation is written in that zone', () => {
    const plan = reconcileCronJob(cronJob({ timeZone: 'America/New_York' }), [], at('2016-05-19T14:01:00Z'))
    expect(creation(plan)?.job.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe('2016-05-19T10:00:00-04:00')
    expect(creation(plan)?.scheduledTime).toBe('2016-05-19T14:00:00Z')
  })

  it('C10 without timeZone the schedule runs in the default zone, but the annotation stays in UTC', () => {
    const plan = reconcileCronJob(cronJob({ schedule: '0 10 * * *' }, { creationTimestamp: '2016-05-19T07:01:00Z' }), [], at('2016-05-19T08:01:00Z'), { defaultTimeZone: 'Europe/Berlin' })
    expect(creation(plan)?.scheduledTime).toBe('2016-05-19T08:00:00Z')
    expect(creation(plan)?.job.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe('2016-05-19T08:00:00Z')
  })

  it('C37 suspended: nothing starts and nothing is requeued', () => {
    expect(reconcileCronJob(cronJob({ suspend: true }), [], AFTER_THE_HOUR)).toEqual({ actions: [] })
  })

  it('C22 past the starting deadline: the 10:00 run is dropped without an event, look again at 11:00', () => {
    const now = AFTER_THE_HOUR + 10 * MINUTE
    const plan = reconcileCronJob(cronJob({ startingDeadlineSeconds: 10 }), [], now)
    expect(plan).toEqual({ actions: [], requeueAfter: at('2016-05-19T11:00:00Z') + DELTA - now })
  })

  it('C22 within the starting deadline: it still starts, late', () => {
    const plan = reconcileCronJob(cronJob({ startingDeadlineSeconds: 200 }), [], AFTER_THE_HOUR)
    expect(creation(plan)?.scheduledTime).toBe('2016-05-19T10:00:00Z')
  })
})

describe('C30–C33 bookkeeping', () => {
  it.each(['Allow', 'Forbid', 'Replace'] as const)('C31 the previous run finished (%s), not time yet: it leaves active with SawCompletedJob; C30 lastSuccessfulTime', (policy) => {
    const plan = reconcileCronJob(cronJob({ concurrencyPolicy: policy }, { status: ranAt0900 }), [previous('Complete')], BEFORE_THE_HOUR)
    expect(eventsOf(plan)).toEqual([{ _tag: 'RecordEvent', eventType: 'Normal', reason: 'SawCompletedJob', message: 'Saw completed job: mycronjob-24394140, condition: Complete' }])
    expect(statusWrite(plan)?.status).toEqual({ lastScheduleTime: '2016-05-19T09:00:00Z', lastSuccessfulTime: '2016-05-19T09:30:00Z' })
    expect(plan.requeueAfter).toBe(MINUTE + DELTA)
  })

  it('C31 a failed run leaves active too, without touching lastSuccessfulTime', () => {
    const plan = reconcileCronJob(cronJob({}, { status: ranAt0900 }), [previous('Failed')], BEFORE_THE_HOUR)
    expect(eventsOf(plan).map((e) => e.message)).toEqual(['Saw completed job: mycronjob-24394140, condition: Failed'])
    expect(statusWrite(plan)?.status).toEqual({ lastScheduleTime: '2016-05-19T09:00:00Z' })
  })

  it('C30 lastSuccessfulTime only moves forward, also from Jobs no longer active', () => {
    const status: CronJobStatus = { lastScheduleTime: '2016-05-19T09:00:00Z', lastSuccessfulTime: '2016-05-19T09:40:00Z' }
    const older = job('older', { finished: 'Complete', completionTime: '2016-05-19T09:30:00Z' })
    const newer = job('newer', { finished: 'Complete', completionTime: '2016-05-19T09:50:00Z' })
    expect(statusWrite(reconcileCronJob(cronJob({}, { status }), [older], BEFORE_THE_HOUR))).toBeUndefined()
    expect(statusWrite(reconcileCronJob(cronJob({}, { status }), [older, newer], BEFORE_THE_HOUR))?.status.lastSuccessfulTime).toBe('2016-05-19T09:50:00Z')
  })

  it('C32 an active Job that is gone leaves active with MissingJob', () => {
    const plan = reconcileCronJob(cronJob({}, { status: ranAt0900 }), [], BEFORE_THE_HOUR)
    expect(eventsOf(plan)).toEqual([{ _tag: 'RecordEvent', eventType: 'Normal', reason: 'MissingJob', message: 'Active job went missing: mycronjob-24394140' }])
    expect(statusWrite(plan)?.status).toEqual({ lastScheduleTime: '2016-05-19T09:00:00Z' })
  })

  it('C33 an unfinished Job of ours that is not in active is reported, not adopted', () => {
    const plan = reconcileCronJob(cronJob({}, { status: { lastScheduleTime: '2016-05-19T09:00:00Z' } }), [job('stray')], BEFORE_THE_HOUR)
    expect(eventsOf(plan)).toEqual([{ _tag: 'RecordEvent', eventType: 'Warning', reason: 'UnexpectedJob', message: 'Saw a job that the controller did not create or forgot: stray' }])
    expect(statusWrite(plan)).toBeUndefined()
  })

  it('C29 Jobs controlled by another object, or in another namespace, are not looked at', () => {
    const foreign = job('foreign', { owner: { name: 'other', uid: 'x' } })
    const elsewhere = job('elsewhere', { namespace: 'other-ns' })
    const orphan = job('orphan', { owner: null })
    expect(reconcileCronJob(cronJob(), [foreign, elsewhere, orphan], BEFORE_THE_HOUR)).toEqual({ actions: [], requeueAfter: MINUTE + DELTA })
  })

  it('C36 a CronJob being deleted keeps its books and does nothing else', () => {
    const plan = reconcileCronJob(cronJob({}, { status: ranAt0900, deletionTimestamp: '2016-05-19T10:00:30Z' }), [previous('Complete')], AFTER_THE_HOUR)
    expect(tags(plan)).toEqual(['RecordEvent SawCompletedJob', 'UpdateCronJobStatus'])
    expect(plan.requeueAfter).toBeUndefined()
  })
})

describe('C24 concurrency policies while the previous run is still active', () => {
  const still = (policy: CronJobSpecManifest['concurrencyPolicy'], now: number) => reconcileCronJob(cronJob({ concurrencyPolicy: policy }, { status: ranAt0900 }), [previous()], now)

  it.each(['Allow', 'Forbid', 'Replace'] as const)('not time yet (%s): nothing, 1 min + 100 ms', (policy) => {
    expect(still(policy, BEFORE_THE_HOUR)).toEqual({ actions: [], requeueAfter: MINUTE + DELTA })
  })

  it('Allow: a second Job runs beside the first', () => {
    const plan = still('Allow', AFTER_THE_HOUR)
    expect(tags(plan)).toEqual(['CreateJob', 'UpdateCronJobStatus'])
    expect(statusWrite(plan)).toEqual({ _tag: 'UpdateCronJobStatus', status: { active: ranAt0900.active, lastScheduleTime: '2016-05-19T10:00:00Z' }, appendCreatedJob: true })
    expect(plan.requeueAfter).toBe(59 * MINUTE + DELTA)
  })

  it('Forbid: nothing starts, JobAlreadyActive, look again at 11:00 + 100 ms', () => {
    const plan = still('Forbid', AFTER_THE_HOUR)
    expect(plan).toEqual({
      actions: [{ _tag: 'RecordEvent', eventType: 'Normal', reason: 'JobAlreadyActive', message: 'Not starting job because prior execution is running and concurrency policy is Forbid' }],
      requeueAfter: 59 * MINUTE + DELTA,
    })
  })

  it('Replace: the active Job is deleted (Background), then the new one created; C40 the status to write if the creation fails', () => {
    const plan = still('Replace', AFTER_THE_HOUR)
    expect(tags(plan)).toEqual(['DeleteJob Replace mycronjob-24394140', 'CreateJob', 'UpdateCronJobStatus'])
    expect(plan.actions[0]).toEqual({ _tag: 'DeleteJob', name: 'mycronjob-24394140', uid: 'uid-mycronjob-24394140', propagation: 'Background', reason: 'Replace' })
    expect(statusWrite(plan)).toEqual({
      _tag: 'UpdateCronJobStatus',
      status: { lastScheduleTime: '2016-05-19T10:00:00Z' },
      appendCreatedJob: true,
      statusIfNotCreated: { lastScheduleTime: '2016-05-19T09:00:00Z' },
    })
  })
})

describe('C23, C27 a time already handled', () => {
  it('C23 lastScheduleTime is the due time: nothing runs again', () => {
    const status: CronJobStatus = { lastScheduleTime: '2016-05-19T10:00:00Z' }
    expect(reconcileCronJob(cronJob({}, { status }), [], AFTER_THE_HOUR)).toEqual({ actions: [], requeueAfter: 59 * MINUTE + DELTA })
  })

  it('C27 the Job for the due time exists already (crash before the status write): adopted, not created again', () => {
    const existing = job('mycronjob-24394200')
    const plan = reconcileCronJob(cronJob(), [existing], AFTER_THE_HOUR)
    expect(tags(plan)).toEqual(['RecordEvent UnexpectedJob', 'UpdateCronJobStatus'])
    expect(statusWrite(plan)?.status).toEqual({ active: [activeRef('mycronjob-24394200')], lastScheduleTime: '2016-05-19T10:00:00Z' })
    expect(plan.requeueAfter).toBe(59 * MINUTE + DELTA)
  })

  it('C27 a Job of that name controlled by another CronJob of the same name (old uid): nothing, no requeue', () => {
    const stale = job('mycronjob-24394200', { owner: { name: 'mycronjob', uid: 'old-uid' } })
    const plan = reconcileCronJob(cronJob(), [stale], AFTER_THE_HOUR)
    expect(tags(plan)).toEqual(['RecordEvent UnexpectedJob'])
    expect(plan.requeueAfter).toBeUndefined()
  })
})

describe('C19–C21 missed times', () => {
  it('C19 after a day away only the most recent hour runs', () => {
    const plan = reconcileCronJob(cronJob({}, { status: { lastScheduleTime: '2016-05-19T10:00:00Z' } }), [], at('2016-05-20T10:30:00Z'))
    expect(creation(plan)?.scheduledTime).toBe('2016-05-20T10:00:00Z')
    expect(eventsOf(plan)).toEqual([])
    expect(plan.requeueAfter).toBe(30 * MINUTE + DELTA)
  })

  it('C21 more than 100 missed times: TooManyMissedTimes, and the most recent still runs', () => {
    const plan = reconcileCronJob(cronJob({}, { status: { lastScheduleTime: '2016-05-19T10:00:00Z' } }), [], at('2016-05-25T10:30:00Z'))
    expect(eventsOf(plan)).toEqual([
      { _tag: 'RecordEvent', eventType: 'Warning', reason: 'TooManyMissedTimes', message: 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew' },
    ])
    expect(creation(plan)?.scheduledTime).toBe('2016-05-25T10:00:00Z')
  })

  it('C21 100 missed times are not too many', () => {
    // Hourly, last run at 10:00; now is 100 h later, just before the 101st: 100 missed.
    const plan = reconcileCronJob(cronJob({}, { status: { lastScheduleTime: '2016-05-19T10:00:00Z' } }), [], at('2016-05-19T10:00:00Z') + 100 * 60 * MINUTE + 30 * MINUTE)
    expect(eventsOf(plan)).toEqual([])
  })

  it('C21 with a deadline, only the window counts: no warning after a week away', () => {
    const plan = reconcileCronJob(cronJob({ startingDeadlineSeconds: 3600 }, { status: { lastScheduleTime: '2016-05-19T10:00:00Z' } }), [], at('2016-05-26T10:30:00Z'))
    expect(eventsOf(plan)).toEqual([])
    expect(creation(plan)?.scheduledTime).toBe('2016-05-26T10:00:00Z')
  })

  it("C19 upstream's estimate overshoots an irregular schedule: weekdays at 09:00, back on Monday 08:00, Friday's run is not found", () => {
    // Last run Monday 2016-05-16 09:00; now Monday 2016-05-23 08:00. Gap estimate: 1 day, 7 missed.
    const plan = reconcileCronJob(cronJob({ schedule: '0 9 * * 1-5' }, { status: { lastScheduleTime: '2016-05-16T09:00:00Z' } }), [], at('2016-05-23T08:00:00Z'))
    expect(creation(plan)).toBeUndefined()
    expect(plan.requeueAfter).toBe(60 * MINUTE + DELTA)
  })

  it('C7 @every counts from the last schedule time, not the clock', () => {
    const plan = reconcileCronJob(cronJob({ schedule: '@every 90m' }, { creationTimestamp: '2016-05-19T09:01:17Z' }), [], at('2016-05-19T10:40:00Z'))
    expect(creation(plan)?.scheduledTime).toBe('2016-05-19T10:31:17Z')
    expect(plan.requeueAfter).toBe(at('2016-05-19T12:01:17Z') + DELTA - at('2016-05-19T10:40:00Z'))
  })
})

describe('C5, C9, C10, C20 unusable schedules and zones', () => {
  it('C5 a schedule that does not parse: UnparseableSchedule, no requeue', () => {
    expect(reconcileCronJob(cronJob({ schedule: '61 * * * *' }), [], AFTER_THE_HOUR)).toEqual({
      actions: [{ _tag: 'RecordEvent', eventType: 'Warning', reason: 'UnparseableSchedule', message: 'unparseable schedule: "61 * * * *" : end of range (61) above maximum (59): 61' }],
    })
  })

  it('C20 a schedule that never fires: InvalidSchedule, no requeue', () => {
    expect(reconcileCronJob(cronJob({ schedule: '0 0 30 2 *' }), [], AFTER_THE_HOUR)).toEqual({
      actions: [{ _tag: 'RecordEvent', eventType: 'Warning', reason: 'InvalidSchedule', message: 'invalid schedule: 0 0 30 2 * : time difference between two schedules is less than 1 second' }],
    })
  })

  it('C10 a zone the runtime cannot load: UnknownTimeZone, no requeue', () => {
    expect(reconcileCronJob(cronJob({ timeZone: 'Mars/Olympus' }), [], AFTER_THE_HOUR)).toEqual({
      actions: [{ _tag: 'RecordEvent', eventType: 'Warning', reason: 'UnknownTimeZone', message: 'invalid timeZone: "Mars/Olympus": unknown time zone Mars/Olympus' }],
    })
  })

  it('C9 a stored TZ= schedule runs in its own zone, with UnsupportedSchedule on every sync', () => {
    const plan = reconcileCronJob(cronJob({ schedule: 'TZ=UTC 0 * * * *', timeZone: 'America/New_York' }), [], AFTER_THE_HOUR)
    expect(eventsOf(plan).map((e) => e.reason)).toEqual(['UnsupportedSchedule'])
    expect(eventsOf(plan)[0]?.message).toBe(
      'CRON_TZ or TZ used in schedule "TZ=UTC 0 * * * *" is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details',
    )
    expect(creation(plan)?.scheduledTime).toBe('2016-05-19T10:00:00Z')
  })
})
