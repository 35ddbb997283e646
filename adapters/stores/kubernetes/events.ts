/**
 * Events through core/v1 `Event`s, as client-go's `EventSink` writes them: a new event is
 * POSTed as `<object>.<hex nanoseconds>`; a repeated or aggregated one (the shell's recorder
 * counts and aggregates, as client-go's correlator does) is PATCHed with its `count`,
 * `lastTimestamp` and `message`.
 */
import { Effect } from 'effect'
import { NotFound, StoreUnavailable } from '../../ports/errors.js'
import type { EventToCreate, EventType, EventUpdate, NewEvent, ObjectKey, StoredEvent } from '../../ports/JobStore.js'
import { messageOf } from './apiErrors.js'
import type { ApiResponse, Transport } from './transport.js'

/** The events side of one store. */
export interface EventSink {
  readonly create: (event: EventToCreate) => Effect.Effect<StoredEvent, StoreUnavailable>
  readonly patch: (key: ObjectKey, update: EventUpdate) => Effect.Effect<StoredEvent, NotFound | StoreUnavailable>
  readonly list: (options: { readonly namespace: string; readonly involvedObjectName?: string }) => Effect.Effect<ReadonlyArray<StoredEvent>, StoreUnavailable>
}

const API_VERSIONS: Readonly<Record<NewEvent['involvedObject']['kind'], string>> = { Job: 'batch/v1', CronJob: 'batch/v1', Pod: 'v1' }

/** An event sink writing through `transport`; `host` names the reporting instance. */
export function makeEventSink(transport: Transport, host: string): EventSink {
  let lastNanos = 0n

  const create = (event: EventToCreate): Effect.Effect<StoredEvent, StoreUnavailable> =>
    Effect.gen(function* () {
      const firstMs = Date.parse(event.firstTimestamp)
      for (let attempt = 0; ; attempt++) {
        // Unique even for two events in the same millisecond.
        const nanos = BigInt(Number.isNaN(firstMs) ? 0 : firstMs) * 1_000_000n
        lastNanos = nanos > lastNanos ? nanos : lastNanos + 1n
        const name = `${event.involvedObject.name}.${lastNanos.toString(16)}`
        const response = yield* transport.request({
          method: 'POST',
          path: `/api/v1/namespaces/${encodeURIComponent(event.namespace)}/events`,
          body: {
            apiVersion: 'v1',
            kind: 'Event',
            metadata: { name, namespace: event.namespace },
            involvedObject: {
              apiVersion: API_VERSIONS[event.involvedObject.kind],
              kind: event.involvedObject.kind,
              name: event.involvedObject.name,
              namespace: event.namespace,
              uid: event.involvedObject.uid,
            },
            type: event.type,
            reason: event.reason,
            message: event.message,
            source: { component: event.source },
            reportingComponent: event.source,
            reportingInstance: host,
            firstTimestamp: event.firstTimestamp,
            lastTimestamp: event.lastTimestamp,
            count: event.count,
          },
        })
        if (response.status === 201 || response.status === 200) return { ...event, name }
        // A name taken by another writer: the next nanosecond.
        if (response.status !== 409 || attempt >= 2) return yield* Effect.fail(unavailable(response))
      }
    })

  const patch = (key: ObjectKey, update: EventUpdate): Effect.Effect<StoredEvent, NotFound | StoreUnavailable> =>
    Effect.gen(function* () {
      const response = yield* transport.request({
        method: 'PATCH',
        path: `/api/v1/namespaces/${encodeURIComponent(key.namespace)}/events/${encodeURIComponent(key.name)}`,
        body: { count: update.count, lastTimestamp: update.lastTimestamp, message: update.message },
        contentType: 'application/merge-patch+json',
      })
      // The event expired (the server keeps them an hour) or was deleted.
      if (response.status === 404) return yield* Effect.fail(new NotFound({ kind: 'Event', namespace: key.namespace, name: key.name }))
      if (response.status !== 200) return yield* Effect.fail(unavailable(response))
      const patched = storedEventOf(response.body, key.namespace)
      if (patched === undefined) return yield* Effect.fail(new StoreUnavailable({ reason: `events: the server answered the patch of ${key.name} with no event` }))
      return patched
    })

  const list = (options: { readonly namespace: string; readonly involvedObjectName?: string }) =>
    Effect.gen(function* () {
      const response = yield* transport.request({
        method: 'GET',
        path: `/api/v1/namespaces/${encodeURIComponent(options.namespace)}/events`,
        query: options.involvedObjectName === undefined ? {} : { fieldSelector: `involvedObject.name=${options.involvedObjectName}` },
      })
      if (response.status !== 200) return yield* Effect.fail(unavailable(response))
      const items = ((response.body as { items?: unknown[] }).items ?? []).flatMap((raw) => {
        const event = storedEventOf(raw, options.namespace)
        return event === undefined ? [] : [event]
      })
      return items.sort(byLastOccurrence)
    })

  return { create, patch, list }
}

