/**
 * The API server's Job writes as pure functions from the stored Job to a `Write`: the main
 * resource's create and update, the status subresource, DELETE with a propagation policy and
 * the garbage collector's finalizer removal. Decoding, defaulting and validation come from
 * `core/model`; this module adds what the registry and the generic store do around them.
 */
import { Either } from 'effect'
import type { Either as FpEither } from 'fp-ts/lib/Either.js'
import type { AdmissionError } from '../../../core/model/admission.js'
import { admitJobCreate, admitJobStatusUpdate, admitJobUpdate } from '../../../core/model/admission.js'
import { jsonEqual } from '../../../core/model/equality.js'
import type { FieldError } from '../../../core/model/fieldErrors.js'
import { renderInvalidJob } from '../../../core/model/fieldErrors.js'
import type { Job, JobStatus, ObjectMeta } from '../../../core/model/types.js'
import type { DeleteOptions, PropagationPolicy } from '../../ports/JobStore.js'
import { Conflict, Invalid } from '../../ports/errors.js'
import { checkResourceVersion, put, putOrRemove, unchanged, validateFinalizersUpdate } from './objectMeta.js'
import type { Write } from './objectMeta.js'
import { deleteOwner, removeFinalizer } from './deletion.js'

export { FOREGROUND_DELETION_FINALIZER as FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from '../../../core/model/wellKnown.js'

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
  return deleteOwner('Job', stored, options, nowMs, DEFAULT_JOB_PROPAGATION)
}

/**
 * Removes one finalizer (the garbage collector's bookkeeping). A Job being deleted goes with
 * its last finalizer; a finalizer the Job does not have changes nothing.
 */
export function removeJobFinalizer(stored: Job, finalizer: string): Write<Job> {
  return removeFinalizer(stored, finalizer)
}

function withMeta(job: Job, changes: Partial<ObjectMeta>): Job {
  return { ...job, metadata: { ...job.metadata, ...changes } }
}

/** The API server's 422 for a Job. */
export function invalidJob(name: string, errors: ReadonlyArray<FieldError>): Invalid {
  return new Invalid({ kind: 'Job', name, errors, reason: renderInvalidJob(name, errors) })
}

// ---------------------------------------------------------------------------------------
// Create, update, status: core/model's admission plus the store's own metadata rules

/**
 * A create (R27, R28), through `core/model`'s admission: decoded (a body that cannot be
 * decoded is refused with the API server's 400 message), defaulted, prepared (uid, creation
 * time, namespace `default`, generation 1, status cleared, generated selector) and validated.
 * `name`, when given, replaces the manifest's (it was generated from `generateName`).
 */
export function createJob(
  manifest: unknown,
  assigned: { readonly name: string | undefined; readonly uid: string; readonly nowMs: number },
): Either.Either<Job, Invalid> {
  const input = assigned.name === undefined || !isRecord(manifest) ? manifest : { ...manifest, metadata: { ...asRecord(manifest['metadata']), name: assigned.name } }
  return Either.map(refused(admitJobCreate(input, { uid: assigned.uid, now: assigned.nowMs }), manifest), (admitted) => admitted.job)
}

/**
 * An update of the main resource (R27, R53–R59): a given `resourceVersion` must be current;
 * then `core/model`'s admission (stored status kept, generation + 1 iff the spec changed,
 * update validation with immutability). No finalizer may be added to a Job being deleted, and
 * removing the last one of a Job being deleted removes it. An update that changes nothing
 * keeps the resourceVersion.
 */
export function updateJob(stored: Job, incoming: Job): Either.Either<Write<Job>, Conflict | Invalid> {
  const stale = checkResourceVersion('Job', stored.metadata, incoming.metadata.resourceVersion)
  if (stale !== undefined) return Either.left(stale)
  const admitted = refused(admitJobUpdate(stored, incoming), incoming)
  if (Either.isLeft(admitted)) return Either.left(admitted.left)
  const finalizerErrors = validateFinalizersUpdate(stored.metadata, admitted.right.job.metadata.finalizers ?? [])
  if (finalizerErrors.length > 0) return Either.left(invalidJob(stored.metadata.name ?? '', finalizerErrors))
  const next = withMeta(admitted.right.job, { resourceVersion: stored.metadata.resourceVersion })
  return Either.right(jsonEqual(next, stored) ? unchanged(stored) : putOrRemove(next))
}

/**
 * An update of the status subresource (R27, R60–R66): `resourceVersion` must be current; the
 * new status on the stored Job is validated by `core/model`'s status rules. The same status
 * again changes nothing.
 */
export function updateJobStatus(stored: Job, status: JobStatus, resourceVersion: string): Either.Either<Write<Job>, Conflict | Invalid> {
  const stale = checkResourceVersion('Job', stored.metadata, resourceVersion)
  if (stale !== undefined) return Either.left(stale)
  return Either.map(refused(admitJobStatusUpdate(stored, status), stored), ({ job }) =>
    jsonEqual(job.status, stored.status) ? unchanged(stored) : put(job),
  )
}

/** The model's refusal as the port's `Invalid` (a 400 keeps its own message). */
function refused<A>(admission: FpEither<AdmissionError, A>, input: unknown): Either.Either<A, Invalid> {
  if (admission._tag === 'Right') return Either.right(admission.right)
  const { errors, message } = admission.left
  return Either.left(new Invalid({ kind: 'Job', name: nameOf(input), errors, reason: message }))
}

function nameOf(input: unknown): string {
  const metadata = isRecord(input) ? input['metadata'] : undefined
  const name = isRecord(metadata) ? metadata['name'] : undefined
  return typeof name === 'string' ? name : ''
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {}
}
