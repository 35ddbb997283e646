/**
 * The API server's write path in one call: decode, prepare, validate, warn. This is what a
 * store runs on every write, so that what it accepts (and the messages it rejects with) match a
 * real kube-apiserver: a body it cannot decode is a 400 (`BadRequest`), an invalid object a
 * 422 (`Invalid`) listing every problem.
 */
import type { Either } from 'fp-ts/lib/Either.js'
import { left, right } from 'fp-ts/lib/Either.js'
import type { JobManifest } from './manifest.js'
import { decodeJobForAdmission } from './decode.js'
import type { CreateOptions } from './defaults.js'
import { prepareJobForCreate, prepareJobForUpdate } from './defaults.js'
import type { FieldError } from './fieldErrors.js'
import { renderInvalidJob, renderUndecodableJob } from './fieldErrors.js'
import { prepareJobStatusUpdate, validateJobStatusUpdate } from './statusValidation.js'
import type { Job, JobStatus } from './types.js'
import { validateJobUpdate } from './updateValidation.js'
import type { ManifestFacts } from './validation.js'
import { validateJob, validateJobWarnings } from './validation.js'

/** Why a write was refused: the body could not be decoded (400) or the object is invalid (422). */
export type AdmissionError =
  | { readonly _tag: 'BadRequest'; readonly errors: ReadonlyArray<FieldError>; readonly message: string }
  | { readonly _tag: 'Invalid'; readonly errors: ReadonlyArray<FieldError>; readonly message: string }

/** An accepted write: the Job to store and the API server's warnings for the client. */
export interface Admitted {
  readonly job: Job
  readonly warnings: ReadonlyArray<string>
}

/** What the manifest said that the `Job` type cannot hold (omitted selector or exit codes, a bad mode). */
function manifestFacts(manifest: JobManifest, selectorGenerated: boolean, enumErrors: ReadonlyArray<FieldError>): ManifestFacts {
  const absentValues = new Set<number>()
  ;(manifest.spec?.podFailurePolicy?.rules ?? []).forEach((rule, i) => {
    if (rule.onExitCodes !== undefined && rule.onExitCodes.values === undefined) absentValues.add(i)
  })
  return {
    selectorAbsent: !selectorGenerated && manifest.spec?.selector === undefined,
    exitCodeValuesAbsent: absentValues,
    completionModeUnsupported: enumErrors.some((e) => e.path === 'spec.completionMode'),
  }
}

function decided(job: Job, errors: ReadonlyArray<FieldError>, warnings: ReadonlyArray<string>): Either<AdmissionError, Admitted> {
  if (errors.length > 0) return left({ _tag: 'Invalid', errors, message: renderInvalidJob(job.metadata.name ?? '', errors) })
  return right({ job, warnings })
}

const badRequest = (errors: ReadonlyArray<FieldError>): AdmissionError => ({ _tag: 'BadRequest', errors, message: renderUndecodableJob(errors) })

/**
 * A create (`POST`): decode the body, prepare it (R27, R28: UID, timestamps, generated
 * selector) and validate it (§3.2). Unsupported enum values are reported together with the
 * validation errors, as the API server does.
 */
export function admitJobCreate(input: unknown, options: CreateOptions): Either<AdmissionError, Admitted> {
  const decoded = decodeJobForAdmission(input)
  if (decoded._tag === 'Left') return left(badRequest(decoded.left))
  const { manifest, enumErrors } = decoded.right
  const job = prepareJobForCreate(manifest, options)
  const facts = manifestFacts(manifest, !job.spec.manualSelector, enumErrors)
  return decided(job, [...enumErrors, ...validateJob(job, { facts })], validateJobWarnings(job))
}

/**
 * An update of the main resource (`PUT`): decode the body, prepare it against the stored Job
 * (R27: stored status, generation bump iff the spec changed, no selector generation) and
 * validate it (R53–R59).
 */
export function admitJobUpdate(old: Job, input: unknown): Either<AdmissionError, Admitted> {
  const decoded = decodeJobForAdmission(input)
  if (decoded._tag === 'Left') return left(badRequest(decoded.left))
  const { manifest, enumErrors } = decoded.right
  const job = prepareJobForUpdate(old, manifest)
  const facts = manifestFacts(manifest, false, enumErrors)
  return decided(job, [...enumErrors, ...validateJobUpdate(old, job, facts)], validateJobWarnings(job, old))
}

/** A write to `/status`: the new status on the stored Job (R27), validated by R59–R66. */
export function admitJobStatusUpdate(old: Job, status: JobStatus): Either<AdmissionError, Admitted> {
  const job = prepareJobStatusUpdate(old, status)
  return decided(job, validateJobStatusUpdate(old, job), [])
}
