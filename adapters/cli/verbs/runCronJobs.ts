/**
 * `jobctl run -f` of CronJobs: with the engine running in-process, shows when each CronJob runs
 * next (the core's schedule, `nextTime`), and each Job it starts with its outcome (and with
 * `--logs` its pods' output), until SIGINT or SIGTERM. Then the CronJobs are suspended and the
 * running Jobs stopped, as `run` stops its Jobs, and the command exits 0: an interruption is how
 * a schedule ends.
 */
import { Clock, Effect, Option, Stream } from 'effect'
import type { CronJob } from '../../../core/index.js'
import { parseSchedule } from '../../../core/index.js'
import { nextTime } from '../../../core/cronjob/nextTimes.js'
import { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION, finishedAs, isControlledBy } from '../../../core/cronjob/ownedJobs.js'
import { formatTime } from '../../../core/model/time.js'
import type { Job } from '../../../core/model/types.js'
import type { StoreError } from '../../ports/errors.js'
import { JobStore } from '../../ports/JobStore.js'
import type { PodRuntime } from '../../ports/PodRuntime.js'
import type { CommandContext } from '../command.js'
import { ApiError, ExitCode, type CliError } from '../errors.js'
import { printErrorLine, printLine, type CliIO } from '../io.js'
import { completionsCell } from '../printers/tables.js'
import type { StopSignal } from '../signals.js'
import { getObject } from './objects.js'
import { setSuspend } from './patch.js'
import { keyOf } from './shared.js'

/** How many upcoming runs `run` lists for a CronJob. */
export const UPCOMING_RUNS = 3

/** The zone a CronJob's schedule is read in: its `timeZone`, else UTC (the controller's zone, C10). */
const zoneOf = (cronJob: CronJob): string => cronJob.spec.timeZone ?? 'UTC'

/**
 * The next `count` times the CronJob's schedule fires strictly after `afterMs` (epoch ms), as
 * the CronJob controller computes them; fewer when the schedule stops firing.
 */
export function upcomingRuns(cronJob: CronJob, afterMs: number, count: number): ReadonlyArray<number> {
  const schedule = parseSchedule(cronJob.spec.schedule)
  if (schedule._tag === 'Left') return []
  const times: number[] = []
  let after = afterMs
  while (times.length < count) {
    const next = nextTime(schedule.right, after, zoneOf(cronJob))
    if (next === undefined) break
    times.push(next)
    after = next
  }
  return times
}

/** `hello: next runs at 2026-12-04T02:01:00Z, 2026-12-04T02:02:00Z, ...` (or why there are none). */
export function upcomingRunsLine(cronJob: CronJob, afterMs: number): string {
  const name = cronJob.metadata.name ?? ''
  if (cronJob.spec.suspend) return `${name}: suspended, no runs until resumed (jobctl resume cronjob ${name})`
  const times = upcomingRuns(cronJob, afterMs, UPCOMING_RUNS)
  if (times.length === 0) return `${name}: the schedule ${JSON.stringify(cronJob.spec.schedule)} never fires`
  const zone = cronJob.spec.timeZone === undefined ? '' : ` (${cronJob.spec.timeZone})`
  return `${name}: next runs at ${times.map(formatTime).join(', ')}${zone}`
}

/** `hello: started job.batch/hello-29412121 for 2026-12-04T02:01:00Z`. */
export function startedLine(cronJob: CronJob, job: Job): string {
  const scheduled = job.metadata.annotations?.[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]
  return `${cronJob.metadata.name ?? ''}: started job.batch/${job.metadata.name ?? ''}${scheduled === undefined ? '' : ` for ${scheduled}`}`
}

/** `job.batch/hello-29412121: Complete, 1/1 succeeded, 0 failed`. */
export function finishedLine(job: Job, outcome: 'Complete' | 'Failed'): string {
  return `job.batch/${job.metadata.name ?? ''}: ${outcome}, ${completionsCell(job)} succeeded, ${job.status?.failed ?? 0} failed`
}

/** The Jobs of a namespace now and after each change; a watch that falls behind (`Gone`) starts again from a list. */
function jobsOfNamespace(namespace: string): Stream.Stream<Job, ApiError, JobStore> {
  const follow = (): Stream.Stream<Job, StoreError, JobStore> =>
    Stream.unwrap(
      Effect.gen(function* () {
        const store = yield* JobStore
        const listed = yield* store.listJobs({ namespace })
        const changes = store.watchJobs({ namespace, resourceVersion: listed.resourceVersion }).pipe(
          Stream.filterMap((event) => (event.type === 'Added' || event.type === 'Modified' ? Option.some(event.object) : Option.none())),
        )
        return Stream.concat(Stream.fromIterable(listed.items), changes)
      }),
    ).pipe(Stream.catchAll((error) => (error._tag === 'Gone' ? Stream.suspend(follow) : Stream.fail(error))))
  return Stream.mapError(Stream.suspend(follow), (error) => new ApiError({ error }))
}

