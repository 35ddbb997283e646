/**
 * The API server's Job writes as pure functions from the stored Job to a `Write`: the main
 * resource's create and update, the status subresource, DELETE with a propagation policy and
 * the garbage collector's finalizer removal. Decoding, defaulting and validation come from
 * `core/model`; this module adds what the registry and the generic store do around them.
 */
import { Either } from 'effect'
import type { FieldError } from '../../core/model/fieldErrors.js'
import { immutable, renderInvalidJob, required } from '../../core/model/fieldErrors.js'
import { formatTime } from '../../core/model/time.js'
import type { Job, JobStatus, ObjectMeta } from '../../core/model/types.js'
import type { DeleteOptions, PropagationPolicy } from '../ports/JobStore.js'
import { Conflict, Invalid } from '../ports/errors.js'
import { DEFAULT_NAMESPACE, checkResourceVersion, checkUid, editList, putOrRemove, remove, sameList, unchanged, validateFinalizersUpdate } from './objectMeta.js'
import type { Write } from './objectMeta.js'
import { jsonEqual } from './snapshot.js'

/** The finalizer of a Job deleted in the foreground: its dependents go first (R167). */
export const FOREGROUND_FINALIZER = 'foregroundDeletion'
/** The finalizer of a Job deleted with `Orphan`: its dependents lose their owner reference first (R167). */
export const ORPHAN_FINALIZER = 'orphan'

/** The propagation of a DELETE that names none: `Orphan` for batch/v1 Jobs (R167). */
export const DEFAULT_JOB_PROPAGATION: PropagationPolicy = 'Orphan'

/**
 * A DELETE of a Job (R167). The policy is the request's, else the one a previous DELETE left
 * as a finalizer, else `Orphan`. `Background` removes the Job at once unless other finalizers
 * hold it; `Foreground` and `Orphan` mark it deleted (`deletionTimestamp`, grace period 0,
 * generation + 1 the first time) with the `foregroundDeletion` or `orphan` finalizer, for the
 * garbage collector to finish.
 */
