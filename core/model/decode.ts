/**
 * Decoding at the edge: untrusted input to `JobManifest` / `Pod`, every problem at once.
 *
 * `decodeJob` validates as the API server's strict field validation does: wrong types, unknown
 * fields anywhere in the Job (one `UnknownField` each, with its path, the pod template included:
 * its fields are checked against the API server's own field list, `apiFields.ts`), `apiVersion`
 * and `kind`, and the enum fields (`completionMode`, `podReplacementPolicy`, pod-failure-policy
 * `action`/`operator`/`status`) with the messages validation gives them. Pod-template fields the
 * controller does not interpret are kept untouched. Neither function ever throws.
 */
import type * as t from 'io-ts'
import type { Either } from 'fp-ts/lib/Either.js'
import { left, right } from 'fp-ts/lib/Either.js'
import type { DecodeMode } from './codecKit.js'
import { isEnumFailure, isKubeValidationError, pathOf } from './codecKit.js'
import type { JobManifest } from './manifest.js'
import type { PodTemplateFields } from './codecs.js'
import { jobCodec, podCodec } from './codecs.js'
import type { FieldError } from './fieldErrors.js'
import { invalid } from './fieldErrors.js'
import type { Pod } from './types.js'

export type {
  ContainerManifest,
  JobManifest,
  JobSpecManifest,
  PodFailurePolicyManifest,
  PodFailurePolicyOnExitCodesRequirementManifest,
  PodFailurePolicyOnPodConditionsPatternManifest,
  PodFailurePolicyRuleManifest,
  PodSpecManifest,
  PodTemplateSpecManifest,
  SuccessPolicyManifest,
} from './manifest.js'

const STRICT: DecodeMode = { unknownFields: 'reject', enums: 'strict' }
const FALLBACK: DecodeMode = { unknownFields: 'reject', enums: 'fallback' }
const strictJob = jobCodec(STRICT)
const passThroughJob = jobCodec(STRICT, 'passThrough')
const fallbackJob = jobCodec(FALLBACK)
const pod = podCodec()

/** One io-ts error as the field error it carries. */
function toFieldError(e: t.ValidationError): FieldError {
  if (isKubeValidationError(e)) return e.fieldError
  return invalid(pathOf(e.context), null, e.message ?? 'invalid value')
}

const unreadable = (what: string): FieldError => invalid('body', null, `the ${what} could not be read`)

/** Runs `f`, turning an exception from a hostile input (a throwing proxy, say) into an error. */
function guarded<A>(what: string, f: () => Either<ReadonlyArray<FieldError>, A>): Either<ReadonlyArray<FieldError>, A> {
  try {
    return f()
  } catch {
    return left([unreadable(what)])
  }
}

/** Options of `decodeJob`. */
export interface DecodeJobOptions {
  /**
   * `strict` (the default) refuses pod-template fields the API server does not know, as it does;
   * `passThrough` keeps them as JSON, unchecked, for pod templates that carry data of their own
   * (an orchestrator that is not Kubernetes). The Job's own fields are strict either way.
   */
  readonly podTemplateFields?: PodTemplateFields
}

/**
 * Decodes a batch/v1 Job manifest (as `kubectl apply` sends it, e.g. parsed from YAML).
 * Returns every problem with its path: `spec.parallelism: Invalid value: "two": spec.parallelism
 * in body must be of type integer`, `unknown field "spec.template.spec.containers[0].comand"`,
 * `apiVersion: Unsupported value: "batch/v2": supported values: "batch/v1"`, … Never throws.
 */
export function decodeJob(input: unknown, options: DecodeJobOptions = {}): Either<ReadonlyArray<FieldError>, JobManifest> {
  return guarded('Job', () => {
    const codec = options.podTemplateFields === 'passThrough' ? passThroughJob : strictJob
    const decoded = codec.decode(input)
    return decoded._tag === 'Right' ? right(decoded.right) : left(decoded.left.map(toFieldError))
  })
}

/** The outcome of lenient decoding, for admission (see `decodeJobForAdmission`). */
export interface AdmissionDecoding {
  /** Enum problems: Kubernetes reports them with the validation errors, so decoding goes on. */
  readonly enumErrors: ReadonlyArray<FieldError>
  /** The manifest, with each unsupported enum value replaced by a neutral one (or dropped). */
  readonly manifest: JobManifest
}

/**
 * Decodes for admission: a wrong type, an unknown field, a bad `apiVersion`/`kind` fail (the
 * API server's 400), but unsupported enum values are set aside so that validation can report
 * them together with everything else (the API server's 422), as Kubernetes does.
 */
export function decodeJobForAdmission(input: unknown): Either<ReadonlyArray<FieldError>, AdmissionDecoding> {
  return guarded('Job', () => {
    const strict = strictJob.decode(input)
    if (strict._tag === 'Right') return right({ enumErrors: [], manifest: strict.right })
    if (!strict.left.every(isEnumFailure)) return left(strict.left.map(toFieldError))
    const lenient = fallbackJob.decode(input)
    if (lenient._tag === 'Left') return left([...strict.left, ...lenient.left].map(toFieldError))
    return right({ enumErrors: strict.left.map(toFieldError), manifest: lenient.right })
  })
}

/**
 * Decodes a pod as a store holds it, leniently: the fields the controller reads are checked,
 * unknown fields are kept. For adapters reading pods back. Never throws.
 */
export function decodePod(input: unknown): Either<ReadonlyArray<FieldError>, Pod> {
  return guarded('Pod', () => {
    const decoded = pod.decode(input)
    return decoded._tag === 'Right' ? right(decoded.right) : left(decoded.left.map(toFieldError))
  })
}
