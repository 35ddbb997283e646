/**
 * The API server's generic object-metadata rules, shared by every kind a store keeps:
 * optimistic concurrency, uid preconditions, finalizers and the moment a deleted object
 * finally goes away.
 */
import type { FieldError } from '../../../core/model/fieldErrors.js'
import { forbidden } from '../../../core/model/fieldErrors.js'
import type { ObjectMeta } from '../../../core/model/types.js'
import type { ResourceKind } from '../../ports/errors.js'
import type { ObjectKey } from '../../ports/JobStore.js'
import { Conflict } from '../../ports/errors.js'

/** The namespace of objects created without one. */
export const DEFAULT_NAMESPACE = 'default'

/** What one write does to one stored object (before the store stamps its resourceVersion). */
export type Write<A> =
  /** Nothing changes: no new resourceVersion, no watch event. */
  | { readonly _tag: 'Unchanged'; readonly object: A }
  /** The object is created or replaced. */
  | { readonly _tag: 'Put'; readonly object: A }
  /** The object goes away; `object` is its last state, as the `Deleted` watch event shows it. */
  | { readonly _tag: 'Remove'; readonly object: A }

/** A write that changes nothing; `object` is the stored one, returned as is. */
export const unchanged = <A>(object: A): Write<A> => ({ _tag: 'Unchanged', object })
/** A write that stores `object` (new or replacing the stored one). */
export const put = <A>(object: A): Write<A> => ({ _tag: 'Put', object })
/** A write that removes the object; `object` is its last state. */
export const remove = <A>(object: A): Write<A> => ({ _tag: 'Remove', object })

/** The API server's wording for a write based on an old resourceVersion. */
export const STALE_DETAIL = 'the object has been modified; please apply your changes to the latest version and try again'

/** `Conflict` unless `resourceVersion` is omitted or is the stored object's version. */
export function checkResourceVersion(kind: ResourceKind, stored: ObjectMeta, resourceVersion: string | undefined): Conflict | undefined {
  if (resourceVersion === undefined || resourceVersion === stored.resourceVersion) return undefined
  return conflict(kind, stored, STALE_DETAIL)
}

/** `Conflict` unless `uid` is omitted or is the stored object's uid (a delete or patch precondition). */
export function checkUid(kind: ResourceKind, stored: ObjectMeta, uid: string | undefined): Conflict | undefined {
  if (uid === undefined || uid === stored.uid) return undefined
  return conflict(kind, stored, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${stored.uid ?? ''}`)
}

/** A `Conflict` about this object. */
export function conflict(kind: ResourceKind, meta: ObjectMeta, detail: string): Conflict {
  return new Conflict({ kind, namespace: meta.namespace ?? '', name: meta.name ?? '', detail })
}

/**
 * The finalizers an update may set: none may be added once the object is being deleted
 * (`metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted`).
 */
export function validateFinalizersUpdate(old: ObjectMeta, next: ReadonlyArray<string>): FieldError[] {
  if (old.deletionTimestamp === undefined) return []
  const before = new Set(old.finalizers ?? [])
  const added = next.filter((f) => !before.has(f))
  if (added.length === 0) return []
  const goList = `[]string{${added.map((f) => JSON.stringify(f)).join(', ')}}`
  return [forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers ${goList}`)]
}

/**
 * Whether a write leaves the object due for removal: it is being deleted, its grace period is
 * over (0) and no finalizer holds it any more.
 */
export function isDue(meta: ObjectMeta): boolean {
  return meta.deletionTimestamp !== undefined && (meta.deletionGracePeriodSeconds ?? 0) === 0 && (meta.finalizers ?? []).length === 0
}

/** `Put`, or `Remove` when the new state is due for removal (see `isDue`). */
export function putOrRemove<A extends { readonly metadata: ObjectMeta }>(object: A): Write<A> {
  return isDue(object.metadata) ? remove(object) : put(object)
}

/** The list with `add` appended (those not present yet) and `drop` removed, in order. */
export function editList(list: ReadonlyArray<string> | undefined, add: ReadonlyArray<string>, drop: ReadonlyArray<string>): ReadonlyArray<string> {
  const dropped = new Set(drop)
  const result = (list ?? []).filter((item) => !dropped.has(item))
  for (const item of add) if (!dropped.has(item) && !result.includes(item)) result.push(item)
  return result
}

/** Same elements in the same order. */
export function sameList(a: ReadonlyArray<string> | undefined, b: ReadonlyArray<string> | undefined): boolean {
  const left = a ?? []
  const right = b ?? []
  return left.length === right.length && left.every((item, i) => item === right[i])
}

/** The key of a stored object. */
export function keyOf(metadata: ObjectMeta): ObjectKey {
  return { namespace: metadata.namespace ?? DEFAULT_NAMESPACE, name: metadata.name ?? '' }
}

/** The name fields of a manifest not yet decoded (for error messages about it). */
export function manifestNames(manifest: unknown): { readonly name?: string; readonly generateName?: string } | undefined {
  const metadata = typeof manifest === 'object' && manifest !== null ? (manifest as { readonly metadata?: unknown }).metadata : undefined
  if (typeof metadata !== 'object' || metadata === null) return undefined
  const { name, generateName } = metadata as { readonly name?: unknown; readonly generateName?: unknown }
  return { ...(typeof name === 'string' ? { name } : {}), ...(typeof generateName === 'string' ? { generateName } : {}) }
}
