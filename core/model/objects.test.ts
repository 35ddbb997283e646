import { describe, expect, it } from 'vitest'
import { plainCopy, withProperties } from './objects.js'

describe('withProperties', () => {
  it('is the spread: base properties, then the changes, in that order, undefined kept', () => {
    const base = { a: 1, b: 2, c: 3 }
    const changes = { d: 4, b: 5, c: undefined }
    const result = withProperties(base, changes)
    expect(result).toStrictEqual({ ...base, ...changes })
    expect(Object.keys(result)).toEqual(Object.keys({ ...base, ...changes }))
    expect(withProperties(undefined, { x: 1 })).toStrictEqual({ x: 1 })
    expect(base).toEqual({ a: 1, b: 2, c: 3 })
  })
})

describe('plainCopy', () => {
  it('copies JSON-like data deeply, as structuredClone does', () => {
    const original = Object.freeze({ a: [1, { b: 'c' }], d: { e: null, f: undefined }, g: true })
    const copy = plainCopy(original)
    expect(copy).toStrictEqual(structuredClone(original))
    expect(copy.a).not.toBe(original.a)
    expect(copy.a[1]).not.toBe(original.a[1])
    expect(Object.isFrozen(copy)).toBe(false)
    expect('f' in copy.d).toBe(true)
  })
})
