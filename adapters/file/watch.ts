/**
 * Watches over the file store: the changes of one kind, in log order, to every watch in this
 * process, whichever process wrote them.
 *
 * The same design as the memory store's hub (an unbounded `PubSub` per kind, published in the
 * same synchronous step that applies a record, so order is the log's and a writer never waits
 * for a reader; a store-kit `ChangeLog` for watches that start from a resourceVersion), plus
 * one thing the memory store never needs: `reset`. When this process has to reload the state
 * from a snapshot (it fell behind a compaction), the changes in between are unknown to it, so
 * every open watch ends with `Gone` and the history starts again at the snapshot: clients
 * relist, as they do after the API server's 410.
 */
import { Effect, PubSub, Stream } from 'effect'
import type { ObjectMeta } from '../../core/model/types.js'
import { Gone } from '../ports/errors.js'
import type { StoreUnavailable } from '../ports/errors.js'
import type { WatchEvent, WatchOptions } from '../ports/JobStore.js'
import type { Change } from '../store-kit/changeLog.js'
import { ChangeLog, replayFrom } from '../store-kit/changeLog.js'

type Message<A> =
  | { readonly _tag: 'Change'; readonly change: Change<A> }
  /** Everything before this version is forgotten: watches end with `Gone`. */
  | { readonly _tag: 'Reset'; readonly version: number }
  /** The store broke (damage found while reading): watches end with this failure. */
  | { readonly _tag: 'Broken'; readonly error: StoreUnavailable }

/** The watches of one kind of object. */
export interface WatchHub<A> {
  /** Records and delivers an applied change. Synchronous. */
  readonly publish: (change: Change<A>) => void
  /** Forgets the history: open watches end with `Gone`; history restarts at `version`. */
  readonly reset: (version: number) => void
  /** Ends every open watch with `error`. */
  readonly fail: (error: StoreUnavailable) => void
  /** As `JobStoreService.watchJobs`/`watchPods`; `prepare` runs first (catching up with the log). */
  readonly watch: (options: WatchOptions | undefined, prepare: Effect.Effect<void, StoreUnavailable>) => Stream.Stream<WatchEvent<A>, Gone | StoreUnavailable>
}

/** A hub remembering `historySize` changes; `currentVersion` is the store's resourceVersion now. */
export function make<A extends { readonly metadata: ObjectMeta }>(historySize: number, currentVersion: () => number): Effect.Effect<WatchHub<A>> {
  return Effect.map(PubSub.unbounded<Message<A>>(), (pubsub) => {
    let history = new ChangeLog<A>(historySize, currentVersion())
    let broken: StoreUnavailable | undefined

    const publish = (change: Change<A>): void => {
      history.append(change)
      pubsub.unsafeOffer({ _tag: 'Change', change })
    }
    const reset = (version: number): void => {
      history = new ChangeLog<A>(historySize, version)
      pubsub.unsafeOffer({ _tag: 'Reset', version })
    }
    const fail = (error: StoreUnavailable): void => {
      broken = error
      pubsub.unsafeOffer({ _tag: 'Broken', error })
    }

    const watch = (options: WatchOptions | undefined, prepare: Effect.Effect<void, StoreUnavailable>): Stream.Stream<WatchEvent<A>, Gone | StoreUnavailable> =>
      Stream.unwrapScoped(
        Effect.gen(function* () {
          // Subscribe before reading the history: a change applied in between is in both, and
          // the version filter drops the second copy. Nothing falls between.
          const subscription = yield* PubSub.subscribe(pubsub)
          yield* prepare
          if (broken !== undefined) return yield* Effect.fail(broken)
          const replay = yield* replayFrom(history, options?.resourceVersion, currentVersion)
          const namespace = options?.namespace
          const wanted = (change: Change<A>): boolean => namespace === undefined || change.object.metadata.namespace === namespace
          const since = options?.resourceVersion ?? String(replay.upTo)
          return Stream.fromIterable(replay.changes.filter(wanted)).pipe(
            Stream.concat(
              Stream.fromQueue(subscription).pipe(
                Stream.mapEffect((message): Effect.Effect<Change<A> | undefined, Gone | StoreUnavailable> => {
                  switch (message._tag) {
                    case 'Change':
                      return Effect.succeed(message.change.resourceVersion > replay.upTo && wanted(message.change) ? message.change : undefined)
                    case 'Reset':
                      return Effect.fail(new Gone({ resourceVersion: since }))
                    case 'Broken':
                      return Effect.fail(message.error)
                  }
                }),
                Stream.filter((change): change is Change<A> => change !== undefined),
              ),
            ),
            Stream.map((change): WatchEvent<A> => ({ type: change.type, object: change.object })),
          )
        }),
      )

    return { publish, reset, fail, watch }
  })
}
