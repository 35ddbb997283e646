import type { Job, JobStatus, Pod } from '../model/types.js'
import { parseTime } from '../model/time.js'
import type { BackoffRecord, BackoffSettings } from './backoff.js'
import { backoffSettingsFor, emptyBackoffRecord, nextBackoffRecord } from './backoff.js'
import type { FailurePolicyMatch } from './podFailurePolicy.js'
import { matchPodFailurePolicy } from './podFailurePolicy.js'
import type { EngineSettings, ReconcileOptions } from './options.js'
import {
  completionIndexOf,
  hasTrackingFinalizer,
  isActive,
  isConsideredFailed,
  isReady,
  isTerminating,
} from './podState.js'

/**
 * Everything one sync knows about the Job and its pods, computed once (R81–R87) and read
 * by the decision steps.
 */
export interface SyncContext {
  readonly job: Job
  readonly status: JobStatus
  readonly nowMs: number
  readonly settings: EngineSettings
  readonly backoffSettings: BackoffSettings
  readonly isIndexed: boolean
  readonly completions: number | undefined
  readonly replaceOnlyFailed: boolean
  readonly expectationsSatisfied: boolean
  readonly pods: ReadonlyArray<Pod>
  readonly activePods: ReadonlyArray<Pod>
  readonly ready: number
  readonly terminating: number
  readonly uncountedSucceeded: ReadonlySet<string>
  readonly uncountedFailed: ReadonlySet<string>
  /** Pods whose outcome may still change the counters (R73). */
  readonly isTracked: (pod: Pod) => boolean
  /** Whether the pod counts as failed (R71) under this Job's replacement policy. */
  readonly isFailed: (pod: Pod) => boolean
  /** The pod-failure-policy rule a failed pod matches, if the Job has a policy (memoised). */
  readonly failurePolicyMatch: (pod: Pod) => FailurePolicyMatch | undefined
  /** Whether a pod has a completion index in [0, completions). */
  readonly validIndexOf: (pod: Pod) => number | undefined
  readonly newlySucceeded: ReadonlyArray<Pod>
  readonly newlyFailed: ReadonlyArray<Pod>
  /** Working counters (R85). Indexed jobs replace `succeeded` by the completed-index count. */
  readonly succeeded: number
  readonly failed: number
  readonly startTime: string | undefined
  readonly startTimeMs: number | undefined
  /** The back-off record including this sync's newly finished pods (R87). */
  readonly backoff: BackoffRecord
}

export function buildSyncContext(
  job: Job,
  pods: ReadonlyArray<Pod>,
  nowMs: number,
  settings: EngineSettings,
  options: ReconcileOptions,
  startTime: string | undefined,
): SyncContext {
  const status = job.status ?? {}
  const isIndexed = job.spec.completionMode === 'Indexed'
  const completions = job.spec.completions
  const replaceOnlyFailed = job.spec.podReplacementPolicy === 'Failed'
  const removalExpected = options.finalizerRemovalExpected
  const isTracked = (pod: Pod): boolean =>
    hasTrackingFinalizer(pod) && !(removalExpected?.has(pod.metadata.uid ?? '') ?? false)
  const isFailed = (pod: Pod): boolean => isConsideredFailed(pod, replaceOnlyFailed)
  const validIndexOf = (pod: Pod): number | undefined => {
    const index = completionIndexOf(pod)
    return index !== undefined && index < (completions ?? 0) ? index : undefined
  }
  const policy = job.spec.podFailurePolicy
  const matches = new Map<Pod, FailurePolicyMatch | undefined>()
  const failurePolicyMatch = (pod: Pod): FailurePolicyMatch | undefined => {
    if (policy === undefined) return undefined
    if (!matches.has(pod)) matches.set(pod, matchPodFailurePolicy(policy, pod))
    return matches.get(pod)
  }

  const uncountedSucceeded = new Set(status.uncountedTerminatedPods?.succeeded ?? [])
  const uncountedFailed = new Set(status.uncountedTerminatedPods?.failed ?? [])
  const activePods: Pod[] = []
  const newlySucceeded: Pod[] = []
  const newlyFailed: Pod[] = []
  let ready = 0
  let terminating = 0
  let newlyFailedCounted = 0
  for (const pod of pods) {
    if (isActive(pod)) {
      activePods.push(pod)
      if (isReady(pod)) ready++
    }
    if (isTerminating(pod)) terminating++
    if (!isTracked(pod)) continue
    if (isIndexed && validIndexOf(pod) === undefined) continue
    const uid = pod.metadata.uid ?? ''
    if (pod.status?.phase === 'Succeeded') {
      if (!uncountedSucceeded.has(uid) && !uncountedFailed.has(uid)) newlySucceeded.push(pod)
    } else if (isFailed(pod) && !uncountedFailed.has(uid)) {
      newlyFailed.push(pod)
      if (failurePolicyMatch(pod)?.action !== 'Ignore') newlyFailedCounted++
    }
  }

  const backoffSettings = backoffSettingsFor(job, settings.backoff)
  return {
    job,
    status,
    nowMs,
    settings,
    backoffSettings,
    isIndexed,
    completions,
    replaceOnlyFailed,
    expectationsSatisfied: options.expectationsSatisfied ?? true,
    pods,
    activePods,
    ready,
    terminating,
    uncountedSucceeded,
    uncountedFailed,
    isTracked,
    isFailed,
    failurePolicyMatch,
    validIndexOf,
    newlySucceeded,
    newlyFailed,
    succeeded: (status.succeeded ?? 0) + newlySucceeded.length + uncountedSucceeded.size,
    failed: (status.failed ?? 0) + newlyFailedCounted + uncountedFailed.size,
    startTime,
    startTimeMs: parseTime(startTime),
    backoff: nextBackoffRecord(options.backoff ?? emptyBackoffRecord, newlySucceeded, newlyFailed),
  }
}
