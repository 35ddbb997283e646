import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import {
  countCommon,
  countIndexes,
  dropIndexesFrom,
  emptyIndexSet,
  firstOverlap,
  formatIndexes,
  hasIndex,
  indexSetFrom,
  isSubset,
  lowestMissingIndexes,
  parseGoInt,
  parseIndexesLenient,
  unionIndexes,
  type IndexSet,
} from './intervals.js'

const iv = (first: number, last: number) => ({ first, last })

describe('formatIndexes (R117)', () => {
  it.each<[string, number[], string]>([
    ['{0,1,2} is written "0-2"', [0, 1, 2], '0-2'],
    ['{2,4,5,7,8,9} is written "2,4,5,7-9"', [2, 4, 5, 7, 8, 9], '2,4,5,7-9'],
    ['{0,1,2,3,4,6} is written "0-4,6"', [0, 1, 2, 3, 4, 6], '0-4,6'],
    ['{0,1} is written "0,1" (a run of two is not a range)', [0, 1], '0,1'],
    ['{1} is written "1"', [1], '1'],
    ['the empty set is written ""', [], ''],
  ])('R117: %s', (_name, indexes, expected) => {
    expect(formatIndexes(indexSetFrom(indexes))).toBe(expected)
  })

  it('R117: a set 0-99999 is one interval and is written "0-99999"', () => {
    const set = parseIndexesLenient('0-99999', 100_000)
    expect(set).toEqual([iv(0, 99_999)])
    expect(formatIndexes(set)).toBe('0-99999')
    expect(countIndexes(set)).toBe(100_000)
  })
})

describe('parseIndexesLenient (R118, upstream TestCalculateSucceededIndexes)', () => {
  it.each<[string, string | undefined, number, IndexSet]>([
    ['undefined is empty', undefined, 5, []],
    ['"" is empty', '', 5, []],
    ['prev interval out of range: "0-5,8-10" with completions 8', '0-5,8-10', 8, [iv(0, 5)]],
    ['prev interval partially out of range: "0-5,8-10" with completions 10', '0-5,8-10', 10, [iv(0, 5), iv(8, 9)]],
    ['prev and new separate: "0,4,5,10-12"', '0,4,5,10-12', 13, [iv(0, 0), iv(4, 5), iv(10, 12)]],
    ['prev between new: "3,4,6"', '3,4,6', 9, [iv(3, 4), iv(6, 6)]],
    ['corrupted interval: "0,1-foo,bar" keeps 0', '0,1-foo,bar', 4, [iv(0, 0)]],
    ['adjacent fragments are merged: "0-2,3,4-5"', '0-2,3,4-5', 10, [iv(0, 5)]],
    ['parsing stops at the first interval starting at or above completions', '0,7,2', 5, [iv(0, 0)]],
    ['ends are clipped to completions - 1', '1-100', 5, [iv(1, 4)]],
    ['completions 0 yields nothing', '0-3', 0, []],
    ['a fragment with a leading "-" is skipped', '-1,2', 5, [iv(2, 2)]],
    ['whitespace is not a number (Go Atoi)', ' 1,2', 5, [iv(2, 2)]],
    ['"+3" and "007" parse like Go Atoi', '+3,007', 10, [iv(3, 3), iv(7, 7)]],
    ['a reversed range is dropped', '5-3,8', 10, [iv(8, 8)]],
    ['out-of-order fragments are normalised', '6,0-2,4,3', 10, [iv(0, 4), iv(6, 6)]],
    ['overlapping fragments are normalised', '0-5,3-4,5-7', 10, [iv(0, 7)]],
    ['an end above the 64-bit range is corrupt (fragment skipped)', '1-99999999999999999999,3', 10, [iv(3, 3)]],
  ])('R118: %s', (_name, text, completions, expected) => {
    expect(parseIndexesLenient(text, completions)).toEqual(expected)
  })
})

