import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_REQUEST_BYTES } from './inputLimits.js'
import { parseYamlDocuments } from './yamlDocuments.js'

const problemOf = (text: string): string => {
  const outcome = parseYamlDocuments(text)
  return outcome.ok ? 'accepted' : outcome.problem
}
const valuesOf = (text: string): unknown[] => {
  const outcome = parseYamlDocuments(text)
  if (!outcome.ok) throw new Error(outcome.problem)
  return outcome.documents.map((d) => d.value)
}

describe('parseYamlDocuments reads what kubectl reads', () => {
  it('reads several YAML documents, JSON, and the line each starts on', () => {
    const outcome = parseYamlDocuments('a: 1\nb: [1, {c: d}]\n---\n# nothing\n---\n{"x": "y"}\n')
    expect(outcome).toEqual({ ok: true, documents: [{ value: { a: 1, b: [1, { c: 'd' }] }, line: 1 }, { value: { x: 'y' }, line: 5 }] })
  })

  it('reads a pair in a flow list as a mapping of one key, as YAML does', () => {
    expect(valuesOf('args: [a: 1, b]\n')).toEqual([{ args: [{ a: 1 }, 'b'] }])
  })

  it('expands aliases', () => {
    expect(valuesOf('base: &c {image: perl}\ncontainers: [*c, *c]\n')).toEqual([{ base: { image: 'perl' }, containers: [{ image: 'perl' }, { image: 'perl' }] }])
  })

  it('keeps a __proto__ key as an ordinary key, never as a prototype', () => {
    const [value] = valuesOf('__proto__: {polluted: true}\nb: 2\n') as [object]
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(Object.keys(value)).toEqual(['__proto__', 'b'])
    expect(JSON.stringify(value)).toBe('{"__proto__":{"polluted":true},"b":2}')
  })

  it('reads the keys of a large mapping (9,000 labels) and finds a duplicate among them', () => {
    const labels = Array.from({ length: 9000 }, (_, i) => `  k${i}: v`)
    expect(Object.keys((valuesOf(`labels:\n${labels.join('\n')}\n`)[0] as { labels: object }).labels)).toHaveLength(9000)
    expect(problemOf(`labels:\n${labels.join('\n')}\n  k17: again\n`)).toBe('line 9002, column 3: key "k17" already set in map')
  })
})

