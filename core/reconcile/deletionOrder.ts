/**
 * Which active pods to delete first (spec R99; upstream `controller.ActivePods`).
 *
 * Least valuable first: unassigned before assigned; `Pending` < `Unknown` < `Running`; not
 * ready before ready; among ready pods the one ready most recently first; higher restart
 * count first; newer (or missing) `creationTimestamp` first. The Job controller does not use
 * pod-deletion-cost. Upstream leaves ties in arbitrary order; here they are broken by name,
 * then UID, so that the plan does not depend on the order the store listed the pods in.
 */
import type { Pod } from '../model/types.js'
import { parseTime } from '../model/time.js'
import { hasReadyCondition } from './podState.js'

/** The sort key of one pod; lower fields first, compared in order. */
interface DeletionKey {
  readonly assigned: number
  readonly phase: number
  readonly ready: number
  /** Ready pods only: `undefined` is "no time" (sorts first), later times sort first. */
  readonly readySince: number | undefined
  readonly maxRestarts: number
  readonly created: number | undefined
  readonly name: string
  readonly uid: string
}

/** Upstream's `podPhaseToOrdinal`; any other phase (including none) counts as `Pending`. */
function phaseOrdinal(pod: Pod): number {
  const phase = pod.status?.phase
  return phase === 'Running' ? 2 : phase === 'Unknown' ? 1 : 0
}

function keyOf(pod: Pod): DeletionKey {
  const ready = hasReadyCondition(pod)
  const readyCondition = ready
    ? pod.status?.conditions?.find((condition) => condition.type === 'Ready' && condition.status === 'True')
    : undefined
  let maxRestarts = 0
  for (const status of pod.status?.containerStatuses ?? []) maxRestarts = Math.max(maxRestarts, status.restartCount)
  return {
    assigned: pod.spec.nodeName === undefined || pod.spec.nodeName === '' ? 0 : 1,
    phase: phaseOrdinal(pod),
    ready: ready ? 1 : 0,
    readySince: parseTime(readyCondition?.lastTransitionTime),
    maxRestarts,
    created: parseTime(pod.metadata.creationTimestamp),
    name: pod.metadata.name ?? '',
    uid: pod.metadata.uid ?? '',
  }
}

/** Upstream's `afterOrZero` as a comparator: missing first, then later before earlier. */
function compareNewerFirst(a: number | undefined, b: number | undefined): number {
  if (a === b) return 0
  if (a === undefined) return -1
  if (b === undefined) return 1
  return b - a
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function compareKeys(a: DeletionKey, b: DeletionKey): number {
  return (
    a.assigned - b.assigned ||
    a.phase - b.phase ||
    a.ready - b.ready ||
    (a.ready === 1 ? compareNewerFirst(a.readySince, b.readySince) : 0) ||
    b.maxRestarts - a.maxRestarts ||
    compareNewerFirst(a.created, b.created) ||
    compareStrings(a.name, b.name) ||
    compareStrings(a.uid, b.uid)
  )
}

/**
 * R99 as a comparator: negative when `a` is less valuable than `b` (deleted first), positive
 * when more valuable, 0 only for pods equal in every criterion including name and UID.
 */
export function compareForDeletion(a: Pod, b: Pod): number {
  return Math.sign(compareKeys(keyOf(a), keyOf(b)))
}

/**
 * The `count` least valuable pods of `pods` in R99 order (all of them, ordered, when `count`
 * is at least their number). Keys are computed once per pod; `pods` is not modified.
 */
export function pickPodsToDelete(pods: ReadonlyArray<Pod>, count: number): Pod[] {
  if (count <= 0 || pods.length === 0) return []
  const keyed = pods.map((pod) => ({ pod, key: keyOf(pod) }))
  keyed.sort((x, y) => compareKeys(x.key, y.key))
  return keyed.slice(0, Math.min(count, keyed.length)).map(({ pod }) => pod)
}
