/**
 * Structural equality of JSON-like data, as Kubernetes compares objects (`apiequality.Semantic`
 * without its quantity special case): key order does not matter and an `undefined` member is
 * the same as an absent one, but an empty list is not the same as an absent list.
 */

/** Deep equality of plain data (objects, arrays, primitives). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false
    return true
  }
  // Every key of either side, without building their union (a store compares each status it
  // is sent with the stored one).
  const ra = a as Record<string, unknown>
  const rb = b as Record<string, unknown>
  for (const k of Object.keys(ra)) {
    if (!jsonEqual(ra[k], member(rb, k))) return false
  }
  for (const k of Object.keys(rb)) {
    if (!isOwnEnumerable(ra, k) && !jsonEqual(member(ra, k), rb[k])) return false
  }
  return true
}

/** `o[k]`, except that a `__proto__` key the object does not have is absent, not its prototype. */
const member = (o: Record<string, unknown>, k: string): unknown => (k === '__proto__' && !isOwnEnumerable(o, k) ? undefined : o[k])

function isOwnEnumerable(object: object, key: string): boolean {
  return Object.prototype.propertyIsEnumerable.call(object, key)
}