describe('parseGoInt', () => {
  it.each<[string, number | undefined]>([
    ['0', 0],
    ['42', 42],
    ['+5', 5],
    ['-0', 0],
    ['-7', -7],
    ['0012', 12],
    ['', undefined],
    ['+', undefined],
    ['1.0', undefined],
    ['1e3', undefined],
    [' 1', undefined],
    ['0x10', undefined],
    ['9223372036854775807', 9223372036854775807],
    ['9223372036854775808', undefined],
    ['-9223372036854775808', -9223372036854775808],
  ])('reads %j like strconv.Atoi', (text, expected) => {
    expect(parseGoInt(text)).toBe(expected)
  })
})

describe('hasIndex (upstream TestIntervalsHaveIndex)', () => {
  const set: IndexSet = [iv(2, 4), iv(6, 8)]
  it.each<[string, IndexSet, number, boolean]>([
    ['empty', [], 4, false],
    ['before all', [iv(2, 4), iv(5, 7)], 1, false],
    ['after all', set, 9, false],
    ['in between', set, 5, false],
    ['in first', set, 2, true],
    ['in second', set, 8, true],
  ])('%s', (_name, intervals, index, expected) => {
    expect(hasIndex(intervals, index)).toBe(expected)
  })
})

describe('unionIndexes and indexSetFrom (R110, R118)', () => {
  it('R110/R118: upstream "indexed job past and new pods": "0-2,4,6,7" with completions 7 plus new {1,3} is "0-4,6"', () => {
    const previous = parseIndexesLenient('0-2,4,6,7', 7)
    const merged = unionIndexes(previous, indexSetFrom([3, 1]))
    expect(formatIndexes(merged)).toBe('0-4,6')
    expect(countIndexes(merged)).toBe(6)
  })

  it('R117: with completions 8 the same merge keeps 6,7 as a run of two: "0-4,6,7"', () => {
    expect(formatIndexes(unionIndexes(parseIndexesLenient('0-2,4,6,7', 8), indexSetFrom([3])))).toBe('0-4,6,7')
  })

  it.each<[string, string, number[], number, IndexSet]>([
    ['prev and new separate', '0,4,5,10-12', [2, 7, 8], 13, [iv(0, 0), iv(2, 2), iv(4, 5), iv(7, 8), iv(10, 12)]],
    ['prev between new', '3,4,6', [2, 7, 8], 9, [iv(2, 4), iv(6, 8)]],
    ['new between prev', '2,7,8', [3, 4, 6], 9, [iv(2, 4), iv(6, 8)]],
    ['new within prev', '2-7', [0, 3, 5, 9], 10, [iv(0, 0), iv(2, 7), iv(9, 9)]],
    ['corrupted interval', '0,1-foo,bar', [3], 4, [iv(0, 0), iv(3, 3)]],
  ])('upstream TestCalculateSucceededIndexes "%s"', (_name, previous, added, completions, expected) => {
    expect(unionIndexes(parseIndexesLenient(previous, completions), indexSetFrom(added))).toEqual(expected)
  })

  it('indexSetFrom accepts unsorted input with duplicates and ignores non-integers', () => {
    expect(indexSetFrom([5, 1, 5, 2, 0, Number.NaN, 1.5, 10])).toEqual([iv(0, 2), iv(5, 5), iv(10, 10)])
    expect(indexSetFrom([])).toBe(emptyIndexSet)
  })
})

describe('dropIndexesFrom (R124)', () => {
  it.each<[string, string, number, string]>([
    ['lowering completions to 5 drops 5 and above', '0-3,5,7-9', 5, '0-3'],
    ['an interval straddling the limit is clipped', '0-9', 4, '0-3'],
    ['a limit above every index keeps the set', '0,2', 10, '0,2'],
    ['a limit of 0 keeps nothing', '0-9', 0, ''],
    ['clipping can leave a run of two', '1-9', 3, '1,2'],
  ])('R124: %s', (_name, text, limit, expected) => {
    expect(formatIndexes(dropIndexesFrom(parseIndexesLenient(text, 100), limit))).toBe(expected)
  })
})

