/**
 * How a runtime follows the pods in a store: list, then watch from the listing's
 * resourceVersion, the way an informer does. Only the `JobStore` port is used, so a runtime
 * works against any backend.
 */
import { Chunk, Duration, Effect, Either, Schedule, Stream } from 'effect'
import type { JobStoreService } from '../../ports/JobStore.js'
import type { Pod } from '../../../core/model/types.js'

/** What a runtime learns about the pods. */
export type PodEvent =
  /** Every pod that exists, at the start and after each relist; a known pod missing from it is gone. */
  | { readonly _tag: 'Listed'; readonly pods: ReadonlyArray<Pod> }
  /** A pod was created or changed. */
  | { readonly _tag: 'Changed'; readonly pod: Pod }
  /** A pod was removed from the store. */
  | { readonly _tag: 'Deleted'; readonly pod: Pod }

/**
 * Lists the pods, then follows their changes for ever, calling `handle` for each event in
 * order: re-watches from the last seen version when a watch ends, relists when the store no
 * longer remembers that version (`Gone`), and tries again after `retryDelay` (default 1 s)
 * while the store is unavailable. `handle` is called as its event comes up and the effect it
 * returns runs before the next call; a handler that did all its work in the call can return
 * `Effect.void`, which then costs no effect step (most events of a busy runtime).
 */
export function followPods<R>(
  store: JobStoreService,
  handle: (event: PodEvent) => Effect.Effect<void, never, R>,
  options?: { readonly retryDelay?: Duration.DurationInput },
): Effect.Effect<never, never, R> {
  const retryDelay = Duration.decode(options?.retryDelay ?? '1 second')
  return Effect.gen(function* () {
    for (;;) {
      const listed = yield* store.listPods().pipe(
        Effect.tapError((error) => Effect.logWarning(`pod runtime: listing pods failed, retrying: ${error.message}`)),
        Effect.retry(Schedule.spaced(retryDelay)),
        Effect.orDie,
      )
      yield* handle({ _tag: 'Listed', pods: listed.items })
      let resourceVersion = listed.resourceVersion
      for (;;) {
        let seen = 0
        const watched = yield* store.watchPods({ resourceVersion }).pipe(
          Stream.runForEachChunk((events) =>
            inOrder(Chunk.toReadonlyArray(events), (event) => {
              seen += 1
              if (event.type === 'Bookmark') {
                resourceVersion = event.resourceVersion
                return Effect.void
              }
              resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion
              return handle(
                event.type === 'Deleted' ? { _tag: 'Deleted', pod: event.object } : { _tag: 'Changed', pod: event.object },
              )
            }),
          ),
          Effect.either,
        )
        if (Either.isRight(watched)) {
          // A watch the store closed at once: do not spin.
          if (seen === 0) yield* Effect.sleep(retryDelay)
          continue
        }
        if (watched.left._tag === 'Gone') break
        yield* Effect.logWarning(`pod runtime: watching pods failed, retrying: ${watched.left.message}`)
        yield* Effect.sleep(retryDelay)
      }
    }
  })
}

/**
 * Calls `f` on each item in order, running the effect it returns before the next call; a call
 * that returns `Effect.void` costs no effect step.
 */
function inOrder<A, E, R>(items: ReadonlyArray<A>, f: (item: A) => Effect.Effect<void, E, R>): Effect.Effect<void, E, R> {
  const from = (start: number): Effect.Effect<void, E, R> => {
    for (let i = start; i < items.length; i++) {
      const effect = f(items[i]!)
      if (effect !== Effect.void) return Effect.flatMap(effect, () => from(i + 1))
    }
    return Effect.void
  }
  return Effect.suspend(() => from(0))
}
