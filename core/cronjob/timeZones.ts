/**
 * IANA time zones (C10), through `Intl`, which every JavaScript runtime has: no tz database of
 * our own. Upstream checks a name with Go's `time.LoadLocation`; `Intl` knows the same IANA
 * names. It is case-insensitive where Go is not, so a name must also be written as `Intl`
 * resolves it when the two differ only in case.
 */
import type { FieldError } from '../model/fieldErrors.js'
import { invalid } from '../model/fieldErrors.js'

/** The characters upstream allows in one `/`-separated part of a zone name (at most 14 of them). */
const ZONE_PART = /^[A-Za-z.\-_0-9+]{1,14}$/

const formatters = new Map<string, Intl.DateTimeFormat>()

/** A formatter of wall-clock fields in `timeZone`, or `undefined` when the runtime does not know the zone. */
export function zoneFormatter(timeZone: string): Intl.DateTimeFormat | undefined {
  const cached = formatters.get(timeZone)
  if (cached !== undefined) return cached
  let formatter: Intl.DateTimeFormat
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
      timeZoneName: 'longOffset',
    })
  } catch {
    return undefined
  }
  const resolved = formatter.resolvedOptions().timeZone
  if (resolved !== timeZone && resolved.toLowerCase() === timeZone.toLowerCase() && timeZone !== 'UTC') return undefined
  formatters.set(timeZone, formatter)
  return formatter
}

/** Go's `time.LoadLocation` error for a name it cannot load, or `undefined` when the zone loads. */
export function timeZoneLoadError(timeZone: string): string | undefined {
  if (timeZone === '' || timeZone === 'UTC' || timeZone === 'Local') return undefined
  return zoneFormatter(timeZone) === undefined ? `unknown time zone ${timeZone}` : undefined
}

/** C10: `spec.timeZone`, when set, is a non-empty, explicit IANA name the runtime knows. */
export function validateTimeZone(timeZone: string | undefined, path: string): FieldError[] {
  if (timeZone === undefined) return []
  if (timeZone === '') return [invalid(path, timeZone, 'timeZone must be nil or non-empty string')]
  const parts = timeZone.split('/')
  if (parts.some((part) => part === '.' || part === '..' || part.startsWith('-') || !ZONE_PART.test(part))) {
    return [invalid(path, timeZone, `unknown time zone ${timeZone}`)]
  }
  const errs: FieldError[] = []
  if (timeZone.toLowerCase() === 'local') errs.push(invalid(path, timeZone, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'))
  const loadError = timeZoneLoadError(timeZone)
  if (loadError !== undefined) errs.push(invalid(path, timeZone, loadError))
  return errs
}

/** The UTC offset of an instant in a zone, in minutes east of UTC. */
function offsetMinutes(formatter: Intl.DateTimeFormat, date: Date): number {
  const name = formatter.formatToParts(date).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT'
  const match = /^GMT([+-])(\d{2}):?(\d{2})?(?::?(\d{2}))?$/.exec(name)
  if (match === null) return 0
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? '0')
  return match[1] === '-' ? -minutes : minutes
}

const pad = (n: number): string => String(n).padStart(2, '0')

/**
 * An instant as Go's `Format(time.RFC3339)` writes it in a zone: whole seconds, the zone's
 * offset, `Z` for a zero offset (e.g. `2026-01-01T05:00:00-05:00`, `2026-01-01T10:00:00Z`).
 */
export function formatRfc3339InZone(epochMs: number, timeZone: string): string {
  const date = new Date(Math.floor(epochMs / 1000) * 1000)
  const formatter = zoneFormatter(timeZone)
  const offset = formatter === undefined ? 0 : offsetMinutes(formatter, date)
  const local = new Date(date.getTime() + offset * 60_000)
  const wall = `${String(local.getUTCFullYear()).padStart(4, '0')}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`
  if (offset === 0) return `${wall}Z`
  const sign = offset < 0 ? '-' : '+'
  const abs = Math.abs(offset)
  return `${wall}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
}