describe('lowestMissingIndexes (R100, upstream TestFirstPendingIndexes)', () => {
  it.each<[string, IndexSet, number, number, number[]]>([
    ['cnt greater than completions', [], 3, 5, [0, 1, 2]],
    ['cnt less than completions', [], 5, 2, [0, 1]],
    ['first pods active', [iv(0, 1)], 10, 3, [2, 3, 4]],
    ['last pods active or succeeded', [iv(4, 6)], 6, 6, [0, 1, 2, 3]],
    ['mixed', indexSetFrom([2, 3, 4, 5, 8, 9]), 20, 5, [0, 1, 6, 7, 10]],
    ['with failed indexes', indexSetFrom([1, 2, 3, 5, 6, 7, 9]), 20, 5, [0, 4, 8, 10, 11]],
    ['count 0', [], 5, 0, []],
    ['everything excluded', [iv(0, 99_999)], 100_000, 10, []],
  ])('R100: %s', (_name, excluded, completions, count, expected) => {
    expect(lowestMissingIndexes(excluded, completions, count)).toEqual(expected)
  })

  it('R100: cost does not depend on the size of the excluded intervals', () => {
    const excluded: IndexSet = [iv(0, 1_000_000_000 - 2)]
    expect(lowestMissingIndexes(excluded, 1_000_000_000, 500)).toEqual([999_999_999])
  })
})

describe('firstOverlap, isSubset, countCommon', () => {
  it.each<[string, string, string, number | undefined]>([
    ['disjoint', '0-2,6', '3-5,7', undefined],
    ['overlap in a later interval', '0,5-9', '1-3,7', 7],
    ['empty', '', '0-9', undefined],
  ])('firstOverlap: %s', (_name, a, b, expected) => {
    expect(firstOverlap(parseIndexesLenient(a, 100), parseIndexesLenient(b, 100))).toBe(expected)
  })

  it.each<[string, string, string, boolean]>([
    ['empty is a subset of anything', '', '', true],
    ['R143: every listed index succeeded', '0,2-3', '0-5', true],
    ['one missing index', '0,2-4', '0-3,5', false],
    ['a gap inside the superset', '1-5', '0-2,4-9', false],
  ])('isSubset: %s', (_name, sub, sup, expected) => {
    expect(isSubset(parseIndexesLenient(sub, 100), parseIndexesLenient(sup, 100))).toBe(expected)
  })

  it.each<[string, string, string, number]>([
    ['R143: listed "0-3,7" succeeded "1-8" share 4', '0-3,7', '1-8', 4],
    ['disjoint', '0-2', '3-5', 0],
    ['identical', '0-9,20-29', '0-9,20-29', 20],
  ])('countCommon: %s', (_name, a, b, expected) => {
    expect(countCommon(parseIndexesLenient(a, 100), parseIndexesLenient(b, 100))).toBe(expected)
  })
})

// ---------------------------------------------------------------------------------------
// Properties: every operation agrees with a naive Set<number> model on small ranges.

const LIMIT = 64
const smallIndexes = fc.array(fc.integer({ min: 0, max: LIMIT - 1 }), { maxLength: 40 })
const toSet = (set: IndexSet): Set<number> => {
  const out = new Set<number>()
  for (const { first, last } of set) for (let i = first; i <= last; i++) out.add(i)
  return out
}
const sorted = (values: Iterable<number>): number[] => [...values].sort((x, y) => x - y)
const isNormalised = (set: IndexSet): boolean =>
  set.every((interval, i) => {
    const previous = set[i - 1]
    return interval.first <= interval.last && (previous === undefined || interval.first > previous.last + 1)
  })

