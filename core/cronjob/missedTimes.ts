/**
 * Which scheduled time a sync acts on, and when to look again (C19–C22, C38), as upstream's
 * controller works them out.
 *
 * Upstream does not list every missed time: from the last schedule time (or the creation
 * time) it takes the next two times, estimates how many fit before `now` from the gap between
 * them, and walks the schedule only from one gap before the estimated last one. The estimate
 * is exact for regular schedules and may miss the most recent time of an irregular one (a
 * weekday-only schedule after a weekend, say); this module reproduces the estimate, not an
 * exact count, so that the same times are acted on as upstream.
 */
import type { Schedule } from './schedule.js'
import { nextTime } from './nextTimes.js'

/** Upstream warns (`TooManyMissedTimes`) above this many estimated missed times (C21). */
export const TOO_MANY_MISSED_TIMES = 100

/** Upstream requeues this long after the next schedule time, for clock skew (C38). */
export const NEXT_SCHEDULE_DELTA_MS = 100

/** How many times were missed: none, a few, or more than `TOO_MANY_MISSED_TIMES`. */
export type MissedTimes = 'none' | 'few' | 'many'

/** The outcome of looking for the most recent missed time. */
export type MostRecentTime =
  | {
      readonly _tag: 'Found'
      /** Where the search started: the last schedule time, the creation time, or `now - startingDeadlineSeconds`. */
      readonly earliestMs: number
      /** The most recent scheduled time at or before `now`, or `undefined` when none (or none the estimate finds). */
      readonly mostRecentMs: number | undefined
      readonly missed: MissedTimes
    }
  | { readonly _tag: 'InvalidSchedule'; readonly earliestMs: number; readonly message: string }

/** What the search needs to know about the CronJob. */
export interface ScheduleFacts {
  readonly schedule: Schedule
  readonly timeZone: string
  /** `status.lastScheduleTime`, else `metadata.creationTimestamp`, in epoch ms. */
  readonly lastScheduleOrCreationMs: number
  readonly startingDeadlineSeconds?: number
}

/**
 * The most recent scheduled time not after `nowMs` (C19). With `withDeadline`, the search
 * starts no earlier than `now - startingDeadlineSeconds` (C22): older times are never acted on.
 */
export function mostRecentScheduleTime(facts: ScheduleFacts, nowMs: number, withDeadline: boolean): MostRecentTime {
  let earliestMs = facts.lastScheduleOrCreationMs
  if (withDeadline && facts.startingDeadlineSeconds !== undefined) {
    earliestMs = Math.max(earliestMs, nowMs - facts.startingDeadlineSeconds * 1000)
  }
  const next = (afterMs: number): number | undefined => nextTime(facts.schedule, afterMs, facts.timeZone)
  const first = next(earliestMs)
  const second = first === undefined ? undefined : next(first)
  if (first !== undefined && nowMs < first) return { _tag: 'Found', earliestMs, mostRecentMs: undefined, missed: 'none' }
  if (first !== undefined && second !== undefined && nowMs < second) return { _tag: 'Found', earliestMs, mostRecentMs: first, missed: 'none' }
  // A schedule that never fires has no gap between its times: upstream calls it invalid.
  if (first === undefined || second === undefined || Math.round((second - first) / 1000) < 1) {
    return { _tag: 'InvalidSchedule', earliestMs, message: 'time difference between two schedules is less than 1 second' }
  }
  const gapSeconds = Math.round((second - first) / 1000)
  const elapsedSeconds = Math.trunc((nowMs - first) / 1000)
  const estimatedMissed = Math.floor(elapsedSeconds / gapSeconds) + 1
  // Walk from one gap before the estimated last time, so irregular schedules are not overshot.
  let t = next(first + (estimatedMissed - 2) * gapSeconds * 1000)
  let mostRecentMs: number | undefined
  while (t !== undefined && t <= nowMs) {
    mostRecentMs = t
    t = next(t)
  }
  return { _tag: 'Found', earliestMs, mostRecentMs, missed: estimatedMissed > TOO_MANY_MISSED_TIMES ? 'many' : 'few' }
}

/**
 * How long until the sync after this one (C38): the schedule's next time after the most recent
 * one (ignoring the deadline), plus `NEXT_SCHEDULE_DELTA_MS`, from `nowMs`.
 */
export function requeueAfterMs(facts: ScheduleFacts, nowMs: number): number {
  const recent = mostRecentScheduleTime(facts, nowMs, false)
  let fromMs: number
  if (recent._tag === 'InvalidSchedule') fromMs = nowMs
  else if (recent.mostRecentMs !== undefined) fromMs = recent.mostRecentMs
  else fromMs = recent.missed === 'none' ? recent.earliestMs : nowMs
  const next = nextTime(facts.schedule, fromMs, facts.timeZone)
  // A schedule that never fires again: look again in a day, the store's changes wake the CronJob sooner.
  return (next === undefined ? nowMs + 86_400_000 : next) + NEXT_SCHEDULE_DELTA_MS - nowMs
}