/**
 * Announces each Job the CronJobs start, and its outcome once it finishes (then `onFinished`
 * and the next runs), until interrupted.
 */
function announceJobs(
  cronJobs: ReadonlyArray<CronJob>,
  onFinished: (job: Job) => Effect.Effect<void, CliError, JobStore | PodRuntime | CliIO>,
  context: CommandContext,
): Effect.Effect<void, CliError, JobStore | PodRuntime | CliIO> {
  const started = new Set<string>()
  const finished = new Set<string>()
  const observe = (job: Job) =>
    Effect.gen(function* () {
      const owner = cronJobs.find((cronJob) => isControlledBy(job, cronJob))
      if (owner === undefined) return
      const name = job.metadata.name ?? ''
      if (!started.has(name)) {
        started.add(name)
        yield* printLine(startedLine(owner, job))
      }
      const outcome = finishedAs(job)
      if (outcome === undefined || finished.has(name)) return
      finished.add(name)
      yield* printLine(finishedLine(job, outcome))
      yield* onFinished(job)
      // The CronJob as it is now: it may have been suspended or rescheduled meanwhile.
      const latest = yield* Effect.either(getObject('CronJob', keyOf(owner), context))
      yield* printLine(upcomingRunsLine(latest._tag === 'Right' ? (latest.right as CronJob) : owner, yield* Clock.currentTimeMillis))
    })
  const namespaces = [...new Set(cronJobs.map((c) => keyOf(c).namespace))]
  return Effect.forEach(namespaces, (namespace) => Stream.runForEach(jobsOfNamespace(namespace), observe), { concurrency: 'unbounded', discard: true })
}

/** Suspends the CronJobs (no new runs) and stops their unfinished Jobs. */
function stopCronJobs(cronJobs: ReadonlyArray<CronJob>, stopJobs: (jobs: ReadonlyArray<Job>) => Effect.Effect<void, never, JobStore>, context: CommandContext) {
  return Effect.gen(function* () {
    yield* Effect.forEach(cronJobs, (cronJob) => Effect.ignore(setSuspend('CronJob', keyOf(cronJob), true, context)), { discard: true })
    const store = yield* JobStore
    const namespaces = [...new Set(cronJobs.map((c) => keyOf(c).namespace))]
    const jobs = (yield* Effect.forEach(namespaces, (namespace) => Effect.orElseSucceed(Effect.map(store.listJobs({ namespace }), (l) => l.items), () => []))).flat()
    const running = jobs.filter((job) => finishedAs(job) === undefined && cronJobs.some((cronJob) => isControlledBy(job, cronJob)))
    yield* stopJobs(running)
  })
}

/** What `run` hands over for its CronJobs. */
export interface CronJobRun {
  readonly cronJobs: ReadonlyArray<CronJob>
  /** Runs once a stop signal comes. */
  readonly stopSignal: Effect.Effect<StopSignal>
  /** Prints a finished Job's pods' output (`--logs`), or nothing. */
  readonly onFinished: (job: Job) => Effect.Effect<void, CliError, JobStore | PodRuntime | CliIO>
  /** Stops Jobs' pods as `run` does on a signal. */
  readonly stopJobs: (jobs: ReadonlyArray<Job>) => Effect.Effect<void, never, JobStore>
}

/** Shows the CronJobs' runs until a stop signal; then suspends them, stops their Jobs and returns 0. */
export function runCronJobs(run: CronJobRun, context: CommandContext): Effect.Effect<number, CliError, JobStore | PodRuntime | CliIO> {
  return Effect.gen(function* () {
    const nowMs = yield* Clock.currentTimeMillis
    for (const cronJob of run.cronJobs) yield* printLine(upcomingRunsLine(cronJob, nowMs))
    // Effect.never holds a timer: neither the watches nor the signal handlers keep Node's event loop alive.
    const announcing = Effect.zipRight(announceJobs(run.cronJobs, run.onFinished, context), Effect.never)
    const signal = yield* Effect.raceAll([Effect.zipRight(Effect.never, Effect.never), announcing, run.stopSignal])
    yield* printErrorLine(`jobctl run: ${signal}: suspending the CronJobs and stopping their Jobs`)
    yield* stopCronJobs(run.cronJobs, run.stopJobs, context)
    return ExitCode.Ok
  })
}
