import { Counter, Histogram, Registry } from 'prom-client'

/**
 * The Job controller's Prometheus metrics, with upstream's names and labels (R157), in a
 * registry of their own so several controllers can run in one process.
 */
export interface ControllerMetrics {
  readonly registry: Registry
  readonly syncDuration: Histogram<'completion_mode' | 'result' | 'action'>
  readonly syncs: Counter<'completion_mode' | 'result' | 'action'>
  readonly jobsFinished: Counter<'completion_mode' | 'result' | 'reason'>
  readonly podsFinished: Counter<'completion_mode' | 'result'>
  readonly podFailuresHandledByFailurePolicy: Counter<'action'>
  readonly terminatedPodsTrackingFinalizer: Counter<'event'>
  readonly finishedIndexes: Counter<'status' | 'backoffLimit'>
  readonly podsCreated: Counter<'reason' | 'status'>
  readonly jobsByExternalController: Counter<'controller_name'>
  /** Ours, not upstream's: events not written, by reason (`queue_full`, `spam_filtered`, `write_failed`). */
  readonly eventsDropped: Counter<'reason'>
}

export function makeControllerMetrics(registry: Registry = new Registry()): ControllerMetrics {
  const registers = [registry]
  return {
    registry,
    syncDuration: new Histogram({
      name: 'job_controller_job_sync_duration_seconds',
      help: 'The time it took to sync a job',
      labelNames: ['completion_mode', 'result', 'action'],
      buckets: Array.from({ length: 15 }, (_, k) => 0.004 * 2 ** k),
      registers,
    }),
    syncs: new Counter({
      name: 'job_controller_job_syncs_total',
      help: 'The number of job syncs',
      labelNames: ['completion_mode', 'result', 'action'],
      registers,
    }),
    jobsFinished: new Counter({
      name: 'job_controller_jobs_finished_total',
      help: 'The number of finished jobs',
      labelNames: ['completion_mode', 'result', 'reason'],
      registers,
    }),
    podsFinished: new Counter({
      name: 'job_controller_job_pods_finished_total',
      help: 'The number of finished Pods that are fully tracked',
      labelNames: ['completion_mode', 'result'],
      registers,
    }),
    podFailuresHandledByFailurePolicy: new Counter({
      name: 'job_controller_pod_failures_handled_by_failure_policy_total',
      help: 'The number of failed Pods handled by failure policy, by the action taken',
      labelNames: ['action'],
      registers,
    }),
    terminatedPodsTrackingFinalizer: new Counter({
      name: 'job_controller_terminated_pods_tracking_finalizer_total',
      help: 'The number of terminated pods with the tracking finalizer, by event (add, delete)',
      labelNames: ['event'],
      registers,
    }),
    finishedIndexes: new Counter({
      name: 'job_controller_job_finished_indexes_total',
      help: 'The number of finished indexes',
      labelNames: ['status', 'backoffLimit'],
      registers,
    }),
    podsCreated: new Counter({
      name: 'job_controller_job_pods_creation_total',
      help: 'The number of Pods created by the Job controller, by reason and status',
      labelNames: ['reason', 'status'],
      registers,
    }),
    jobsByExternalController: new Counter({
      name: 'job_controller_jobs_by_external_controller_total',
      help: 'The number of Jobs managed by an external controller',
      labelNames: ['controller_name'],
      registers,
    }),
    eventsDropped: new Counter({
      name: 'job_reconciler_events_dropped_total',
      help: 'The number of events not written: queue full, held back by the spam filter, or failed after every retry',
      labelNames: ['reason'],
      registers,
    }),
  }
}
