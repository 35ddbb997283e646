/**
 * CronJobs: Jobs on a schedule, as upstream's cronjob-controller runs them (v1.36). On TestClock
 * a day of schedules takes milliseconds and times are exact; on a real API server (and in the
 * upstream reference run) only the short `* * * * *` scenarios run, in real minutes.
 *
 * Facts relied on, all upstream's: a Job is named `<cronjob>-<scheduled time in minutes since
 * the epoch>` and carries the `batch.kubernetes.io/cronjob-scheduled-timestamp` annotation, the
 * template's labels and a controller owner reference to the CronJob (`blockOwnerDeletion`);
 * `status.active` lists the running Jobs, `lastScheduleTime` is the last schedule time a Job was
 * started for, `lastSuccessfulTime` the completion time of the last successful one; `Forbid`
 * skips a due run while one is active (event `JobAlreadyActive`) and starts the most recent
 * missed one once it is not; `Replace` deletes the active run and starts the new one; history
 * limits keep the newest finished Jobs; after downtime only the most recent missed schedule
 * starts, and none older than `startingDeadlineSeconds`; a CronJob deleted without a policy
 * takes its Jobs with it (batch/v1's `Background`). Rule numbers (C…) are docs/cronjob-semantics.md's.
 */
import { Effect } from 'effect'
import { expect } from 'vitest'
import { succeedAfter } from '../../adapters/runtimes/scripted/ScriptedRuntime.js'
import type { Job } from '../../core/model/types.js'
import { parseTime } from '../../core/model/time.js'
import { cronJobOwnerOf, scheduledTimeOf, SCHEDULED_TIMESTAMP_ANNOTATION } from '../cronJobWorld.js'
import { hasCondition, isFinishedJob, mainContainer, millisOf, scenario } from '../toolkit.js'
import type { Capabilities, Scenario, World } from '../toolkit.js'

const MINUTE = 60_000

/** A CronJob manifest: `schedule` and spec fields as given, one container that the scripted runtime plays. */
export function cronJobManifest(name: string, spec: Record<string, unknown> = {}, jobSpec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule: '* * * * *',
      ...spec,
      jobTemplate: {
        metadata: { labels: { app: name } },
        spec: { ...jobSpec, template: { spec: { containers: [mainContainer], restartPolicy: 'Never' } } },
      },
    },
  }
}

const withCronJobs = (capabilities: Required<Capabilities>) => capabilities.cronJobs
/** Real minutes: the first run within one, the next schedule another, and slack on a busy machine. */
const overSeveralMinutes = { requires: withCronJobs, timeoutMs: 300_000 }
const onTestClock = (capabilities: Required<Capabilities>) => capabilities.cronJobs && capabilities.testClock
const onTestClockWithOurController = (capabilities: Required<Capabilities>) =>
  capabilities.cronJobs && capabilities.testClock && !capabilities.externalController

const names = (jobs: ReadonlyArray<Job>) => jobs.map((job) => job.metadata.name ?? '')
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z')
/** The name upstream gives the Job of a schedule time. */
const jobNameFor = (cronJobName: string, scheduledMs: number) => `${cronJobName}-${Math.floor(scheduledMs / MINUTE)}`

/** Waits until the CronJob has `count` Jobs, and returns them (oldest schedule first). */
const waitForJobs = (w: World, cronJobName: string, count: number, minutes: number) =>
  w.cronJobs.within(
    minutes,
    Effect.flatMap(w.cronJobs.jobs(cronJobName), (jobs) => (jobs.length === count ? Effect.succeed(jobs) : Effect.fail(`${jobs.length} jobs, want ${count}: ${names(jobs).join(', ')}`))),
  )

/** Succeeds the active pods of a Job (as the kubelet would report them), and waits until it is Complete. */
const finishJob = (w: World, jobName: string) =>
  Effect.gen(function* () {
    const [pod] = yield* w.waitForActive(jobName, 1)
    yield* w.kubelet.succeed({ namespace: w.namespace, name: pod!.metadata.name ?? '' })
    return yield* w.waitForJob(jobName, (job) => hasCondition(job, 'Complete'))
  })

const reasons = (w: World, name: string) => Effect.map(w.events(name), (events) => events.map((event) => event.reason))

