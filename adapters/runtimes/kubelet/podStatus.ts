/**
 * The kubelet's bookkeeping, shared by the pod runtimes: which pods a runtime may take, and
 * how a pod's status follows from its containers' states (phase, conditions, readiness).
 * Pure functions over the model types; the runtimes decide what happens to each container
 * and call these to keep the rest of the status consistent.
 */
import type { ObjectKey } from '../../ports/JobStore.js'
import type {
  ConditionStatus,
  Container,
  ContainerStateTerminated,
  ContainerStatus,
  Pod,
  PodCondition,
  PodPhase,
  PodStatus,
  RestartPolicy,
  Time,
} from '../../../core/model/types.js'

/** Init containers run one after another before the app containers. */
export type ContainerKind = 'init' | 'app'

/** The conditions a runtime owns; any other condition on the pod (e.g. `DisruptionTarget`) is kept as it is. */
export const KUBELET_CONDITIONS: ReadonlySet<string> = new Set(['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'])

/** The default grace period of a pod, as the API server defaults `terminationGracePeriodSeconds`. */
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30

/** The exit code a process reports when a signal ended it: 128 + the signal number (SIGTERM 143, SIGKILL 137). */
export const SIGTERM_EXIT_CODE = 143
export const SIGKILL_EXIT_CODE = 137

/** The store key of a pod. */
export function podKey(pod: Pod): ObjectKey {
  return { namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '' }
}

/** `namespace/name`, for maps and messages. */
export function keyString(key: ObjectKey): string {
  return `${key.namespace}/${key.name}`
}

export function isTerminalPhase(phase: PodPhase | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed'
}

/** Whether a runtime may take (bind) this pod: not yet bound, not finished, not being deleted. */
export function isUnboundAndRunnable(pod: Pod): boolean {
  return (
    (pod.spec.nodeName === undefined || pod.spec.nodeName === '') &&
    !isTerminalPhase(pod.status?.phase) &&
    pod.metadata.deletionTimestamp === undefined
  )
}

/** The pod's restart policy; the API server defaults it to `Always` (a Job's template must say `OnFailure` or `Never`). */
export function restartPolicyOf(pod: Pod): RestartPolicy {
  const policy = pod.spec.restartPolicy
  return policy === 'OnFailure' || policy === 'Never' ? policy : 'Always'
}

/** Whether the kubelet runs this container again after it exited with `exitCode`. */
export function shouldRestart(kind: ContainerKind, policy: RestartPolicy, exitCode: number): boolean {
  if (kind === 'init') return policy !== 'Never' && exitCode !== 0
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0)
}

/** How long the kubelet waits for a deleted pod's containers before killing them. */
export function gracePeriodSeconds(pod: Pod): number {
  return (
    pod.metadata.deletionGracePeriodSeconds ??
    pod.spec.terminationGracePeriodSeconds ??
    DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS
  )
}

/** `Completed` for exit code 0, `Error` otherwise, as container runtimes report it. */
export function terminationReason(exitCode: number): 'Completed' | 'Error' {
  return exitCode === 0 ? 'Completed' : 'Error'
}

/** The exit code of a process that ended with `code` or was ended by `signal`. */
export function exitCodeOf(code: number | null, signalNumber: number | undefined): number {
  if (code !== null) return code
  return 128 + (signalNumber ?? 9)
}

function waitingStatus(container: Container, reason: string): ContainerStatus {
  return {
    name: container.name,
    ...(container.image !== undefined ? { image: container.image } : {}),
    ready: false,
    started: false,
    restartCount: 0,
    state: { waiting: { reason } },
  }
}

/**
 * The status a runtime writes when it takes a pod: `Pending`, scheduled, start time now,
 * every container waiting to be created.
 */
export function initialStatus(pod: Pod, now: Time): PodStatus {
  const init = pod.spec.initContainers ?? []
  const appReason = init.length > 0 ? 'PodInitializing' : 'ContainerCreating'
  const status: PodStatus = {
    phase: 'Pending',
    startTime: now,
    conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: now }],
    ...(init.length > 0
      ? { initContainerStatuses: init.map((c, i) => waitingStatus(c, i === 0 ? 'ContainerCreating' : 'PodInitializing')) }
      : {}),
    containerStatuses: pod.spec.containers.map((c) => waitingStatus(c, appReason)),
  }
  return recompute(status, now)
}

