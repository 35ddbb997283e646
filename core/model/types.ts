/**
 * The batch/v1 Job and the minimal Pod view the controller reads.
 *
 * These are plain, readonly data types. `decodeJob` (./decode.ts) produces them from
 * untrusted input; everything inside the core works on them. Times are RFC 3339 strings,
 * as the API server writes them; the core turns them into epoch milliseconds when it
 * needs arithmetic.
 */

/**
 * A JSON value, used for pod-template fields the controller passes through untouched. An
 * object member may be `undefined`, meaning absent (as `JSON.stringify` treats it), so that
 * typed objects with optional fields (`Container`, `PodSpec`) are JSON values too.
 */
export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json | undefined }

/** A JSON object whose keys we do not interpret. */
export type JsonObject = { readonly [key: string]: Json | undefined }

export type Labels = Readonly<Record<string, string>>

/** RFC 3339 time as the API server writes it, e.g. `2026-01-01T00:00:00Z`. */
export type Time = string

export interface OwnerReference {
  readonly apiVersion: string
  readonly kind: string
  readonly name: string
  readonly uid: string
  readonly controller?: boolean
  readonly blockOwnerDeletion?: boolean
}

export interface ObjectMeta {
  readonly name?: string
  readonly generateName?: string
  readonly namespace?: string
  readonly uid?: string
  readonly resourceVersion?: string
  readonly generation?: number
  readonly creationTimestamp?: Time
  readonly deletionTimestamp?: Time
  readonly deletionGracePeriodSeconds?: number
  readonly labels?: Labels
  readonly annotations?: Labels
  readonly ownerReferences?: readonly OwnerReference[]
  readonly finalizers?: readonly string[]
}

// ---------------------------------------------------------------------------------------
// Label selectors

export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'

export interface LabelSelectorRequirement {
  readonly key: string
  readonly operator: LabelSelectorOperator
  readonly values?: readonly string[]
}

export interface LabelSelector {
  readonly matchLabels?: Labels
  readonly matchExpressions?: readonly LabelSelectorRequirement[]
}

// ---------------------------------------------------------------------------------------
// Pod template (only the fields the controller reads are typed; the rest passes through)

export type EnvVar = {
  readonly name: string
  readonly value?: string
  readonly valueFrom?: JsonObject
}

/** A container: name, image, command, args and env are typed; everything else is kept as is. */
export interface Container {
  readonly name: string
  readonly image?: string
  readonly command?: readonly string[]
  readonly args?: readonly string[]
  readonly env?: readonly EnvVar[]
  readonly [other: string]: Json | undefined
}

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never'

export interface PodSpec {
  readonly containers: readonly Container[]
  readonly initContainers?: readonly Container[]
  readonly restartPolicy?: string
  readonly hostname?: string
  readonly subdomain?: string
  readonly nodeName?: string
  readonly terminationGracePeriodSeconds?: number
  readonly [other: string]: Json | undefined
}

export interface PodTemplateSpec {
  readonly metadata?: ObjectMeta
  readonly spec: PodSpec
}

// ---------------------------------------------------------------------------------------
// Job spec

export type CompletionMode = 'NonIndexed' | 'Indexed'
export type PodReplacementPolicy = 'TerminatingOrFailed' | 'Failed'
export type PodFailurePolicyAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count'
export type ExitCodesOperator = 'In' | 'NotIn'
export type ConditionStatus = 'True' | 'False' | 'Unknown'

export interface PodFailurePolicyOnExitCodesRequirement {
  readonly containerName?: string
  readonly operator: ExitCodesOperator
  readonly values: readonly number[]
}

export interface PodFailurePolicyOnPodConditionsPattern {
  readonly type: string
  readonly status: ConditionStatus
}

export interface PodFailurePolicyRule {
  readonly action: PodFailurePolicyAction
  readonly onExitCodes?: PodFailurePolicyOnExitCodesRequirement
  readonly onPodConditions?: readonly PodFailurePolicyOnPodConditionsPattern[]
}

