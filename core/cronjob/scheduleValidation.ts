/** C5–C9: `spec.schedule`, parsed as upstream's parser does, and no `TZ=`/`CRON_TZ=` in it. */
import type { FieldError } from '../model/fieldErrors.js'
import { invalid } from '../model/fieldErrors.js'
import { parseSchedule } from './schedule.js'

/**
 * The schedule's errors: the parser's own message (C5–C8), and C9's refusal of `TZ`
 * (`allowTZ` on an update whose old schedule already had it, unless `timeZone` is set too).
 */
export function validateScheduleFormat(schedule: string, allowTZ: boolean, timeZone: string | undefined, path: string): FieldError[] {
  const errs: FieldError[] = []
  const parsed = parseSchedule(schedule)
  if (parsed._tag === 'Left') errs.push(invalid(path, schedule, parsed.left))
  if (allowTZ && schedule.includes('TZ') && timeZone !== undefined) {
    errs.push(invalid(path, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'))
  } else if (!allowTZ && schedule.includes('TZ')) {
    errs.push(invalid(path, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'))
  }
  return errs
}
