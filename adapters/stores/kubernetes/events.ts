/**
 * Events through core/v1 `Event`s, as client-go's recorder writes them: a new event is created
 * as `<object>.<hex nanoseconds>`; a repeat of one recorded recently (same object, type,
 * reason, message and source) patches that event's `count` and `lastTimestamp` instead, so
 * `kubectl describe` shows `x3` rather than three lines.
 */
import { Clock, Effect } from 'effect'
import { formatTime } from '../../../core/model/time.js'
import { StoreUnavailable } from '../../ports/errors.js'
import type { EventType, NewEvent, StoredEvent } from '../../ports/JobStore.js'
import { messageOf } from './apiErrors.js'
import type { ApiResponse, Transport } from './transport.js'

/** How many recent events are remembered for aggregation (client-go's `maxLruCacheEntries`). */
const MAX_REMEMBERED = 4096

interface Remembered {
  readonly name: string
  readonly count: number
}

/** An event recorder for one store: remembers recent events to aggregate repeats. */
export interface EventRecorder {
  readonly record: (event: NewEvent) => Effect.Effect<void, StoreUnavailable>
  readonly list: (options: { readonly namespace: string; readonly involvedObjectName?: string }) => Effect.Effect<ReadonlyArray<StoredEvent>, StoreUnavailable>
}

const API_VERSIONS: Readonly<Record<NewEvent['involvedObject']['kind'], string>> = { Job: 'batch/v1', CronJob: 'batch/v1', Pod: 'v1' }

/** A recorder writing through `transport`; `host` names the reporting instance. */
export function makeEventRecorder(transport: Transport, host: string): EventRecorder {
  const recent = new Map<string, Remembered>()
  let lastNanos = 0n

  const remember = (key: string, entry: Remembered): void => {
    recent.delete(key)
    recent.set(key, entry)
    if (recent.size > MAX_REMEMBERED) recent.delete(recent.keys().next().value as string)
  }

  const create = (event: NewEvent, key: string, nowMs: number): Effect.Effect<void, StoreUnavailable> =>
    Effect.gen(function* () {
      const now = formatTime(nowMs)
      for (let attempt = 0; attempt < 3; attempt++) {
        // Unique even for two events in the same millisecond.
        lastNanos = BigInt(nowMs) * 1_000_000n > lastNanos ? BigInt(nowMs) * 1_000_000n : lastNanos + 1n
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
            firstTimestamp: now,
            lastTimestamp: now,
            count: 1,
          },
        })
        if (response.status === 201 || response.status === 200) {
          remember(key, { name, count: 1 })
          return
        }
        if (response.status !== 409) return yield* Effect.fail(unavailable(response))
      }
    })

  const record = (event: NewEvent): Effect.Effect<void, StoreUnavailable> =>
    Effect.gen(function* () {
      const nowMs = yield* Clock.currentTimeMillis
      const key = aggregationKey(event)
      const known = recent.get(key)
      if (known === undefined) return yield* create(event, key, nowMs)
      const count = known.count + 1
      const response = yield* transport.request({
        method: 'PATCH',
        path: `/api/v1/namespaces/${encodeURIComponent(event.namespace)}/events/${encodeURIComponent(known.name)}`,
        body: { count, lastTimestamp: formatTime(nowMs) },
        contentType: 'application/merge-patch+json',
      })
      if (response.status === 200) {
        remember(key, { name: known.name, count })
        return
      }
      // The event expired (the server keeps them an hour) or was deleted: start a new one.
      if (response.status === 404) return yield* create(event, key, nowMs)
      return yield* Effect.fail(unavailable(response))
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

  return { record, list }
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

function aggregationKey(event: NewEvent): string {
  const { involvedObject } = event
  return JSON.stringify([event.namespace, involvedObject.kind, involvedObject.name, involvedObject.uid, event.type, event.reason, event.message, event.source])
}
