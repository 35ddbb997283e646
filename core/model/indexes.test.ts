import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import type { IndexInterval } from './indexes.js'
import { countIndexIntervals, firstIndexOverlap, formatIndexIntervals, parseIndexesStrict } from './indexes.js'

const parse = (text: string, completions: number) => parseIndexesStrict(text, completions)

describe('parseIndexesStrict (R50)', () => {
  it('R50: reads single indexes and ranges as intervals, never expanded', () => {
    expect(parse('0,3-5,7', 10)).toEqual({ _tag: 'Right', right: [[0, 0], [3, 5], [7, 7]] })
    expect(parse('0-99999', 100000)).toEqual({ _tag: 'Right', right: [[0, 99999]] })
    expect(parse('', 3)).toEqual({ _tag: 'Right', right: [] })
  })

  it('R50: "3-4" is valid input although the controller writes "3,4"', () => {
    expect(parse('3-4', 5)).toEqual({ _tag: 'Right', right: [[3, 4]] })
  })

  it.each([
    ['1,x', 5, 'cannot convert string to integer for index: "x"'],
    ['1,,2', 5, 'cannot convert string to integer for index: ""'],
    ['1-', 5, 'cannot convert string to integer for index: ""'],
    [' 1', 5, 'cannot convert string to integer for index: " 1"'],
    ['5', 5, 'too large index: "5"'],
    ['1-7', 5, 'too large index: "7"'],
    ['3,1', 5, 'non-increasing order, previous: 3, current: 1'],
    ['1-3,3', 5, 'non-increasing order, previous: 3, current: 3'],
    ['2-2', 5, 'non-increasing order, previous: 2, current: 2'],
    ['4-2', 5, 'non-increasing order, previous: 4, current: 2'],
    ['1-2-3', 5, 'the fragment "1-2-3" violates the requirement that an index interval can have at most two parts separated by \'-\''],
  ])('R50: %j with completions %i fails with %j', (text, completions, message) => {
    expect(parse(text, completions)).toEqual({ _tag: 'Left', left: message })
  })

  it('R50: numbers are read as Go\'s Atoi reads them (sign and leading zeros accepted)', () => {
    expect(parse('+1,007', 10)).toEqual({ _tag: 'Right', right: [[1, 1], [7, 7]] })
    expect(parse('99999999999999999999', 10)).toEqual({ _tag: 'Left', left: 'cannot convert string to integer for index: "99999999999999999999"' })
  })

  it('counts the indexes of intervals', () => {
    expect(countIndexIntervals([[0, 0], [3, 5]])).toBe(4)
  })
})

/** Sorted, disjoint intervals with at least one missing index between neighbours. */
const intervals = fc
  .array(fc.tuple(fc.nat({ max: 50 }), fc.nat({ max: 50 })), { maxLength: 12 })
  .map((parts): IndexInterval[] => {
    const out: IndexInterval[] = []
    let next = 0
    for (const [gap, length] of parts) {
      const first = next + gap
      out.push([first, first + length])
      next = first + length + 2
    }
    return out
  })

const maxIndex = (list: ReadonlyArray<IndexInterval>): number => list.reduce((m, [, last]) => Math.max(m, last), -1)

describe('parseIndexesStrict properties', () => {
  test.prop([intervals, fc.nat({ max: 10 })])('R50: accepts exactly what the formatter writes, giving back the same intervals', (list, extra) => {
    const completions = maxIndex(list) + 1 + extra
    expect(parse(formatIndexIntervals(list), completions)).toEqual({ _tag: 'Right', right: list })
  })

  test.prop([intervals.filter((l) => l.length >= 2)])('R50: the same intervals out of order are rejected', (list) => {
    const reversed = formatIndexIntervals([...list].reverse())
    expect(parse(reversed, maxIndex(list) + 1)._tag).toBe('Left')
  })

  test.prop([intervals.filter((l) => l.length >= 1)])('R50: an index at or above completions is rejected', (list) => {
    expect(parse(formatIndexIntervals(list), maxIndex(list))._tag).toBe('Left')
  })

  test.prop([fc.stringMatching(/^[0-9,+-]{0,16}$/), fc.integer({ min: 1, max: 1000 })])(
    'R50: anything accepted is the formatter\'s output up to signs and leading zeros',
    (text, completions) => {
      const parsed = parse(text, completions)
      if (parsed._tag === 'Left') return
      const canonical = text.replace(/\+?[0-9]+/g, (n) => String(Number(n.replace('+', ''))))
      expect(formatIndexIntervals(parsed.right)).toBe(canonical)
    },
  )
})

describe('firstIndexOverlap (R65)', () => {
  it('R65: finds the first shared index, skipping unparsable fragments', () => {
    expect(firstIndexOverlap('0-2,5', '3,5-6', 10)).toBe(5)
    expect(firstIndexOverlap('0-2', '3-4', 10)).toBeUndefined()
    expect(firstIndexOverlap('x,1-3', '2', 10)).toBe(2)
    expect(firstIndexOverlap('', '1', 10)).toBeUndefined()
  })
})