describe('parseYamlDocuments refuses, in one line that names the line', () => {
  it.each([
    ['a duplicate key (sigs.k8s.io/yaml: key "name" already set in map)', 'metadata:\n  name: a\n  name: b\n', 'line 3, column 3: key "name" already set in map'],
    ['a duplicate key in JSON', '{"a": 1, "a": 2}', 'line 1, column 10: key "a" already set in map'],
    ['an alias with no anchor before it', 'a: *nope\n', 'line 1, column 4: unknown alias *nope (the anchor &nope must come before it)'],
    ['an alias inside its own anchor', 'a: &x [1, *x]\n', 'line 1, column 11: the alias *x refers to a value that contains it'],
    ['a mapping as a key', '? [1]\n: x\n', 'line 1, column 3: a mapping key must be a string, not a list'],
    ['a syntax error', 'a: b: c\n', 'line 1, column 4: Nested mappings are not allowed in compact mappings'],
  ])('%s', (_name, text, problem) => {
    expect(problemOf(text)).toBe(problem)
  })

  it('an alias bomb ("billion laughs"): aliases may copy at most 10000 values', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for (const [name, previous] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f']] as const) {
      levels.push(`${name}: &${name} [${Array.from({ length: 10 }, () => `*${previous}`).join(',')}]`)
    }
    expect(problemOf(`${levels.join('\n')}\n`)).toMatch(/^line 4, column \d+: aliases expand to more than 10000 values$/)
  })

  it('nesting deeper than 100 levels (the document\'s mapping is the first), in flow and in block style, however deep', () => {
    expect(problemOf(`a: ${'['.repeat(100)}${']'.repeat(100)}`)).toBe('line 1, column 103: nesting deeper than 100 levels')
    expect(problemOf(`a: ${'['.repeat(99)}${']'.repeat(99)}`)).toBe('accepted')
    expect(problemOf(`a: ${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`)).toMatch(/^line 1, column \d+: nesting deeper than 100 levels$/)
    expect(problemOf(`${'- '.repeat(200_000)}x\n`)).toMatch(/^line 1, column \d+: nesting deeper than 100 levels$/)
    const block = Array.from({ length: 150 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')
    expect(problemOf(`${block} 1\n`)).toBe('line 100, column 100: nesting deeper than 100 levels')
  })

  it('a mapping with more than 10000 keys', () => {
    const labels = Array.from({ length: 50_000 }, (_, i) => `  k${i}: v`).join('\n')
    expect(problemOf(`labels:\n${labels}\n`)).toBe('line 2, column 3: a mapping with 50000 keys, more than 10000')
    expect(problemOf(JSON.stringify({ labels: Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, 'v'])) }))).toBe(
      'line 1, column 11: a mapping with 50000 keys, more than 10000',
    )
  })

  it("a document larger than the API server's request limit (Request entity too large: limit is 3145728)", () => {
    const big = `a: "${'x'.repeat(9_500_000)}"\n`
    expect(problemOf(big)).toBe(`line 1, column 1: a document of 9500006 bytes: Request entity too large: limit is ${MAX_REQUEST_BYTES}`)
    expect(problemOf(`small: 1\n---\n${big}`)).toBe('line 2, column 1: a document of 9500010 bytes: Request entity too large: limit is 3145728')
  })

  it('a value that aliases make larger than a request may carry (the alias that passes the limit is named)', () => {
    expect(problemOf(`a: &x "${'x'.repeat(1_000_000)}"\nb: [*x, *x, *x, *x]\n`)).toBe('line 2, column 13: a value of more than 3145728 bytes as JSON: Request entity too large: limit is 3145728')
  })

  it("a value larger than etcd stores in one object (1.5 MiB: etcdserver: request is too large)", () => {
    expect(problemOf(`a: "${'x'.repeat(2_000_000)}"\n`)).toBe('line 1, column 1: a value of 2000008 bytes as JSON, more than etcd stores in one object (1572864): etcdserver: request is too large')
  })

  it('a long duplicate key is shown cut', () => {
    const key = 'k'.repeat(100_000)
    expect(problemOf(`{"${key}": 1,\n"${key}": 2}`)).toBe(`line 2, column 1: key "${'k'.repeat(64)}"... (100000 characters) already set in map`)
  })
})

describe('a JSON text takes the fast path, with the same result as the YAML reader', () => {
  // A comment first makes the same text a YAML document (the fast path is for text that starts as JSON does).
  const asYaml = (json: string) => parseYamlDocuments(`# yaml\n${json}`)
  const lineDown = (problem: string) => problem.replace(/^line (\d+)/, (_, n: string) => `line ${Number(n) + 1}`)

  it('reads every JSON value as the YAML reader does (fast-check, 2000 cases)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(fc.jsonValue({ maxDepth: 4 })), fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 }))), fc.boolean(), (value, pretty) => {
        const json = JSON.stringify(value, null, pretty ? 2 : undefined)
        const fast = parseYamlDocuments(json)
        const yaml = asYaml(json)
        expect(fast.ok).toBe(yaml.ok)
        if (fast.ok && yaml.ok) expect(fast.documents.map((d) => d.value)).toEqual(yaml.documents.map((d) => d.value))
      }),
      { numRuns: 2000 },
    )
  })

  it.each([
    ['a duplicate key', '{"a": {"b": 1,\n  "b": 2}}'],
    ['nesting deeper than 100 levels', `{"a": ${'['.repeat(120)}${']'.repeat(120)}}`],
    ['a mapping with more than 10000 keys', JSON.stringify({ labels: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, 'v'])) })],
    ['a value larger than etcd stores', JSON.stringify({ a: 'x'.repeat(2_000_000) })],
  ])('refuses %s with the YAML reader\'s message', (_name, json) => {
    const fast = parseYamlDocuments(json)
    const yaml = asYaml(json)
    expect(fast.ok || yaml.ok).toBe(false)
    if (!fast.ok && !yaml.ok) expect(lineDown(fast.problem)).toBe(yaml.problem)
  })
})
