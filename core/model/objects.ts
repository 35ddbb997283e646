/**
 * `{ ...base, ...changes }`: the own enumerable properties of `base`, then those of `changes`,
 * in that order. On Node 20 (V8 11) an object spread followed by properties the spread object
 * does not have gives every result a hidden class of its own: about half a microsecond per
 * added property, and garbage for the collector. `Object.assign` onto a new object does not,
 * so hot paths (a store's writes, a kubelet's statuses) use this instead.
 */
export function withProperties<A extends object, B extends object>(base: A | undefined, changes: B): Omit<A, keyof B> & B {
  return Object.assign({}, base, changes) as Omit<A, keyof B> & B
}

/**
 * A deep copy of JSON-like data (plain objects, arrays, primitives): for such data what
 * `structuredClone` gives, several times faster (a Job controller renders a pod per creation).
 */
export function plainCopy<A>(value: A): A {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return value.map(plainCopy) as A
  const source = value as Record<string, unknown>
  const copy: Record<string, unknown> = {}
  for (const key of Object.keys(source)) copy[key] = plainCopy(source[key])
  return copy as A
}
