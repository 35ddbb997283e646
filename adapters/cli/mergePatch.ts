/**
 * JSON merge patches (RFC 7386) for `jobctl patch`, and the client-side three-way merge of
 * `jobctl apply`: the patch that turns the live object into the new manifest while removing
 * only what the previous `apply` set (kept in kubectl's last-applied annotation). Lists are
 * replaced whole, as a merge patch does.
 */
import { jsonEqual } from '../../core/model/equality.js'

/** Where `apply` keeps the manifest it applied last (kubectl's annotation). */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration'

type Json = unknown

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v)

// Keys are read and written as own properties, so that a `__proto__` key is data, never a prototype.
const own = (o: Record<string, Json>, key: string): Json => (Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined)
const hasOwn = (o: Record<string, Json>, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key)
const setOwn = (o: Record<string, Json>, key: string, value: Json): void => {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true })
}

/** Applies a merge patch: objects merge key by key, `null` removes, anything else replaces. */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch
  const result: Record<string, Json> = isObject(target) ? { ...target } : {}
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key]
    else setOwn(result, key, applyMergePatch(own(result, key), value))
  }
  return result
}

/**
 * The three-way merge patch of `apply`: sets what `modified` has and `current` lacks or holds
 * differently, and removes (with `null`) what `original` had and `modified` dropped. Fields
 * only `current` has (defaults, the controller's) are left alone.
 */
export function threeWayMergePatch(original: Json, modified: Json, current: Json): Record<string, Json> {
  const o = isObject(original) ? original : {}
  const m = isObject(modified) ? modified : {}
  const c = isObject(current) ? current : {}
  const patch: Record<string, Json> = {}
  for (const [key, value] of Object.entries(m)) {
    const live = own(c, key)
    if (isObject(value) && isObject(live)) {
      const nested = threeWayMergePatch(own(o, key), value, live)
      if (Object.keys(nested).length > 0) setOwn(patch, key, nested)
    } else if (!jsonEqual(value, live)) setOwn(patch, key, value)
  }
  for (const key of Object.keys(o)) {
    if (!hasOwn(m, key) && hasOwn(c, key)) setOwn(patch, key, null)
  }
  return patch
}
