/** The times a CronJob will fire next, for clients (`jobctl run -f`, `describe`), by C10–C13. */
import type { Either } from 'fp-ts/lib/Either.js'
import { left, right } from 'fp-ts/lib/Either.js'
import { nextTime } from './nextTimes.js'
import type { CronJobReconcileOptions } from './options.js'
import { parseSchedule } from './schedule.js'
import { timeZoneLoadError } from './timeZones.js'
import type { CronJob } from './types.js'

/**
 * The next `count` times (epoch ms) `cronJob`'s schedule fires after `afterMs`, in its zone
 * (its `TZ=` prefix, else `spec.timeZone`, else `options.defaultTimeZone`, else UTC); fewer when
 * the schedule stops firing. The parser's or zone loader's message when it cannot fire at all.
 */
export function upcomingScheduleTimes(cronJob: CronJob, afterMs: number, count: number, options: CronJobReconcileOptions = {}): Either<string, ReadonlyArray<number>> {
  const { schedule, timeZone } = cronJob.spec
  if (timeZone !== undefined) {
    const loadError = timeZoneLoadError(timeZone)
    if (loadError !== undefined) return left(loadError)
  }
  const parsed = parseSchedule(schedule)
  if (parsed._tag === 'Left') return parsed
  const zone = timeZone === undefined || timeZone === '' || timeZone === 'Local' ? (options.defaultTimeZone ?? 'UTC') : timeZone
  const times: number[] = []
  let t = afterMs
  while (times.length < count) {
    const next = nextTime(parsed.right, t, zone)
    if (next === undefined) break
    times.push(next)
    t = next
  }
  return right(times)
}
