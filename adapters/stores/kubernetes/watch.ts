/**
 * A watch as the port wants it: the changes after a resourceVersion, for as long as the
 * consumer reads, with `@kubernetes/client-node`'s `Watch` underneath.
 *
 * - Bookmarks are asked for (`allowWatchBookmarks`) and passed on; they move the position too.
 * - A watch the server ends (its `timeoutSeconds`, randomised per connection as client-go does)
 *   or a connection that drops or goes silent (a client-side time-out of twice that, plus a
 *   minute) is reopened from the last position seen, so nothing is lost and nothing repeats.
 *   After `maxReconnects` failed attempts in a row the stream fails with `StoreUnavailable`.
 * - A position the server no longer has (410 Gone, as an HTTP status or as an `ERROR` event)
 *   fails the stream with `Gone`: the consumer lists again (the informer does).
 * - Without a resourceVersion the watch starts now (from a one-item list's version), not with
 *   the server's synthetic `ADDED` events for everything.
 */
import type { KubeConfig } from '@kubernetes/client-node'
import { Watch } from '@kubernetes/client-node'
import { Duration, Effect, Either, Option, Queue, Random, Stream } from 'effect'
import { Gone, StoreUnavailable } from '../../ports/errors.js'
import type { WatchEvent } from '../../ports/JobStore.js'
import { messageOf, statusOf } from './apiErrors.js'
import { nameOf } from './list.js'
import type { Resource } from './resources.js'
import type { Transport } from './transport.js'

/** How watches behave. */
export interface WatchSettings {
  /** The server-side time-out of one watch request, before randomisation (seconds). */
  readonly timeoutSeconds: number
  /** Failed (re)connection attempts in a row before the stream fails (default 5). */
  readonly maxReconnects?: number
}

/**
 * Objects a watch leaves out undecoded (the reader has no use for them). Each is reported once
 * as `Deleted`, as its `tombstone`, so that a cache that holds it from before forgets it.
 */
export interface LeaveOut<A> {
  readonly applies: (raw: unknown) => boolean
  readonly tombstone: (raw: unknown) => A
}

/** What one watch connection ended with. */
type Ending =
  | { readonly _tag: 'Closed' }
  | { readonly _tag: 'Expired'; readonly message: string }
  | { readonly _tag: 'Failed'; readonly message: string }

type Item<A> =
  | { readonly _tag: 'Event'; readonly event: WatchEvent<A> }
  | { readonly _tag: 'Unreadable'; readonly message: string }
  | { readonly _tag: 'Fail'; readonly error: Gone | StoreUnavailable }

interface RawEvent {
  readonly type?: string
  readonly object?: { readonly metadata?: { readonly resourceVersion?: string } } & Record<string, unknown>
}

