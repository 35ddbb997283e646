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
    return a.every((x, i) => jsonEqual(x, b[i]))
  }
  const ra = a as Record<string, unknown>
  const rb = b as Record<string, unknown>
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)])
  for (const k of keys) {
    if (!jsonEqual(ra[k], rb[k])) return false
  }
  return true
}
