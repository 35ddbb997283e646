/**
 * When a schedule fires (C11–C13), computed by croner and checked against robfig/cron v3, the
 * library Kubernetes uses (core/cronjob/testing/robfig.json holds robfig's own answers).
 *
 * The pattern croner gets is the parsed schedule written out in full (explicit value lists), with
 * a seconds field of `*` stepped by 60, i.e. second 0. The step makes croner treat every schedule as
 * an "interval job" in DST changes: a wall-clock time the clocks skip does not run, a time that
 * occurs twice runs twice. That is what robfig does, for every schedule (C13). Day of month and
 * day of week are ANDed when either was written as a wildcard and ORed otherwise, robfig's rule
 * (C12), so croner is told which.
 */
import { Cron } from 'croner'
import type { CronSpec, Schedule } from './schedule.js'
import { zoneFormatter } from './timeZones.js'

/** robfig gives up when nothing matches within five years of the start (an impossible date such as 30 February). */
const SEARCH_YEARS = 5

const compiled = new Map<string, Cron>()
const MAX_COMPILED = 512

function cronFor(spec: CronSpec, timeZone: string): Cron {
  const pattern = ['*/60', spec.minute, spec.hour, spec.dayOfMonth, spec.month, spec.dayOfWeek]
    .map((field) => (typeof field === 'string' ? field : field.values.join(',')))
    .join(' ')
  const domAndDow = spec.dayOfMonth.star || spec.dayOfWeek.star
  const key = `${timeZone} ${domAndDow ? 'and' : 'or'} ${pattern}`
  const cached = compiled.get(key)
  if (cached !== undefined) return cached
  if (compiled.size >= MAX_COMPILED) compiled.clear()
  const cron = new Cron(pattern, { timezone: timeZone, domAndDow, mode: '6-part' })
  compiled.set(key, cron)
  return cron
}

/** The calendar year of an instant in a zone. */
function yearIn(epochMs: number, timeZone: string): number {
  const year = zoneFormatter(timeZone)
    ?.formatToParts(new Date(epochMs))
    .find((part) => part.type === 'year')?.value
  return year === undefined ? new Date(epochMs).getUTCFullYear() : Number(year)
}

/**
 * The first time the schedule fires strictly after `afterMs`, at a whole second (robfig's
 * `Next`), in epoch milliseconds; `undefined` when it never fires within five years. The zone is
 * the schedule's own `TZ=` prefix if it has one, else `timeZone`.
 */
export function nextTime(schedule: Schedule, afterMs: number, timeZone: string): number | undefined {
  const wholeSecond = Math.floor(afterMs / 1000) * 1000
  if (schedule._tag === 'Every') return wholeSecond + schedule.delayMs
  const zone = schedule.location ?? timeZone
  const next = cronFor(schedule, zone).nextRun(new Date(wholeSecond))
  if (next === null) return undefined
  const nextMs = next.getTime()
  return yearIn(nextMs, zone) > yearIn(wholeSecond + 1000, zone) + SEARCH_YEARS ? undefined : nextMs
}
