/**
 * Pod failure policy matching (spec §10.2, R134–R135; upstream `pod_failure_policy.go`).
 *
 * Only decides which rule a failed pod matches; what the action does to the counters and the
 * Job (R135–R137) is for the caller.
 */
import type {
  ContainerStatus,
  Pod,
  PodCondition,
  PodFailurePolicy,
  PodFailurePolicyAction,
  PodFailurePolicyOnExitCodesRequirement,
  PodFailurePolicyOnPodConditionsPattern,
} from '../model/types.js'

/** The first rule a failed pod matched: its action, its position, and the R135 message. */
export interface FailurePolicyMatch {
  readonly action: PodFailurePolicyAction
  readonly ruleIndex: number
  readonly message: string
}

const KNOWN_ACTIONS: ReadonlySet<string> = new Set<PodFailurePolicyAction>(['FailJob', 'FailIndex', 'Ignore', 'Count'])

function isKnownAction(action: string): action is PodFailurePolicyAction {
  return KNOWN_ACTIONS.has(action)
}

/** Whether `exitCode` satisfies the operator; an unknown operator never matches. */
function exitCodeMatches(exitCode: number, requirement: PodFailurePolicyOnExitCodesRequirement): boolean {
  const operator: string = requirement.operator
  if (operator === 'In') return requirement.values.includes(exitCode)
  if (operator === 'NotIn') return !requirement.values.includes(exitCode)
  return false
}

/** The first terminated, non-zero container status in `statuses` satisfying `requirement`. */
function firstMatchingContainer(
  statuses: ReadonlyArray<ContainerStatus> | undefined,
  requirement: PodFailurePolicyOnExitCodesRequirement,
): { readonly name: string; readonly exitCode: number } | undefined {
  for (const status of statuses ?? []) {
    const terminated = status.state?.terminated
    if (terminated === undefined) continue
    if (requirement.containerName !== undefined && requirement.containerName !== status.name) continue
    if (terminated.exitCode !== 0 && exitCodeMatches(terminated.exitCode, requirement)) {
      return { name: status.name, exitCode: terminated.exitCode }
    }
  }
  return undefined
}

/** The first pod condition (in the pod's order) equal in type and status to some pattern. */
function firstMatchingCondition(
  conditions: ReadonlyArray<PodCondition> | undefined,
  patterns: ReadonlyArray<PodFailurePolicyOnPodConditionsPattern>,
): PodCondition | undefined {
  return conditions?.find((condition) =>
    patterns.some((pattern) => condition.type === pattern.type && condition.status === pattern.status),
  )
}

/**
 * R134–R135: the first rule of `policy` that `pod` matches, or `undefined` (counted normally).
 *
 * - `onExitCodes` looks at app container statuses first, then init container statuses; only
 *   containers terminated with a non-zero exit code, restricted to `containerName` if given.
 * - `onPodConditions` matches when some pod condition has the type and status of a pattern.
 * - A rule carrying both is judged on `onExitCodes` alone (validation forbids it anyway), a
 *   rule carrying neither never matches, and a rule whose action this controller does not
 *   know is skipped.
 *
 * Messages, with the rule's action in place of `FailJob`:
 * `Container <c> for pod <ns>/<pod> failed with exit code <code> matching FailJob rule at index <i>`
 * and `Pod <ns>/<pod> has condition <type> matching FailJob rule at index <i>`.
 * The caller is expected to pass a pod it considers failed (R134).
 */
export function matchPodFailurePolicy(policy: PodFailurePolicy, pod: Pod): FailurePolicyMatch | undefined {
  const namespace = pod.metadata.namespace ?? ''
  const name = pod.metadata.name ?? ''
  for (const [ruleIndex, rule] of policy.rules.entries()) {
    const action: string = rule.action
    if (!isKnownAction(action)) continue
    if (rule.onExitCodes !== undefined) {
      const container =
        firstMatchingContainer(pod.status?.containerStatuses, rule.onExitCodes) ??
        firstMatchingContainer(pod.status?.initContainerStatuses, rule.onExitCodes)
      if (container === undefined) continue
      const message = `Container ${container.name} for pod ${namespace}/${name} failed with exit code ${container.exitCode} matching ${action} rule at index ${ruleIndex}`
      return { action, ruleIndex, message }
    }
    if (rule.onPodConditions !== undefined) {
      const condition = firstMatchingCondition(pod.status?.conditions, rule.onPodConditions)
      if (condition === undefined) continue
      const message = `Pod ${namespace}/${name} has condition ${condition.type} matching ${action} rule at index ${ruleIndex}`
      return { action, ruleIndex, message }
    }
  }
  return undefined
}
