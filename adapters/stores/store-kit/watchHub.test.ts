import { describe, expect, it } from '@effect/vitest'
import { Chunk, Deferred, Effect, Either, Fiber, Stream } from 'effect'
import { Gone, StoreUnavailable } from '../../ports/errors.js'
import type { WatchEvent, WatchOptions } from '../../ports/JobStore.js'
import type { Change } from './changeLog.js'
import * as WatchHub from './watchHub.js'

interface Item {
  readonly metadata: { readonly name: string; readonly namespace: string; readonly resourceVersion: string }
}

/** A hub over a store whose version is the last published one; `store.write` publishes the next. */
const makeStore = (historySize = 10) =>
  Effect.gen(function* () {
    let version = 0
    const hub = yield* WatchHub.make<Item, StoreUnavailable>(historySize, () => version)
    const write = (name: string, namespace = 'a', type: Change<Item>['type'] = 'Added'): void => {
      version += 1
      hub.publish({ resourceVersion: version, type, object: { metadata: { name, namespace, resourceVersion: String(version) } } })
    }
    return { hub, write, version: () => version }
  })

type Result = Either.Either<WatchEvent<Item>, Gone | StoreUnavailable>

/** An event as `type name`, or the error that ended the watch as its tag. */
const seen = (result: Result): string =>
  Either.match(result, {
    onLeft: (error) => error._tag,
    onRight: (event) => (event.type === 'Bookmark' ? 'Bookmark' : `${event.type} ${event.object.metadata.name}`),
  })

/**
 * Opens a watch in the background and waits until it has subscribed (its `prepare` runs
 * then); the fiber ends with `count` results, or fewer when the watch fails (its error last).
 */
const openRaw = (
  hub: WatchHub.WatchHub<Item, StoreUnavailable>,
  options: WatchOptions | undefined,
  count: number,
  prepare: Effect.Effect<void, StoreUnavailable> = Effect.void,
) =>
  Effect.gen(function* () {
    const subscribed = yield* Deferred.make<void>()
    const watch = hub.watch(options, Effect.zipRight(Deferred.succeed(subscribed, undefined), prepare))
    const fiber = yield* Effect.fork(Stream.runCollect(Stream.take(Stream.either(watch), count)))
    yield* Deferred.await(subscribed)
    return Effect.map(Fiber.join(fiber), (results): ReadonlyArray<Result> => Chunk.toReadonlyArray(results))
  })

/** As `openRaw`, each result `seen`. */
const open = (...args: Parameters<typeof openRaw>) => Effect.map(openRaw(...args), (results) => Effect.map(results, (all) => all.map(seen)))

