import { Effect, PubSub, Stream } from 'effect'
import type { ObjectMeta } from '../../../core/model/types.js'
import type { Gone } from '../../ports/errors.js'
import type { WatchEvent, WatchOptions } from '../../ports/JobStore.js'
import type { Change } from './changeLog.js'
import { ChangeLog, replayFrom } from './changeLog.js'
import type { Broken, Message } from './watchStream.js'
import { watchStream } from './watchStream.js'

/**
 * Fans the changes of one kind of object out to its watches, and remembers the last ones for
 * watches that start from a resourceVersion. Used by the memory and the file store.
 *
 * Delivery: every watch has its own subscription to an *unbounded* `PubSub`. A write publishes
 * synchronously, in the same step that commits it (`unsafeOffer` never suspends on an
 * unbounded hub), so watches see changes exactly in store order and a writer never waits for
 * a reader. The other strategies were rejected on purpose: a bounded (back-pressured) hub
 * would let one slow or abandoned watch block every writer, and a sliding or dropping one
 * would silently lose events, which breaks every informer cache built on top. The cost of
 * unbounded is memory: a watch holds on to whatever it has not consumed yet, until it catches
 * up or its scope closes. (The API server makes the other trade: it closes a watch that falls
 * too far behind; our consumers are in-process and keep up.)
 *
 * `reset` and `fail` serve a store that can lose track (the file store, when it reloads from a
 * snapshot or finds damage); `E` is its failure, `never` for a store that cannot fail.
 */
export interface WatchHub<A, E = never> {
  /** Records and delivers a committed change. Synchronous: call it inside the commit. */
  readonly publish: (change: Change<A>) => void
  /**
   * Forgets the history: open watches end with `Gone` (clients relist, as after the API
   * server's 410) and the history restarts at `version`.
   */
  readonly reset: (version: number) => void
  /** Ends every open watch with `error`, and every later one at its start. */
  readonly fail: (error: E) => void
  /**
   * The changes from now on, or (with `resourceVersion`) those after that version first; a
   * version older than the remembered history, or not a version at all, fails with `Gone`.
   * `prepare` runs once the watch is subscribed, before it reads the history (the file store
   * catches up with its log there).
   */
  readonly watch: (options: WatchOptions | undefined, prepare?: Effect.Effect<void, E>) => Stream.Stream<WatchEvent<A>, Gone | E>
}

/**
 * A hub that remembers the last `historySize` changes. `currentVersion` reads the store's
 * resourceVersion (the point "now" at which a watch without a version starts).
 */
export function make<A extends { readonly metadata: ObjectMeta }, E = never>(
  historySize: number,
  currentVersion: () => number,
): Effect.Effect<WatchHub<A, E>> {
  return Effect.map(PubSub.unbounded<Message<A, E>>(), (pubsub) => {
    let history = new ChangeLog<A>(historySize, currentVersion())
    let broken: Broken<E> | undefined

    const publish = (change: Change<A>): void => {
      history.append(change)
      pubsub.unsafeOffer(change)
    }
    const reset = (version: number): void => {
      history = new ChangeLog<A>(historySize, version)
      pubsub.unsafeOffer({ _tag: 'Reset' })
    }
    const fail = (error: E): void => {
      broken = { _tag: 'Broken', error }
      pubsub.unsafeOffer(broken)
    }

    const watch = (options: WatchOptions | undefined, prepare: Effect.Effect<void, E> = Effect.void): Stream.Stream<WatchEvent<A>, Gone | E> =>
      Stream.unwrapScoped(
        Effect.gen(function* () {
          // Subscribe before reading the history: a change committed in between is then in
          // both, and the stream delivers it once. Nothing falls between.
          const subscription = yield* PubSub.subscribe(pubsub)
          yield* prepare
          if (broken !== undefined) return yield* Effect.fail(broken.error)
          const start = yield* replayFrom(history, options?.resourceVersion, currentVersion)
          return watchStream(subscription, start, options?.namespace, options?.resourceVersion ?? String(start.upTo))
        }),
      )

    return { publish, reset, fail, watch }
  })
}
