/** Test builders for CronJobs and the Jobs they own. */
import { defaultJobManifest } from '../../model/defaults.js'
import type { Job, JobCondition } from '../../model/types.js'
import { defaultCronJob } from '../defaults.js'
import type { CronJob, CronJobSpecManifest, CronJobStatus } from '../types.js'

/** Epoch ms of an RFC 3339 time. */
export const at = (iso: string): number => {
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) throw new Error(`bad test time ${iso}`)
  return ms
}

/** RFC 3339 (whole seconds, UTC) of epoch ms. */
export const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z')

/** Upstream's test CronJob: `mycronjob` in `snazzycats`, created 2016-05-19T09:01:00Z, template labels a=b and annotations x=y. */
export function cronJob(spec: CronJobSpecManifest = {}, more: { readonly status?: CronJobStatus; readonly creationTimestamp?: string; readonly deletionTimestamp?: string } = {}): CronJob {
  const defaulted = defaultCronJob({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {
      name: 'mycronjob',
      namespace: 'snazzycats',
      uid: '1a2b3c',
      creationTimestamp: more.creationTimestamp ?? '2016-05-19T09:01:00Z',
      ...(more.deletionTimestamp === undefined ? {} : { deletionTimestamp: more.deletionTimestamp }),
    },
    spec: {
      schedule: '0 * * * ?',
      jobTemplate: {
        metadata: { labels: { a: 'b' }, annotations: { x: 'y' } },
        spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'main', image: 'foo/bar' }] } } },
      },
      ...spec,
    },
  })
  return more.status === undefined ? defaulted : { ...defaulted, status: more.status }
}

/** How a test Job stands. */
export interface JobState {
  readonly uid?: string
  readonly finished?: 'Complete' | 'Failed'
  readonly startTime?: string
  readonly completionTime?: string
  /** The controller reference's CronJob (name, uid); `mycronjob`/`1a2b3c` by default, `null` for none. */
  readonly owner?: { readonly name: string; readonly uid: string } | null
  readonly namespace?: string
}

/** A Job as the store holds it, owned by the test CronJob unless told otherwise. */
export function job(name: string, state: JobState = {}): Job {
  const owner = state.owner === undefined ? { name: 'mycronjob', uid: '1a2b3c' } : state.owner
  const conditions: JobCondition[] = state.finished === undefined ? [] : [{ type: state.finished, status: 'True' }]
  const defaulted = defaultJobManifest({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: state.namespace ?? 'snazzycats',
      uid: state.uid ?? `uid-${name}`,
      ...(owner === null ? {} : { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: owner.name, uid: owner.uid, controller: true }] }),
    },
    spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'main', image: 'foo/bar' }] } } },
  })
  return {
    ...defaulted,
    status: {
      ...(conditions.length > 0 ? { conditions } : {}),
      ...(state.startTime === undefined ? {} : { startTime: state.startTime }),
      ...(state.completionTime === undefined ? {} : { completionTime: state.completionTime }),
    },
  }
}

/** The `status.active` reference of a test Job. */
export const activeRef = (name: string, uid = `uid-${name}`) => ({ kind: 'Job', apiVersion: 'batch/v1', namespace: 'snazzycats', name, uid })
