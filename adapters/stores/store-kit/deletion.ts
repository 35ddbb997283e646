/**
 * DELETE of an object that owns others (a Job owns pods, a CronJob Jobs), as the API server's
 * generic registry does it: the propagation policy becomes a finalizer for the garbage
 * collector, and the object goes once its last finalizer does (R167).
 */
import { Either } from 'effect'
import { formatTime } from '../../../core/model/time.js'
import type { ObjectMeta } from '../../../core/model/types.js'
import { FOREGROUND_DELETION_FINALIZER as FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from '../../../core/model/wellKnown.js'
import type { Conflict, ResourceKind } from '../../ports/errors.js'
import type { DeleteOptions, PropagationPolicy } from '../../ports/JobStore.js'
import type { Write } from './objectMeta.js'
import { checkUid, editList, putOrRemove, remove, sameList, unchanged } from './objectMeta.js'

interface Owner {
  readonly metadata: ObjectMeta
}

/**
 * The policy is the request's, else the one a previous DELETE left as a finalizer, else the
 * kind's default. `Background` removes the object at once unless other finalizers hold it;
 * `Foreground` and `Orphan` mark it deleted (`deletionTimestamp`, grace period 0, generation + 1
 * the first time) with the `foregroundDeletion` or `orphan` finalizer, for the garbage collector
 * to finish.
 */
export function deleteOwner<A extends Owner>(
  kind: ResourceKind,
  stored: A,
  options: DeleteOptions | undefined,
  nowMs: number,
  defaultPolicy: PropagationPolicy,
): Either.Either<Write<A>, Conflict> {
  const uidConflict = checkUid(kind, stored.metadata, options?.preconditionUid)
  if (uidConflict !== undefined) return Either.left(uidConflict)
  const meta = stored.metadata
  const policy = options?.propagationPolicy ?? policyOfFinalizers(meta) ?? defaultPolicy
  const finalizers =
    policy === 'Orphan'
      ? editList(meta.finalizers, [ORPHAN_FINALIZER], [FOREGROUND_FINALIZER])
      : policy === 'Foreground'
        ? editList(meta.finalizers, [FOREGROUND_FINALIZER], [ORPHAN_FINALIZER])
        : editList(meta.finalizers, [], [ORPHAN_FINALIZER, FOREGROUND_FINALIZER])
  if (finalizers.length === 0) return Either.right(remove(stored))
  if (meta.deletionTimestamp !== undefined) {
    return Either.right(sameList(meta.finalizers, finalizers) ? unchanged(stored) : putOrRemove(withMeta(stored, { finalizers })))
  }
  return Either.right(
    putOrRemove(
      withMeta(stored, {
        finalizers,
        deletionTimestamp: formatTime(nowMs),
        deletionGracePeriodSeconds: 0,
        generation: (meta.generation ?? 0) + 1,
      }),
    ),
  )
}

/**
 * Removes one finalizer (the garbage collector's bookkeeping). An object being deleted goes
 * with its last finalizer; a finalizer the object does not have changes nothing.
 */
export function removeFinalizer<A extends Owner>(stored: A, finalizer: string): Write<A> {
  if (!(stored.metadata.finalizers ?? []).includes(finalizer)) return unchanged(stored)
  return putOrRemove(withMeta(stored, { finalizers: editList(stored.metadata.finalizers, [], [finalizer]) }))
}

function policyOfFinalizers(meta: ObjectMeta): PropagationPolicy | undefined {
  const finalizers = meta.finalizers ?? []
  if (finalizers.includes(FOREGROUND_FINALIZER)) return 'Foreground'
  if (finalizers.includes(ORPHAN_FINALIZER)) return 'Orphan'
  return undefined
}

function withMeta<A extends Owner>(object: A, changes: Partial<ObjectMeta>): A {
  return { ...object, metadata: { ...object.metadata, ...changes } }
}