/** Replaces one container's status (by kind and name) and recomputes the phase and conditions. */
export function updateContainer(
  status: PodStatus,
  kind: ContainerKind,
  name: string,
  update: (container: ContainerStatus) => ContainerStatus,
  now: Time,
): PodStatus {
  const field = kind === 'init' ? 'initContainerStatuses' : 'containerStatuses'
  const list = status[field] ?? []
  return recompute({ ...status, [field]: list.map((c) => (c.name === name ? update(c) : c)) }, now)
}

/** A container that has just started (again). */
export function runningContainer(container: ContainerStatus, startedAt: Time, ready: boolean): ContainerStatus {
  const { state: _previous, ...rest } = container
  return { ...rest, ready, started: true, state: { running: { startedAt } } }
}

/**
 * A container that stopped and will be started again: the termination moves to `lastState`,
 * the container waits in `CrashLoopBackOff`.
 */
export function restartingContainer(
  container: ContainerStatus,
  terminated: ContainerStateTerminated,
  message: string,
): ContainerStatus {
  return {
    ...container,
    ready: false,
    started: false,
    lastState: { terminated },
    state: { waiting: { reason: 'CrashLoopBackOff', message } },
  }
}

/** A container that stopped for good. */
export function terminatedContainer(container: ContainerStatus, terminated: ContainerStateTerminated): ContainerStatus {
  return { ...container, ready: false, started: false, state: { terminated } }
}

/**
 * Ends every container that has not ended: a running one with `runningExit` (the runtime
 * says how it was stopped), one waiting to restart with its last termination, one that never
 * ran as `ContainerStatusUnknown` with exit code 137, as the kubelet reports containers of a
 * pod deleted before they started. Phase and conditions follow (`Failed` unless every app
 * container exited 0).
 */
export function terminateRemaining(
  status: PodStatus,
  now: Time,
  runningExit: (container: ContainerStatus) => ContainerStateTerminated,
): PodStatus {
  const end = (c: ContainerStatus): ContainerStatus => {
    if (c.state?.terminated !== undefined) return c
    if (c.state?.running !== undefined) return terminatedContainer(c, runningExit(c))
    if (c.lastState?.terminated !== undefined) return terminatedContainer(c, c.lastState.terminated)
    return terminatedContainer(c, {
      exitCode: SIGKILL_EXIT_CODE,
      reason: 'ContainerStatusUnknown',
      message: 'The container could not be located when the pod was terminated',
    })
  }
  const ended: PodStatus = {
    ...status,
    ...(status.initContainerStatuses !== undefined ? { initContainerStatuses: status.initContainerStatuses.map(end) } : {}),
    containerStatuses: (status.containerStatuses ?? []).map(end),
  }
  return recompute(ended, now)
}

/** The condition pod GC puts on the pods of a node that is gone (Kubernetes' `DisruptionTarget`, reason `DeletionByPodGC`). */
export const DISRUPTION_TARGET = 'DisruptionTarget'
export const LOST_NODE_REASON = 'DeletionByPodGC'
export const LOST_NODE_MESSAGE = "PodGC: the pod's containers are gone from its node (the local runtime lost them)"

/**
 * The status of a pod whose containers are gone with its node (a crash that took their
 * supervisors, a reboot): what has not ended ends as `ContainerStatusUnknown` (137), the pod
 * `Failed` with `DisruptionTarget`, as pod GC marks the pods of a lost node, so that a pod
 * failure policy rule on `DisruptionTarget` sees a disruption, not a failure of the pod's own.
 */
