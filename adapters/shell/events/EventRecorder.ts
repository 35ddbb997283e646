/**
 * The controller's event recorder, as client-go's broadcaster and sink run it: `record` puts
 * the event on a bounded queue and returns at once, so an event never delays a pod creation
 * or a sync; one background fiber correlates the events in order (correlator.ts) and writes
 * them to the store, creating new ones and patching repeated or aggregated ones. A full queue
 * drops the event, and so does a write that still fails after 12 tries 10 s apart; both are
 * counted (`job_reconciler_events_dropped_total`), never silent.
 */
import { Deferred, Effect, Queue, Random } from 'effect'
import type { Scope } from 'effect'
import type { Counter } from 'prom-client'
import type { StoreError } from '../../ports/errors.js'
import type { JobStoreService, NewEvent } from '../../ports/JobStore.js'
import type { Correlated, CorrelationSettings } from './correlator.js'
import { clientGoCorrelation, EventCorrelator } from './correlator.js'

/** The recorder's limits; `clientGoRecording` holds upstream's. */
export interface RecordingSettings {
  readonly correlation: CorrelationSettings
  /** Events waiting to be written before new ones are dropped (client-go's `maxQueuedEvents`, 1000). */
  readonly queueSize: number
  /** Tries of one write while the store is unreachable (`maxTriesPerEvent`, 12). */
  readonly maxTries: number
  /** Wait between tries, the first one a random part of it (10 s). */
  readonly retryDelayMs: number
}

export const clientGoRecording: RecordingSettings = {
  correlation: clientGoCorrelation,
  queueSize: 1000,
  maxTries: 12,
  retryDelayMs: 10_000,
}

/** Why an event was not written, the label of the dropped-events metric. */
export type DropReason = 'queue_full' | 'spam_filtered' | 'write_failed'

/** A running recorder. */
export interface EventRecorder {
  /** Queues one occurrence of an event, timed now; never waits. */
  readonly record: (event: NewEvent) => Effect.Effect<void>
  /**
   * Waits until every event queued so far has had its try: written, filtered, dropped, or
   * waiting to be tried again while the store is unreachable.
   */
  readonly settled: Effect.Effect<void>
}

interface Queued {
  readonly event: NewEvent
  readonly nowMs: number
}

/** Starts a recorder writing to `store` for the life of the scope. */
export const start = (
  store: JobStoreService,
  dropped: Counter<'reason'>,
  settings: RecordingSettings = clientGoRecording,
): Effect.Effect<EventRecorder, never, Scope.Scope> =>
  Effect.gen(function* () {
    const queue = yield* Queue.dropping<Queued>(settings.queueSize)
    const correlator = new EventCorrelator(settings.correlation)
    /** Queued or being written. */
    let pending = 0
    let waitingToRetry = false
    let waiters: Array<Deferred.Deferred<void>> = []

    const isSettled = () => pending === 0 || waitingToRetry
    const wakeWaiters = Effect.suspend(() => {
      if (!isSettled() || waiters.length === 0) return Effect.void
      const woken = waiters
      waiters = []
      return Effect.forEach(woken, (waiter) => Deferred.succeed(waiter, undefined), { discard: true })
    })

    const record = (event: NewEvent): Effect.Effect<void> =>
      Effect.clockWith((clock) =>
        Effect.sync(() => {
          if (queue.unsafeOffer({ event, nowMs: clock.unsafeCurrentTimeMillis() })) pending++
          else dropped.inc({ reason: 'queue_full' })
        }),
      )

    /** One write of a correlated event; a patch of an event that is gone creates it again. */
    const write = (correlated: Exclude<Correlated, { _tag: 'Skip' }>): Effect.Effect<void, StoreError> => {
      const create = Effect.map(store.createEvent(correlated.event), (created) => correlator.written(correlated.key, created.name))
      if (correlated._tag === 'Create') return create
      const key = { namespace: correlated.event.namespace, name: correlated.name }
      return store.patchEvent(key, correlated.update).pipe(
        Effect.asVoid,
        Effect.catchTag('NotFound', () => Effect.zipRight(Effect.sync(() => correlator.forget(correlated.key)), create)),
      )
    }

    const writeWithRetries = (correlated: Exclude<Correlated, { _tag: 'Skip' }>): Effect.Effect<void> =>
      Effect.gen(function* () {
        for (let tries = 1; ; tries++) {
          const outcome = yield* Effect.either(write(correlated))
          if (outcome._tag === 'Right') return
          if (tries >= settings.maxTries) {
            dropped.inc({ reason: 'write_failed' })
            return yield* Effect.logWarning(`could not record event ${correlated.event.reason} after ${tries} tries: ${outcome.left.message}`)
          }
          // Randomise the first wait so that many recorders do not retry in step.
          const delayMs = tries === 1 ? Math.floor(settings.retryDelayMs * (yield* Random.next)) : settings.retryDelayMs
          waitingToRetry = true
          yield* wakeWaiters
          yield* Effect.sleep(delayMs)
          waitingToRetry = false
        }
      })

    const sendNext = Effect.gen(function* () {
      const { event, nowMs } = yield* Queue.take(queue)
      const correlated = correlator.correlate(event, nowMs)
      if (correlated._tag === 'Skip') dropped.inc({ reason: 'spam_filtered' })
      else yield* writeWithRetries(correlated)
      pending--
      yield* wakeWaiters
    })

    const settled: Effect.Effect<void> = Effect.suspend(() => {
      if (isSettled()) return Effect.void
      return Effect.flatMap(Deferred.make<void>(), (waiter) => {
        waiters.push(waiter)
        return Deferred.await(waiter)
      })
    })

    // Closing the scope drops what is still queued, as client-go's broadcaster does on
    // shutdown: a caller that wants them written waits for `settled` first (`jobctl run` does).
    yield* Effect.forkScoped(Effect.forever(sendNext))
    return { record, settled }
  })