/** Watches `resource` in `namespace` (every namespace when omitted) from `resourceVersion`. */
export function watchResource<A>(
  kc: KubeConfig,
  transport: Transport,
  resource: Resource<A>,
  options: { readonly namespace?: string; readonly resourceVersion?: string },
  settings: WatchSettings,
  leaveOut?: LeaveOut<A>,
): Stream.Stream<WatchEvent<A>, Gone | StoreUnavailable> {
  const path = resource.collectionPath(options.namespace)
  const maxReconnects = settings.maxReconnects ?? 5
  return Stream.unwrapScoped(
    Effect.gen(function* () {
      const start = options.resourceVersion ?? (yield* currentVersion(transport, path))
      const queue = yield* Effect.acquireRelease(Queue.unbounded<Item<A>>(), Queue.shutdown)
      const offer = (item: Item<A>) => Queue.unsafeOffer(queue, item)
      let position = start
      /** `namespace/name` of the objects left out and already reported `Deleted`. */
      const leftOut = new Set<string>()

      /** Whether the event is left out: reported as a tombstone the first time, then dropped. */
      const leftOutEvent = (type: string, object: RawEvent['object']): boolean => {
        if (leaveOut === undefined) return false
        const key = nameOf(object)
        if (!leaveOut.applies(object)) {
          leftOut.delete(key)
          return false
        }
        const reported = leftOut.has(key)
        if (type === 'DELETED') leftOut.delete(key)
        else leftOut.add(key)
        if (!reported) offer({ _tag: 'Event', event: { type: 'Deleted', object: leaveOut.tombstone(object) } })
        return true
      }

      const onRaw = (raw: RawEvent): Ending | undefined => {
        const type = raw.type
        const object = raw.object
        if (type === 'ERROR') {
          const status = statusOf(object)
          const message = status?.message ?? 'watch error'
          return status?.code === 410 || status?.reason === 'Expired' || status?.reason === 'Gone'
            ? { _tag: 'Expired', message }
            : { _tag: 'Failed', message }
        }
        const version = object?.metadata?.resourceVersion
        if (type === 'BOOKMARK') {
          if (version !== undefined && version !== '') {
            position = version
            offer({ _tag: 'Event', event: { type: 'Bookmark', resourceVersion: version } })
          }
          return undefined
        }
        if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return undefined
        if (version !== undefined && version !== '') position = version
        if (leftOutEvent(type, object)) return undefined
        const decoded = resource.decode(object)
        if (Either.isLeft(decoded)) {
          offer({ _tag: 'Unreadable', message: `skipping a ${resource.kind} that cannot be read (${nameOf(object)}): ${decoded.left}` })
          return undefined
        }
        offer({ _tag: 'Event', event: { type: type === 'ADDED' ? 'Added' : type === 'MODIFIED' ? 'Modified' : 'Deleted', object: decoded.right } })
        return undefined
      }

      const connect = (timeoutSeconds: number): Effect.Effect<{ readonly ending: Ending; readonly received: number }> =>
        Effect.async((resume) => {
          let settled = false
          let received = 0
          let controller: AbortController | undefined
          const settle = (ending: Ending) => {
            if (settled) return
            settled = true
            controller?.abort()
            resume(Effect.succeed({ ending, received }))
          }
          const query = { resourceVersion: position, allowWatchBookmarks: true, timeoutSeconds }
          new Watch(withUserAgent(kc, transport.userAgent))
            .watch(
              path,
              query,
              (type: string, object: unknown) => {
                if (settled) return
                received++
                const ending = onRaw({ type, object: object as RawEvent['object'] })
                if (ending !== undefined) settle(ending)
              },
              (error: unknown) => {
                if (error === null || error === undefined) return settle({ _tag: 'Closed' })
                const code = (error as { statusCode?: number }).statusCode
                if (code === 410) return settle({ _tag: 'Expired', message: 'too old resource version' })
                settle({ _tag: 'Failed', message: `${code !== undefined ? `HTTP ${code} ` : ''}${(error as Error).message ?? String(error)}` })
              },
            )
            .then((c) => {
              controller = c
              if (settled) c.abort()
            })
            .catch((error: unknown) => settle({ _tag: 'Failed', message: (error as Error).message }))
          return Effect.sync(() => {
            settled = true
            controller?.abort()
          })
        })

      const loop = Effect.gen(function* () {
        let failures = 0
        for (;;) {
          yield* transport.throttle
          const timeoutSeconds = settings.timeoutSeconds + (yield* Random.nextIntBetween(0, settings.timeoutSeconds + 1))
          // A connection that stays silent past the server's own time-out is dead: reopen it.
          const silentLimit = Duration.seconds(2 * timeoutSeconds + 60)
          const result = yield* connect(timeoutSeconds).pipe(
            Effect.timeoutTo({ duration: silentLimit, onTimeout: () => ({ ending: { _tag: 'Closed' } as Ending, received: 1 }), onSuccess: (r) => r }),
          )
          const { ending, received } = result
          if (ending._tag === 'Expired') {
            offer({ _tag: 'Fail', error: new Gone({ resourceVersion: position }) })
            return
          }
          if (ending._tag === 'Closed') {
            failures = 0
            // A watch the server closes at once, again and again, must not spin.
            if (received === 0) yield* Effect.sleep(Duration.millis(200))
            continue
          }
          failures = received > 0 ? 1 : failures + 1
          if (failures > maxReconnects) {
            offer({ _tag: 'Fail', error: new StoreUnavailable({ reason: `watching ${path}: ${ending.message}` }) })
            return
          }
          yield* Effect.logDebug(`watch of ${path} dropped (${ending.message}); reconnecting from ${position}`)
          yield* Effect.sleep(Duration.millis(Math.min(200 * 2 ** (failures - 1), 5_000)))
        }
      })
      yield* Effect.forkScoped(loop)

      return Stream.fromQueue(queue).pipe(
        Stream.mapEffect((item) => {
          switch (item._tag) {
            case 'Event':
              return Effect.succeed(Option.some(item.event))
            case 'Unreadable':
              return Effect.as(Effect.logWarning(item.message), Option.none())
            case 'Fail':
              return Effect.fail(item.error)
          }
        }),
        Stream.filterMap((event) => event),
      )
    }),
  )
}

/**
 * The configuration as client-node's `Watch` reads it, with our `User-Agent` added to its
 * requests (it would send node-fetch's own), as every other request carries it.
 */
function withUserAgent(kc: KubeConfig, userAgent: string): KubeConfig {
  const configured: KubeConfig = Object.create(kc)
  configured.applyToFetchOptions = async (options) => {
    const init = await kc.applyToFetchOptions(options)
    // A fresh `Headers` each time: setting ours on it changes nothing else.
    const headers = init.headers as { set?: (name: string, value: string) => void } | undefined
    headers?.set?.('User-Agent', userAgent)
    return init
  }
  return configured
}

/** The collection's current resourceVersion (a one-item list), where a watch "from now" starts. */
function currentVersion(transport: Transport, path: string): Effect.Effect<string, StoreUnavailable> {
  return Effect.flatMap(transport.request({ method: 'GET', path, query: { limit: 1 } }), (response) => {
    const version = (response.body as { metadata?: { resourceVersion?: string } } | undefined)?.metadata?.resourceVersion
    return response.status === 200 && version !== undefined
      ? Effect.succeed(version)
      : Effect.fail(new StoreUnavailable({ reason: `watching ${path}: ${messageOf(response)}` }))
  })
}
