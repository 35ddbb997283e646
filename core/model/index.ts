/**
 * The Job model: types, decoding at the edge, the API server's defaulting and preparation,
 * and create, update and status validation with the API server's messages.
 */
export type * from './types.js'
export * from './wellKnown.js'
export { formatTime, parseTime } from './time.js'
export type {
  FieldError,
  RequiredError,
  InvalidError,
  NotSupportedError,
  DuplicateError,
  TooManyError,
  TooLongError,
  ForbiddenError,
  UnknownFieldError,
} from './fieldErrors.js'
export { renderFieldError, renderInvalidJob, renderUndecodableJob } from './fieldErrors.js'
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
  AdmissionDecoding,
  DecodeJobOptions,
} from './decode.js'
export type { PodTemplateFields } from './codecs.js'
export { decodeJob, decodeJobForAdmission, decodePod } from './decode.js'
export type { CreateOptions, DefaultedJobManifest, DefaultedJobSpecManifest } from './defaults.js'
export { applyDefaults, defaultJob, generateSelector, prepareJobForCreate, prepareJobForUpdate } from './defaults.js'
export {
  formatLabelSelector,
  isEmptySelector,
  matchesSelector,
  parseLabelSelector,
  validateLabelSelector,
} from './labelSelector.js'
export type { IndexInterval } from './indexes.js'
export { countIndexIntervals, formatIndexIntervals, parseIndexesStrict } from './indexes.js'
export { BACKOFF_BASE_ANNOTATION, BACKOFF_CAP_ANNOTATION, parsePositiveSeconds } from './annotations.js'
export type { JobValidationOptions, ManifestFacts } from './validation.js'
export { validateJob, validateJobWarnings } from './validation.js'
export { allowsMutablePodResources, allowsMutableSchedulingDirectives, validateJobUpdate } from './updateValidation.js'
export { prepareJobStatusUpdate, validateJobStatusUpdate } from './statusValidation.js'
export type { AdmissionError, Admitted } from './admission.js'
export { admitJobCreate, admitJobStatusUpdate, admitJobUpdate } from './admission.js'
export { jsonEqual } from './equality.js'
