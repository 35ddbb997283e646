import { Chunk, Deferred, Duration, Effect, Schedule, Stream } from 'effect'
import type { ObjectMeta } from '../../../core/model/types.js'
import type { Gone, StoreUnavailable } from '../../ports/errors.js'
import type { ListResult, WatchEvent } from '../../ports/JobStore.js'

export interface Cached {
  readonly metadata: ObjectMeta
}

/** What changed in the cache: `previous` is absent for additions, `current` for deletions. */
export interface CacheChange<A> {
  readonly key: string
  readonly previous?: A
  readonly current?: A
}

/** `namespace/name`, the key of every cached object and of the work queue. */
export function objectKeyOf(object: Cached): string {
  return `${object.metadata.namespace ?? 'default'}/${object.metadata.name ?? ''}`
}

export function parseObjectKey(key: string): { readonly namespace: string; readonly name: string } {
  const slash = key.indexOf('/')
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) }
}

/**
 * An informer: lists, then watches from the list's resourceVersion, keeping `cache` equal to
 * the store and calling `onChange` for every difference. A watch that fails (`Gone` after a
 * compaction, a dropped connection) is replaced by a fresh list, diffed against the cache,
 * as client-go's reflector does. `synced` completes after the first list.
 *
 * `onChange` is called as its change comes up, with the cache already updated, and the effect
 * it returns runs before the next call: a handler that does its bookkeeping in the call and
 * returns `Effect.void` costs no effect step. A watch delivers its events a chunk at a time,
 * in one pass (every write to every pod comes through here).
 */
export function runInformer<A extends Cached>(options: {
  readonly cache: Map<string, A>
  readonly list: Effect.Effect<ListResult<A>, StoreUnavailable>
  readonly watch: (resourceVersion: string) => Stream.Stream<WatchEvent<A>, Gone | StoreUnavailable>
  readonly onChange: (change: CacheChange<A>) => Effect.Effect<void>
  readonly synced: Deferred.Deferred<void>
}): Effect.Effect<never> {
  const { cache, onChange } = options

  const put = (object: A): Effect.Effect<void> => {
    const key = objectKeyOf(object)
    const previous = cache.get(key)
    if (previous !== undefined && previous.metadata.resourceVersion === object.metadata.resourceVersion) return Effect.void
    cache.set(key, object)
    return onChange(previous === undefined ? { key, current: object } : { key, previous, current: object })
  }

  const remove = (key: string): Effect.Effect<void> => {
    const previous = cache.get(key)
    if (previous === undefined) return Effect.void
    cache.delete(key)
    return onChange({ key, previous })
  }

  const relist = Effect.gen(function* () {
    const listed = yield* options.list
    const seen = new Set<string>()
    for (const object of listed.items) {
      seen.add(objectKeyOf(object))
      yield* put(object)
    }
    for (const key of [...cache.keys()]) if (!seen.has(key)) yield* remove(key)
    yield* Deferred.succeed(options.synced, undefined)
    return listed.resourceVersion
  })

  const listAndWatch = relist.pipe(
    Effect.flatMap((resourceVersion) =>
      options.watch(resourceVersion).pipe(
        Stream.runForEachChunk((events) =>
          inOrder(Chunk.toReadonlyArray(events), (event) => {
            if (event.type === 'Bookmark') return Effect.void
            if (event.type === 'Deleted') return remove(objectKeyOf(event.object))
            return put(event.object)
          }),
        ),
      ),
    ),
  )

  // A watch that ends or is Gone is followed at once by a relist; an unavailable store is
  // retried with exponential back-off capped at 10 s.
  const retryUnavailable = Schedule.exponential(Duration.millis(100)).pipe(
    Schedule.modifyDelay((_, delay) => Duration.min(delay, Duration.seconds(10))),
    Schedule.tapInput((error: StoreUnavailable) => Effect.logWarning(`store unavailable, retrying: ${error.message}`)),
  )
  return listAndWatch.pipe(
    Effect.catchTag('Gone', () => Effect.logDebug('watch expired (410 Gone); relisting')),
    Effect.retry(retryUnavailable),
    Effect.forever,
    // The retry schedule never ends, so no failure can get past it.
    Effect.orDie,
  )
}

/**
 * Calls `f` on each item in order, running the effect it returns before the next call; a call
 * that returns `Effect.void` costs no effect step.
 */
function inOrder<A>(items: ReadonlyArray<A>, f: (item: A) => Effect.Effect<void>): Effect.Effect<void> {
  const from = (start: number): Effect.Effect<void> => {
    for (let i = start; i < items.length; i++) {
      const effect = f(items[i]!)
      if (effect !== Effect.void) return Effect.flatMap(effect, () => from(i + 1))
    }
    return Effect.void
  }
  return Effect.suspend(() => from(0))
}
