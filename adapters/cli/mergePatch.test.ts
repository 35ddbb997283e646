import { describe, expect, it } from 'vitest'
import { applyMergePatch, threeWayMergePatch } from './mergePatch.js'

describe('applyMergePatch (RFC 7386)', () => {
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j patched with %j is %j', (target, patch, result) => {
    expect(applyMergePatch(target, patch)).toEqual(result)
  })
})

describe('threeWayMergePatch (client-side apply)', () => {
  const live = { spec: { parallelism: 1, backoffLimit: 6, template: { metadata: { labels: { 'job-name': 'pi' } } } }, metadata: { name: 'pi', uid: 'u' } }

  it('is empty when the manifest is what was applied and nothing changed', () => {
    const manifest = { spec: { parallelism: 1 }, metadata: { name: 'pi' } }
    expect(threeWayMergePatch(manifest, manifest, live)).toEqual({})
  })

  it('sets changed fields and leaves defaulted and generated ones alone', () => {
    const original = { spec: { parallelism: 1 }, metadata: { name: 'pi' } }
    const modified = { spec: { parallelism: 3 }, metadata: { name: 'pi' } }
    expect(threeWayMergePatch(original, modified, live)).toEqual({ spec: { parallelism: 3 } })
  })

  it('removes what the last apply set and the new manifest dropped', () => {
    const original = { spec: { parallelism: 1, backoffLimit: 6 }, metadata: { name: 'pi' } }
    const modified = { spec: { parallelism: 1 }, metadata: { name: 'pi' } }
    expect(threeWayMergePatch(original, modified, live)).toEqual({ spec: { backoffLimit: null } })
  })

  it('puts back a field someone else changed', () => {
    const manifest = { spec: { parallelism: 2 } }
    expect(threeWayMergePatch(manifest, manifest, live)).toEqual({ spec: { parallelism: 2 } })
  })
})

describe('a __proto__ key is data, never a prototype', () => {
  const withProto = (json: string) => JSON.parse(json) as Record<string, unknown>

  it('applyMergePatch sets and merges an own __proto__ key', () => {
    const patched = applyMergePatch({ a: 1 }, withProto('{"__proto__":{"polluted":true}}')) as Record<string, unknown>
    expect(Object.getPrototypeOf(patched)).toBe(Object.prototype)
    expect(Object.keys(patched)).toEqual(['a', '__proto__'])
    expect(JSON.stringify(patched)).toBe('{"a":1,"__proto__":{"polluted":true}}')
  })

  it('threeWayMergePatch carries an own __proto__ key of the manifest into the patch', () => {
    const patch = threeWayMergePatch({}, withProto('{"spec":{"__proto__":{"x":1}}}'), { spec: {} })
    expect(JSON.stringify(patch)).toBe('{"spec":{"__proto__":{"x":1}}}')
  })
})
