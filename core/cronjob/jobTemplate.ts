/**
 * C25–C28: the Job a CronJob creates for one scheduled time: named `<cronjob>-<minutes since
 * the epoch>` (so a second attempt for the same time collides), with the template's labels and
 * annotations, the scheduled-timestamp annotation, and a controller reference to the CronJob.
 */
import type { JobManifest } from '../model/manifest.js'
import { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION } from './ownedJobs.js'
import { formatRfc3339InZone } from './timeZones.js'
import type { CronJob } from './types.js'

/** C25: the Job name for a scheduled time. */
export function jobNameFor(cronJob: CronJob, scheduledMs: number): string {
  return `${cronJob.metadata.name ?? ''}-${Math.trunc(Math.floor(scheduledMs / 1000) / 60)}`
}

/**
 * The Job manifest for a scheduled time. The annotation is written in `spec.timeZone`, or in
 * UTC without one (upstream's `LoadLocation("")`), whatever zone the schedule runs in.
 */
export function jobFor(cronJob: CronJob, scheduledMs: number): JobManifest {
  const template = cronJob.spec.jobTemplate
  const zone = cronJob.spec.timeZone === undefined || cronJob.spec.timeZone === '' ? 'UTC' : cronJob.spec.timeZone
  const { namespace, name, uid } = cronJob.metadata
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cronJob, scheduledMs),
      ...(namespace === undefined ? {} : { namespace }),
      labels: { ...template.metadata?.labels },
      annotations: { ...template.metadata?.annotations, [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: formatRfc3339InZone(scheduledMs, zone) },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: name ?? '', uid: uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    spec: structuredClone(template.spec ?? {}),
  }
}
