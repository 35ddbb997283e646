/** Options of `reconcileCronJob`. */
export interface CronJobReconcileOptions {
  /**
   * The zone of a CronJob without `spec.timeZone`: upstream uses kube-controller-manager's local
   * zone; the default here is `UTC`, so that results never depend on the machine (C10).
   */
  readonly defaultTimeZone?: string
}
