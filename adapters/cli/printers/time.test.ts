import { describe, expect, it } from 'vitest'
import { age, humanDuration, rfc1123z } from './time.js'

const s = 1000
const m = 60 * s
const h = 60 * m
const d = 24 * h

describe('humanDuration (apimachinery duration.HumanDuration)', () => {
  it.each([
    [-2 * s, '<invalid>'],
    [-1 * s, '0s'],
    [0, '0s'],
    [59 * s, '59s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [2 * m + 5 * s, '2m5s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m + 30 * s, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [3 * h + 20 * m, '3h20m'],
    [8 * h + 20 * m, '8h'],
    [47 * h, '47h'],
    [2 * d, '2d'],
    [2 * d + 5 * h, '2d5h'],
    [8 * d + 5 * h, '8d'],
    [2 * 365 * d, '2y'],
    [2 * 365 * d + 10 * d, '2y10d'],
    [9 * 365 * d, '9y'],
  ])('%d ms is %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text)
  })
})

describe('age', () => {
  it('is the time since a timestamp, or <unknown>', () => {
    expect(age('2026-01-01T00:00:00Z', Date.parse('2026-01-01T00:01:05Z'))).toBe('65s')
    expect(age(undefined, 0)).toBe('<unknown>')
  })
})

describe('rfc1123z', () => {
  it("is Go's RFC1123Z in the local zone", () => {
    const text = rfc1123z('2019-12-02T13:20:11Z')
    expect(text).toMatch(/^(Mon|Tue), 0[23] Dec 2019 \d\d:\d\d:11 [+-]\d{4}$/)
    const offset = -new Date('2019-12-02T13:20:11Z').getTimezoneOffset()
    if (offset === 0) expect(text).toBe('Mon, 02 Dec 2019 13:20:11 +0000')
  })
})
