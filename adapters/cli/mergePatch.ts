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

/** Applies a merge patch: objects merge key by key, `null` removes, anything else replaces. */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch
  const result: Record<string, Json> = isObject(target) ? { ...target } : {}
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key]
    else result[key] = applyMergePatch(result[key], value)
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
    if (isObject(value) && isObject(c[key])) {
      const nested = threeWayMergePatch(o[key], value, c[key])
      if (Object.keys(nested).length > 0) patch[key] = nested
    } else if (!jsonEqual(value, c[key])) patch[key] = value
  }
  for (const key of Object.keys(o)) {
    if (!(key in m) && key in c) patch[key] = null
  }
  return patch
}