function unavailable(response: ApiResponse): StoreUnavailable {
  return new StoreUnavailable({ reason: `events: ${messageOf(response)}` })
}

interface RawEvent {
  readonly metadata?: { readonly namespace?: string; readonly name?: string; readonly creationTimestamp?: string; readonly resourceVersion?: string }
  readonly involvedObject?: { readonly kind?: string; readonly name?: string; readonly uid?: string }
  readonly type?: string
  readonly reason?: string
  readonly message?: string
  readonly source?: { readonly component?: string }
  readonly reportingComponent?: string
  readonly firstTimestamp?: string | null
  readonly lastTimestamp?: string | null
  readonly eventTime?: string | null
  readonly count?: number
  readonly series?: { readonly count?: number; readonly lastObservedTime?: string } | null
}

/**
 * A core/v1 Event as the port's `StoredEvent`; events about other kinds than Jobs, CronJobs and Pods are
 * left out. Events written through events/v1 (no `firstTimestamp`, a `series` instead of
 * `count`) are read too.
 */
export function storedEventOf(raw: unknown, namespace: string): StoredEvent | undefined {
  const event = raw as RawEvent
  const kind = event.involvedObject?.kind
  if (kind !== 'Job' && kind !== 'CronJob' && kind !== 'Pod') return undefined
  const type: EventType = event.type === 'Warning' ? 'Warning' : 'Normal'
  const first = nonEmpty(event.firstTimestamp) ?? nonEmpty(event.eventTime) ?? event.metadata?.creationTimestamp ?? ''
  const last = nonEmpty(event.lastTimestamp) ?? nonEmpty(event.series?.lastObservedTime) ?? first
  return {
    name: event.metadata?.name ?? '',
    namespace: event.metadata?.namespace ?? namespace,
    involvedObject: { kind, name: event.involvedObject?.name ?? '', uid: event.involvedObject?.uid ?? '' },
    type,
    reason: event.reason ?? '',
    message: event.message ?? '',
    source: nonEmpty(event.source?.component) ?? nonEmpty(event.reportingComponent) ?? '',
    firstTimestamp: first,
    lastTimestamp: last,
    count: event.series?.count ?? (event.count !== undefined && event.count > 0 ? event.count : 1),
  }
}

function nonEmpty(text: string | null | undefined): string | undefined {
  return text === undefined || text === null || text === '' ? undefined : text
}

function byLastOccurrence(a: StoredEvent, b: StoredEvent): number {
  const last = Date.parse(a.lastTimestamp) - Date.parse(b.lastTimestamp)
  if (last !== 0 && !Number.isNaN(last)) return last
  const first = Date.parse(a.firstTimestamp) - Date.parse(b.firstTimestamp)
  return Number.isNaN(first) ? 0 : first
}
