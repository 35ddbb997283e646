/**
 * Cron schedules as upstream reads them (C5–C8): Kubernetes parses `spec.schedule` with
 * robfig/cron v3's standard parser, and this module accepts exactly what it accepts, with its
 * error messages. Times are computed by `nextTimes.ts`.
 */
import type { Either } from 'fp-ts/lib/Either.js'
import { left, right } from 'fp-ts/lib/Either.js'
import { goQuote } from '../model/fieldErrors.js'
import { parseGoDuration } from './goDuration.js'
import { timeZoneLoadError } from './timeZones.js'

/** The values one field allows, ascending, and whether it was written as a wildcard (`*` or `?`, with no step above 1). */
export interface CronField {
  readonly values: readonly number[]
  readonly star: boolean
}

/** A five-field schedule (or a descriptor, which is one); seconds are always 0. */
export interface CronSpec {
  readonly _tag: 'CronSpec'
  readonly minute: CronField
  readonly hour: CronField
  readonly dayOfMonth: CronField
  readonly month: CronField
  readonly dayOfWeek: CronField
  /** The zone a `TZ=`/`CRON_TZ=` prefix named (refused by validation, read by the controller, C9). */
  readonly location?: string
}

/** `@every <duration>`: a fixed delay after the previous time, whole seconds, at least 1 s (C7). */
export interface EverySchedule {
  readonly _tag: 'Every'
  readonly delayMs: number
  readonly location?: string
}

export type Schedule = CronSpec | EverySchedule

interface Bounds {
  readonly min: number
  readonly max: number
  readonly names?: Readonly<Record<string, number>>
}

const MINUTES: Bounds = { min: 0, max: 59 }
const HOURS: Bounds = { min: 0, max: 23 }
const DAYS_OF_MONTH: Bounds = { min: 1, max: 31 }
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
}
const DAYS_OF_WEEK: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } }

const range = (min: number, max: number): number[] => Array.from({ length: max - min + 1 }, (_, i) => min + i)
const every = (bounds: Bounds): CronField => ({ values: range(bounds.min, bounds.max), star: true })
const only = (value: number): CronField => ({ values: [value], star: false })

/** The descriptors upstream accepts, as the fields they stand for (C6). */
const DESCRIPTORS: Readonly<Record<string, Omit<CronSpec, '_tag' | 'location'>>> = {
  '@yearly': { minute: only(0), hour: only(0), dayOfMonth: only(1), month: only(1), dayOfWeek: every(DAYS_OF_WEEK) },
  '@annually': { minute: only(0), hour: only(0), dayOfMonth: only(1), month: only(1), dayOfWeek: every(DAYS_OF_WEEK) },
  '@monthly': { minute: only(0), hour: only(0), dayOfMonth: only(1), month: every(MONTHS), dayOfWeek: every(DAYS_OF_WEEK) },
  '@weekly': { minute: only(0), hour: only(0), dayOfMonth: every(DAYS_OF_MONTH), month: every(MONTHS), dayOfWeek: only(0) },
  '@daily': { minute: only(0), hour: only(0), dayOfMonth: every(DAYS_OF_MONTH), month: every(MONTHS), dayOfWeek: every(DAYS_OF_WEEK) },
  '@midnight': { minute: only(0), hour: only(0), dayOfMonth: every(DAYS_OF_MONTH), month: every(MONTHS), dayOfWeek: every(DAYS_OF_WEEK) },
  '@hourly': { minute: only(0), hour: every(HOURS), dayOfMonth: every(DAYS_OF_MONTH), month: every(MONTHS), dayOfWeek: every(DAYS_OF_WEEK) },
}

/** Go's `strconv.Atoi`: an optional sign and decimal digits, within int64. */
function atoi(text: string): Either<string, bigint> {
  if (!/^[+-]?[0-9]+$/.test(text)) return left(`strconv.Atoi: parsing ${goQuote(text)}: invalid syntax`)
  const value = BigInt(text)
  if (value > 9223372036854775807n || value < -9223372036854775808n) return left(`strconv.Atoi: parsing ${goQuote(text)}: value out of range`)
  return right(value)
}

/** A non-negative number, as upstream's `mustParseInt`. */
function parseNumber(text: string): Either<string, bigint> {
  const n = atoi(text)
  if (n._tag === 'Left') return left(`failed to parse int from ${text}: ${n.left}`)
  if (n.right < 0n) return left(`negative number (${n.right}) not allowed: ${text}`)
  return n
}

function parseNumberOrName(text: string, bounds: Bounds): Either<string, bigint> {
  const named = bounds.names?.[text.toLowerCase()]
  return named !== undefined && Object.prototype.hasOwnProperty.call(bounds.names, text.toLowerCase()) ? right(BigInt(named)) : parseNumber(text)
}

