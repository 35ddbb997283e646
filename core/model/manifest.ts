/**
 * The undefaulted shape of a batch/v1 Job manifest, as a client sends it: every field the API
 * has optional is optional here too. `decodeJob` produces it; `applyDefaults` and
 * `prepareJobForCreate` turn it into the `Job` the core works on.
 */
import type {
  CompletionMode,
  ConditionStatus,
  EnvVar,
  ExitCodesOperator,
  Json,
  JobStatus,
  LabelSelector,
  ObjectMeta,
  PodFailurePolicyAction,
  PodReplacementPolicy,
  SuccessPolicyRule,
} from './types.js'

/** A container as written in a manifest: `name` may be missing (validation reports it). */
export interface ContainerManifest {
  readonly name?: string
  readonly image?: string
  readonly command?: readonly string[]
  readonly args?: readonly string[]
  readonly env?: readonly EnvVar[]
  readonly [other: string]: Json | undefined
}

/** A pod spec as written in a manifest; untyped fields pass through. */
export interface PodSpecManifest {
  readonly containers?: readonly ContainerManifest[]
  readonly initContainers?: readonly ContainerManifest[]
  readonly restartPolicy?: string
  readonly hostname?: string
  readonly subdomain?: string
  readonly nodeName?: string
  readonly terminationGracePeriodSeconds?: number
  readonly [other: string]: Json | undefined
}

/** A pod template as written in a manifest. */
export interface PodTemplateSpecManifest {
  readonly metadata?: ObjectMeta
  readonly spec?: PodSpecManifest
}

/** `onExitCodes` as written; `values` may be omitted (R46 reports it as `null`). */
export interface PodFailurePolicyOnExitCodesRequirementManifest {
  readonly containerName?: string
  readonly operator: ExitCodesOperator
  readonly values?: readonly number[]
}

/** An `onPodConditions` pattern as written; an empty or missing `status` defaults to `True` (R23). */
export interface PodFailurePolicyOnPodConditionsPatternManifest {
  readonly type?: string
  readonly status?: ConditionStatus | ''
}

/** A pod-failure-policy rule as written. */
export interface PodFailurePolicyRuleManifest {
  readonly action: PodFailurePolicyAction
  readonly onExitCodes?: PodFailurePolicyOnExitCodesRequirementManifest
  readonly onPodConditions?: readonly PodFailurePolicyOnPodConditionsPatternManifest[]
}

/** `spec.podFailurePolicy` as written. */
export interface PodFailurePolicyManifest {
  readonly rules?: readonly PodFailurePolicyRuleManifest[]
}

/** `spec.successPolicy` as written. */
export interface SuccessPolicyManifest {
  readonly rules?: readonly SuccessPolicyRule[]
}

/** A Job's spec as written: everything optional, nothing defaulted. */
export interface JobSpecManifest {
  readonly parallelism?: number
  readonly completions?: number
  readonly activeDeadlineSeconds?: number
  readonly podFailurePolicy?: PodFailurePolicyManifest
  readonly successPolicy?: SuccessPolicyManifest
  readonly backoffLimit?: number
  readonly backoffLimitPerIndex?: number
  readonly maxFailedIndexes?: number
  readonly selector?: LabelSelector
  readonly manualSelector?: boolean
  readonly template?: PodTemplateSpecManifest
  readonly ttlSecondsAfterFinished?: number
  readonly completionMode?: CompletionMode
  readonly suspend?: boolean
  readonly podReplacementPolicy?: PodReplacementPolicy
  readonly managedBy?: string
}

/** A batch/v1 Job manifest as a client sends it, before defaulting. */
export interface JobManifest {
  readonly apiVersion: 'batch/v1'
  readonly kind: 'Job'
  readonly metadata?: ObjectMeta
  readonly spec?: JobSpecManifest
  readonly status?: JobStatus
}

