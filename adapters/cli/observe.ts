/**
 * Following an object (a Job, CronJob or Pod) through the store's watch, as `kubectl wait` does: the current state
 * first, then every change; a watch that falls too far behind (`Gone`) starts again from a list.
 */
import { Effect, Option, Stream } from 'effect'
import type { CronJob } from '../../core/index.js'
import type { Job, Pod } from '../../core/model/types.js'
import { optionalCronJobStore, type CronJobStoreService } from '../ports/CronJobStore.js'
import { StoreUnavailable, type StoreError } from '../ports/errors.js'
import { JobStore } from '../ports/JobStore.js'
import type { JobStoreService, ListResult, ObjectKey, WatchEvent } from '../ports/JobStore.js'
import { ApiError } from './errors.js'

/** How to list and watch one kind, given the store that keeps it. */
type Kind<A, S> = {
  readonly store: Effect.Effect<S, StoreError, JobStore>
  readonly list: (store: S, namespace: string) => Effect.Effect<ListResult<A>, StoreError>
  readonly watch: (store: S, namespace: string, resourceVersion: string) => Stream.Stream<WatchEvent<A>, StoreError>
}

const JOBS: Kind<Job, JobStoreService> = {
  store: JobStore,
  list: (store, namespace) => store.listJobs({ namespace }),
  watch: (store, namespace, resourceVersion) => store.watchJobs({ namespace, resourceVersion }),
}

const PODS: Kind<Pod, JobStoreService> = {
  store: JobStore,
  list: (store, namespace) => store.listPods({ namespace }),
  watch: (store, namespace, resourceVersion) => store.watchPods({ namespace, resourceVersion }),
}

const CRON_JOBS: Kind<CronJob, CronJobStoreService> = {
  store: Effect.flatMap(optionalCronJobStore, (found) =>
    Option.isSome(found) ? Effect.succeed(found.value) : Effect.fail(new StoreUnavailable({ reason: 'this store keeps no CronJobs' })),
  ),
  list: (store, namespace) => store.listCronJobs({ namespace }),
  watch: (store, namespace, resourceVersion) => store.watchCronJobs({ namespace, resourceVersion }),
}

function states<A extends Job | CronJob | Pod, S>(kind: Kind<A, S>, key: ObjectKey): Stream.Stream<A | undefined, ApiError, JobStore> {
  const follow = (): Stream.Stream<A | undefined, StoreError, JobStore> =>
    Stream.unwrap(
      Effect.gen(function* () {
        const store = yield* kind.store
        const listed = yield* kind.list(store, key.namespace)
        const current = listed.items.find((o) => o.metadata.name === key.name)
        const changes = kind.watch(store, key.namespace, listed.resourceVersion).pipe(
          Stream.filterMap((event) => {
            if (event.type === 'Bookmark' || event.object.metadata.name !== key.name) return Option.none()
            return Option.some(event.type === 'Deleted' ? undefined : event.object)
          }),
        )
        return Stream.concat(Stream.make(current), changes)
      }),
    ).pipe(Stream.catchAll((error) => (error._tag === 'Gone' ? Stream.suspend(follow) : Stream.fail(error))))
  return Stream.mapError(Stream.suspend(follow), (error) => new ApiError({ error }))
}

/** The Job's state now and after each change; `undefined` while it does not exist. */
export const jobStates = (key: ObjectKey): Stream.Stream<Job | undefined, ApiError, JobStore> => states(JOBS, key)

/** The CronJob's state now and after each change; `undefined` while it does not exist. */
export const cronJobStates = (key: ObjectKey): Stream.Stream<CronJob | undefined, ApiError, JobStore> => states(CRON_JOBS, key)

/** The pod's state now and after each change; `undefined` while it does not exist. */
export const podStates = (key: ObjectKey): Stream.Stream<Pod | undefined, ApiError, JobStore> => states(PODS, key)
