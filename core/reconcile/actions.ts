import type { JobStatus, Pod } from '../model/types.js'

/**
 * What `reconcile` asks the world to do. Actions are data, applied in order; the first
 * failure stops the rest and the job is reconciled again from fresh state (architecture.md).
 */
export type Action =
  | AdoptPod
  | ReleasePod
  | CreatePod
  | DeletePod
  | RemoveTrackingFinalizer
  | UpdateJobStatus
  | RecordEvent
  | DeleteJob

/** Take an orphan pod that matches the selector: add the controller reference and the tracking finalizer (R170). */
export interface AdoptPod {
  readonly _tag: 'AdoptPod'
  readonly podName: string
  readonly podUid: string
}

/** Give up an owned pod that no longer matches the selector: drop our reference and finalizer (R170). */
export interface ReleasePod {
  readonly _tag: 'ReleasePod'
  readonly podName: string
  readonly podUid: string
}

/**
 * Create a pod rendered from the template (R103–R105). The store assigns the name from
 * `generateName`. Pods of one `batch` may be created in parallel; batches grow 1, 2, 4, …
 * (slow start, R101) and a failure abandons the later batches.
 */
export interface CreatePod {
  readonly _tag: 'CreatePod'
  readonly pod: Pod
  readonly batch: number
  /** The completion index, for Indexed jobs. */
  readonly index?: number
}

/** Why a pod is deleted: it shapes the applier's event and log, not the deletion itself. */
export type PodDeletionReason = 'Suspended' | 'Excess' | 'JobFinished'

/** Delete a pod. Its tracking finalizer, if any, stays unless a `RemoveTrackingFinalizer` came first. */
export interface DeletePod {
  readonly _tag: 'DeletePod'
  readonly podName: string
  readonly podUid: string
  readonly reason: PodDeletionReason
}

/** Remove `batch.kubernetes.io/job-tracking` from a pod; a pod that is already gone counts as done. */
export interface RemoveTrackingFinalizer {
  readonly _tag: 'RemoveTrackingFinalizer'
  readonly podName: string
  readonly podUid: string
}

/**
 * Replace the Job's status through the status subresource. The first write of a
 * reconciliation carries the Job's `resourceVersion` as read; later writes carry the one the
 * previous write returned. A conflict stops the plan.
 */
export interface UpdateJobStatus {
  readonly _tag: 'UpdateJobStatus'
  readonly status: JobStatus
}

export type EventType = 'Normal' | 'Warning'

/** Record an event about the Job (R156). Pod create/delete events are the applier's (R106). */
export interface RecordEvent {
  readonly _tag: 'RecordEvent'
  readonly eventType: EventType
  readonly reason: string
  readonly message: string
}

/** Delete the Job itself: the TTL-after-finished duty (R164–R165). */
export interface DeleteJob {
  readonly _tag: 'DeleteJob'
  readonly propagation: 'Foreground'
  /** Precondition: only delete the Job with this uid. */
  readonly uid: string
}