export function lostPodStatus(status: PodStatus, now: Time): PodStatus {
  const ended = terminateRemaining(status, now, () => ({
    exitCode: SIGKILL_EXIT_CODE,
    reason: 'ContainerStatusUnknown',
    message: 'The container could not be located when the pod was terminated',
  }))
  return {
    ...ended,
    phase: 'Failed',
    conditions: setCondition(ended.conditions ?? [], DISRUPTION_TARGET, 'True', now, LOST_NODE_REASON, LOST_NODE_MESSAGE),
  }
}

function isTerminatedWith(c: ContainerStatus, predicate: (exitCode: number) => boolean): boolean {
  const terminated = c.state?.terminated
  return terminated !== undefined && predicate(terminated.exitCode)
}

/**
 * The phase that follows from the containers: a container in `state.terminated` has ended
 * for good (one that will restart waits with its termination in `lastState`). Terminal
 * phases never change.
 */
export function phaseOf(status: PodStatus): PodPhase {
  if (isTerminalPhase(status.phase)) return status.phase ?? 'Failed'
  const init = status.initContainerStatuses ?? []
  const app = status.containerStatuses ?? []
  if (init.some((c) => isTerminatedWith(c, (code) => code !== 0))) return 'Failed'
  if (!init.every((c) => isTerminatedWith(c, (code) => code === 0))) return 'Pending'
  if (app.length > 0 && app.every((c) => c.state?.terminated !== undefined)) {
    return app.every((c) => isTerminatedWith(c, (code) => code === 0)) ? 'Succeeded' : 'Failed'
  }
  const hasRun = app.some(
    (c) => c.state?.running !== undefined || c.state?.terminated !== undefined || c.lastState?.terminated !== undefined,
  )
  return hasRun ? 'Running' : 'Pending'
}

/** Sets a condition, keeping its `lastTransitionTime` when its status does not change. */
export function setCondition(
  conditions: ReadonlyArray<PodCondition>,
  type: string,
  status: ConditionStatus,
  now: Time,
  reason?: string,
  message?: string,
): ReadonlyArray<PodCondition> {
  const existing = conditions.find((c) => c.type === type)
  const next: PodCondition = {
    type,
    status,
    lastTransitionTime: existing !== undefined && existing.status === status ? (existing.lastTransitionTime ?? now) : now,
    ...(reason !== undefined ? { reason } : {}),
    ...(message !== undefined ? { message } : {}),
  }
  return existing === undefined ? [...conditions, next] : conditions.map((c) => (c.type === type ? next : c))
}

/** Recomputes the phase and the `Initialized`, `ContainersReady` and `Ready` conditions. */
export function recompute(status: PodStatus, now: Time): PodStatus {
  const phase = phaseOf(status)
  const terminal = isTerminalPhase(phase)
  const init = status.initContainerStatuses ?? []
  const app = status.containerStatuses ?? []
  const initialized = init.every((c) => isTerminatedWith(c, (code) => code === 0))
  const ready = phase === 'Running' && app.length > 0 && app.every((c) => c.ready === true)
  const notReadyReason = terminal ? 'PodCompleted' : 'ContainersNotReady'
  let conditions = status.conditions ?? []
  conditions = initialized
    ? setCondition(conditions, 'Initialized', 'True', now)
    : setCondition(conditions, 'Initialized', 'False', now, 'ContainersNotInitialized')
  conditions = ready
    ? setCondition(conditions, 'ContainersReady', 'True', now)
    : setCondition(conditions, 'ContainersReady', 'False', now, notReadyReason)
  conditions = ready
    ? setCondition(conditions, 'Ready', 'True', now)
    : setCondition(conditions, 'Ready', 'False', now, notReadyReason)
  return { ...status, phase, conditions }
}

/**
 * The status to write: ours, plus the conditions someone else put on the pod (the runtime
 * writes whole statuses, so it carries over what it does not own, as the kubelet does).
 */
export function withForeignConditions(status: PodStatus, current: Pod | undefined): PodStatus {
  const ours = new Set((status.conditions ?? []).map((c) => c.type))
  const foreign = (current?.status?.conditions ?? []).filter((c) => !ours.has(c.type) && !KUBELET_CONDITIONS.has(c.type))
  return foreign.length === 0 ? status : { ...status, conditions: [...(status.conditions ?? []), ...foreign] }
}
