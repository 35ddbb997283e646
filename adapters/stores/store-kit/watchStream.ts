import { Cause, Chunk, Effect, Option, Queue, Stream } from 'effect'
import type { ObjectMeta } from '../../../core/model/types.js'
import { Gone } from '../../ports/errors.js'
import type { WatchEvent } from '../../ports/JobStore.js'
import type { Change } from './changeLog.js'

/** The store broke: every watch ends with `error`. */
export interface Broken<E> {
  readonly _tag: 'Broken'
  readonly error: E
}

/** Ends every open watch: `Reset` (the history was forgotten) with `Gone`, `Broken` with its error. */
export type End<E> = { readonly _tag: 'Reset' } | Broken<E>

/** What a hub hands each watch, in store order. A change goes as it is: no wrapper to allocate. */
export type Message<A, E> = Change<A> | End<E>

/** Where a watch starts: the remembered changes it replays first, and the version they reach. */
export interface Start<A> {
  readonly changes: ReadonlyArray<Change<A>>
  readonly upTo: number
}

/** The largest batch taken from the subscription at once (`Stream.fromQueue`'s default). */
const MAX_BATCH = 4096

/**
 * The events of one watch: the replayed changes, then those arriving on `subscription` after
 * `start.upTo` (a change both replayed and received is delivered once), in `namespace` only
 * when given. An `End` fails the stream, after the events before it.
 *
 * One pass per batch filters and converts, where `fromQueue`, `filter` and `map` stages
 * would each run per batch and each allocate a chunk: this is the hot path of every watch.
 */
export function watchStream<A extends { readonly metadata: ObjectMeta }, E>(
  subscription: Queue.Dequeue<Message<A, E>>,
  start: Start<A>,
  namespace: string | undefined,
  since: string,
): Stream.Stream<WatchEvent<A>, Gone | E> {
  const wanted = (change: Change<A>): boolean => namespace === undefined || change.object.metadata.namespace === namespace
  const toEvent = (change: Change<A>): WatchEvent<A> => ({ type: change.type, object: change.object })
  const failure = (end: End<E>): Option.Option<Gone | E> => Option.some(end._tag === 'Reset' ? new Gone({ resourceVersion: since }) : end.error)

  // Ends as `Stream.fromQueue` does: quietly when the subscription is shut down under it.
  const take = Effect.catchAllCause(Queue.takeBetween(subscription, 1, MAX_BATCH), (cause) =>
    Effect.flatMap(Queue.isShutdown(subscription), (isShutdown) =>
      isShutdown && Cause.isInterrupted(cause) ? Effect.fail(Option.none()) : Effect.failCause(Cause.map(cause, Option.some)),
    ),
  )

  let replay: ReadonlyArray<WatchEvent<A>> | undefined = start.changes.filter(wanted).map(toEvent)
  /** An `End` that came after events of the same batch: it fails the next pull. */
  let ending: End<E> | undefined

  const deliverable = (messages: Chunk.Chunk<Message<A, E>>): Effect.Effect<Chunk.Chunk<WatchEvent<A>>, Option.Option<Gone | E>> => {
    const events: Array<WatchEvent<A>> = []
    for (const message of Chunk.toReadonlyArray(messages)) {
      if ('_tag' in message) {
        if (events.length === 0) return Effect.fail(failure(message))
        ending = message
        break
      }
      if (message.resourceVersion > start.upTo && wanted(message)) events.push(toEvent(message))
    }
    // A batch with nothing to deliver waits for the next one instead of emitting an empty chunk.
    return events.length === 0 ? pull : Effect.succeed(Chunk.unsafeFromArray(events))
  }

  const pull: Effect.Effect<Chunk.Chunk<WatchEvent<A>>, Option.Option<Gone | E>> = Effect.suspend(() => {
    if (replay !== undefined) {
      const first = replay
      replay = undefined
      if (first.length > 0) return Effect.succeed(Chunk.unsafeFromArray(first))
    }
    if (ending !== undefined) return Effect.fail(failure(ending))
    return Effect.flatMap(take, deliverable)
  })

  return Stream.repeatEffectChunkOption(pull)
}
