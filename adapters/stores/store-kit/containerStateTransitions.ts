/**
 * The API server's one rule on how a pod's status may move (`ValidatePodStatusUpdate` in
 * Kubernetes 1.36): a container whose status is `terminated` may not go back to `waiting` or
 * `running` unless it would be restarted, by its own `restartPolicy` and `restartPolicyRules`
 * or else the pod's `restartPolicy` (Never: never; OnFailure: after a non-zero exit; Always:
 * always). A rule with the action `RestartAllContainers` anywhere in the pod lets every
 * container restart. (These are the 1.36 defaults of the ContainerRestartRules and
 * RestartAllContainersOnContainerExits features; with neither, the rules are the same for pods
 * without container-level restart policies.) The refusal is
 * `status.containerStatuses[i].state: Forbidden: may not be transitioned to non-terminated state`,
 * `i` the index in the stored status, and the same under `status.initContainerStatuses`.
 *
 * The pod's `phase` is not checked: the API server accepts a status that moves a pod from
 * `Failed` to `Succeeded` (upstream's Job controller counts such a pod once, as failed: R114).
 * Keeping a terminal phase is the kubelet's rule, not the API server's.
 */
import type { FieldError } from '../../../core/model/fieldErrors.js'
import { forbidden } from '../../../core/model/fieldErrors.js'
import type { Container, ContainerStatus, Json, Pod, PodSpec, PodStatus } from '../../../core/model/types.js'

/** The API server's message. */
export const NOT_BACK_FROM_TERMINATED = 'may not be transitioned to non-terminated state'

/** The field errors of a status write that takes a terminated container back to a non-terminated state. */
export function containerStateTransitionErrors(stored: Pod, status: PodStatus): FieldError[] {
  const spec = stored.spec
  if (anyRestartsAll(spec)) return []
  return [
    ...leavingTerminated(stored.status?.containerStatuses, status.containerStatuses, spec.containers, spec, 'status.containerStatuses'),
    ...leavingTerminated(stored.status?.initContainerStatuses, status.initContainerStatuses, spec.initContainers ?? [], spec, 'status.initContainerStatuses'),
  ]
}

function leavingTerminated(
  before: ReadonlyArray<ContainerStatus> | undefined,
  after: ReadonlyArray<ContainerStatus> | undefined,
  containers: ReadonlyArray<Container>,
  spec: PodSpec,
  path: string,
): FieldError[] {
  const errors: FieldError[] = []
  for (const [i, old] of (before ?? []).entries()) {
    const terminated = old.state?.terminated
    if (terminated === undefined) continue
    const next = (after ?? []).find((s) => s.name === old.name)
    if (next === undefined || next.state?.terminated !== undefined) continue
    const container = containers.find((c) => c.name === old.name)
    // A status for a container the spec does not have may not leave `terminated` either.
    if (container === undefined || !shouldRestart(container, spec, terminated.exitCode)) errors.push(forbidden(`${path}[${i}].state`, NOT_BACK_FROM_TERMINATED))
  }
  return errors
}

/** Whether the kubelet restarts `container` after it exited with `exitCode` (upstream's `ContainerShouldRestart`). */
function shouldRestart(container: Container, spec: PodSpec, exitCode: number): boolean {
  const own = container['restartPolicy']
  if (typeof own === 'string') {
    const action = matchingRuleAction(container['restartPolicyRules'], exitCode)
    if (action === 'Restart' || action === 'RestartAllContainers') return true
    const byOwnPolicy = byPolicy(own, exitCode)
    if (byOwnPolicy !== undefined) return byOwnPolicy
  }
  return byPolicy(spec.restartPolicy ?? 'Always', exitCode) ?? true
}

function byPolicy(policy: string, exitCode: number): boolean | undefined {
  switch (policy) {
    case 'Always':
      return true
    case 'OnFailure':
      return exitCode !== 0
    case 'Never':
      return false
    default:
      return undefined
  }
}

/** The action of the first rule whose `exitCodes` match (`In` or `NotIn` its values). */
function matchingRuleAction(rules: Json | undefined, exitCode: number): string | undefined {
  if (!Array.isArray(rules)) return undefined
  for (const rule of rules) {
    const exitCodes = field(rule, 'exitCodes')
    const values = field(exitCodes, 'values')
    const listed = Array.isArray(values) && values.includes(exitCode)
    const operator = field(exitCodes, 'operator')
    if ((operator === 'In' && listed) || (operator === 'NotIn' && !listed)) {
      const action = field(rule, 'action')
      return typeof action === 'string' ? action : undefined
    }
  }
  return undefined
}

function anyRestartsAll(spec: PodSpec): boolean {
  return [...(spec.initContainers ?? []), ...spec.containers].some((c) => {
    const rules = c['restartPolicyRules']
    return Array.isArray(rules) && rules.some((rule) => field(rule, 'action') === 'RestartAllContainers')
  })
}

function field(value: Json | undefined, name: string): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { readonly [key: string]: Json | undefined })[name] : undefined
}
