/** Names and limits the Job controller shares with Kubernetes (spec §1). */

export const TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking'
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid'
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name'
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid'
export const LEGACY_JOB_NAME_LABEL = 'job-name'
export const COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index'
export const INDEX_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-failure-count'
export const INDEX_IGNORED_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-ignored-failure-count'
export const COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX'

/** The `managedBy` value that means "the built-in Job controller" (R16, R172). */
export const BUILT_IN_CONTROLLER = 'kubernetes.io/job-controller'
export const EVENT_SOURCE_COMPONENT = 'job-controller'

export const DEFAULT_BACKOFF_LIMIT = 6
export const MAX_INT32 = 2147483647
/** R37: the largest parallelism an Indexed job may ask for. */
export const MAX_INDEXED_PARALLELISM = 100_000
/** R40: completions above this with backoffLimitPerIndex need tighter limits. */
export const COMPLETIONS_SOFT_LIMIT = 100_000
export const PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS = 10_000
export const MAX_FAILED_INDEXES_LIMIT = 100_000
export const MAX_POD_FAILURE_POLICY_RULES = 20
export const MAX_EXIT_CODE_VALUES = 255
export const MAX_POD_CONDITION_PATTERNS = 20
export const MAX_SUCCESS_POLICY_RULES = 20
export const MAX_SUCCEEDED_INDEXES_BYTES = 65_536
export const MAX_MANAGED_BY_LENGTH = 63
/** R104: the API server keeps at most this many characters of a generateName. */
export const MAX_GENERATE_NAME_PREFIX = 58

/** Finalizers the API server puts on an object deleted in the foreground or with orphaning (R167). */
export const FOREGROUND_DELETION_FINALIZER = 'foregroundDeletion'
export const ORPHAN_FINALIZER = 'orphan'
