import { describe, expect, it } from '@effect/vitest'
import { frozenCopy, frozenCopyWith } from './snapshot.js'

describe('frozenCopy', () => {
  it('copies deeply and freezes the copy, leaving the original alone', () => {
    const original = { a: { b: [1, { c: 'd' }] }, gone: undefined }
    const copy = frozenCopy(original)
    expect(copy).toEqual({ a: { b: [1, { c: 'd' }] } })
    expect('gone' in copy).toBe(false)
    expect(Object.isFrozen(copy.a.b[1])).toBe(true)
    expect(Object.isFrozen(original)).toBe(false)
    original.a.b.push(2)
    expect(copy.a.b).toHaveLength(2)
  })

  it('shares the subtrees it froze itself, and copies look-alikes it did not', () => {
    const stored = frozenCopy({ spec: { x: 1 }, status: { y: 2 } })
    const rebuilt = frozenCopy({ ...stored, status: { y: 3 } })
    expect(rebuilt.spec).toBe(stored.spec)
    const foreign = Object.freeze({ inner: { mutable: true } })
    const copied = frozenCopy({ foreign })
    expect(copied.foreign).not.toBe(foreign)
    expect(Object.isFrozen(copied.foreign.inner)).toBe(true)
  })

  it('the mark is invisible to spreads and JSON', () => {
    const stored = frozenCopy({ a: 1 })
    expect(Object.getOwnPropertySymbols({ ...stored })).toEqual([])
    expect(JSON.stringify(stored)).toBe('{"a":1}')
  })

  it('a stored value keeps its prototype, so decoders still see plain objects and arrays', () => {
    const stored = frozenCopy({ a: { b: [1] } })
    expect(Object.getPrototypeOf(stored)).toBe(Object.prototype)
    expect(Object.getPrototypeOf(stored.a.b)).toBe(Array.prototype)
    expect(Object.getOwnPropertyNames(stored)).toEqual(['a'])
    expect(frozenCopy(stored.a.b)).toBe(stored.a.b)
    expect(frozenCopy([...stored.a.b])).not.toBe(stored.a.b)
  })

  it('frozenCopyWith is the frozen copy of the spread, keys in the same order', () => {
    const stored = frozenCopy({ a: 1, b: { c: 2 }, d: 3 })
    const changes = { e: 5, b: { c: 4 }, d: undefined }
    const copy = frozenCopyWith(stored as Record<string, unknown>, changes)
    expect(copy).toEqual(frozenCopy({ ...stored, ...changes }))
    expect(Object.keys(copy)).toEqual(Object.keys(frozenCopy({ ...stored, ...changes })))
    expect(Object.keys(copy)).toEqual(['a', 'b', 'e'])
    expect(Object.isFrozen(copy.b)).toBe(true)
    expect(frozenCopy(copy)).toBe(copy)
    const shared = frozenCopyWith(stored, { a: 2 })
    expect(shared.b).toBe(stored.b)
  })
})
