/**
 * `reconcileCronJob`: one sync of a CronJob, as upstream's cronjob controller (v1.36) does it
 * (C29–C45). Pure: the world comes in as arguments, the decisions go out as a plan.
 *
 * A sync first cleans up history (C34), keeps the books of `status` (C30–C33), then decides
 * whether a run is due: not while the CronJob is being deleted, has an unknown time zone, is
 * suspended or has an unusable schedule (C36, C10, C37, C5, C20); otherwise for the most recent
 * missed time (C19–C22), unless that time was already handled (C23) or the concurrency policy
 * says no (C24); `Replace` deletes the active runs first (C24).
 */
import { parseTime } from '../model/time.js'
import type { Job } from '../model/types.js'
import type { CronJobAction, CronJobPlan, DeleteChildJob, RecordCronJobEvent } from './actions.js'
import { activeReferenceOf } from './activeJobs.js'
import { keepBooks } from './bookkeeping.js'
import { cronJobEvents } from './events.js'
import { historyDeletions } from './history.js'
import { jobFor, jobNameFor } from './jobTemplate.js'
import type { ScheduleFacts } from './missedTimes.js'
import { mostRecentScheduleTime, requeueAfterMs } from './missedTimes.js'
import type { CronJobReconcileOptions } from './options.js'
import { isControlledBy, jobsOf } from './ownedJobs.js'
import { parseSchedule } from './schedule.js'
import { timeZoneLoadError } from './timeZones.js'
import type { CronJob, CronJobStatus } from './types.js'
import { formatTime } from '../model/time.js'

/** Go's zero time (year 1): the start of the search for a CronJob without a creation time. */
const GO_ZERO_TIME_MS = -62135596800000

/** What the schedule decided, before the status is assembled. */
type Decision =
  /** No run now; look again after `requeueAfter` (absent: only when the CronJob changes). */
  | { readonly _tag: 'Wait'; readonly events: ReadonlyArray<RecordCronJobEvent>; readonly requeueAfter?: number }
  /** Run for `scheduledMs`: create its Job, or adopt the one of that name already ours (C27). */
  | {
      readonly _tag: 'Run'
      readonly events: ReadonlyArray<RecordCronJobEvent>
      readonly replacements: ReadonlyArray<DeleteChildJob>
      readonly scheduledMs: number
      readonly existing: Job | undefined
      readonly requeueAfter: number
    }
  /** A Job of the run's name exists but another CronJob (same name, other uid) controls it: do nothing more. */
  | { readonly _tag: 'NotOurs'; readonly events: ReadonlyArray<RecordCronJobEvent>; readonly replacements: ReadonlyArray<DeleteChildJob> }

/** The zone the schedule runs in: the schedule's `TZ=` prefix, else `spec.timeZone`, else the default (C10, C11). */
function zoneOf(cronJob: CronJob, options: CronJobReconcileOptions): string {
  const fallback = options.defaultTimeZone ?? 'UTC'
  const zone = cronJob.spec.timeZone
  return zone === undefined || zone === '' || zone === 'Local' ? fallback : zone
}

