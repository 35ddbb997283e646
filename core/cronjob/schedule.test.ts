/**
 * C5–C13: schedules read and fired as robfig/cron v3 (Kubernetes' library) does. The table
 * cases are robfig's own answers (testing/robfig.json, written by scripts/cron-oracle from
 * cases.json); the named cases spell out the rules with values from the same source.
 */
import { describe, expect, it } from 'vitest'
import robfig from './testing/robfig.json' with { type: 'json' }
import { nextTime } from './nextTimes.js'
import { parseSchedule } from './schedule.js'
import { at, iso } from './testing/builders.js'

const parseError = (schedule: string): string | undefined => {
  const parsed = parseSchedule(schedule)
  return parsed._tag === 'Left' ? parsed.left : undefined
}

function times(schedule: string, timeZone: string, from: string, count: number): string[] {
  const parsed = parseSchedule(schedule)
  if (parsed._tag === 'Left') throw new Error(parsed.left)
  const out: string[] = []
  let t = at(from)
  for (let i = 0; i < count; i++) {
    const next = nextTime(parsed.right, t, timeZone)
    if (next === undefined) {
      out.push('never')
      break
    }
    out.push(iso(next))
    t = next
  }
  return out
}

describe('C5–C9 [robfig] parsing: every case of the oracle', () => {
  it.each(robfig.parse.map((c) => [c.schedule, c.error ?? 'accepted'] as const))('%j → %s', (schedule, expected) => {
    expect(parseError(schedule) ?? 'accepted').toBe(expected)
  })
})

describe('C11–C13 [robfig] next times: every case of the oracle', () => {
  it.each(robfig.next.map((c) => [c.schedule, c.timeZone ?? 'UTC', c.from, c.times] as const))('%s in %s after %s', (schedule, zone, from, expected) => {
    expect(times(schedule, zone, from, expected.length)).toEqual(expected)
  })
})

describe('the rules, by example (values as robfig gives them)', () => {
  it('C12 day of month and day of week both restricted: either matches (every Friday and every 13th)', () => {
    expect(times('0 0 13 * 5', 'UTC', '2026-01-01T00:00:00Z', 4)).toEqual(['2026-01-02T00:00:00Z', '2026-01-09T00:00:00Z', '2026-01-13T00:00:00Z', '2026-01-16T00:00:00Z'])
  })

  it('C12 a wildcard day of month leaves only the day of week (`? ` and `*/1` are wildcards, `*/2` is not)', () => {
    expect(times('0 0 ? * MON', 'UTC', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-05T00:00:00Z', '2026-01-12T00:00:00Z'])
    expect(times('0 0 */1 * 1', 'UTC', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-05T00:00:00Z', '2026-01-12T00:00:00Z'])
    expect(times('0 0 */2 * 1', 'UTC', '2026-01-01T00:00:00Z', 3)).toEqual(['2026-01-03T00:00:00Z', '2026-01-05T00:00:00Z', '2026-01-07T00:00:00Z'])
  })

  it('C8 `N/step` runs from N to the end of the range; names in any case', () => {
    expect(times('5/15 * * * *', 'UTC', '2026-01-01T00:00:00Z', 4)).toEqual(['2026-01-01T00:05:00Z', '2026-01-01T00:20:00Z', '2026-01-01T00:35:00Z', '2026-01-01T00:50:00Z'])
    expect(times('0 0 * JAN,jul *', 'UTC', '2026-01-30T00:00:00Z', 3)).toEqual(['2026-01-31T00:00:00Z', '2026-07-01T00:00:00Z', '2026-07-02T00:00:00Z'])
  })

  it('C8 upstream refuses what croner would take: a sixth field, `L`, `#`, weekday 7', () => {
    expect(parseError('* * * * * *')).toBe('expected exactly 5 fields, found 6: [* * * * * *]')
    expect(parseError('0 0 L * *')).toBe('failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax')
    expect(parseError('0 0 * * 1#2')).toBe('failed to parse int from 1#2: strconv.Atoi: parsing "1#2": invalid syntax')
    expect(parseError('0 0 * * 7')).toBe('end of range (7) above maximum (6): 7')
  })

  it('C6 descriptors are the schedules they stand for', () => {
    expect(times('@weekly', 'UTC', '2026-01-01T00:00:00Z', 2)).toEqual(times('0 0 * * 0', 'UTC', '2026-01-01T00:00:00Z', 2))
    expect(times('@annually', 'UTC', '2026-06-15T12:00:00Z', 1)).toEqual(['2027-01-01T00:00:00Z'])
    expect(parseError('@reboot')).toBe('unrecognized descriptor: @reboot')
  })

  it('C7 @every adds the whole-second delay to the previous time, at least one second', () => {
    expect(times('@every 1h30m', 'UTC', '2026-01-01T00:00:10.750Z', 2)).toEqual(['2026-01-01T01:30:10Z', '2026-01-01T03:00:10Z'])
    expect(times('@every 500ms', 'UTC', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-01T00:00:01Z', '2026-01-01T00:00:02Z'])
    expect(parseError('@every 1d')).toBe('failed to parse duration @every 1d: time: unknown unit "d" in duration "1d"')
  })

  it('C11 a date that never comes (30 February) is never', () => {
    expect(times('0 0 30 2 *', 'UTC', '2026-01-01T00:00:00Z', 1)).toEqual(['never'])
  })

  it('C13 spring forward: 02:30 in New York does not exist on 2026-03-08 and does not run that day', () => {
    expect(times('30 2 * * *', 'America/New_York', '2026-03-06T12:00:00Z', 3)).toEqual(['2026-03-07T07:30:00Z', '2026-03-09T06:30:00Z', '2026-03-10T06:30:00Z'])
  })

  it('C13 fall back: 01:30 in New York happens twice on 2026-11-01 and runs twice', () => {
    expect(times('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 3)).toEqual(['2026-11-01T05:30:00Z', '2026-11-01T06:30:00Z', '2026-11-02T06:30:00Z'])
  })

  it('C13 a skipped midnight (Santiago, 2026-09-06) skips that day', () => {
    expect(times('0 0 * * *', 'America/Santiago', '2026-09-04T12:00:00Z', 2)).toEqual(['2026-09-05T04:00:00Z', '2026-09-07T03:00:00Z'])
  })

  it('C9 a `TZ=` prefix (read, though validation refuses it) sets the zone; without a space upstream panics', () => {
    expect(times('TZ=America/New_York @daily', 'UTC', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-01T05:00:00Z'])
    expect(parseError('TZ=UTC')).toBe('invalid schedule format: runtime error: slice bounds out of range [:-1]')
  })
})
