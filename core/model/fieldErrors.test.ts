import { describe, expect, it } from 'vitest'
import {
  duplicate,
  forbidden,
  goQuote,
  immutable,
  invalid,
  invalidOmitValue,
  notSupported,
  renderFieldError,
  renderInvalidJob,
  renderUndecodableJob,
  required,
  tooLong,
  tooMany,
  unknownField,
} from './fieldErrors.js'

describe('renderFieldError (R30: Go field.Error rendering)', () => {
  it.each([
    [required('spec.selector'), 'spec.selector: Required value'],
    [required('spec.completions', 'when completion mode is Indexed'), 'spec.completions: Required value: when completion mode is Indexed'],
    [invalid('spec.parallelism', -1, 'must be greater than or equal to 0'), 'spec.parallelism: Invalid value: -1: must be greater than or equal to 0'],
    [invalid('spec.suspend', true, 'x'), 'spec.suspend: Invalid value: true: x'],
    [invalid('spec.managedBy', 'x y', 'must be a domain-prefixed path (such as "acme.io/foo")'), 'spec.managedBy: Invalid value: "x y": must be a domain-prefixed path (such as "acme.io/foo")'],
    [invalid('v', [], 'at least one value is required'), 'v: Invalid value: []: at least one value is required'],
    [invalid('v', [19, 11], 'must be ordered'), 'v: Invalid value: [19,11]: must be ordered'],
    [invalid('l', { a: 'b' }, 'd'), 'l: Invalid value: {"a":"b"}: d'],
    [invalid('t', null, 'd'), 't: Invalid value: null: d'],
    [
      invalidOmitValue('spec.podFailurePolicy.rules[0]', 'specifying both OnExitCodes and OnPodConditions is not supported'),
      'spec.podFailurePolicy.rules[0]: Invalid value: specifying both OnExitCodes and OnPodConditions is not supported',
    ],
    [notSupported('p', 'X', ['A', 'B']), 'p: Unsupported value: "X": supported values: "A", "B"'],
    [duplicate('spec.podFailurePolicy.rules[0].onExitCodes.values[1]', 11), 'spec.podFailurePolicy.rules[0].onExitCodes.values[1]: Duplicate value: 11'],
    [duplicate('c[1].name', 'pi'), 'c[1].name: Duplicate value: "pi"'],
    [tooMany('spec.podFailurePolicy.rules', 21, 20), 'spec.podFailurePolicy.rules: Too many: 21: must have at most 20 items'],
    [tooLong('spec.managedBy', 63), 'spec.managedBy: Too long: may not be more than 63 bytes'],
    [forbidden('x.values', 'may not be specified'), 'x.values: Forbidden: may not be specified'],
    [immutable('spec.completionMode', 'Indexed'), 'spec.completionMode: Invalid value: "Indexed": field is immutable'],
    [unknownField('spec.foo'), 'unknown field "spec.foo"'],
  ])('R30: %j renders as the API server does', (error, expected) => {
    expect(renderFieldError(error)).toBe(expected)
  })

  it('R30: complex values are compact JSON with Go\'s HTML-safe escaping', () => {
    expect(renderFieldError(invalid('l', { a: '<b>&' }, 'd'))).toBe('l: Invalid value: {"a":"\\u003cb\\u003e\\u0026"}: d')
  })
})

describe('goQuote (Go %q)', () => {
  it.each([
    ['plain', '"plain"'],
    ['tab\there', '"tab\\there"'],
    ['quote " and \\', '"quote \\" and \\\\"'],
    ['\u0001', '"\\x01"'],
    ['héllo ✓', '"héllo ✓"'],
    ['\u00a0', '"\\u00a0"'],
  ])('quotes %j as Go does', (text, expected) => {
    expect(goQuote(text)).toBe(expected)
  })
})

describe('renderInvalidJob (R30: the 422 message)', () => {
  it('R30: one error is printed bare', () => {
    expect(renderInvalidJob('pi', [required('spec.selector')])).toBe('Job.batch "pi" is invalid: spec.selector: Required value')
  })

  it('R30: several errors are joined in brackets, comma-separated', () => {
    expect(renderInvalidJob('pi', [invalid('spec.parallelism', -1, 'must be greater than or equal to 0'), required('spec.selector')])).toBe(
      'Job.batch "pi" is invalid: [spec.parallelism: Invalid value: -1: must be greater than or equal to 0, spec.selector: Required value]',
    )
  })

  it('R30: identical messages appear once, as ErrorList.ToAggregate drops repeats', () => {
    expect(renderInvalidJob('pi', [required('spec.selector'), required('spec.selector')])).toBe('Job.batch "pi" is invalid: spec.selector: Required value')
  })
})

describe('renderUndecodableJob (the 400 message of strict decoding)', () => {
  it('lists unknown fields after "strict decoding error:"', () => {
    expect(renderUndecodableJob([unknownField('spec.foo'), unknownField('spec.bar')])).toBe(
      'Job in version "v1" cannot be handled as a Job: strict decoding error: unknown field "spec.foo", unknown field "spec.bar"',
    )
  })
})

describe('long values are cut, so that an error line stays short (a deliberate difference: the API server shows values whole)', () => {
  const long = 'a'.repeat(2 * 1024 * 1024)

  it('a 2 MB name is shown as its first 256 characters and its length', () => {
    const message = renderInvalidJob(long, [invalid('metadata.name', long, 'must be no more than 253 characters')])
    const shown = `"${'a'.repeat(256)}"... (2097152 characters)`
    expect(message).toBe(`Job.batch ${shown} is invalid: metadata.name: Invalid value: ${shown}: must be no more than 253 characters`)
  })

  it('a long map key in a path, a long JSON value and a long detail are cut too', () => {
    const path = `metadata.labels[${long}]`
    expect(renderFieldError(unknownField(path)).length).toBeLessThan(400)
    expect(renderFieldError(invalid(path, { [long]: 1 }, `${path} in body must be of type string`)).length).toBeLessThan(2000)
    expect(renderFieldError(required(path))).toBe(`metadata.labels[${'a'.repeat(240)}... (2097169 characters): Required value`)
  })

  it('a long detail keeps its end, which says what is wrong (R54: a server message read back as a detail ends "field is immutable")', () => {
    const detail = `${'{"Spec":{"Containers":[]}}'.repeat(100)}: field is immutable`
    const rendered = renderFieldError(invalidOmitValue('spec.template', detail))
    expect(rendered.length).toBeLessThan(1200)
    expect(rendered.startsWith('spec.template: Invalid value: {"Spec":')).toBe(true)
    expect(rendered).toContain(`... (${detail.length} characters) ...`)
    expect(rendered.endsWith(': field is immutable')).toBe(true)
  })

  it('a string of 256 characters is shown whole, without a length', () => {
    expect(renderFieldError(invalid('v', 'b'.repeat(256), 'd'))).toBe(`v: Invalid value: "${'b'.repeat(256)}": d`)
  })
})