export interface PodFailurePolicy {
  readonly rules: readonly PodFailurePolicyRule[]
}

export interface SuccessPolicyRule {
  readonly succeededIndexes?: string
  readonly succeededCount?: number
}

export interface SuccessPolicy {
  readonly rules: readonly SuccessPolicyRule[]
}

/**
 * A Job's spec after defaulting (R18–R25): the fields the API server always fills in are
 * required here; the genuinely optional ones stay optional.
 */
export interface JobSpec {
  readonly parallelism: number
  /** `undefined` makes a work-queue job (R2). */
  readonly completions?: number
  readonly activeDeadlineSeconds?: number
  readonly podFailurePolicy?: PodFailurePolicy
  readonly successPolicy?: SuccessPolicy
  readonly backoffLimit: number
  readonly backoffLimitPerIndex?: number
  readonly maxFailedIndexes?: number
  readonly selector: LabelSelector
  readonly manualSelector: boolean
  readonly template: PodTemplateSpec
  readonly ttlSecondsAfterFinished?: number
  readonly completionMode: CompletionMode
  readonly suspend: boolean
  readonly podReplacementPolicy: PodReplacementPolicy
  readonly managedBy?: string
}

// ---------------------------------------------------------------------------------------
// Job status

/** The controller's condition types; other controllers may add types of their own. */
export type JobConditionType = 'Suspended' | 'Complete' | 'Failed' | 'FailureTarget' | 'SuccessCriteriaMet' | (string & {})

export interface JobCondition {
  readonly type: JobConditionType
  readonly status: ConditionStatus
  readonly lastProbeTime?: Time
  readonly lastTransitionTime?: Time
  readonly reason?: string
  readonly message?: string
}

export interface UncountedTerminatedPods {
  readonly succeeded?: readonly string[]
  readonly failed?: readonly string[]
}

export interface JobStatus {
  readonly conditions?: readonly JobCondition[]
  readonly startTime?: Time
  readonly completionTime?: Time
  readonly active?: number
  readonly ready?: number
  readonly terminating?: number
  readonly succeeded?: number
  readonly failed?: number
  readonly completedIndexes?: string
  readonly failedIndexes?: string
  readonly uncountedTerminatedPods?: UncountedTerminatedPods
}

/** A defaulted, validated batch/v1 Job. */
export interface Job {
  readonly apiVersion: 'batch/v1'
  readonly kind: 'Job'
  readonly metadata: ObjectMeta
  readonly spec: JobSpec
  readonly status?: JobStatus
}

// ---------------------------------------------------------------------------------------
// Pod: the minimal structural view the controller reads (architecture.md)

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown'

export interface PodCondition {
  readonly type: string
  readonly status: ConditionStatus
  readonly lastTransitionTime?: Time
  readonly reason?: string
  readonly message?: string
}

export interface ContainerStateTerminated {
  readonly exitCode: number
  readonly reason?: string
  readonly message?: string
  readonly startedAt?: Time
  readonly finishedAt?: Time
}

export interface ContainerState {
  readonly waiting?: { readonly reason?: string; readonly message?: string }
  readonly running?: { readonly startedAt?: Time }
  readonly terminated?: ContainerStateTerminated
}

export interface ContainerStatus {
  readonly name: string
  readonly ready?: boolean
  readonly restartCount: number
  readonly state?: ContainerState
  readonly lastState?: ContainerState
  readonly image?: string
  readonly started?: boolean
}

export interface PodStatus {
  readonly phase?: PodPhase
  readonly conditions?: readonly PodCondition[]
  readonly containerStatuses?: readonly ContainerStatus[]
  readonly initContainerStatuses?: readonly ContainerStatus[]
  readonly startTime?: Time
  readonly reason?: string
  readonly message?: string
}

/** A pod as the controller sees it. Stores may carry more fields; the core ignores them. */
export interface Pod {
  readonly apiVersion?: 'v1'
  readonly kind?: 'Pod'
  readonly metadata: ObjectMeta
  readonly spec: PodSpec
  readonly status?: PodStatus
}