export const cronJobs: ReadonlyArray<Scenario> = [
  scenario(
    'C25 C26 C28 C31 C40 C30: a due schedule creates one Job named <cronjob>-<minutes>, with the scheduled-timestamp annotation, the template labels and a controller reference; status.active and lastScheduleTime follow, and lastSuccessfulTime once it succeeds',
    (w) =>
      Effect.gen(function* () {
        const cronJob = yield* w.cronJobs.create(cronJobManifest('hello'))
        const [job] = yield* waitForJobs(w, 'hello', 1, 2)
        const scheduled = scheduledTimeOf(job!)
        expect(scheduled, `the ${SCHEDULED_TIMESTAMP_ANNOTATION} annotation`).toBeDefined()
        expect(scheduled! % MINUTE).toBe(0)
        expect(scheduled!).toBeGreaterThan(millisOf(cronJob.metadata.creationTimestamp))
        if (w.testClock) expect(job!.metadata.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION]).toBe('1970-01-01T00:01:00Z')
        expect(job!.metadata.name).toBe(jobNameFor('hello', scheduled!))
        expect(job!.metadata.labels?.['app']).toBe('hello')
        expect(cronJobOwnerOf(job!)).toEqual({
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          name: 'hello',
          uid: cronJob.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        })
        const running = yield* w.cronJobs.within(
          1,
          Effect.flatMap(w.cronJobs.get('hello'), (current) =>
            (current.status?.active ?? []).length === 1 ? Effect.succeed(current) : Effect.fail('status.active not written yet'),
          ),
        )
        expect(running.status?.active?.[0]).toMatchObject({ kind: 'Job', apiVersion: 'batch/v1', name: job!.metadata.name, namespace: w.namespace, uid: job!.metadata.uid })
        expect(running.status?.lastScheduleTime).toBe(iso(scheduled!))
        expect(running.status?.lastSuccessfulTime).toBeUndefined()
        // Upstream's event recorder writes asynchronously: the event may follow the Job a moment later.
        yield* w.cronJobs.within(
          1,
          Effect.flatMap(reasons(w, 'hello'), (seen) => (seen.includes('SuccessfulCreate') ? Effect.void : Effect.fail(`events: ${seen.join(', ')}`))),
        )

        const completed = yield* finishJob(w, job!.metadata.name ?? '')
        const after = yield* w.cronJobs.within(
          1,
          Effect.flatMap(w.cronJobs.get('hello'), (current) =>
            current.status?.lastSuccessfulTime !== undefined && (current.status.active ?? []).length === 0 ? Effect.succeed(current) : Effect.fail('status not updated yet'),
          ),
        )
        expect(after.status?.lastSuccessfulTime).toBe(completed.status?.completionTime)
        expect(after.status?.lastScheduleTime).toBe(iso(scheduled!))
      }),
    withCronJobs,
  ),

  scenario(
    'C5 C23 C24: `* * * * *` over three minutes creates exactly three Jobs, one per minute, hello-1, hello-2, hello-3 (concurrencyPolicy Allow lets them overlap: status.active lists all three)',
    (w) =>
      Effect.gen(function* () {
        yield* w.cronJobs.create(cronJobManifest('hello'))
        yield* w.cronJobs.wait('210 seconds')
        const jobs = yield* w.cronJobs.jobs('hello')
        expect(names(jobs)).toEqual(['hello-1', 'hello-2', 'hello-3'])
        expect(jobs.map((job) => job.metadata.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION])).toEqual([
          '1970-01-01T00:01:00Z',
          '1970-01-01T00:02:00Z',
          '1970-01-01T00:03:00Z',
        ])
        const status = (yield* w.cronJobs.get('hello')).status
        expect((status?.active ?? []).map((ref) => ref.name).sort()).toEqual(['hello-1', 'hello-2', 'hello-3'])
        expect(status?.lastScheduleTime).toBe('1970-01-01T00:03:00Z')
      }),
    onTestClock,
  ),

  scenario(
    'C24 C19: concurrencyPolicy Forbid skips a due run while one is active (JobAlreadyActive), then starts the most recent missed one as soon as none is',
    (w) =>
      Effect.gen(function* () {
        yield* w.cronJobs.create(cronJobManifest('forbid', { concurrencyPolicy: 'Forbid' }))
        const [first] = yield* waitForJobs(w, 'forbid', 1, 2)
        const firstScheduled = scheduledTimeOf(first!)!
        // Past the next schedule time: still one Job.
        const now = yield* w.now
        yield* w.cronJobs.wait(`${firstScheduled + MINUTE + 15_000 - now} millis`)
        expect(names(yield* w.cronJobs.jobs('forbid'))).toEqual([first!.metadata.name])
        expect(yield* reasons(w, 'forbid')).toContain('JobAlreadyActive')
        yield* finishJob(w, first!.metadata.name ?? '')
        const [, second] = yield* waitForJobs(w, 'forbid', 2, 1)
        // The run missed while the first was active is started (upstream keeps lastScheduleTime at the first).
        expect(scheduledTimeOf(second!)).toBe(firstScheduled + MINUTE)
        expect(second!.metadata.name).toBe(jobNameFor('forbid', firstScheduled + MINUTE))
      }),
    overSeveralMinutes,
  ),

  scenario(
    'C24: concurrencyPolicy Replace deletes the active Job (SuccessfulDelete) and starts the new one in its place',
    (w) =>
      Effect.gen(function* () {
        yield* w.cronJobs.create(cronJobManifest('replace', { concurrencyPolicy: 'Replace' }))
        const [first] = yield* waitForJobs(w, 'replace', 1, 2)
        const firstScheduled = scheduledTimeOf(first!)!
        const replaced = yield* w.cronJobs.within(
          2,
          Effect.flatMap(w.cronJobs.jobs('replace'), (jobs) => {
            const live = jobs.filter((job) => job.metadata.deletionTimestamp === undefined)
            return live.length === 1 && live[0]!.metadata.name !== first!.metadata.name ? Effect.succeed(live[0]!) : Effect.fail(`jobs: ${names(jobs).join(', ')}`)
          }),
        )
        expect(scheduledTimeOf(replaced)).toBe(firstScheduled + MINUTE)
        expect(yield* reasons(w, 'replace')).toContain('SuccessfulDelete')
        const status = yield* w.cronJobs.within(
          1,
          Effect.flatMap(w.cronJobs.get('replace'), (current) =>
            (current.status?.active ?? []).map((ref) => ref.name).join() === replaced.metadata.name ? Effect.succeed(current.status) : Effect.fail('status.active not updated'),
          ),
        )
        expect(status?.lastScheduleTime).toBe(iso(firstScheduled + MINUTE))
      }),
    overSeveralMinutes,
  ),

  scenario(
    'C24: concurrencyPolicy Allow lets runs overlap: a Job a minute while the earlier ones still run',
    (w) =>
      Effect.gen(function* () {
        yield* w.cronJobs.create(cronJobManifest('allow', { concurrencyPolicy: 'Allow' }))
        const jobs = yield* waitForJobs(w, 'allow', 2, 3)
        expect(jobs.every((job) => !isFinishedJob(job) && job.metadata.deletionTimestamp === undefined)).toBe(true)
        expect(scheduledTimeOf(jobs[1]!)! - scheduledTimeOf(jobs[0]!)!).toBe(MINUTE)
      }),
    onTestClock,
  ),

  scenario(
    'C37 C19: suspend: true starts nothing; resuming without startingDeadlineSeconds starts the most recent schedule missed while suspended at once (the docs’ caution)',
    (w) =>
      Effect.gen(function* () {
        yield* w.cronJobs.create(cronJobManifest('paused', { suspend: true }))
        yield* w.cronJobs.wait('210 seconds')
        expect(yield* w.cronJobs.jobs('paused')).toEqual([])
        yield* w.cronJobs.update('paused', (cronJob) => ({ ...cronJob, spec: { ...cronJob.spec, suspend: false } }))
        const [job] = yield* waitForJobs(w, 'paused', 1, 0.25)
        expect(job!.metadata.name).toBe('paused-3')
        expect(millisOf(job!.metadata.creationTimestamp)).toBeLessThan(4 * MINUTE)
      }),
    onTestClock,
  ),

  scenario(
    'C19: after the controller was down for five schedules, one Job starts, for the most recent missed one; none for the older',
    (w) =>
      Effect.gen(function* () {
        yield* w.stopController
        yield* w.cronJobs.create(cronJobManifest('late'))
        yield* w.pass('330 seconds')
        expect(yield* w.cronJobs.jobs('late')).toEqual([])
        yield* w.startController
        const [job] = yield* waitForJobs(w, 'late', 1, 0.25)
        expect(job!.metadata.name).toBe('late-5')
        yield* w.pass('20 seconds')
        expect(names(yield* w.cronJobs.jobs('late'))).toEqual(['late-5'])
        expect((yield* w.cronJobs.get('late')).status?.lastScheduleTime).toBe('1970-01-01T00:05:00Z')
      }),
    onTestClockWithOurController,
  ),

  scenario(
    'C22: a schedule missed by more than startingDeadlineSeconds never starts; the next one does',
    (w) =>
      Effect.gen(function* () {
        yield* w.stopController
        yield* w.cronJobs.create(cronJobManifest('deadline', { startingDeadlineSeconds: 10 }))
        yield* w.pass('150 seconds')
        yield* w.startController
        yield* w.pass('20 seconds')
        expect(yield* w.cronJobs.jobs('deadline')).toEqual([])
        const [job] = yield* waitForJobs(w, 'deadline', 1, 1)
        expect(job!.metadata.name).toBe('deadline-3')
      }),
    onTestClockWithOurController,
  ),

  scenario(
    'C34: successfulJobsHistoryLimit 2 and failedJobsHistoryLimit 1 keep only the newest finished Jobs; the older go with their pods',
    (w) =>
      Effect.gen(function* () {
        yield* w.cronJobs.create(cronJobManifest('good', { successfulJobsHistoryLimit: 2 }), succeedAfter('10 seconds'))
        yield* w.cronJobs.create(cronJobManifest('bad', { failedJobsHistoryLimit: 1 }, { backoffLimit: 0 }), () => ({
          outcome: { after: '10 seconds', result: 'Failed', exitCode: 1 },
        }))
        yield* w.cronJobs.wait('330 seconds')
        expect(names(yield* w.cronJobs.jobs('good'))).toEqual(['good-4', 'good-5'])
        expect(names(yield* w.cronJobs.jobs('bad'))).toEqual(['bad-5'])
        for (const gone of ['good-1', 'good-2', 'good-3', 'bad-1', 'bad-4']) expect(yield* w.pods(gone)).toEqual([])
        const status = (yield* w.cronJobs.get('good')).status
        expect(status?.active ?? []).toEqual([])
        expect(status?.lastSuccessfulTime).toBe((yield* w.job('good-5')).status?.completionTime)
      }),
    onTestClock,
  ),

  scenario(
    'C5 C10: a day of schedules: `*/30 * * * *` starts 48 Jobs in 24 hours, and `0 9 * * *` in timeZone Asia/Tokyo starts one, at 00:00 UTC',
    (w) =>
      Effect.gen(function* () {
        yield* w.cronJobs.create(cronJobManifest('halfhourly', { schedule: '*/30 * * * *', successfulJobsHistoryLimit: 3 }), succeedAfter('1 minute'))
        yield* w.cronJobs.create(cronJobManifest('tokyo', { schedule: '0 9 * * *', timeZone: 'Asia/Tokyo' }), succeedAfter('1 minute'))
        yield* w.pass('1450 minutes', { maxStep: '10 minutes' })
        // Events expire after an hour (the API server's --event-ttl), so the watch's record says which Jobs there were.
        const everyHalfHour = Array.from({ length: 48 }, (_, i) => `halfhourly-${30 * (i + 1)}`)
        expect(everyHalfHour.filter((name) => w.recording(name).versions.length === 0)).toEqual([])
        expect(everyHalfHour.map((name) => w.recording(name).versions[0]?.metadata.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION])).toEqual(
          everyHalfHour.map((_, i) => iso((i + 1) * 30 * MINUTE)),
        )
        expect(w.recording('halfhourly-1470').versions).toEqual([])
        expect(names(yield* w.cronJobs.jobs('halfhourly'))).toEqual(['halfhourly-1380', 'halfhourly-1410', 'halfhourly-1440'])
        expect((yield* w.cronJobs.get('halfhourly')).status?.lastScheduleTime).toBe('1970-01-02T00:00:00Z')
        const tokyo = yield* w.cronJobs.jobs('tokyo')
        expect(names(tokyo)).toEqual(['tokyo-1440'])
        expect(parseTime(tokyo[0]!.metadata.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION])).toBe(24 * 60 * MINUTE)
      }),
    onTestClock,
  ),

  scenario(
    'deleting a CronJob without a policy (Background, batch/v1’s default) deletes its Jobs and their pods; with Orphan its Jobs stay, without the owner reference',
    (w) =>
      Effect.gen(function* () {
        yield* w.cronJobs.create(cronJobManifest('cascade'))
        yield* w.cronJobs.create(cronJobManifest('orphans'))
        const [cascaded] = yield* waitForJobs(w, 'cascade', 1, 2)
        const [orphan] = yield* waitForJobs(w, 'orphans', 1, 1)
        yield* w.waitForActive(cascaded!.metadata.name ?? '', 1)
        yield* w.cronJobs.delete('cascade')
        yield* w.cronJobs.delete('orphans', { propagationPolicy: 'Orphan' })
        yield* w.eventually(
          Effect.flatMap(Effect.either(w.job(cascaded!.metadata.name ?? '')), (found) => (found._tag === 'Left' ? Effect.void : Effect.fail('the Job is still there'))),
        )
        yield* w.eventually(Effect.flatMap(w.pods(cascaded!.metadata.name ?? ''), (pods) => (pods.length === 0 ? Effect.void : Effect.fail(`${pods.length} pods remain`))))
        const kept = yield* w.eventually(
          Effect.flatMap(w.job(orphan!.metadata.name ?? ''), (job) => (cronJobOwnerOf(job) === undefined ? Effect.succeed(job) : Effect.fail('still owned'))),
        )
        expect(kept.metadata.deletionTimestamp).toBeUndefined()
        yield* w.eventually(Effect.flatMap(Effect.either(w.cronJobs.get('orphans')), (found) => (found._tag === 'Left' ? Effect.void : Effect.fail('the CronJob is still there'))))
      }),
    withCronJobs,
  ),
]
