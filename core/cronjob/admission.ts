/**
 * The API server's write path for a CronJob in one call: decode, prepare, validate (C2).
 * A body it cannot decode is a 400 (`BadRequest`), an invalid CronJob a 422 (`Invalid`)
 * listing every problem, with the same messages as for a Job.
 */
import type { Either } from 'fp-ts/lib/Either.js'
import { left, right } from 'fp-ts/lib/Either.js'
import type { AdmissionError } from '../model/admission.js'
import type { CreateOptions } from '../model/defaults.js'
import { metadataForCreate } from '../model/defaults.js'
import type { FieldError } from '../model/fieldErrors.js'
import { jsonEqual } from '../model/equality.js'
import { decodeCronJobForAdmission } from './decode.js'
import { defaultCronJob } from './defaults.js'
import { renderInvalidCronJob, renderUndecodableCronJob } from './render.js'
import type { CronJob, CronJobStatus } from './types.js'
import { validateCronJob, validateCronJobStatus, validateCronJobUpdate } from './validation.js'

/** An accepted CronJob write: the CronJob to store. */
export interface AdmittedCronJob {
  readonly cronJob: CronJob
  readonly warnings: ReadonlyArray<string>
}

function decided(cronJob: CronJob, errors: ReadonlyArray<FieldError>): Either<AdmissionError, AdmittedCronJob> {
  if (errors.length > 0) return left({ _tag: 'Invalid', errors, message: renderInvalidCronJob(cronJob.metadata.name ?? '', errors) })
  return right({ cronJob, warnings: [] })
}

const badRequest = (errors: ReadonlyArray<FieldError>): AdmissionError => ({ _tag: 'BadRequest', errors, message: renderUndecodableCronJob(errors) })

/** A create (`POST`): decode, default, fill in the server's metadata (uid, generation 1, creation time), clear status, validate. */
export function admitCronJobCreate(input: unknown, options: CreateOptions): Either<AdmissionError, AdmittedCronJob> {
  const decoded = decodeCronJobForAdmission(input)
  if (decoded._tag === 'Left') return left(badRequest(decoded.left))
  const defaulted = defaultCronJob(decoded.right.manifest)
  const cronJob: CronJob = { ...defaulted, metadata: metadataForCreate(defaulted.metadata, options), status: {} }
  return decided(cronJob, [...decoded.right.enumErrors, ...validateCronJob(cronJob)])
}

/** An update of the main resource (`PUT`): the stored status and server metadata kept, generation bumped iff the spec changed. */
export function admitCronJobUpdate(old: CronJob, input: unknown): Either<AdmissionError, AdmittedCronJob> {
  const decoded = decodeCronJobForAdmission(input)
  if (decoded._tag === 'Left') return left(badRequest(decoded.left))
  const defaulted = defaultCronJob(decoded.right.manifest)
  const meta = defaulted.metadata
  const oldMeta = old.metadata
  const specChanged = !jsonEqual(defaulted.spec, old.spec)
  const cronJob: CronJob = {
    ...defaulted,
    metadata: {
      ...meta,
      ...optional('name', meta.name ?? oldMeta.name),
      ...optional('namespace', meta.namespace ?? oldMeta.namespace),
      ...optional('uid', meta.uid === undefined || meta.uid === '' ? oldMeta.uid : meta.uid),
      ...optional('creationTimestamp', oldMeta.creationTimestamp),
      ...optional('deletionTimestamp', oldMeta.deletionTimestamp),
      generation: (oldMeta.generation ?? 0) + (specChanged ? 1 : 0),
    },
    ...optional('status', old.status),
  }
  return decided(cronJob, [...decoded.right.enumErrors, ...validateCronJobUpdate(old, cronJob)])
}

/** A write to `/status`: the new status on the stored CronJob. */
export function admitCronJobStatusUpdate(old: CronJob, status: CronJobStatus): Either<AdmissionError, AdmittedCronJob> {
  const cronJob: CronJob = { ...old, status }
  return decided(cronJob, validateCronJobStatus(cronJob))
}

function optional<K extends string, V>(key: K, value: V | undefined): { readonly [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { readonly [P in K]?: V }
}
