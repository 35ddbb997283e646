import type { EventToCreate, EventUpdate, NewEvent, StoredEvent } from '../../ports/JobStore.js'
import { formatTime } from '../../../core/model/time.js'
import { frozenCopy, frozenCopyWith } from './snapshot.js'

/** How long the API server keeps an event after its last occurrence (`--event-ttl`, 1 hour). */
export const EVENT_TTL_MS = 60 * 60 * 1000

interface Entry {
  readonly event: StoredEvent
  readonly lastMs: number
}

/**
 * Events by namespace and name, as the API server keeps them: created and patched by the
 * recorder (which does the counting and aggregating, as client-go's does), dropped an hour
 * after their last occurrence. Within a namespace the events are kept in the order of their
 * last change, so a list needs no sorting.
 */
export class EventLog {
  private readonly namespaces = new Map<string, Map<string, Entry>>()
  private lastNanos = 0n

  constructor(private readonly ttlMs: number = EVENT_TTL_MS) {}

  /**
   * A new event named as client-go names them, `<object>.<hex nanoseconds>` of `nowMs`
   * (epoch milliseconds), made unique among the kept ones; nothing is stored yet.
   */
  named(event: EventToCreate, nowMs: number): StoredEvent {
    const events = this.namespaces.get(event.namespace)
    const nanos = BigInt(nowMs) * 1_000_000n
    let name: string
    do {
      this.lastNanos = nanos > this.lastNanos ? nanos : this.lastNanos + 1n
      name = `${event.involvedObject.name}.${this.lastNanos.toString(16)}`
    } while (events?.has(name) === true)
    return frozenCopyWith(event, { name })
  }

  /** Creates an event at `nowMs` (epoch milliseconds); returns what is kept. */
  create(event: EventToCreate, nowMs: number): StoredEvent {
    const stored = this.named(event, nowMs)
    this.put(stored, nowMs)
    return stored
  }

  /** The event with its count, last occurrence and message changed; `undefined` if there is none (expired). */
  patched(namespace: string, name: string, update: EventUpdate, nowMs: number): StoredEvent | undefined {
    const events = this.namespaces.get(namespace)
    if (events !== undefined) this.expire(events, nowMs)
    const previous = events?.get(name)
    if (previous === undefined) return undefined
    return frozenCopyWith(previous.event, { count: update.count, lastTimestamp: update.lastTimestamp, message: update.message })
  }

  /** Stores an event as it is now (created or patched), moving it to the end of its namespace. */
  put(event: StoredEvent, nowMs: number): void {
    const events = this.namespaceOf(event.namespace)
    this.expire(events, nowMs)
    // Delete first so that the entry moves to the end: the map stays in last-change order.
    events.delete(event.name)
    events.set(event.name, { event: frozenCopy(event), lastMs: nowMs })
  }

  /**
   * An event written by an older version of a persistent store, which kept no names and
   * counted identical events itself: counted the same way here, so old files read as before.
   */
  recordUnnamed(event: NewEvent, nowMs: number): void {
    const name = identityOf(event)
    const previous = this.namespaceOf(event.namespace).get(name)?.event
    const now = formatTime(nowMs)
    this.put(
      previous === undefined
        ? frozenCopyWith(event, { name, firstTimestamp: now, lastTimestamp: now, count: 1 })
        : frozenCopyWith(previous, { lastTimestamp: now, count: previous.count + 1 }),
      nowMs,
    )
  }

  /** The events of a namespace, optionally about one object, oldest last change first. */
  list(namespace: string, involvedObjectName?: string): StoredEvent[] {
    const result: StoredEvent[] = []
    for (const { event } of this.namespaces.get(namespace)?.values() ?? []) {
      if (involvedObjectName === undefined || event.involvedObject.name === involvedObjectName) result.push(event)
    }
    return result
  }

  /**
   * Every kept event with the epoch milliseconds of its last change, namespace by namespace
   * in list order: what a store that persists its events saves.
   */
  entries(): Array<{ readonly event: StoredEvent; readonly lastMs: number }> {
    const result: Array<{ readonly event: StoredEvent; readonly lastMs: number }> = []
    for (const events of this.namespaces.values()) for (const { event, lastMs } of events.values()) result.push({ event, lastMs })
    return result
  }

  /**
   * Puts back an entry saved by `entries`, after those restored before it (a persistent store
   * reopening). Restoring the saved entries in their saved order rebuilds the same log. An
   * entry saved by an older version has no name and is keyed as that version kept it.
   */
  restore(event: StoredEvent | Omit<StoredEvent, 'name'>, lastMs: number): void {
    const name = 'name' in event && event.name !== '' ? event.name : identityOf(event)
    const events = this.namespaceOf(event.namespace)
    events.delete(name)
    events.set(name, { event: frozenCopyWith(event, { name }), lastMs })
  }

  private namespaceOf(namespace: string): Map<string, Entry> {
    let events = this.namespaces.get(namespace)
    if (events === undefined) {
      events = new Map()
      this.namespaces.set(namespace, events)
    }
    return events
  }

  private expire(events: Map<string, Entry>, nowMs: number): void {
    for (const [key, entry] of events) {
      if (nowMs - entry.lastMs <= this.ttlMs) break
      events.delete(key)
    }
  }
}

/** How an older store version told identical events apart. */
function identityOf(event: NewEvent): string {
  const { involvedObject } = event
  return JSON.stringify([involvedObject.kind, involvedObject.name, involvedObject.uid, event.type, event.reason, event.message, event.source])
}