describe('properties against a Set<number> model', () => {
  test.prop([smallIndexes])('indexSetFrom is normalised and holds exactly the inputs', (xs) => {
    const set = indexSetFrom(xs)
    expect(isNormalised(set)).toBe(true)
    expect(sorted(toSet(set))).toEqual(sorted(new Set(xs)))
  })

  test.prop([smallIndexes, smallIndexes])('unionIndexes agrees with set union', (xs, ys) => {
    const union = unionIndexes(indexSetFrom(xs), indexSetFrom(ys))
    expect(isNormalised(union)).toBe(true)
    expect(sorted(toSet(union))).toEqual(sorted(new Set([...xs, ...ys])))
  })

  test.prop([smallIndexes, fc.integer({ min: -2, max: LIMIT + 2 })])('hasIndex agrees with Set.has', (xs, probe) => {
    expect(hasIndex(indexSetFrom(xs), probe)).toBe(new Set(xs).has(probe))
  })

  test.prop([smallIndexes])('countIndexes agrees with Set.size', (xs) => {
    expect(countIndexes(indexSetFrom(xs))).toBe(new Set(xs).size)
  })

  test.prop([smallIndexes])('parseIndexesLenient ∘ formatIndexes is the identity', (xs) => {
    const set = indexSetFrom(xs)
    expect(parseIndexesLenient(formatIndexes(set), LIMIT)).toEqual(set)
  })

  test.prop([smallIndexes, fc.integer({ min: 0, max: LIMIT + 4 })])(
    'parseIndexesLenient with smaller completions keeps exactly the indexes below it',
    (xs, completions) => {
      const parsed = parseIndexesLenient(formatIndexes(indexSetFrom(xs)), completions)
      expect(sorted(toSet(parsed))).toEqual(sorted(new Set(xs.filter((x) => x < completions))))
    },
  )

  test.prop([fc.array(fc.oneof(fc.integer({ min: 0, max: 40 }).map(String), fc.string({ maxLength: 6 })), { maxLength: 12 }), fc.integer({ min: 0, max: 45 })])(
    'parseIndexesLenient always returns a normalised set inside [0, completions)',
    (fragments, completions) => {
      const set = parseIndexesLenient(fragments.join(','), completions)
      expect(isNormalised(set)).toBe(true)
      for (const { first, last } of set) {
        expect(first).toBeGreaterThanOrEqual(0)
        expect(last).toBeLessThan(completions)
      }
    },
  )

  test.prop([smallIndexes, fc.integer({ min: 0, max: LIMIT + 4 }), fc.integer({ min: 0, max: LIMIT + 4 })])(
    'lowestMissingIndexes agrees with a linear scan',
    (xs, completions, count) => {
      const excluded = new Set(xs)
      const expected: number[] = []
      for (let i = 0; i < completions && expected.length < count; i++) if (!excluded.has(i)) expected.push(i)
      expect(lowestMissingIndexes(indexSetFrom(xs), completions, count)).toEqual(expected)
    },
  )

  test.prop([smallIndexes, fc.integer({ min: -1, max: LIMIT + 1 })])('dropIndexesFrom agrees with a filter', (xs, limit) => {
    const dropped = dropIndexesFrom(indexSetFrom(xs), limit)
    expect(isNormalised(dropped)).toBe(true)
    expect(sorted(toSet(dropped))).toEqual(sorted(new Set(xs.filter((x) => x < limit))))
  })

  test.prop([smallIndexes, smallIndexes])('firstOverlap, countCommon and isSubset agree with the model', (xs, ys) => {
    const a = indexSetFrom(xs)
    const b = indexSetFrom(ys)
    const common = sorted(new Set(xs.filter((x) => new Set(ys).has(x))))
    expect(firstOverlap(a, b)).toBe(common[0])
    expect(countCommon(a, b)).toBe(common.length)
    expect(isSubset(a, b)).toBe(xs.every((x) => ys.includes(x)))
  })
})
