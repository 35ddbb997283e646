/**
 * The background recorder on the memory store and effect's TestClock: what reaches the store
 * for a 1,000-pod Job (client-go's 10 creates and 15 patches), the spam filter's refill, and
 * that recording never waits for the store (a stalled sink stops neither `record` nor a sync).
 */
import { describe, expect, it } from '@effect/vitest'
import { Deferred, Effect, TestClock } from 'effect'
import type { Counter } from 'prom-client'
import { StoreUnavailable } from '../../ports/errors.js'
import type { JobStoreService, NewEvent } from '../../ports/JobStore.js'
import * as MemoryStore from '../../stores/memory/MemoryStore.js'
import { describeJob } from '../../cli/printers/describe.js'
import { makeControllerMetrics } from '../controller/metrics.js'
import { COMBINED_PREFIX } from './correlator.js'
import * as EventRecorder from './EventRecorder.js'

const ns = 'ns'
const job = { kind: 'Job' as const, name: 'pi', uid: 'u1' }
const event = (reason: string, message: string): NewEvent => ({ namespace: ns, involvedObject: job, type: 'Normal', reason, message, source: 'job-controller' })

/** The memory store, counting event writes; `failNext` makes the next writes fail as unreachable. */
function countingStore(inner: JobStoreService) {
  const calls = { creates: 0, patches: 0, failNext: 0 }
  const failing = () => calls.failNext > 0 && calls.failNext-- > 0
  const store: JobStoreService = {
    ...inner,
    createEvent: (e) =>
      Effect.suspend(() => {
        calls.creates++
        return failing() ? Effect.fail(new StoreUnavailable({ reason: 'injected' })) : inner.createEvent(e)
      }),
    patchEvent: (key, update) =>
      Effect.suspend(() => {
        calls.patches++
        return failing() ? Effect.fail(new StoreUnavailable({ reason: 'injected' })) : inner.patchEvent(key, update)
      }),
  }
  return { store, calls }
}

const droppedOf = (counter: Counter<'reason'>, reason: EventRecorder.DropReason) =>
  Effect.promise(() => counter.get()).pipe(Effect.map((metric) => metric.values.find((v) => v.labels.reason === reason)?.value ?? 0))

