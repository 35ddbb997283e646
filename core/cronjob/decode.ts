/**
 * Decoding a CronJob at the edge: untrusted input to `CronJobManifest`, every problem at once,
 * as the API server's strict field validation reports them (C1). Never throws.
 */
import type * as t from 'io-ts'
import type { Either } from 'fp-ts/lib/Either.js'
import { left, right } from 'fp-ts/lib/Either.js'
import type { DecodeMode } from '../model/codecKit.js'
import { isEnumFailure, isKubeValidationError, pathOf } from '../model/codecKit.js'
import type { DecodeJobOptions } from '../model/decode.js'
import type { FieldError } from '../model/fieldErrors.js'
import { invalid } from '../model/fieldErrors.js'
import { cronJobCodec } from './codec.js'
import type { CronJobManifest } from './types.js'

const STRICT: DecodeMode = { unknownFields: 'reject', enums: 'strict' }
const FALLBACK: DecodeMode = { unknownFields: 'reject', enums: 'fallback' }
const strictCronJob = cronJobCodec(STRICT)
const passThroughCronJob = cronJobCodec(STRICT, 'passThrough')
const fallbackCronJob = cronJobCodec(FALLBACK)

function toFieldError(e: t.ValidationError): FieldError {
  if (isKubeValidationError(e)) return e.fieldError
  return invalid(pathOf(e.context), null, e.message ?? 'invalid value')
}

function guarded<A>(f: () => Either<ReadonlyArray<FieldError>, A>): Either<ReadonlyArray<FieldError>, A> {
  try {
    return f()
  } catch {
    return left([invalid('body', null, 'the CronJob could not be read')])
  }
}

/** Options of `decodeCronJob`: as `decodeJob`'s, for the job template's pod template. */
export type DecodeCronJobOptions = DecodeJobOptions

/**
 * Decodes a batch/v1 CronJob manifest (as `kubectl apply` sends it, e.g. parsed from YAML).
 * Returns every problem with its path: `unknown field "spec.jobTemplate.spec.template.spec.containers[0].comand"`,
 * `spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"`, …
 */
export function decodeCronJob(input: unknown, options: DecodeCronJobOptions = {}): Either<ReadonlyArray<FieldError>, CronJobManifest> {
  return guarded(() => {
    const codec = options.podTemplateFields === 'passThrough' ? passThroughCronJob : strictCronJob
    const decoded = codec.decode(input)
    return decoded._tag === 'Right' ? right(decoded.right) : left(decoded.left.map(toFieldError))
  })
}

/** The outcome of lenient decoding for admission: enum problems set aside for validation. */
export interface CronJobAdmissionDecoding {
  readonly enumErrors: ReadonlyArray<FieldError>
  readonly manifest: CronJobManifest
}

/**
 * Decodes for admission: a wrong type, an unknown field, a bad `apiVersion`/`kind` fail (400),
 * unsupported enum values are reported with the validation errors (422), as Kubernetes does.
 */
export function decodeCronJobForAdmission(input: unknown): Either<ReadonlyArray<FieldError>, CronJobAdmissionDecoding> {
  return guarded(() => {
    const strict = strictCronJob.decode(input)
    if (strict._tag === 'Right') return right({ enumErrors: [], manifest: strict.right })
    if (!strict.left.every(isEnumFailure)) return left(strict.left.map(toFieldError))
    const lenient = fallbackCronJob.decode(input)
    if (lenient._tag === 'Left') return left([...strict.left, ...lenient.left].map(toFieldError))
    return right({ enumErrors: strict.left.map(toFieldError), manifest: lenient.right })
  })
}
