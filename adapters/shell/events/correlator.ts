/**
 * Event correlation as client-go's recorder does it (`tools/record/events_cache.go`), so that
 * a Job with a thousand pods writes a few dozen events, not a thousand, and `kubectl describe`
 * reads the same on our engine as on kube-controller-manager:
 * - aggregation: once 10 events that differ only in their message arrive within 10 minutes
 *   (same source, object, type and reason), the next ones go into one event whose message is
 *   `(combined from similar events): <latest message>`;
 * - counting: an event identical to one sent before updates that one (count, last timestamp,
 *   message) instead of adding another;
 * - spam filter: each source and object has a token bucket of 25 events refilled by one every
 *   5 minutes; an event without a token is not written at all (its occurrence still counts in
 *   the count of the next one that is).
 * Every record lives in a least-recently-used cache of 4096 entries, as upstream's.
 */
import type { EventToCreate, EventUpdate, NewEvent } from '../../ports/JobStore.js'
import { formatTime } from '../../../core/model/time.js'
import { LruCache } from './lru.js'
import { TokenBucket } from './tokenBucket.js'

/** The correlator's limits; `clientGoCorrelation` holds upstream's. */
export interface CorrelationSettings {
  /** Similar events (differing only in message) before they are aggregated: client-go's 10. */
  readonly aggregateAfter: number
  /** How long after the last similar event the count of similar ones starts again: 10 minutes. */
  readonly aggregateWindowMs: number
  /** Events a source may write about one object at once: 25. */
  readonly spamBurst: number
  /** Time to earn one more: 5 minutes (client-go's QPS of 1/300). */
  readonly spamRefillMs: number
  /** Entries of each cache: 4096 (`maxLruCacheEntries`). */
  readonly cacheSize: number
}

export const clientGoCorrelation: CorrelationSettings = {
  aggregateAfter: 10,
  aggregateWindowMs: 10 * 60 * 1000,
  spamBurst: 25,
  spamRefillMs: 5 * 60 * 1000,
  cacheSize: 4096,
}

/** The message prefix of an aggregated event (client-go's `EventAggregatorByReasonMessageFunc`). */
export const COMBINED_PREFIX = '(combined from similar events): '

/** What to write for one occurrence. `key` names the correlation record that the written event's name goes back to. */
export type Correlated =
  | { readonly _tag: 'Skip' }
  | { readonly _tag: 'Create'; readonly key: string; readonly event: EventToCreate }
  | {
      readonly _tag: 'Patch'
      readonly key: string
      readonly name: string
      readonly update: EventUpdate
      /** What to create instead when the event to update is gone (expired on the server). */
      readonly event: EventToCreate
    }

interface Similar {
  /** The distinct messages seen, oldest first, never more than `aggregateAfter`. */
  readonly messages: Set<string>
  lastMs: number
}

interface Observed {
  readonly count: number
  readonly firstTimestamp: string
  /** The name the store gave the event; unknown until its create succeeded. */
  readonly name?: string
}

/** The correlation state of one recorder: plain code, fed its time. */
export class EventCorrelator {
  private readonly similar: LruCache<Similar>
  private readonly observed: LruCache<Observed>
  private readonly spam: LruCache<TokenBucket>

  constructor(private readonly settings: CorrelationSettings = clientGoCorrelation) {
    this.similar = new LruCache(settings.cacheSize)
    this.observed = new LruCache(settings.cacheSize)
    this.spam = new LruCache(settings.cacheSize)
  }

  /** What to write for `event`, which happened at `nowMs` (epoch milliseconds). */
  correlate(event: NewEvent, nowMs: number): Correlated {
    const now = formatTime(nowMs)
    const { key, message } = this.aggregate(event, nowMs)
    const last = this.observed.get(key)
    const count = (last?.count ?? 0) + 1
    const firstTimestamp = last?.firstTimestamp ?? now
    // Counted before the spam filter, as upstream: a filtered occurrence shows in the next count.
    this.observed.set(key, { count, firstTimestamp, ...(last?.name === undefined ? {} : { name: last.name }) })
    if (!this.spamBucketOf(event, nowMs).tryTake(nowMs)) return { _tag: 'Skip' }
    const occurrence: EventToCreate = { ...event, message, firstTimestamp, lastTimestamp: now, count }
    if (last?.name === undefined) return { _tag: 'Create', key, event: occurrence }
    return { _tag: 'Patch', key, name: last.name, update: { count, lastTimestamp: now, message }, event: occurrence }
  }

  /** The store named the event written for `key` (after a create). */
  written(key: string, name: string): void {
    const observed = this.observed.get(key)
    if (observed !== undefined) this.observed.set(key, { ...observed, name })
  }

  /** The event of `key` is gone on the server: the next occurrence creates a new one. */
  forget(key: string): void {
    const observed = this.observed.get(key)
    if (observed === undefined) return
    const { name: _gone, ...rest } = observed
    this.observed.set(key, rest)
  }

  /** The record the occurrence is counted in: its own, or its similar events' once aggregated. */
  private aggregate(event: NewEvent, nowMs: number): { readonly key: string; readonly message: string } {
    const similarKey = similarityKey(event)
    let record = this.similar.get(similarKey)
    if (record === undefined || nowMs - record.lastMs > this.settings.aggregateWindowMs) record = { messages: new Set(), lastMs: nowMs }
    record.messages.add(event.message)
    record.lastMs = nowMs
    this.similar.set(similarKey, record)
    if (record.messages.size < this.settings.aggregateAfter) return { key: `event\u0000${similarKey}\u0000${event.message}`, message: event.message }
    // Keep the set below the threshold (upstream drops an arbitrary one; here the oldest).
    record.messages.delete(record.messages.values().next().value as string)
    return { key: `combined\u0000${similarKey}`, message: COMBINED_PREFIX + event.message }
  }

  private spamBucketOf(event: NewEvent, nowMs: number): TokenBucket {
    const spamKey = objectKey(event)
    let bucket = this.spam.get(spamKey)
    if (bucket === undefined) bucket = new TokenBucket(this.settings.spamBurst, this.settings.spamRefillMs, nowMs)
    this.spam.set(spamKey, bucket)
    return bucket
  }
}

/** Source and object: what the spam filter limits (client-go's `getSpamKey`). */
function objectKey(event: NewEvent): string {
  const { involvedObject } = event
  return [event.source, involvedObject.kind, event.namespace, involvedObject.name, involvedObject.uid].join('\u0000')
}

/** Source, object, type and reason: events that differ only in message (client-go's `EventAggregatorByReasonFunc`). */
function similarityKey(event: NewEvent): string {
  return [objectKey(event), event.type, event.reason].join('\u0000')
}