describe('EventRecorder', () => {
  it.scoped('a Job creating 1,000 pods over 100 s sends 10 event creates and 15 patches (client-go\'s correlator); describe shows the aggregate as kubectl does', () =>
    Effect.gen(function* () {
      const { store, calls } = countingStore(yield* MemoryStore.make)
      const metrics = makeControllerMetrics()
      const recorder = yield* EventRecorder.start(store, metrics.eventsDropped)
      for (let i = 0; i < 1000; i++) {
        yield* recorder.record(event('SuccessfulCreate', `Created pod: pi-${i}`))
        if (i % 10 === 9) yield* TestClock.adjust('1 second')
        yield* recorder.settled
      }
      expect({ creates: calls.creates, patches: calls.patches }).toEqual({ creates: 10, patches: 15 })
      expect(yield* droppedOf(metrics.eventsDropped, 'spam_filtered')).toBe(975)
      const events = yield* store.listEvents({ namespace: ns, involvedObjectName: 'pi' })
      expect(events).toHaveLength(10)
      const combined = events.find((e) => e.message.startsWith(COMBINED_PREFIX))
      // The aggregate was created by the 10th event (at 0 s) and last patched by the 25th (at 2 s).
      expect(combined).toMatchObject({ count: 16, message: `${COMBINED_PREFIX}Created pod: pi-24`, firstTimestamp: '1970-01-01T00:00:00Z', lastTimestamp: '1970-01-01T00:00:02Z' })
      // kubectl's Events table: Age of the last occurrence, then "(xN over <age of the first>)".
      const pi = yield* store.createJob({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'pi', namespace: ns },
        spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl:5.34' }], restartPolicy: 'Never' } } },
      })
      const view = describeJob(pi, events, 100_000)
      expect(view).toMatch(/Normal\s+SuccessfulCreate\s+98s \(x16 over 100s\)\s+job-controller\s+\(combined from similar events\): Created pod: pi-24/)
    }),
  )

  it.scoped('the spam filter refills one event every 5 minutes: the next one after that is patched in with every occurrence counted', () =>
    Effect.gen(function* () {
      const { store, calls } = countingStore(yield* MemoryStore.make)
      const recorder = yield* EventRecorder.start(store, makeControllerMetrics().eventsDropped)
      for (let i = 0; i < 30; i++) yield* recorder.record(event('Completed', 'Job completed'))
      yield* recorder.settled
      expect({ creates: calls.creates, patches: calls.patches }).toEqual({ creates: 1, patches: 24 })
      yield* TestClock.adjust('4 minutes')
      yield* recorder.record(event('Completed', 'Job completed'))
      yield* recorder.settled
      expect(calls.patches).toBe(24)
      yield* TestClock.adjust('1 minute')
      yield* recorder.record(event('Completed', 'Job completed'))
      yield* recorder.record(event('Completed', 'Job completed'))
      yield* recorder.settled
      expect(calls.patches).toBe(25)
      const [stored] = yield* store.listEvents({ namespace: ns })
      expect(stored).toMatchObject({ count: 32, lastTimestamp: '1970-01-01T00:05:00Z' })
    }),
  )

  it.scoped('record never waits for the store: with the sink stalled, 2,000 events are taken at once, the overflow beyond the queue of 1,000 counted as dropped', () =>
    Effect.gen(function* () {
      const inner = yield* MemoryStore.make
      const release = yield* Deferred.make<void>()
      const stalled: JobStoreService = { ...inner, createEvent: (e) => Effect.zipRight(Deferred.await(release), inner.createEvent(e)) }
      const metrics = makeControllerMetrics()
      const recorder = yield* EventRecorder.start(stalled, metrics.eventsDropped)
      yield* recorder.record(event('Completed', 'first'))
      yield* Effect.yieldNow() // the sender takes it and waits on the store
      for (let i = 0; i < 2000; i++) yield* recorder.record(event('SuccessfulCreate', `Created pod: pi-${i}`))
      expect(yield* droppedOf(metrics.eventsDropped, 'queue_full')).toBe(1000)
      yield* Deferred.succeed(release, undefined)
      yield* recorder.settled
      expect((yield* inner.listEvents({ namespace: ns })).length).toBeGreaterThan(0)
    }),
  )

  it.scoped('an unreachable store is retried (12 tries, 10 s apart) without holding up settled; a patch of an expired event creates it again', () =>
    Effect.gen(function* () {
      const { store, calls } = countingStore(yield* MemoryStore.make)
      const metrics = makeControllerMetrics()
      const recorder = yield* EventRecorder.start(store, metrics.eventsDropped)
      calls.failNext = 2
      yield* recorder.record(event('Completed', 'Job completed'))
      yield* recorder.settled // waiting to retry counts as settled
      expect(yield* store.listEvents({ namespace: ns })).toHaveLength(0)
      yield* TestClock.adjust('20 seconds')
      yield* recorder.settled
      expect(calls.creates).toBe(3)
      expect(yield* store.listEvents({ namespace: ns })).toHaveLength(1)
      // The server drops events an hour after their last change: the repeat is created anew.
      yield* TestClock.adjust('61 minutes')
      yield* recorder.record(event('Completed', 'Job completed'))
      yield* recorder.settled
      expect({ creates: calls.creates, patches: calls.patches }).toEqual({ creates: 4, patches: 1 })
      expect((yield* store.listEvents({ namespace: ns })).map((e) => e.count)).toEqual([2])
      // Twelve failed tries: given up, and counted.
      calls.failNext = 12
      yield* recorder.record(event('Suspended', 'Job suspended'))
      for (let i = 0; i < 12; i++) {
        yield* recorder.settled
        yield* TestClock.adjust('10 seconds')
      }
      yield* recorder.settled
      expect(yield* droppedOf(metrics.eventsDropped, 'write_failed')).toBe(1)
    }),
  )
})
