/**
 * The API server's CronJob writes as pure functions from the stored CronJob to a `Write`, as
 * `jobWrites.ts` does for Jobs: create (decoded, defaulted, prepared, validated), update of
 * the main resource, the status subresource, DELETE with a propagation policy (batch/v1's
 * default for CronJobs is `Background`), and the garbage collector's finalizer removal.
 * Decoding, defaulting and validation come from `core`; this module adds what the registry
 * and the generic store do around them.
 */
import { Either } from 'effect'
import type { Either as FpEither } from 'fp-ts/lib/Either.js'
import type { CronJob, CronJobStatus } from '../../../core/index.js'
import { admitCronJobCreate, admitCronJobStatusUpdate, admitCronJobUpdate, renderInvalidCronJob } from '../../../core/index.js'
import type { AdmissionError } from '../../../core/model/admission.js'
import { jsonEqual } from '../../../core/model/equality.js'
import type { FieldError } from '../../../core/model/fieldErrors.js'
import type { ObjectMeta } from '../../../core/model/types.js'
import type { DeleteOptions, PropagationPolicy } from '../../ports/JobStore.js'
import { Conflict, Invalid } from '../../ports/errors.js'
import type { Write } from './objectMeta.js'
import { deleteOwner, removeFinalizer } from './deletion.js'
import { checkResourceVersion, put, putOrRemove, unchanged, validateFinalizersUpdate } from './objectMeta.js'

/** The propagation of a DELETE of a batch/v1 CronJob that names none (upstream's `DeleteDependents`). */
export const DEFAULT_CRONJOB_PROPAGATION: PropagationPolicy = 'Background'

/**
 * A create, through `core`'s CronJob admission: decoded strictly (a body that cannot be
 * decoded is refused with the API server's 400 message), defaulted, prepared (uid, creation
 * time, namespace `default`, generation 1, status cleared) and validated. `name`, when given,
 * replaces the manifest's (it was generated from `generateName`).
 */
export function createCronJob(
  manifest: unknown,
  assigned: { readonly name: string | undefined; readonly uid: string; readonly nowMs: number },
): Either.Either<CronJob, Invalid> {
  const input = assigned.name === undefined || !isRecord(manifest) ? manifest : { ...manifest, metadata: { ...asRecord(manifest['metadata']), name: assigned.name } }
  return Either.map(refused(admitCronJobCreate(input, { uid: assigned.uid, now: assigned.nowMs }), input), ({ cronJob }) => {
    const { resourceVersion: _assignedByTheStore, ...metadata } = cronJob.metadata
    return { ...cronJob, metadata }
  })
}

/**
 * An update of the main resource: a given `resourceVersion` must be current; then `core`'s
 * admission (stored status kept, generation + 1 iff the spec changed, update validation). No
 * finalizer may be added to a CronJob being deleted. An update that changes nothing keeps the
 * resourceVersion.
 */
export function updateCronJob(stored: CronJob, incoming: CronJob): Either.Either<Write<CronJob>, Conflict | Invalid> {
  const stale = checkResourceVersion('CronJob', stored.metadata, incoming.metadata.resourceVersion)
  if (stale !== undefined) return Either.left(stale)
  const admitted = refused(admitCronJobUpdate(stored, incoming), incoming)
  if (Either.isLeft(admitted)) return Either.left(admitted.left)
  const finalizerErrors = validateFinalizersUpdate(stored.metadata, admitted.right.cronJob.metadata.finalizers ?? [])
  if (finalizerErrors.length > 0) return Either.left(invalidCronJob(stored.metadata.name ?? '', finalizerErrors))
  const next = withMeta(admitted.right.cronJob, { resourceVersion: stored.metadata.resourceVersion })
  return Either.right(jsonEqual(next, stored) ? unchanged(stored) : putOrRemove(next))
}

/**
 * An update of the status subresource: `resourceVersion` must be current; the new status on
 * the stored CronJob is validated by `core`'s status rules. The same status again changes nothing.
 */
export function updateCronJobStatus(stored: CronJob, status: CronJobStatus, resourceVersion: string): Either.Either<Write<CronJob>, Conflict | Invalid> {
  const stale = checkResourceVersion('CronJob', stored.metadata, resourceVersion)
  if (stale !== undefined) return Either.left(stale)
  return Either.map(refused(admitCronJobStatusUpdate(stored, status), stored), ({ cronJob }) =>
    jsonEqual(cronJob.status ?? {}, stored.status ?? {}) ? unchanged(stored) : put(cronJob),
  )
}

/**
 * A DELETE of a CronJob. The policy is the request's, else the one a previous DELETE left as a
 * finalizer, else `Background`. `Background` removes the CronJob at once unless other
 * finalizers hold it (the garbage collector then deletes its Jobs); `Foreground` and `Orphan`
 * mark it deleted with the `foregroundDeletion` or `orphan` finalizer, for the garbage
 * collector to finish.
 */
export function deleteCronJob(stored: CronJob, options: DeleteOptions | undefined, nowMs: number): Either.Either<Write<CronJob>, Conflict> {
  return deleteOwner('CronJob', stored, options, nowMs, DEFAULT_CRONJOB_PROPAGATION)
}

/** Removes one finalizer; a CronJob being deleted goes with its last one. */
export function removeCronJobFinalizer(stored: CronJob, finalizer: string): Write<CronJob> {
  return removeFinalizer(stored, finalizer)
}

/** The API server's 422 for a CronJob: `CronJob.batch "hello" is invalid: [...]`. */
export function invalidCronJob(name: string, errors: ReadonlyArray<FieldError>): Invalid {
  return new Invalid({ kind: 'CronJob', name, errors, reason: renderInvalidCronJob(name, errors) })
}

/** The model's refusal as the port's `Invalid` (a 400 keeps its own message). */
function refused<A>(admission: FpEither<AdmissionError, A>, input: unknown): Either.Either<A, Invalid> {
  if (admission._tag === 'Right') return Either.right(admission.right)
  const { errors, message } = admission.left
  return Either.left(new Invalid({ kind: 'CronJob', name: nameOf(input), errors, reason: message }))
}

function withMeta(cronJob: CronJob, changes: Partial<ObjectMeta>): CronJob {
  return { ...cronJob, metadata: { ...cronJob.metadata, ...changes } }
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
