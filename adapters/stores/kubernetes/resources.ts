/**
 * The kinds the store keeps on the API server, Jobs and CronJobs (batch/v1) and Pods (v1):
 * where they live and how their JSON is read.
 */
import type { Either } from 'effect'
import type { CronJob } from '../../../core/index.js'
import type { Job, Pod } from '../../../core/model/types.js'
import type { ResourceKind } from '../../ports/errors.js'
import type { ObjectKey } from '../../ports/JobStore.js'
import { decodeCronJobObject, decodeJobObject, decodePodObject } from './objects.js'

/** One kind of object on the API server. */
export interface Resource<A> {
  readonly kind: ResourceKind
  /** The collection: every namespace when `namespace` is omitted. */
  readonly collectionPath: (namespace?: string) => string
  /** One object, or one of its subresources (`status`, `binding`). */
  readonly objectPath: (key: ObjectKey, subresource?: string) => string
  readonly decode: (raw: unknown) => Either.Either<A, string>
}

function resource<A>(kind: ResourceKind, prefix: string, plural: string, decode: Resource<A>['decode']): Resource<A> {
  const ns = (namespace: string) => `${prefix}/namespaces/${encodeURIComponent(namespace)}/${plural}`
  return {
    kind,
    collectionPath: (namespace) => (namespace === undefined ? `${prefix}/${plural}` : ns(namespace)),
    objectPath: (key, subresource) =>
      `${ns(key.namespace)}/${encodeURIComponent(key.name)}${subresource === undefined ? '' : `/${subresource}`}`,
    decode,
  }
}

/** batch/v1 Jobs. */
export const jobs: Resource<Job> = resource('Job', '/apis/batch/v1', 'jobs', decodeJobObject)
/** v1 Pods. */
export const pods: Resource<Pod> = resource('Pod', '/api/v1', 'pods', decodePodObject)
/** batch/v1 CronJobs. */
export const cronJobs: Resource<CronJob> = resource('CronJob', '/apis/batch/v1', 'cronjobs', decodeCronJobObject)
