import type { PodFailurePolicyAction, JobStatus } from '../model/types.js'
import { BUILT_IN_CONTROLLER } from '../model/wellKnown.js'
import type { Action } from './actions.js'
import type { BackoffRecord, BackoffSettings } from './backoff.js'
import { DOCUMENTED_BACKOFF } from './backoff.js'

/** Engine-wide settings; upstream's values are the defaults unless the spec says otherwise. */
export interface EngineSettings {
  /** The `spec.managedBy` value this engine answers to (R78, R172). */
  readonly controllerName: string
  /** Pod-failure back-off (R126); per-job annotations may override it. */
  readonly backoff: BackoffSettings
  /** Upstream's `MaxPodCreateDeletePerSync` (R96, R100). */
  readonly maxPodCreateDeletePerSync: number
  /** Upstream's `MaxUncountedPods` (R109). */
  readonly maxUncountedPods: number
  /**
   * Whether this engine also deletes finished Jobs managed by other controllers once their
   * TTL expires, as Kubernetes' TTL controller does (R166). True where the engine is the only
   * controller; false beside a cluster's own TTL controller.
   */
  readonly ttlForEveryJob: boolean
}

/** Upstream's constants, with the documented 6-minute back-off cap (R126's project decision). */
export const defaultEngineSettings: EngineSettings = {
  controllerName: BUILT_IN_CONTROLLER,
  backoff: DOCUMENTED_BACKOFF,
  maxPodCreateDeletePerSync: 500,
  maxUncountedPods: 500,
  ttlForEveryJob: true,
}

/**
 * What the caller remembers between reconciles of one Job. Upstream keeps these in memory
 * (they are lost on a controller restart, which is safe); a caller with a strongly
 * consistent store can leave all of them at their defaults.
 */
export interface ReconcileMemory {
  /** The job-level back-off record (R127). */
  readonly backoff?: BackoffRecord
  /** False while the caller still waits to observe its own pod creations/deletions (R159). */
  readonly expectationsSatisfied?: boolean
  /** Pods whose finalizer removal was issued but not yet observed (R160). */
  readonly finalizerRemovalExpected?: ReadonlySet<string>
}

export interface ReconcileOptions extends ReconcileMemory {
  readonly settings?: Partial<EngineSettings>
}

/** The sync's `action` label for `job_controller_job_sync_duration_seconds` (R157). */
export type SyncAction = 'reconciling' | 'tracking' | 'pods_created' | 'pods_deleted'

/** Why new pods were created, for `job_controller_job_pods_creation_total` (R142). */
export type PodCreationReason = 'new' | 'recreate_terminating_or_failed' | 'recreate_failed'

/** Facts about a reconciliation that the shell turns into metrics. */
export interface ReconcileFacts {
  readonly syncAction: SyncAction
  readonly creationReason: PodCreationReason
  /** Newly accounted failed pods per matched pod-failure-policy action (R136). */
  readonly failurePolicyActions: Readonly<Partial<Record<PodFailurePolicyAction, number>>>
}

/**
 * The outcome of one reconcile: the ordered plan, the status the Job has once every
 * action succeeded, and when to look again.
 */
export interface Reconciliation {
  /** The plan, in order: adopting, releasing, creating and deleting pods, then status tracking. */
  readonly actions: ReadonlyArray<Action>
  /**
   * Where status tracking starts in `actions`: status writes, finalizer removals of finished
   * pods and finish events. A failed pod call before it does not skip them (actions.ts).
   */
  readonly trackingFrom: number
  /** The Job's status after the whole plan is applied (equal to the input when nothing changes). */
  readonly status: JobStatus
  /** Milliseconds until the Job needs another look (back-off, deadline, TTL); undefined for none. */
  readonly requeueAfterMs?: number
  /**
   * The back-off record to remember once the plan's first `UpdateJobStatus` succeeded
   * (R127); until then keep the previous one.
   */
  readonly backoff: BackoffRecord
  readonly facts: ReconcileFacts
}
