/**
 * job-reconciler's pure core: the Job and Pod model (decode, defaults, validation) and
 * `reconcile`, the decision engine. No I/O, no clock, no randomness, no effect.
 */
export * from './model/index.js'
export { reconcile, reconcileAfterFailedPodCalls, isManagedBy } from './reconcile/reconcile.js'
export type { FailedPodCalls } from './reconcile/failedPodCalls.js'
export { noFailedPodCalls } from './reconcile/failedPodCalls.js'
export type * from './reconcile/actions.js'
export type {
  EngineSettings,
  ReconcileFacts,
  ReconcileMemory,
  ReconcileOptions,
  Reconciliation,
  PodCreationReason,
  SyncAction,
} from './reconcile/options.js'
export { defaultEngineSettings } from './reconcile/options.js'
export type { BackoffRecord, BackoffSettings } from './reconcile/backoff.js'
export {
  BACKOFF_BASE_ANNOTATION,
  BACKOFF_CAP_ANNOTATION,
  DOCUMENTED_BACKOFF,
  UPSTREAM_BACKOFF,
  emptyBackoffRecord,
} from './reconcile/backoff.js'
export type { IndexSet, Interval } from './reconcile/intervals.js'
export { formatIndexes, parseIndexesLenient, countIndexes } from './reconcile/intervals.js'
export { isFinished, finishedConditionOf } from './reconcile/conditions.js'
export { formatTime, parseTime } from './model/time.js'
export * from './cronjob/index.js'
