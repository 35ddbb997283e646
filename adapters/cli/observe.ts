/**
 * Following a Job through the store's watch, as `kubectl wait` does: the current state first,
 * then every change; a watch that falls too far behind (`Gone`) starts again from a list.
 */
import { Effect, Option, Stream } from 'effect'
import type { Job } from '../../core/model/types.js'
import type { StoreError } from '../ports/errors.js'
import { JobStore } from '../ports/JobStore.js'
import type { ObjectKey } from '../ports/JobStore.js'
import { ApiError } from './errors.js'

/** The Job's state now and after each change; `undefined` while it does not exist. */
export function jobStates(key: ObjectKey): Stream.Stream<Job | undefined, ApiError, JobStore> {
  const follow = (): Stream.Stream<Job | undefined, StoreError, JobStore> =>
    Stream.unwrap(
      Effect.gen(function* () {
        const store = yield* JobStore
        const listed = yield* store.listJobs({ namespace: key.namespace })
        const current = listed.items.find((j) => j.metadata.name === key.name)
        const changes = store.watchJobs({ namespace: key.namespace, resourceVersion: listed.resourceVersion }).pipe(
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
