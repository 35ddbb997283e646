/**
 * Times as kubectl shows them: `HumanDuration` from apimachinery (`5s`, `2m3s`, `3h`, `2d4h`)
 * for ages and durations, and Go's RFC 1123 with numeric zone for `describe`.
 */
import { parseTime } from '../../../core/model/time.js'

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE

/** apimachinery's `duration.HumanDuration`: short, rounded down, `<invalid>` well in the past. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND)
  if (seconds < -1) return '<invalid>'
  if (seconds < 0) return '0s'
  if (seconds < 60 * 2) return `${seconds}s`
  const minutes = Math.trunc(ms / MINUTE)
  if (minutes < 10) {
    const s = seconds % 60
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`
  }
  if (minutes < 60 * 3) return `${minutes}m`
  const hours = Math.trunc(ms / HOUR)
  if (hours < 8) {
    const m = minutes % 60
    return m === 0 ? `${hours}h` : `${hours}h${m}m`
  }
  if (hours < 48) return `${hours}h`
  if (hours < 24 * 8) {
    const h = hours % 24
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`
  if (hours < 24 * 365 * 8) {
    const days = Math.trunc(hours / 24) % 365
    const years = Math.trunc(hours / 24 / 365)
    return days === 0 ? `${years}y` : `${years}y${days}d`
  }
  return `${Math.trunc(hours / 24 / 365)}y`
}

/** kubectl's `translateTimestampSince`: the age of a timestamp, `<unknown>` without one. */
export function age(time: string | undefined, nowMs: number): string {
  const at = parseTime(time)
  return at === undefined ? '<unknown>' : humanDuration(nowMs - at)
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const pad2 = (n: number): string => String(n).padStart(2, '0')

/** Go's `time.RFC1123Z` in the local time zone: `Mon, 02 Jan 2006 15:04:05 -0700`. */
export function rfc1123z(time: string | undefined): string {
  const at = parseTime(time)
  if (at === undefined) return '<unknown>'
  const d = new Date(at)
  const offset = -d.getTimezoneOffset()
  const sign = offset >= 0 ? '+' : '-'
  const zone = `${sign}${pad2(Math.trunc(Math.abs(offset) / 60))}${pad2(Math.abs(offset) % 60)}`
  return `${DAYS[d.getDay()]}, ${pad2(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ${zone}`
}
