import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import type { SuccessPolicy, SuccessPolicyRule } from '../model/types.js'
import { indexSetFrom, type IndexSet } from './intervals.js'
import { matchSuccessPolicy } from './successPolicy.js'

const iv = (first: number, last: number) => ({ first, last })
const rules = (...list: SuccessPolicyRule[]): SuccessPolicy => ({ rules: list })
const indexes = (succeededIndexes: string, succeededCount?: number): SuccessPolicyRule =>
  succeededCount === undefined ? { succeededIndexes } : { succeededIndexes, succeededCount }
const count = (succeededCount: number): SuccessPolicyRule => ({ succeededCount })

// Upstream TestMatchSuccessPolicy, completions 10 throughout; `undefined` = not met,
// a number = the index of the rule named in "Matched rules at index <i>".
describe('matchSuccessPolicy (R143; upstream TestMatchSuccessPolicy)', () => {
  it.each<[string, SuccessPolicy, IndexSet, number | undefined]>([
    ['any rules are nothing', rules(), [iv(0, 0)], undefined],
    ['rules.succeededIndexes is invalid format', rules(indexes('invalid-form')), [iv(0, 0)], undefined],
    ['succeededIndexes matched rules', rules(indexes('0-2')), [iv(0, 2), iv(4, 7)], 0],
    ["succeededIndexes didn't match rules", rules(indexes('3')), [iv(0, 2)], undefined],
    ['rules.succeededCount is specified; matched', rules(count(2)), [iv(0, 2)], 0],
    ["rules.succeededCount is specified; didn't match", rules(count(4)), [iv(0, 2)], undefined],
    ['multiple rules; succeededIndexes met one of rules', rules(indexes('9'), indexes('4,6')), [iv(0, 2), iv(4, 7)], 1],
    ['multiple rules; succeededIndexes met all rules (first wins)', rules(indexes('0,1'), indexes('5')), [iv(0, 2), iv(4, 7)], 0],
    ['succeededIndexes and succeededCount; met', rules(indexes('3-6', 2)), [iv(0, 2), iv(4, 7)], 0],
    ["succeededIndexes and succeededCount; didn't match", rules(indexes('3-6', 2)), [iv(0, 2), iv(6, 7)], undefined],
    ['no index succeeded yet', rules(count(4)), [], undefined],
    ['no index succeeded yet, even with succeededCount 0', rules(count(0)), [], undefined],
    ['rules is proper subset of succeededIndexes', rules(indexes('2-4,6-8')), [iv(1, 9)], 0],
    ['rules equals succeededIndexes', rules(indexes('2-4,6-9')), [iv(2, 4), iv(6, 9)], 0],
    ['rules is subset of succeededIndexes', rules(indexes('2-4,8-9')), [iv(2, 5), iv(7, 9)], 0],
    ['rules is an empty set', rules(indexes('')), [iv(1, 3)], undefined],
    ['all listed indexes are outside completions (the rule parses to nothing)', rules(indexes('10-12,14-16')), [iv(1, 3), iv(5, 7)], undefined],
    ['rules overlaps succeededIndexes at first', rules(indexes('1-3,5-7')), [iv(2, 4), iv(6, 8)], undefined],
    ['... with succeededCount 4', rules(indexes('1-3,5-7', 4)), [iv(2, 4), iv(6, 8)], 0],
    ['rules overlaps succeededIndexes at last', rules(indexes('2-4,6-9')), [iv(1, 3), iv(5, 7)], undefined],
    ['... with succeededCount 4', rules(indexes('2-4,6-9', 4)), [iv(1, 3), iv(5, 7)], 0],
    ['rules completely overlaps succeededIndexes', rules(indexes('0-4,6-9')), [iv(1, 3), iv(7, 8)], undefined],
    ['... with succeededCount 5', rules(indexes('0-4,6-9', 5)), [iv(1, 3), iv(7, 8)], 0],
    ['rules overlaps multiple succeededIndexes at last', rules(indexes('0-6,8-9')), [iv(1, 3), iv(5, 9)], undefined],
    ['... with succeededCount 7', rules(indexes('0-6,8-9', 7)), [iv(1, 3), iv(5, 9)], 0],
    ['rules overlaps at first and equals at last', rules(indexes('0-5,7-9')), [iv(1, 5), iv(7, 9)], undefined],
    ['... with succeededCount 8', rules(indexes('0-5,7-9', 8)), [iv(1, 5), iv(7, 9)], 0],
    ['... with succeededCount 9 (only 8 listed succeeded)', rules(indexes('0-5,7-9', 9)), [iv(1, 5), iv(7, 9)], undefined],
    ['the first rules overlaps succeededIndexes at first', rules(indexes('0-3,6-9')), [iv(1, 9)], undefined],
    ['... with succeededCount 7', rules(indexes('0-3,6-9', 7)), [iv(1, 9)], 0],
    ['an invalid rule is skipped and a later one matches', rules(indexes('x'), count(1)), [iv(3, 3)], 1],
    ['listed indexes are clipped to completions (R118)', rules(indexes('8-20')), [iv(8, 9)], 0],
    ['a rule with neither field never matches', rules({}), [iv(0, 9)], undefined],
  ])('R143: %s', (_name, policy, succeeded, expectedRule) => {
    const match = matchSuccessPolicy(policy, 10, succeeded)
    expect(match).toEqual(
      expectedRule === undefined ? undefined : { ruleIndex: expectedRule, message: `Matched rules at index ${expectedRule}` },
    )
  })

  it('R143: the message is exactly "Matched rules at index <i>"', () => {
    expect(matchSuccessPolicy(rules(indexes('7'), indexes('0')), 10, [iv(0, 0)])?.message).toBe('Matched rules at index 1')
  })

  it('R143: a large range stays cheap (0-99999 listed, 0-99999 succeeded)', () => {
    expect(matchSuccessPolicy(rules(indexes('0-99999')), 100_000, [iv(0, 99_999)])?.ruleIndex).toBe(0)
  })

  test.prop([fc.array(fc.integer({ min: 0, max: 19 }), { minLength: 1 }), fc.array(fc.integer({ min: 0, max: 19 }), { minLength: 1 }), fc.integer({ min: 1, max: 20 })])(
    'R143: agrees with a Set<number> model for a succeededIndexes + succeededCount rule',
    (listed, succeeded, succeededCount) => {
      const listedSet = new Set(listed)
      const succeededSet = new Set(succeeded)
      const common = [...listedSet].filter((i) => succeededSet.has(i)).length
      const expected = common === listedSet.size || common >= succeededCount
      const listedText = [...listedSet].join(',')
      const match = matchSuccessPolicy(rules(indexes(listedText, succeededCount)), 20, indexSetFrom(succeeded))
      expect(match !== undefined).toBe(expected)
    },
  )
})
