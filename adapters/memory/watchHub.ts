import { Effect, PubSub, Stream } from 'effect'
import type { ObjectMeta } from '../../core/model/types.js'
import { Gone } from '../ports/errors.js'
import type { WatchEvent, WatchOptions } from '../ports/JobStore.js'
import type { Change } from '../store-kit/changeLog.js'
import { ChangeLog, replayFrom } from '../store-kit/changeLog.js'

/**
 * Fans the changes of one kind of object out to its watches, and remembers the last ones for
 * watches that start from a resourceVersion.
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
 */
export interface WatchHub<A> {
  /** Records and delivers a committed change. Synchronous: call it inside the commit. */
  readonly publish: (change: Change<A>) => void
  /**
   * The changes from now on, or (with `resourceVersion`) those after that version first; a
   * version older than the remembered history, or not a version at all, fails with `Gone`.
   */
  readonly watch: (options: WatchOptions | undefined) => Stream.Stream<WatchEvent<A>, Gone>
}

/**
 * A hub that remembers the last `historySize` changes. `currentVersion` reads the store's
 * resourceVersion (the point "now" at which a watch without a version starts).
 */
export function make<A extends { readonly metadata: ObjectMeta }>(
  historySize: number,
  currentVersion: () => number,
): Effect.Effect<WatchHub<A>> {
  return Effect.map(PubSub.unbounded<Change<A>>(), (pubsub) => {
    const history = new ChangeLog<A>(historySize, currentVersion())

    const publish = (change: Change<A>): void => {
      history.append(change)
      pubsub.unsafeOffer(change)
    }

    const watch = (options: WatchOptions | undefined): Stream.Stream<WatchEvent<A>, Gone> =>
      Stream.unwrapScoped(
        Effect.gen(function* () {
          // Subscribe before reading the history: a change committed in between is then in
          // both, and the version filter below drops the second copy. Nothing falls between.
          const subscription = yield* PubSub.subscribe(pubsub)
          const replay = yield* replayFrom(history, options?.resourceVersion, currentVersion)
          const namespace = options?.namespace
          const wanted = (change: Change<A>): boolean => namespace === undefined || change.object.metadata.namespace === namespace
          return Stream.fromIterable(replay.changes.filter(wanted)).pipe(
            Stream.concat(
              Stream.fromQueue(subscription).pipe(Stream.filter((change) => change.resourceVersion > replay.upTo && wanted(change))),
            ),
            Stream.map((change): WatchEvent<A> => ({ type: change.type, object: change.object })),
          )
        }),
      )

    return { publish, watch }
  })
}
