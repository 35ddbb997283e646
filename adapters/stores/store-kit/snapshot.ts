/**
 * Immutable snapshots of stored objects.
 *
 * A store keeps every object deeply frozen and hands the same frozen value to every reader, so
 * reads cost nothing and nobody can change the store's copy behind its back. Values that come
 * from callers are copied before they are frozen (freezing the caller's own object in place
 * would be a surprising side effect), except for subtrees the store froze itself, which are
 * shared: rebuilding an object from a stored one copies only the parts that changed.
 */

/** Returns the object it is given from its constructor, so that a subclass can stamp it. */
class Stampable {
  constructor(target: object) {
    return target
  }
}

/**
 * Marks the values a store froze itself (deeply) with a private field, stamped through
 * `Stampable`'s constructor. A private field is invisible to spreads, `Object.assign`, JSON,
 * `Object.getOwnPropertySymbols` and structural equality, leaves the prototype alone (decoders
 * still see plain objects), cannot be forged outside this class, and costs no more than an
 * ordinary property to add and one brand check to read. (A non-enumerable symbol property
 * through `Object.defineProperty` cost about 0.4 µs per object, more than the rest of the copy;
 * a `WeakSet` of every stored object costs more in time and garbage collection.)
 */
class StoredMark extends Stampable {
  readonly #stored = true

  /** Stamps `value` as frozen by the store (call it right before freezing). */
  static stamp<A extends object>(value: A): A {
    new StoredMark(value)
    return value
  }

  /** Whether the store froze `value` itself. */
  static has(value: object): boolean {
    return #stored in value
  }
}

/**
 * A deep, frozen copy of a JSON-like value. Properties whose value is `undefined` are dropped,
 * as they would be by a round trip through JSON, so `{ ...meta, deletionTimestamp: undefined }`
 * stores an object without that key.
 */
export function frozenCopy<A>(value: A): A {
  if (typeof value !== 'object' || value === null) return value
  if (StoredMark.has(value)) return value
  if (!Array.isArray(value)) return copyObject(value as Record<string, unknown>, undefined) as A
  const copy = new Array<unknown>(value.length)
  for (let i = 0; i < value.length; i++) copy[i] = frozenCopy(value[i] as unknown)
  return mark(copy) as A
}

/**
 * `frozenCopy({ ...value, ...changes })` without building the spread object first: a store
 * stamping the resourceVersion on every write copies the object once instead of twice.
 */
export function frozenCopyWith<A extends object, B extends object>(value: A, changes: B): Omit<A, keyof B> & B {
  return copyObject(value as Record<string, unknown>, changes as Record<string, unknown>) as Omit<A, keyof B> & B
}

/** The frozen copy of an object's properties, each overridden by `changes` when it has the key. */
function copyObject(source: Record<string, unknown>, changes: Record<string, unknown> | undefined): Record<string, unknown> {
  const copy: Record<string, unknown> = {}
  const keys = Object.keys(source)
  // A handful of changed keys at most: a list is the quickest to look them up in.
  const changed = changes === undefined ? [] : Object.keys(changes)
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    const item = changed.length > 0 && changed.includes(key) ? changes![key] : source[key]
    if (item !== undefined) copy[key] = frozenCopy(item)
  }
  // The keys `source` lacks come after its own, as in a spread.
  for (let i = 0; i < changed.length; i++) {
    const key = changed[i] as string
    const item = changes![key]
    if (item !== undefined && !keys.includes(key)) copy[key] = frozenCopy(item)
  }
  return mark(copy)
}

/** Whether `value` is a snapshot the store froze itself: it never changes, so what is computed from it can be kept. */
export function isStoredSnapshot(value: object): boolean {
  return StoredMark.has(value)
}

function mark<A extends object>(copy: A): A {
  return Object.freeze(StoredMark.stamp(copy))
}
