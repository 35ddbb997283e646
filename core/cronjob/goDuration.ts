/**
 * Go's `time.ParseDuration`, for `@every <duration>` (C7): `1h30m`, `90s`, `1.5h`, `300ms`, with
 * Go's error messages. Nanoseconds as a bigint, as Go's int64.
 */
import type { Either } from 'fp-ts/lib/Either.js'
import { left, right } from 'fp-ts/lib/Either.js'
import { goQuote } from '../model/fieldErrors.js'

const UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
}

const LIMIT = 1n << 63n
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9'

/** Parses a Go duration into nanoseconds. */
export function parseGoDuration(text: string): Either<string, bigint> {
  const invalid = left(`time: invalid duration ${goQuote(text)}`)
  let rest = text
  let negative = false
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-')
    rest = rest.slice(1)
  }
  if (rest === '0') return right(0n)
  if (rest === '') return invalid
  let total = 0n
  while (rest !== '') {
    if (!(rest[0] === '.' || isDigit(rest[0]))) return invalid
    const whole = /^[0-9]*/.exec(rest)?.[0] ?? ''
    rest = rest.slice(whole.length)
    let fraction = ''
    let hasFraction = false
    if (rest.startsWith('.')) {
      fraction = /^[0-9]*/.exec(rest.slice(1))?.[0] ?? ''
      hasFraction = fraction !== ''
      rest = rest.slice(1 + fraction.length)
    }
    if (whole === '' && !hasFraction) return invalid
    const unitText = /^[^.0-9]*/.exec(rest)?.[0] ?? ''
    if (unitText === '') return left(`time: missing unit in duration ${goQuote(text)}`)
    rest = rest.slice(unitText.length)
    const unit = UNITS[unitText]
    if (unit === undefined || !Object.prototype.hasOwnProperty.call(UNITS, unitText)) {
      return left(`time: unknown unit ${goQuote(unitText)} in duration ${goQuote(text)}`)
    }
    const wholeValue = whole === '' ? 0n : BigInt(whole)
    if (wholeValue > LIMIT / unit) return invalid
    let value = wholeValue * unit
    if (hasFraction) {
      // Go keeps at most the digits that fit and scales in floating point; the same here.
      const fractionValue = Number(`0.${fraction}`)
      value += BigInt(Math.floor(fractionValue * Number(unit)))
      if (value > LIMIT) return invalid
    }
    total += value
    if (total > LIMIT) return invalid
  }
  if (negative) return right(-total)
  if (total > LIMIT - 1n) return invalid
  return right(total)
}