export function deleteJob(stored: Job, options: DeleteOptions | undefined, nowMs: number): Either.Either<Write<Job>, Conflict> {
  const uidConflict = checkUid('Job', stored.metadata, options?.preconditionUid)
  if (uidConflict !== undefined) return Either.left(uidConflict)
  const meta = stored.metadata
  const policy = options?.propagationPolicy ?? policyOfFinalizers(meta) ?? DEFAULT_JOB_PROPAGATION
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
 * Removes one finalizer (the garbage collector's bookkeeping). A Job being deleted goes with
 * its last finalizer; a finalizer the Job does not have changes nothing.
 */
export function removeJobFinalizer(stored: Job, finalizer: string): Write<Job> {
  if (!(stored.metadata.finalizers ?? []).includes(finalizer)) return unchanged(stored)
  return putOrRemove(withMeta(stored, { finalizers: editList(stored.metadata.finalizers, [], [finalizer]) }))
}

function policyOfFinalizers(meta: ObjectMeta): PropagationPolicy | undefined {
  const finalizers = meta.finalizers ?? []
  if (finalizers.includes(FOREGROUND_FINALIZER)) return 'Foreground'
  if (finalizers.includes(ORPHAN_FINALIZER)) return 'Orphan'
  return undefined
}

function withMeta(job: Job, changes: Partial<ObjectMeta>): Job {
  return { ...job, metadata: { ...job.metadata, ...changes } }
}

/** The API server's 422 for a Job. */
export function invalidJob(name: string, errors: ReadonlyArray<FieldError>): Invalid {
  return new Invalid({ kind: 'Job', name, errors, reason: renderInvalidJob(name, errors) })
}

// ---------------------------------------------------------------------------------------
// Create, update, status

/** A manifest after decoding: what `createJob` turns into a stored Job. */
export type JobManifest = Job

/**
 * Decodes a manifest as `kubectl create` sends it. (Until `core/model`'s `decodeJob` lands this
 * only checks the outline: an object with `metadata` and `spec`.)
 */
export function decodeManifest(manifest: unknown): Either.Either<JobManifest, Invalid> {
  const candidate = manifest as Partial<Job> | null
  const name = typeof candidate?.metadata?.name === 'string' ? candidate.metadata.name : ''
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.spec !== 'object' || candidate.spec === null) {
    return Either.left(invalidJob(name, [required('spec')]))
  }
  return Either.right({ ...candidate, apiVersion: 'batch/v1', kind: 'Job', metadata: candidate.metadata ?? {} } as Job)
}

/**
 * A new Job as the API server stores it (R27): named (`name` is the manifest's or one
 * generated from `generateName`), namespace defaulted, uid and creation time set, deletion
 * fields cleared, `generation: 1`, status cleared.
 */
export function createJob(manifest: JobManifest, assigned: { readonly name: string | undefined; readonly uid: string; readonly nowMs: number }): Either.Either<Job, Invalid> {
  const name = assigned.name ?? ''
  if (name === '') return Either.left(invalidJob(name, [required('metadata.name', 'name or generateName is required')]))
  const { resourceVersion: _rv, deletionTimestamp: _dt, deletionGracePeriodSeconds: _dg, ...metadata } = manifest.metadata
  const { status: _status, ...job } = manifest
  return Either.right({
    ...job,
    metadata: {
      ...metadata,
      name,
      namespace: manifest.metadata.namespace ?? DEFAULT_NAMESPACE,
      uid: assigned.uid,
      creationTimestamp: formatTime(assigned.nowMs),
      generation: 1,
    },
  })
}

/**
 * An update of the main resource (R27, R59): a given `resourceVersion` must be current; the
 * status, uid, creation time, deletion fields stay as stored; `generation` goes up iff the
 * spec changed; no finalizer may be added to a Job being deleted, and removing the last one
 * of a Job being deleted removes it. An update that changes nothing keeps the version.
 */
export function updateJob(stored: Job, incoming: Job): Either.Either<Write<Job>, Conflict | Invalid> {
  const meta = stored.metadata
  const stale = checkResourceVersion('Job', meta, incoming.metadata.resourceVersion)
  if (stale !== undefined) return Either.left(stale)
  const errors: FieldError[] = []
  if (incoming.metadata.uid !== undefined && incoming.metadata.uid !== meta.uid) {
    errors.push(immutable('metadata.uid', incoming.metadata.uid))
  }
  errors.push(...validateFinalizersUpdate(meta, incoming.metadata.finalizers ?? []))
  if (errors.length > 0) return Either.left(invalidJob(meta.name ?? '', errors))
  const specChanged = !jsonEqual(stored.spec, incoming.spec)
  const next: Job = {
    ...incoming,
    metadata: {
      ...incoming.metadata,
      uid: meta.uid,
      creationTimestamp: meta.creationTimestamp,
      deletionTimestamp: meta.deletionTimestamp,
      deletionGracePeriodSeconds: meta.deletionGracePeriodSeconds,
      generation: (meta.generation ?? 0) + (specChanged ? 1 : 0),
      resourceVersion: meta.resourceVersion,
    },
    status: stored.status,
  }
  return Either.right(jsonEqual(next, stored) ? unchanged(stored) : putOrRemove(next))
}

/**
 * An update of the status subresource (R27): `resourceVersion` must be current, everything but
 * the status stays as stored. The same status again changes nothing.
 */
export function updateJobStatus(stored: Job, status: JobStatus, resourceVersion: string): Either.Either<Write<Job>, Conflict | Invalid> {
  const stale = checkResourceVersion('Job', stored.metadata, resourceVersion)
  if (stale !== undefined) return Either.left(stale)
  return Either.right(jsonEqual(stored.status, status) ? unchanged(stored) : putOrRemove({ ...stored, status }))
}
