/**
 * The strict index-interval grammar of validation (R50): `succeededIndexes` and the status
 * fields `completedIndexes` / `failedIndexes` (R65). Intervals stay intervals; nothing here
 * expands `0-99999` into a list.
 */
import type { Either } from 'fp-ts/lib/Either.js'
import { left, right } from 'fp-ts/lib/Either.js'
import { goQuote } from './fieldErrors.js'

/** A closed interval of completion indexes, `first <= last`. */
export type IndexInterval = readonly [first: number, last: number]

const INT64_MAX = 9223372036854775807n

/** Go's `strconv.Atoi`: optional sign, ASCII digits, 64-bit range; `undefined` where Go fails. */
function atoi(text: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined
  const big = BigInt(text)
  if (big > INT64_MAX || big < -INT64_MAX - 1n) return undefined
  return Number(big)
}

/** One `x` or `x-y` fragment, with upstream's error texts. */
function parseInterval(fragment: string, completions: number): Either<string, IndexInterval> {
  const limits = fragment.split('-')
  if (limits.length > 2) {
    return left(`the fragment ${goQuote(fragment)} violates the requirement that an index interval can have at most two parts separated by '-'`)
  }
  const firstText = limits[0] ?? ''
  const first = atoi(firstText)
  if (first === undefined) return left(`cannot convert string to integer for index: ${goQuote(firstText)}`)
  if (first >= completions) return left(`too large index: ${goQuote(firstText)}`)
  if (limits.length === 1) return right([first, first])
  const lastText = limits[1] ?? ''
  const last = atoi(lastText)
  if (last === undefined) return left(`cannot convert string to integer for index: ${goQuote(lastText)}`)
  if (last >= completions) return left(`too large index: ${goQuote(lastText)}`)
  if (first >= last) return left(`non-increasing order, previous: ${first}, current: ${last}`)
  return right([first, last])
}

/**
 * Parses a comma-separated list of `x` / `x-y` intervals as the API server's validation does
 * (R50): decimal integers (Go `Atoi`), `x < y` inside an interval, each interval starting after
 * the previous one ended, every index below `completions`. `""` is the empty list. The left
 * side is upstream's error text, e.g. `too large index: "5"`.
 */
export function parseIndexesStrict(text: string, completions: number): Either<string, ReadonlyArray<IndexInterval>> {
  if (text === '') return right([])
  const out: IndexInterval[] = []
  let previousLast: number | undefined
  for (const fragment of text.split(',')) {
    const parsed = parseInterval(fragment, completions)
    if (parsed._tag === 'Left') return parsed
    const [first, last] = parsed.right
    if (previousLast !== undefined && previousLast >= first) {
      return left(`non-increasing order, previous: ${previousLast}, current: ${first}`)
    }
    out.push(parsed.right)
    previousLast = last
  }
  return right(out)
}

/** The number of indexes in a list of intervals. */
export function countIndexIntervals(intervals: ReadonlyArray<IndexInterval>): number {
  return intervals.reduce((sum, [first, last]) => sum + (last - first + 1), 0)
}

/** Writes intervals as `x` or `x-y`, comma-separated: the canonical form `parseIndexesStrict` reads. */
export function formatIndexIntervals(intervals: ReadonlyArray<IndexInterval>): string {
  return intervals.map(([first, last]) => (first === last ? `${first}` : `${first}-${last}`)).join(',')
}

/** Each fragment parsed on its own; unparsable fragments are skipped (their error is reported elsewhere). */
function parsableIntervals(text: string, completions: number): IndexInterval[] {
  if (text === '') return []
  return text.split(',').flatMap((fragment) => {
    const parsed = parseInterval(fragment, completions)
    return parsed._tag === 'Right' ? [parsed.right] : []
  })
}

/**
 * The first index where `completed` and `failed` overlap (R65), walking both lists in order
 * as upstream does and skipping fragments that do not parse; `undefined` when they do not.
 */
export function firstIndexOverlap(completed: string, failed: string, completions: number): number | undefined {
  const c = parsableIntervals(completed, completions)
  const f = parsableIntervals(failed, completions)
  let i = 0
  let j = 0
  while (i < c.length && j < f.length) {
    const [cFirst, cLast] = c[i] ?? [0, -1]
    const [fFirst, fLast] = f[j] ?? [0, -1]
    if (cFirst <= fLast && fFirst <= cLast) return Math.max(cFirst, fFirst)
    if (cFirst <= fFirst) i++
    else j++
  }
  return undefined
}