describe('WatchHub', () => {
  it.effect('delivers the changes from now on, in order, as events of type and object only', () =>
    Effect.gen(function* () {
      const { hub, write } = yield* makeStore()
      write('before')
      const watch = yield* openRaw(hub, undefined, 2)
      write('one')
      write('two', 'a', 'Modified')
      expect(yield* watch).toEqual([
        Either.right({ type: 'Added', object: { metadata: { name: 'one', namespace: 'a', resourceVersion: '2' } } }),
        Either.right({ type: 'Modified', object: { metadata: { name: 'two', namespace: 'a', resourceVersion: '3' } } }),
      ])
    }),
  )

  it.effect('replays the changes after a resourceVersion, then the new ones', () =>
    Effect.gen(function* () {
      const { hub, write } = yield* makeStore()
      for (const name of ['one', 'two', 'three']) write(name)
      const watch = yield* open(hub, { resourceVersion: '1' }, 3)
      write('four')
      expect(yield* watch).toEqual(['Added two', 'Added three', 'Added four'])
    }),
  )

  it.effect('a change committed between subscribing and reading the history is delivered once', () =>
    Effect.gen(function* () {
      const { hub, write } = yield* makeStore()
      write('one')
      const watch = yield* open(hub, { resourceVersion: '1' }, 2, Effect.sync(() => write('two')))
      write('three')
      expect(yield* watch).toEqual(['Added two', 'Added three'])
    }),
  )

  it.effect('keeps to one namespace, in the replay and after', () =>
    Effect.gen(function* () {
      const { hub, write } = yield* makeStore()
      write('x', 'a')
      write('y', 'b')
      const watch = yield* open(hub, { namespace: 'b', resourceVersion: '0' }, 2)
      write('z', 'a')
      write('w', 'b')
      expect(yield* watch).toEqual(['Added y', 'Added w'])
    }),
  )

  it.effect('a version older than the history, or not a version at all, is Gone', () =>
    Effect.gen(function* () {
      const { hub, write } = yield* makeStore(2)
      for (const name of ['one', 'two', 'three']) write(name)
      for (const resourceVersion of ['0', 'abc', '-1', '1.5', '']) {
        const error = yield* Effect.flip(Stream.runDrain(hub.watch({ resourceVersion })))
        expect(error).toEqual(new Gone({ resourceVersion }))
      }
      expect(yield* Stream.runCollect(Stream.take(hub.watch({ resourceVersion: '1' }), 2)).pipe(Effect.map(Chunk.size))).toBe(2)
    }),
  )

  it.effect('reset: open watches get what came before it, then Gone; the history restarts at its version', () =>
    Effect.gen(function* () {
      const { hub, write } = yield* makeStore()
      write('one')
      const fromNow = yield* open(hub, undefined, 10)
      const fromOne = yield* open(hub, { resourceVersion: '1' }, 10)
      write('two')
      hub.reset(5)
      write('three') // never delivered: the watches ended at the reset
      expect(yield* fromNow).toEqual(['Added two', 'Gone'])
      expect(yield* fromOne).toEqual(['Added two', 'Gone'])
      expect(yield* Effect.flip(Stream.runDrain(hub.watch({ resourceVersion: '2' })))).toEqual(new Gone({ resourceVersion: '2' }))
    }),
  )

  it.effect('reset: Gone names the version the watch asked for, or the one it started at', () =>
    Effect.gen(function* () {
      const { hub, write } = yield* makeStore()
      write('one')
      write('two')
      const fromNow = yield* openRaw(hub, undefined, 10)
      const fromOne = yield* openRaw(hub, { resourceVersion: '1' }, 10)
      hub.reset(9)
      expect(yield* fromNow).toEqual([Either.left(new Gone({ resourceVersion: '2' }))])
      expect(yield* fromOne).toEqual([Either.right(expect.objectContaining({ type: 'Added' })), Either.left(new Gone({ resourceVersion: '1' }))])
    }),
  )

  it.effect('a reset during prepare ends the watch with Gone after its replay', () =>
    Effect.gen(function* () {
      const { hub, write } = yield* makeStore()
      write('one')
      const watch = yield* open(hub, { resourceVersion: '0' }, 10, Effect.sync(() => hub.reset(1)))
      expect(yield* watch).toEqual(['Gone'])
    }),
  )

  it.effect('fail: open watches get what came before it, then the error; later watches fail at once', () =>
    Effect.gen(function* () {
      const { hub, write } = yield* makeStore()
      const watch = yield* open(hub, undefined, 10)
      write('one')
      const broken = new StoreUnavailable({ reason: 'damaged' })
      hub.fail(broken)
      expect(yield* watch).toEqual(['Added one', 'StoreUnavailable'])
      expect(yield* Effect.flip(Stream.runDrain(hub.watch({ resourceVersion: '1' })))).toBe(broken)
    }),
  )

  it.effect('a failing prepare fails the watch', () =>
    Effect.gen(function* () {
      const { hub } = yield* makeStore()
      const broken = new StoreUnavailable({ reason: 'closed' })
      expect(yield* Effect.flip(Stream.runDrain(hub.watch(undefined, Effect.fail(broken))))).toBe(broken)
    }),
  )

  it.effect('every watch sees every change, in store order', () =>
    Effect.gen(function* () {
      const { hub, write } = yield* makeStore(1000)
      const names = Array.from({ length: 200 }, (_, i) => `p${i}`)
      const watches = yield* Effect.all([open(hub, undefined, 200), open(hub, undefined, 200), open(hub, { resourceVersion: '0' }, 200)])
      for (const [i, name] of names.entries()) {
        write(name)
        if (i % 7 === 0) yield* Effect.yieldNow()
      }
      for (const watch of watches) expect(yield* watch).toEqual(names.map((name) => `Added ${name}`))
    }),
  )
})