function decide(cronJob: CronJob, jobs: ReadonlyArray<Job>, status: CronJobStatus, nowMs: number, options: CronJobReconcileOptions): Decision {
  const { spec } = cronJob
  // C36: a CronJob being deleted only keeps its books.
  if (cronJob.metadata.deletionTimestamp !== undefined) return { _tag: 'Wait', events: [] }
  if (spec.timeZone !== undefined) {
    const loadError = timeZoneLoadError(spec.timeZone)
    if (loadError !== undefined) return { _tag: 'Wait', events: [cronJobEvents.unknownTimeZone(spec.timeZone, loadError)] }
  }
  // C37: suspended, nothing starts, and nothing is due until the CronJob changes.
  if (spec.suspend) return { _tag: 'Wait', events: [] }
  const events: RecordCronJobEvent[] = []
  if (spec.schedule.includes('TZ')) events.push(cronJobEvents.unsupportedSchedule(spec.schedule))
  const parsed = parseSchedule(spec.schedule)
  if (parsed._tag === 'Left') return { _tag: 'Wait', events: [...events, cronJobEvents.unparseableSchedule(spec.schedule, parsed.left)] }
  const facts = (current: CronJobStatus): ScheduleFacts => ({
    schedule: parsed.right,
    timeZone: zoneOf(cronJob, options),
    lastScheduleOrCreationMs: parseTime(current.lastScheduleTime) ?? parseTime(cronJob.metadata.creationTimestamp) ?? GO_ZERO_TIME_MS,
    ...(spec.startingDeadlineSeconds === undefined ? {} : { startingDeadlineSeconds: spec.startingDeadlineSeconds }),
  })
  const recent = mostRecentScheduleTime(facts(status), nowMs, true)
  if (recent._tag === 'InvalidSchedule') return { _tag: 'Wait', events: [...events, cronJobEvents.invalidSchedule(spec.schedule, recent.message)] }
  const wait = (): Decision => ({ _tag: 'Wait', events, requeueAfter: requeueAfterMs(facts(status), nowMs) })
  const scheduledMs = recent.mostRecentMs
  if (scheduledMs === undefined || scheduledMs > nowMs) return wait()
  if (recent.missed === 'many') events.push(cronJobEvents.tooManyMissedTimes())
  // C23: a time already handled (its Job is active, or it is the last schedule time) is not run again.
  const name = jobNameFor(cronJob, scheduledMs)
  const active = status.active ?? []
  const namespace = cronJob.metadata.namespace
  if (active.some((ref) => ref.name === name && ref.namespace === namespace) || parseTime(status.lastScheduleTime) === scheduledMs) return wait()
  // C24: Forbid waits for the active runs; Replace deletes them first.
  if (spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
    events.push(cronJobEvents.jobAlreadyActive())
    return wait()
  }
  const replacements: DeleteChildJob[] =
    spec.concurrencyPolicy === 'Replace'
      ? active.map((ref) => ({ _tag: 'DeleteJob', name: ref.name ?? '', uid: ref.uid ?? '', propagation: 'Background', reason: 'Replace' }))
      : []
  const existing = jobs.find((job) => job.metadata.name === name)
  if (existing !== undefined && !isControlledBy(existing, cronJob)) return { _tag: 'NotOurs', events, replacements }
  const scheduled: CronJobStatus = { ...status, lastScheduleTime: formatTime(scheduledMs) }
  return { _tag: 'Run', events, replacements, scheduledMs, existing, requeueAfter: requeueAfterMs(facts(scheduled), nowMs) }
}

/** `status` without the Jobs a Replace deletes. */
function withoutReplaced(status: CronJobStatus, replacements: ReadonlyArray<DeleteChildJob>): CronJobStatus {
  if (replacements.length === 0) return status
  const uids = new Set(replacements.map((d) => d.uid))
  const { active: _active, ...rest } = status
  const active = (status.active ?? []).filter((ref) => !uids.has(ref.uid ?? ''))
  return active.length > 0 ? { ...rest, active } : rest
}

/**
 * Decides one sync of `cronJob`, given Jobs (every Job of its namespace, or just its own: those
 * whose controller reference names it are taken, C29) as a fresh read of the store gives them,
 * and the time `nowMs` (epoch milliseconds).
 */
export function reconcileCronJob(cronJob: CronJob, jobs: ReadonlyArray<Job>, nowMs: number, options: CronJobReconcileOptions = {}): CronJobPlan {
  const own = jobsOf(cronJob, jobs)
  const history = historyDeletions(cronJob, own)
  const books = keepBooks(cronJob.status ?? {}, own, new Set(history.map((d) => d.uid)))
  const decision = decide(cronJob, own, books.status, nowMs, options)
  const actions: CronJobAction[] = [...history, ...books.events, ...decision.events]
  const requeue = (ms: number | undefined): CronJobPlan => ({ actions, ...(ms === undefined ? {} : { requeueAfter: ms }) })
  const writeIfChanged = (status: CronJobStatus, changed: boolean): void => {
    if (changed) actions.push({ _tag: 'UpdateCronJobStatus', status, appendCreatedJob: false })
  }
  switch (decision._tag) {
    case 'Wait':
      writeIfChanged(books.status, books.changed)
      return requeue(decision.requeueAfter)
    case 'NotOurs':
      actions.push(...decision.replacements)
      writeIfChanged(withoutReplaced(books.status, decision.replacements), books.changed || decision.replacements.length > 0)
      return requeue(undefined)
    case 'Run': {
      actions.push(...decision.replacements)
      const base = withoutReplaced(books.status, decision.replacements)
      const lastScheduleTime = formatTime(decision.scheduledMs)
      if (decision.existing !== undefined) {
        // C27: the Job for this time exists already (created before a crash, say): take it into `active`.
        const status: CronJobStatus = { ...base, active: [...(base.active ?? []), activeReferenceOf(decision.existing)], lastScheduleTime }
        actions.push({ _tag: 'UpdateCronJobStatus', status, appendCreatedJob: false })
        return requeue(decision.requeueAfter)
      }
      actions.push({ _tag: 'CreateJob', job: jobFor(cronJob, decision.scheduledMs), scheduledTime: lastScheduleTime })
      const unchanged = !books.changed && decision.replacements.length === 0
      actions.push({
        _tag: 'UpdateCronJobStatus',
        status: { ...base, lastScheduleTime },
        appendCreatedJob: true,
        ...(unchanged ? {} : { statusIfNotCreated: base }),
      })
      return requeue(decision.requeueAfter)
    }
  }
}
