/**
 * Immutable snapshots of stored objects.
 *
 * A store keeps every object deeply frozen and hands the same frozen value to every reader, so
 * reads cost nothing and nobody can change the store's copy behind its back. Values that come
 * from callers are copied before they are frozen (freezing the caller's own object in place
 * would be a surprising side effect), except for subtrees the store froze itself, which are
 * shared: rebuilding an object from a stored one copies only the parts that changed.
 */

const frozenByStore = new WeakSet<object>()

/**
 * A deep, frozen copy of a JSON-like value. Properties whose value is `undefined` are dropped,
 * as they would be by a round trip through JSON, so `{ ...meta, deletionTimestamp: undefined }`
 * stores an object without that key.
 */
export function frozenCopy<A>(value: A): A {
  if (typeof value !== 'object' || value === null) return value
  if (frozenByStore.has(value)) return value
  let copy: object
  if (Array.isArray(value)) {
    copy = value.map((item: unknown) => frozenCopy(item))
  } else {
    const result: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) result[key] = frozenCopy(item)
    }
    copy = result
  }
  Object.freeze(copy)
  frozenByStore.add(copy)
  return copy as A
}

/**
 * Structural equality of JSON-like values, treating a property set to `undefined` as absent.
 * A store uses it to skip writes that change nothing, as the API server does (same
 * resourceVersion, no watch event).
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    return a.every((item, i) => jsonEqual(item, b[i]))
  }
  const left = definedKeys(a)
  const right = definedKeys(b)
  if (left.length !== right.length) return false
  const aRecord = a as Record<string, unknown>
  const bRecord = b as Record<string, unknown>
  return left.every((key) => jsonEqual(aRecord[key], bRecord[key]))
}

function definedKeys(value: object): string[] {
  return Object.entries(value)
    .filter(([, item]) => item !== undefined)
    .map(([key]) => key)
}
