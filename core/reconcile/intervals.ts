/**
 * Completion-index sets (spec §9.2, R117–R118, R124, R137, R143).
 *
 * A set is a sorted array of disjoint, non-adjacent closed intervals, e.g. `"0-2,5,7-9"` is
 * `[{0,2},{5,5},{7,9}]`. Sets are never expanded into arrays of indexes: `0-99999` is one
 * interval, and every operation here costs O(number of intervals), O(log n) for look-ups, or
 * O(intervals + count) where it returns `count` indexes. Every function returns a normalised
 * set and never mutates its arguments.
 */

/** A closed interval of completion indexes, `first <= last`. */
export interface Interval {
  readonly first: number
  readonly last: number
}

/** Sorted, disjoint, non-adjacent closed intervals. */
export type IndexSet = ReadonlyArray<Interval>

/** The set with no index. */
export const emptyIndexSet: IndexSet = Object.freeze([])

const INT64_MAX = 9223372036854775807n
const INT64_MIN = -9223372036854775808n
const GO_INT = /^[+-]?[0-9]+$/

/**
 * Reads a decimal integer the way Go's `strconv.Atoi` does (optional sign, ASCII digits only,
 * 64-bit range); `undefined` when Go would return an error. Upstream reads completion indexes,
 * interval strings and the per-index failure annotations with it, so `"+3"` and `"007"` are
 * accepted while `" 3"`, `"3.0"` and `""` are not. Values beyond 2^53 are returned rounded.
 */
export function parseGoInt(text: string): number | undefined {
  if (!GO_INT.test(text)) return undefined
  const digits = text.replace(/^[+-]?0*/, '')
  if (digits.length >= 16) {
    const big = BigInt(text)
    if (big > INT64_MAX || big < INT64_MIN) return undefined
  }
  return Number(text) + 0 // `+ 0` turns "-0" into 0
}

/** Appends `next` (whose `first` is >= the previous interval's `first`) merging as needed. */
function appendMerging(out: Interval[], next: Interval): void {
  const lastInterval = out[out.length - 1]
  if (lastInterval === undefined || next.first > lastInterval.last + 1) {
    out.push(next)
  } else if (next.last > lastInterval.last) {
    out[out.length - 1] = { first: lastInterval.first, last: next.last }
  }
}

/** Sorts arbitrary non-empty intervals and merges overlapping or adjacent ones. */
function normalize(intervals: Interval[]): IndexSet {
  intervals.sort((x, y) => x.first - y.first || x.last - y.last)
  const out: Interval[] = []
  for (const interval of intervals) appendMerging(out, interval)
  return out
}

/**
 * Parses an interval string such as `status.completedIndexes` leniently (R118), as upstream's
 * `parseIndexesFromString` does: unparsable fragments are skipped, parsing stops at the first
 * interval that starts at or above `completions`, interval ends are clipped to
 * `completions - 1`, and adjacent intervals are merged. Beyond upstream, the result is always
 * normalised (out-of-order or overlapping fragments are merged, reversed ranges like `5-3`
 * are dropped), so every other function here can rely on the invariant.
 */
export function parseIndexesLenient(text: string | undefined, completions: number): IndexSet {
  if (text === undefined || text === '') return emptyIndexSet
  const out: Interval[] = []
  let ordered = true
  for (const fragment of text.split(',')) {
    const limits = fragment.split('-')
    const first = parseGoInt(limits[0] ?? '')
    if (first === undefined) continue
    if (first >= completions) break
    let last = first
    if (limits.length > 1) {
      const parsedLast = parseGoInt(limits[1] ?? '')
      if (parsedLast === undefined) continue
      last = Math.min(parsedLast, completions - 1)
    }
    if (last < first) continue
    const previous = out[out.length - 1]
    if (previous !== undefined && first < previous.first) ordered = false
    if (ordered) appendMerging(out, { first, last })
    else out.push({ first, last })
  }
  return ordered ? out : normalize(out)
}

/**
 * Writes a set the way the controller writes `completedIndexes`/`failedIndexes` (R117): runs of
 * three or more as `first-last`, runs of two as `a,b`, singletons alone, comma-separated.
 */
export function formatIndexes(set: IndexSet): string {
  const parts: string[] = []
  for (const { first, last } of set) {
    if (last === first) parts.push(String(first))
    else if (last === first + 1) parts.push(`${first},${last}`)
    else parts.push(`${first}-${last}`)
  }
  return parts.join(',')
}

