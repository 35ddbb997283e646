/**
 * Pod classification: what the controller reads from a pod (spec §4, R68–R74, R131).
 */
import type { OwnerReference, Pod } from '../model/types.js'
import { COMPLETION_INDEX_ANNOTATION, TRACKING_FINALIZER } from '../model/wellKnown.js'
import { parseGoInt } from './intervals.js'

/** Whether the pod reached a terminal phase (`Succeeded` or `Failed`). */
export function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase
  return phase === 'Succeeded' || phase === 'Failed'
}

/** R68: not terminal and not being deleted. */
export function isActive(pod: Pod): boolean {
  return !isTerminal(pod) && pod.metadata.deletionTimestamp === undefined
}

/** R69: being deleted (`deletionTimestamp` set) but not yet terminal. */
export function isTerminating(pod: Pod): boolean {
  return pod.metadata.deletionTimestamp !== undefined && !isTerminal(pod)
}

/** Whether the pod's first `Ready` condition has status `True` (upstream `IsPodReady`). */
export function hasReadyCondition(pod: Pod): boolean {
  const ready = pod.status?.conditions?.find((condition) => condition.type === 'Ready')
  return ready?.status === 'True'
}

/** R70: active and `Ready=True`. */
export function isReady(pod: Pod): boolean {
  return isActive(pod) && hasReadyCondition(pod)
}

/**
 * R71 ("isPodFailed"): phase `Failed`; or, unless the job replaces only failed pods (R72,
 * `podReplacementPolicy: Failed`), being deleted without having succeeded.
 */
export function isConsideredFailed(pod: Pod, replaceOnlyFailed: boolean): boolean {
  const phase = pod.status?.phase
  if (phase === 'Failed') return true
  if (replaceOnlyFailed) return false
  return pod.metadata.deletionTimestamp !== undefined && phase !== 'Succeeded'
}

/** Whether the pod carries the `batch.kubernetes.io/job-tracking` finalizer (R73). */
export function hasTrackingFinalizer(pod: Pod): boolean {
  return pod.metadata.finalizers?.includes(TRACKING_FINALIZER) ?? false
}

/**
 * R74: the `batch.kubernetes.io/job-completion-index` annotation as a non-negative integer
 * (read like Go's `strconv.Atoi`, so `"+3"` and `"03"` are 3); missing, unparsable or
 * negative ⇒ `undefined`. Whether it is `< completions` is for the caller to check.
 */
export function completionIndexOf(pod: Pod): number | undefined {
  const text = pod.metadata.annotations?.[COMPLETION_INDEX_ANNOTATION]
  if (text === undefined) return undefined
  const index = parseGoInt(text)
  return index === undefined || index < 0 ? undefined : index
}

/** The pod's controller owner reference (the first one with `controller: true`), if any. */
export function controllerRefOf(pod: Pod): OwnerReference | undefined {
  // A loop, not `find` with a closure: the controller asks this several times per pod event.
  for (const ref of pod.metadata.ownerReferences ?? []) if (ref.controller === true) return ref
  return undefined
}

/** Whether the pod's controller owner reference points at the Job with this UID. */
export function isControlledBy(pod: Pod, jobUid: string): boolean {
  return controllerRefOf(pod)?.uid === jobUid
}

/**
 * R131: the sum of `restartCount` over every init container status (sidecars included) and
 * every app container status of the pod.
 */
export function restartCountSum(pod: Pod): number {
  let sum = 0
  for (const status of pod.status?.initContainerStatuses ?? []) sum += status.restartCount
  for (const status of pod.status?.containerStatuses ?? []) sum += status.restartCount
  return sum
}
