import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { renderFieldError } from './fieldErrors.js'
import { formatLabelSelector, isConvertibleSelector, matchesSelector, parseLabelSelector, selectorMatcher, validateLabelSelector } from './labelSelector.js'
import type { LabelSelector, Labels } from './types.js'

describe('matchesSelector (Kubernetes semantics)', () => {
  const labels: Labels = { app: 'pi', tier: 'batch' }
  it.each<[string, LabelSelector, Labels | undefined, boolean]>([
    ['empty selector matches everything', {}, labels, true],
    ['empty selector matches no labels', {}, undefined, true],
    ['matchLabels all present', { matchLabels: { app: 'pi' } }, labels, true],
    ['matchLabels wrong value', { matchLabels: { app: 'x' } }, labels, false],
    ['matchLabels missing key', { matchLabels: { zone: 'a' } }, labels, false],
    ['In with the value', { matchExpressions: [{ key: 'app', operator: 'In', values: ['x', 'pi'] }] }, labels, true],
    ['In without the key', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, labels, false],
    ['NotIn with another value', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['x'] }] }, labels, true],
    ['NotIn with the value', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['pi'] }] }, labels, false],
    ['NotIn without the key', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels, true],
    ['Exists', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels, true],
    ['Exists without the key', { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels, true],
    ['DoesNotExist with the key', { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels, false],
    ['all requirements must hold', { matchLabels: { app: 'pi' }, matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels, false],
    ['a non-empty selector does not match no labels', { matchLabels: { app: 'pi' } }, undefined, false],
  ])('%s', (_name, selector, subject, expected) => {
    expect(matchesSelector(selector, subject)).toBe(expected)
    expect(selectorMatcher(selector)(subject)).toBe(expected)
  })

  it('does not see inherited properties as labels', () => {
    expect(matchesSelector({ matchExpressions: [{ key: 'toString', operator: 'Exists' }] }, {})).toBe(false)
  })
})

describe('parseLabelSelector (kubectl -l)', () => {
  it('parses every operator', () => {
    expect(parseLabelSelector('a=b,c!=d,e in (x,y),!f,g,h==i,j notin (k)')).toEqual({
      _tag: 'Right',
      right: {
        matchLabels: { a: 'b', h: 'i' },
        matchExpressions: [
          { key: 'c', operator: 'NotIn', values: ['d'] },
          { key: 'e', operator: 'In', values: ['x', 'y'] },
          { key: 'f', operator: 'DoesNotExist' },
          { key: 'g', operator: 'Exists' },
          { key: 'j', operator: 'NotIn', values: ['k'] },
        ],
      },
    })
  })

  it('allows spaces between tokens and an empty string', () => {
    expect(parseLabelSelector(' a = b , c in ( x , y ) ')).toEqual({
      _tag: 'Right',
      right: { matchLabels: { a: 'b' }, matchExpressions: [{ key: 'c', operator: 'In', values: ['x', 'y'] }] },
    })
    expect(parseLabelSelector('')).toEqual({ _tag: 'Right', right: {} })
  })

  it('a repeated key=value becomes an In expression (both must hold)', () => {
    const parsed = parseLabelSelector('a=b,a=c')
    expect(parsed).toEqual({ _tag: 'Right', right: { matchLabels: { a: 'b' }, matchExpressions: [{ key: 'a', operator: 'In', values: ['c'] }] } })
  })

  it.each([
    ['a=b=c', "found '=', expected: ',' or end of string"],
    ['a in x', "found 'x', expected: '('"],
    ['a in (x', "found end of string, expected: ',' or ')'"],
    ['a in ()', "for 'in', 'notin' operators, values set can't be empty"],
    ['a,', 'found end of string, expected: label key or !'],
    ['a>1', "operator '>' is not supported in a label selector of a Job"],
    ['!', 'found end of string, expected: label key'],
    ['bad key=x', "found 'key', expected: '=', '!=', '==', 'in', 'notin', ',' or end of string"],
  ])('rejects %j with a clear error', (text, reason) => {
    expect(parseLabelSelector(text)).toEqual({ _tag: 'Left', left: `unable to parse label selector ${JSON.stringify(text)}: ${reason}` })
  })

  it('checks keys and values as the API server does', () => {
    const parsed = parseLabelSelector('a=-x')
    expect(parsed._tag).toBe('Left')
    if (parsed._tag === 'Left') expect(parsed.left).toContain('invalid label value: "-x": at key: "a"')
    const badKey = parseLabelSelector('x/y/z=1')
    expect(badKey._tag === 'Left' && badKey.left.includes('invalid label key "x/y/z"')).toBe(true)
  })
})

const labelKey = fc.stringMatching(/^[a-z]([a-z0-9.-]{0,6}[a-z0-9])?$/)
const labelValue = fc.stringMatching(/^([A-Za-z0-9]([A-Za-z0-9_.-]{0,6}[A-Za-z0-9])?)?$/)
const requirement = fc.oneof(
  fc.record({ key: labelKey, operator: fc.constantFrom('In' as const, 'NotIn' as const), values: fc.array(labelValue, { minLength: 1, maxLength: 3 }) }),
  fc.record({ key: labelKey, operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }),
)
const selectorArb: fc.Arbitrary<LabelSelector> = fc.record(
  { matchLabels: fc.dictionary(labelKey, labelValue, { maxKeys: 3 }), matchExpressions: fc.array(requirement, { maxLength: 3 }) },
  { requiredKeys: [] },
)
const labelsArb = fc.dictionary(labelKey, labelValue, { maxKeys: 5 })

describe('selector properties', () => {
  test.prop([selectorArb, labelsArb])('formatLabelSelector then parseLabelSelector selects the same labels', (selector, labels) => {
    const text = formatLabelSelector(selector)
    const parsed = parseLabelSelector(text === '<none>' ? '' : text)
    expect(parsed._tag).toBe('Right')
    if (parsed._tag === 'Right') expect(matchesSelector(parsed.right, labels)).toBe(matchesSelector(selector, labels))
  })

  test.prop([selectorArb])('a generated selector is valid and convertible', (selector) => {
    expect(validateLabelSelector(selector, 'spec.selector')).toEqual([])
    expect(isConvertibleSelector(selector)).toBe(true)
  })
})

describe('validateLabelSelector (R51)', () => {
  it('R51: reports values for In/NotIn, values for Exists, bad operators, keys and values', () => {
    const selector = {
      matchLabels: { ok: '-bad' },
      matchExpressions: [
        { key: 'a', operator: 'In', values: [] },
        { key: 'b', operator: 'Exists', values: ['x'] },
        { key: '', operator: 'Exists' },
      ],
    } satisfies LabelSelector
    expect(validateLabelSelector(selector, 'spec.selector').map(renderFieldError)).toEqual([
      expect.stringMatching(/^spec\.selector\.matchLabels: Invalid value: "-bad": a valid label must be/),
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      'spec.selector.matchExpressions[2].key: Invalid value: "": name part must be non-empty',
      expect.stringMatching(/^spec\.selector\.matchExpressions\[2\]\.key: Invalid value: "": name part must consist of/),
    ])
    expect(isConvertibleSelector(selector)).toBe(false)
  })
})