/** One comma-separated part: `*`, `?`, `N`, `N-M`, each optionally `/step` (`N/step` means `N-max/step`). */
function parseRange(expr: string, bounds: Bounds): Either<string, { readonly values: number[]; readonly star: boolean }> {
  const rangeAndStep = expr.split('/')
  const lowAndHigh = (rangeAndStep[0] ?? '').split('-')
  const first = lowAndHigh[0] ?? ''
  let start: bigint
  let end: bigint
  let star = false
  if (first === '*' || first === '?') {
    // Upstream ignores anything after a wildcard's hyphen (`*-5` is `*`).
    start = BigInt(bounds.min)
    end = BigInt(bounds.max)
    star = true
  } else {
    const low = parseNumberOrName(first, bounds)
    if (low._tag === 'Left') return low
    start = low.right
    if (lowAndHigh.length === 1) end = start
    else if (lowAndHigh.length === 2) {
      const high = parseNumberOrName(lowAndHigh[1] ?? '', bounds)
      if (high._tag === 'Left') return high
      end = high.right
    } else return left(`too many hyphens: ${expr}`)
  }
  let step = 1n
  if (rangeAndStep.length === 2) {
    const parsed = parseNumber(rangeAndStep[1] ?? '')
    if (parsed._tag === 'Left') return parsed
    step = parsed.right
    if (lowAndHigh.length === 1) end = BigInt(bounds.max)
    if (step > 1n) star = false
  } else if (rangeAndStep.length > 2) return left(`too many slashes: ${expr}`)
  if (start < BigInt(bounds.min)) return left(`beginning of range (${start}) below minimum (${bounds.min}): ${expr}`)
  if (end > BigInt(bounds.max)) return left(`end of range (${end}) above maximum (${bounds.max}): ${expr}`)
  if (start > end) return left(`beginning of range (${start}) beyond end of range (${end}): ${expr}`)
  if (step === 0n) return left(`step of range should be a positive number: ${expr}`)
  const values: number[] = []
  for (let v = Number(start); v <= Number(end); v += Number(step)) values.push(v)
  return right({ values, star })
}

/** One field: comma-separated ranges (empty parts are dropped, as upstream's `FieldsFunc` does). */
function parseField(field: string, bounds: Bounds): Either<string, CronField> {
  const values = new Set<number>()
  let star = false
  for (const expr of field.split(',').filter((part) => part !== '')) {
    const parsed = parseRange(expr, bounds)
    if (parsed._tag === 'Left') return parsed
    parsed.right.values.forEach((v) => values.add(v))
    star = star || parsed.right.star
  }
  return right({ values: [...values].sort((a, b) => a - b), star })
}

/** Go's `%s` of a `[]string`. */
const goList = (fields: readonly string[]): string => `[${fields.join(' ')}]`

function parseDescriptor(descriptor: string, location: string | undefined): Either<string, Schedule> {
  const known = Object.prototype.hasOwnProperty.call(DESCRIPTORS, descriptor) ? DESCRIPTORS[descriptor] : undefined
  if (known !== undefined) return right({ _tag: 'CronSpec', ...known, ...(location === undefined ? {} : { location }) })
  const prefix = '@every '
  if (descriptor.startsWith(prefix)) {
    const duration = parseGoDuration(descriptor.slice(prefix.length))
    if (duration._tag === 'Left') return left(`failed to parse duration ${descriptor}: ${duration.left}`)
    // Whole seconds, at least one (robfig's `Every`).
    const seconds = duration.right < 1_000_000_000n ? 1n : duration.right / 1_000_000_000n
    return right({ _tag: 'Every', delayMs: Number(seconds) * 1000, ...(location === undefined ? {} : { location }) })
  }
  return left(`unrecognized descriptor: ${descriptor}`)
}

/**
 * Parses a schedule as Kubernetes does (robfig/cron v3 `ParseStandard`), with its error
 * message on failure: five fields (minute hour day-of-month month day-of-week) with `*`, `?`,
 * lists, ranges, steps and month/weekday names; the `@yearly`…`@hourly` descriptors and
 * `@every <duration>`; an optional `TZ=<zone> ` or `CRON_TZ=<zone> ` prefix.
 */
export function parseSchedule(text: string): Either<string, Schedule> {
  if (text.length === 0) return left('empty spec string')
  let spec = text
  let location: string | undefined
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const space = spec.indexOf(' ')
    const equals = spec.indexOf('=')
    // Upstream slices up to the first space; without one its parser panics, and the panic is the message.
    if (space < 0) return left('invalid schedule format: runtime error: slice bounds out of range [:-1]')
    const zone = spec.slice(equals + 1, space)
    const loadError = timeZoneLoadError(zone)
    if (loadError !== undefined) return left(`provided bad location ${zone}: ${loadError}`)
    location = zone === '' ? 'UTC' : zone
    spec = spec.slice(space).trim()
  }
  if (spec.startsWith('@')) return parseDescriptor(spec, location)
  const fields = spec.split(/\s+/).filter((f) => f !== '')
  if (fields.length !== 5) return left(`expected exactly 5 fields, found ${fields.length}: ${goList(fields)}`)
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields as [string, string, string, string, string]
  const parsed: CronField[] = []
  for (const [field, bounds] of [
    [minute, MINUTES],
    [hour, HOURS],
    [dayOfMonth, DAYS_OF_MONTH],
    [month, MONTHS],
    [dayOfWeek, DAYS_OF_WEEK],
  ] as const) {
    const result = parseField(field, bounds)
    if (result._tag === 'Left') return result
    parsed.push(result.right)
  }
  const [m, h, dom, mon, dow] = parsed as [CronField, CronField, CronField, CronField, CronField]
  return right({ _tag: 'CronSpec', minute: m, hour: h, dayOfMonth: dom, month: mon, dayOfWeek: dow, ...(location === undefined ? {} : { location }) })
}