/** The number of indexes in the set. */
export function countIndexes(set: IndexSet): number {
  let total = 0
  for (const { first, last } of set) total += last - first + 1
  return total
}

/** Position of the first interval whose `last` is >= `index` (binary search). */
function firstEndingAtOrAfter(set: IndexSet, index: number): number {
  let lo = 0
  let hi = set.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((set[mid] as Interval).last >= index) hi = mid
    else lo = mid + 1
  }
  return lo
}

/** Whether `index` is in the set; O(log n). */
export function hasIndex(set: IndexSet, index: number): boolean {
  const candidate = set[firstEndingAtOrAfter(set, index)]
  return candidate !== undefined && candidate.first <= index
}

/** The union of two sets; O(|a| + |b|). */
export function unionIndexes(a: IndexSet, b: IndexSet): IndexSet {
  if (a.length === 0) return b
  if (b.length === 0) return a
  const out: Interval[] = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    const x = a[i]
    const y = b[j]
    if (y === undefined || (x !== undefined && x.first <= y.first)) {
      appendMerging(out, x as Interval)
      i++
    } else {
      appendMerging(out, y)
      j++
    }
  }
  return out
}

/**
 * Builds a set from indexes in any order, duplicates allowed; values that are not safe
 * integers (NaN, fractions, ±Infinity) are ignored. O(k log k) for k values.
 */
export function indexSetFrom(indexes: Iterable<number>): IndexSet {
  const values: number[] = []
  for (const index of indexes) if (Number.isSafeInteger(index)) values.push(index)
  if (values.length === 0) return emptyIndexSet
  values.sort((x, y) => x - y)
  const out: Interval[] = []
  for (const index of values) appendMerging(out, { first: index, last: index })
  return out
}

/** Keeps only the indexes `< limit` (R124: completed indexes beyond a lowered `completions`). */
export function dropIndexesFrom(set: IndexSet, limit: number): IndexSet {
  const cut = firstEndingAtOrAfter(set, limit)
  const straddling = set[cut]
  if (straddling === undefined) return set
  const kept = set.slice(0, cut)
  if (straddling.first < limit) kept.push({ first: straddling.first, last: limit - 1 })
  return kept
}

/** The smallest index present in both sets, or `undefined` if they are disjoint. */
export function firstOverlap(a: IndexSet, b: IndexSet): number | undefined {
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const x = a[i] as Interval
    const y = b[j] as Interval
    const lo = Math.max(x.first, y.first)
    if (lo <= Math.min(x.last, y.last)) return lo
    if (x.last < y.last) i++
    else j++
  }
  return undefined
}

/**
 * The lowest `count` indexes in `[0, completions)` that are not in `excluded`, ascending
 * (R100, upstream `firstPendingIndexes`). Cost O(intervals + count).
 */
export function lowestMissingIndexes(excluded: IndexSet, completions: number, count: number): number[] {
  const result: number[] = []
  if (count <= 0 || completions <= 0) return result
  let candidate = 0
  for (const { first, last } of excluded) {
    const stop = Math.min(first, completions)
    while (candidate < stop && result.length < count) result.push(candidate++)
    if (result.length >= count || candidate >= completions) return result
    if (candidate <= last) candidate = last + 1
  }
  while (candidate < completions && result.length < count) result.push(candidate++)
  return result
}

/** Whether every index of `sub` is in `sup`; O(|sub| + |sup|). */
export function isSubset(sub: IndexSet, sup: IndexSet): boolean {
  let j = 0
  for (const { first, last } of sub) {
    while (j < sup.length && (sup[j] as Interval).last < first) j++
    const container = sup[j]
    // Sets are non-adjacent, so an interval of `sub` must fit inside a single one of `sup`.
    if (container === undefined || container.first > first || container.last < last) return false
  }
  return true
}

/** The number of indexes present in both sets (upstream `matchSucceededIndexesRule`). */
export function countCommon(a: IndexSet, b: IndexSet): number {
  let common = 0
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const x = a[i] as Interval
    const y = b[j] as Interval
    const overlap = Math.min(x.last, y.last) - Math.max(x.first, y.first) + 1
    if (overlap > 0) common += overlap
    if (x.last < y.last) i++
    else if (y.last < x.last) j++
    else {
      i++
      j++
    }
  }
  return common
}
