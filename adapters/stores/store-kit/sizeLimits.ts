/**
 * The two size limits of a real cluster, which every store enforces on the objects it is given
 * and the objects it would store, so that a library caller meets the same refusal as `kubectl`
 * does (`jobctl` checks its input against the same numbers, `adapters/cli/inputLimits.ts`).
 * Sizes are measured as JSON (UTF-8 bytes); etcd measures its protobuf encoding, a little smaller.
 */
import { Effect } from 'effect'
import { TooLarge, type ResourceKind } from '../../ports/errors.js'
import type { Write } from './objectMeta.js'
import { isStoredSnapshot } from './snapshot.js'

/** The API server refuses a request body larger than this (`MaxRequestBodyBytes`, 3 MiB) with 413: `Request entity too large: limit is 3145728`. */
export const MAX_REQUEST_BYTES = 3 * 1024 * 1024

/** etcd refuses to store an object larger than this (`--max-request-bytes`, 1.5 MiB): `etcdserver: request is too large`. */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024

/** The API server's message for a body over `MAX_REQUEST_BYTES`. */
export const REQUEST_TOO_LARGE_MESSAGE = `Request entity too large: limit is ${MAX_REQUEST_BYTES}`

/** etcd's message for an object over `MAX_OBJECT_BYTES`, as the API server passes it on. */
export const OBJECT_TOO_LARGE_MESSAGE = 'etcdserver: request is too large'

/** The most UTF-8 bytes a string can take in JSON: quotes, and each UTF-16 unit as a `\uXXXX` escape at worst. */
const stringBound = (text: string): number => 2 + 6 * text.length

/**
 * The bounds of stored snapshots one level down (a pod's `spec`, shared by every later version
 * of the pod), which never change: a status write then counts only what it changed.
 */
const snapshotBounds = new WeakMap<object, number>()

/** {@link jsonBound} of an object's field, kept for a stored snapshot. */
function fieldBound(value: unknown, limit: number): number {
  if (typeof value !== 'object' || value === null || !isStoredSnapshot(value)) return jsonBound(value, limit)
  const known = snapshotBounds.get(value)
  if (known !== undefined) return known
  // Counted in full (not up to `limit`), so that the kept figure holds whatever the limit.
  const bound = jsonBound(value, Infinity)
  snapshotBounds.set(value, bound)
  return bound
}

/**
 * An upper bound on the size of `value` as JSON, counted without building the text; it stops
 * counting (and answers `Infinity`) past `limit`, or at a value whose JSON it cannot bound.
 */
function jsonBound(value: unknown, limit: number, topLevel = false): number {
  switch (typeof value) {
    case 'string':
      return stringBound(value)
    case 'number':
    case 'boolean':
    case 'undefined':
      return 24
    case 'object': {
      if (value === null) return 4
      if (typeof (value as { readonly toJSON?: unknown }).toJSON === 'function') return Infinity
      let total = 2
      if (Array.isArray(value)) {
        for (const item of value) {
          total += 1 + jsonBound(item, limit - total)
          if (total > limit) return Infinity
        }
        return total
      }
      for (const key in value) {
        const field = (value as Record<string, unknown>)[key]
        total += 2 + stringBound(key) + (topLevel ? fieldBound(field, limit - total) : jsonBound(field, limit - total))
        if (total > limit) return Infinity
      }
      return total
    }
    default:
      return Infinity
  }
}

/** Whether `value` as JSON is over `limit` UTF-8 bytes. */
export function jsonExceeds(value: unknown, limit: number): boolean {
  // Nearly every object is far below the limits: a bound, counted without building the JSON, decides.
  if (jsonBound(value, limit, true) <= limit) return false
  const text = JSON.stringify(value) ?? ''
  // A UTF-16 unit is 1 to 3 UTF-8 bytes: most objects are decided without counting.
  if (text.length > limit) return true
  if (text.length * 3 <= limit) return false
  return Buffer.byteLength(text, 'utf8') > limit
}

interface Named {
  readonly kind: ResourceKind
  readonly namespace: string
  readonly name: string
}

/** The refusal of a request whose body (the object or status the caller sent) is over the API server's limit. */
export function requestTooLarge(target: Named, body: unknown): TooLarge | undefined {
  return jsonExceeds(body, MAX_REQUEST_BYTES) ? new TooLarge({ ...target, reason: REQUEST_TOO_LARGE_MESSAGE }) : undefined
}

/** The refusal of an object the store would keep that is over etcd's limit. */
export function objectTooLarge(kind: ResourceKind, object: { readonly metadata: { readonly namespace?: string; readonly name?: string } }): TooLarge | undefined {
  return jsonExceeds(object, MAX_OBJECT_BYTES)
    ? new TooLarge({ kind, namespace: object.metadata.namespace ?? '', name: object.metadata.name ?? '', reason: OBJECT_TOO_LARGE_MESSAGE })
    : undefined
}

/** Who a request is about, read from what the caller sent (a manifest may not be a valid object yet). */
export function requestTarget(kind: ResourceKind, body: unknown, key?: { readonly namespace: string; readonly name: string }): Named {
  if (key !== undefined) return { kind, ...key }
  const metadata = typeof body === 'object' && body !== null ? (body as { readonly metadata?: unknown }).metadata : undefined
  const field = (name: string): string => {
    const value = typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>)[name] : undefined
    return typeof value === 'string' ? value : ''
  }
  return { kind, namespace: field('namespace'), name: field('name') || field('generateName') }
}

/** Runs `write` unless the request body is over the API server's limit, which fails it with nothing stored. */
export function refusingLargeRequests<A, E, R>(target: Named, body: unknown, write: Effect.Effect<A, E, R>): Effect.Effect<A, E | TooLarge, R> {
  return Effect.suspend((): Effect.Effect<A, E | TooLarge, R> => {
    const refusal = requestTooLarge(target, body)
    return refusal === undefined ? write : Effect.fail(refusal)
  })
}

/** The refusal of a decided write whose object is over etcd's limit (a removal or no change is never refused). */
export function writeTooLarge<A extends { readonly metadata: { readonly namespace?: string; readonly name?: string } }>(kind: ResourceKind, write: Write<A>): TooLarge | undefined {
  return write._tag === 'Put' ? objectTooLarge(kind, write.object) : undefined
}
