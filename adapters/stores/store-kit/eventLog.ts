import type { NewEvent, StoredEvent } from '../../ports/JobStore.js'
import { formatTime } from '../../../core/model/time.js'
import { frozenCopy, frozenCopyWith } from './snapshot.js'

/** How long the API server keeps an event after its last occurrence (`--event-ttl`, 1 hour). */
export const EVENT_TTL_MS = 60 * 60 * 1000

interface Entry {
  readonly event: StoredEvent
  readonly lastMs: number
}

/**
 * Events by namespace, with the API server's aggregation: recording an event identical to one
 * already kept (same involved object, type, reason, message and source) bumps its `count` and
 * `lastTimestamp` instead of adding a second one. Within a namespace the events are kept in
 * the order of their last occurrence, so a list needs no sorting, and events whose last
 * occurrence is older than the TTL are dropped as new ones arrive.
 */
export class EventLog {
  private readonly namespaces = new Map<string, Map<string, Entry>>()

  constructor(private readonly ttlMs: number = EVENT_TTL_MS) {}

  /** Records an event that happened at `nowMs` (epoch milliseconds); returns what is kept. */
  record(event: NewEvent, nowMs: number): StoredEvent {
    let events = this.namespaces.get(event.namespace)
    if (events === undefined) {
      events = new Map()
      this.namespaces.set(event.namespace, events)
    }
    this.expire(events, nowMs)
    const key = aggregationKey(event)
    const previous = events.get(key)
    const now = formatTime(nowMs)
    const stored: StoredEvent =
      previous === undefined
        ? frozenCopyWith(event, { firstTimestamp: now, lastTimestamp: now, count: 1 })
        : frozenCopyWith(previous.event, { lastTimestamp: now, count: previous.event.count + 1 })
    // Delete first so that the entry moves to the end: the map stays in last-occurrence order.
    events.delete(key)
    events.set(key, { event: stored, lastMs: nowMs })
    return stored
  }

  /** The events of a namespace, optionally about one object, oldest last occurrence first. */
  list(namespace: string, involvedObjectName?: string): StoredEvent[] {
    const result: StoredEvent[] = []
    for (const { event } of this.namespaces.get(namespace)?.values() ?? []) {
      if (involvedObjectName === undefined || event.involvedObject.name === involvedObjectName) result.push(event)
    }
    return result
  }

  /**
   * Every kept event with the epoch milliseconds of its last occurrence, namespace by namespace
   * in list order: what a store that persists its events saves.
   */
  entries(): Array<{ readonly event: StoredEvent; readonly lastMs: number }> {
    const result: Array<{ readonly event: StoredEvent; readonly lastMs: number }> = []
    for (const events of this.namespaces.values()) for (const { event, lastMs } of events.values()) result.push({ event, lastMs })
    return result
  }

  /**
   * Puts back an entry saved by `entries`, after those restored before it (a persistent store
   * reopening). Restoring the saved entries in their saved order rebuilds the same log.
   */
  restore(event: StoredEvent, lastMs: number): void {
    let events = this.namespaces.get(event.namespace)
    if (events === undefined) {
      events = new Map()
      this.namespaces.set(event.namespace, events)
    }
    const key = aggregationKey(event)
    events.delete(key)
    events.set(key, { event: frozenCopy(event), lastMs })
  }

  private expire(events: Map<string, Entry>, nowMs: number): void {
    for (const [key, entry] of events) {
      if (nowMs - entry.lastMs <= this.ttlMs) break
      events.delete(key)
    }
  }
}

function aggregationKey(event: NewEvent): string {
  const { involvedObject } = event
  return JSON.stringify([
    involvedObject.kind,
    involvedObject.name,
    involvedObject.uid,
    event.type,
    event.reason,
    event.message,
    event.source,
  ])
}
