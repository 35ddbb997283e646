/**
 * C30–C33: what a sync learns from the Jobs it sees, before deciding anything: finished Jobs
 * leave `status.active` (`SawCompletedJob`), so do Jobs that no longer exist (`MissingJob`);
 * an unfinished Job that is not in `active` is reported (`UnexpectedJob`) but not added; the
 * latest completion of a successful Job becomes `lastSuccessfulTime`.
 */
import { parseTime } from '../model/time.js'
import type { Job } from '../model/types.js'
import type { RecordCronJobEvent } from './actions.js'
import { cronJobEvents } from './events.js'
import { finishedAs, succeeded } from './ownedJobs.js'
import type { CronJobStatus, ObjectReference } from './types.js'

/** The status after bookkeeping, the events it records, and whether the status changed. */
export interface Bookkeeping {
  readonly status: CronJobStatus
  readonly events: ReadonlyArray<RecordCronJobEvent>
  readonly changed: boolean
}

const withoutUid = (active: ReadonlyArray<ObjectReference>, uid: string | undefined): ObjectReference[] => active.filter((ref) => ref.uid !== uid)

/**
 * Bookkeeping over `jobs` (the CronJob's own), given the status and the uids the history
 * clean-up of this sync deletes (they leave `active` without a `SawCompletedJob`, C35).
 */
export function keepBooks(status: CronJobStatus, jobs: ReadonlyArray<Job>, deletedByHistory: ReadonlySet<string>): Bookkeeping {
  const events: RecordCronJobEvent[] = []
  let active: ObjectReference[] = [...(status.active ?? [])]
  let changed = false
  if (active.some((ref) => ref.uid !== undefined && deletedByHistory.has(ref.uid))) {
    active = active.filter((ref) => ref.uid === undefined || !deletedByHistory.has(ref.uid))
    changed = true
  }
  let lastSuccessfulTime = status.lastSuccessfulTime
  for (const job of jobs) {
    const uid = job.metadata.uid
    const name = job.metadata.name ?? ''
    const inActive = active.some((ref) => ref.uid === uid)
    const finished = finishedAs(job)
    if (!inActive && finished === undefined) {
      events.push(cronJobEvents.unexpectedJob(name))
      continue
    }
    if (finished === undefined) continue
    if (inActive) {
      active = withoutUid(active, uid)
      events.push(cronJobEvents.sawCompletedJob(name, finished))
      changed = true
    }
    if (succeeded(job)) {
      const completion = job.status?.completionTime
      const completionMs = parseTime(completion)
      const lastMs = parseTime(lastSuccessfulTime)
      // As upstream: the first success seen sets it (even without a completion time), a later completion replaces it.
      if (lastSuccessfulTime === undefined ? completion !== undefined : completionMs !== undefined && lastMs !== undefined && completionMs > lastMs) {
        lastSuccessfulTime = completion
        changed = true
      }
    }
  }
  const seen = new Set(jobs.map((job) => job.metadata.uid))
  for (const ref of active) {
    if (seen.has(ref.uid)) continue
    events.push(cronJobEvents.missingJob(ref.name ?? ''))
    changed = true
  }
  active = active.filter((ref) => seen.has(ref.uid))
  const { active: _active, lastSuccessfulTime: _last, ...rest } = status
  return {
    status: {
      ...rest,
      ...(active.length > 0 ? { active } : {}),
      ...(lastSuccessfulTime === undefined ? {} : { lastSuccessfulTime }),
    },
    events,
    changed,
  }
}
