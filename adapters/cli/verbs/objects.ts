/**
 * The objects `jobctl` reads by kind: Jobs and Pods from `JobStore`, CronJobs from the
 * `CronJobStore` beside it. `get`, `describe` and `delete` name a kind and work through here.
 */
import { Effect } from 'effect'
import type { CronJob } from '../../../core/index.js'
import type { Job, Pod } from '../../../core/model/types.js'
import { JobStore, type ListOptions, type ObjectKey } from '../../ports/JobStore.js'
import type { CommandContext } from '../command.js'
import type { ApiError, InputError } from '../errors.js'
import type { ResourceKind } from '../resources.js'
import { api, cronJobStore } from './shared.js'

/** Any object `jobctl` shows. */
export type StoredObject = Job | CronJob | Pod

/** One object of the kind. */
export function getObject(kind: ResourceKind, key: ObjectKey, context: CommandContext): Effect.Effect<StoredObject, ApiError | InputError, JobStore> {
  return Effect.gen(function* () {
    const store = yield* JobStore
    switch (kind) {
      case 'Job':
        return yield* api(store.getJob(key))
      case 'Pod':
        return yield* api(store.getPod(key))
      case 'CronJob':
        return yield* api((yield* cronJobStore(context)).getCronJob(key))
    }
  })
}

/** The objects of the kind, sorted by namespace and name as the API server lists them. */
export function listObjects(kind: ResourceKind, options: ListOptions, context: CommandContext): Effect.Effect<ReadonlyArray<StoredObject>, ApiError | InputError, JobStore> {
  return Effect.gen(function* () {
    const store = yield* JobStore
    switch (kind) {
      case 'Job':
        return byNamespaceAndName((yield* api(store.listJobs(options))).items)
      case 'Pod':
        return byNamespaceAndName((yield* api(store.listPods(options))).items)
      case 'CronJob':
        return byNamespaceAndName((yield* api((yield* cronJobStore(context)).listCronJobs(options))).items)
    }
  })
}

/** Sorts objects by namespace, then name, as the API server lists them. */
export function byNamespaceAndName<A extends StoredObject>(objects: ReadonlyArray<A>): A[] {
  const key = (o: A) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`
  return [...objects].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
}
