/**
 * The correlator against client-go's `tools/record` rules (events_cache.go): aggregation
 * after 10 similar events within 10 minutes, counting of identical events, and the per-object
 * spam filter of 25 events refilled by one every 5 minutes.
 */
import { describe, expect, it } from '@effect/vitest'
import fc from 'fast-check'
import type { NewEvent } from '../../ports/JobStore.js'
import type { Correlated } from './correlator.js'
import { clientGoCorrelation, COMBINED_PREFIX, EventCorrelator } from './correlator.js'

const job = { kind: 'Job' as const, name: 'pi', uid: 'u1' }
const event = (reason: string, message: string, involvedObject = job): NewEvent => ({
  namespace: 'ns',
  involvedObject,
  type: 'Normal',
  reason,
  message,
  source: 'job-controller',
})
const created = (n: number) => event('SuccessfulCreate', `Created pod: pi-${n}`)

/** Feeds the events to a correlator as the recorder does (a create's name comes back before the next one). */
function run(correlator: EventCorrelator, occurrences: ReadonlyArray<{ readonly event: NewEvent; readonly ms: number }>): Correlated[] {
  let names = 0
  return occurrences.map(({ event, ms }) => {
    const result = correlator.correlate(event, ms)
    if (result._tag === 'Create') correlator.written(result.key, `${event.involvedObject.name}.${++names}`)
    return result
  })
}

const tally = (results: ReadonlyArray<Correlated>) => ({
  creates: results.filter((r) => r._tag === 'Create').length,
  patches: results.filter((r) => r._tag === 'Patch').length,
  skipped: results.filter((r) => r._tag === 'Skip').length,
})

describe('EventCorrelator (client-go events_cache.go)', () => {
  it('1,000 SuccessfulCreate events for one Job in 100 s ⇒ 10 creates and 15 patches, as kube-controller-manager sends them', () => {
    const results = run(
      new EventCorrelator(),
      Array.from({ length: 1000 }, (_, i) => ({ event: created(i), ms: i * 100 })),
    )
    expect(tally(results)).toEqual({ creates: 10, patches: 15, skipped: 975 })
    // Nine events of their own, then the aggregate, created once and patched with the latest message.
    const creates = results.filter((r) => r._tag === 'Create')
    expect(creates.slice(0, 9).map((r) => r.event.message)).toEqual(Array.from({ length: 9 }, (_, i) => `Created pod: pi-${i}`))
    expect(creates[9]?.event).toMatchObject({ message: `${COMBINED_PREFIX}Created pod: pi-9`, count: 1 })
    const lastPatch = results.filter((r) => r._tag === 'Patch').at(-1)
    expect(lastPatch).toMatchObject({ name: 'pi.10', update: { count: 16, message: `${COMBINED_PREFIX}Created pod: pi-24`, lastTimestamp: '1970-01-01T00:00:02Z' } })
  })

  it('identical events are counted on one event: one create, then patches of count and lastTimestamp', () => {
    const results = run(
      new EventCorrelator(),
      [0, 1000, 2000].map((ms) => ({ event: event('Completed', 'Job completed'), ms })),
    )
    expect(results.map((r) => r._tag)).toEqual(['Create', 'Patch', 'Patch'])
    expect(results[2]).toMatchObject({ _tag: 'Patch', name: 'pi.1', update: { count: 3, lastTimestamp: '1970-01-01T00:00:02Z', message: 'Job completed' } })
  })

  it('spam filter: after a burst of 25 events about one object, one more every 5 minutes; the skipped ones still count', () => {
    const correlator = new EventCorrelator()
    const burst = run(correlator, Array.from({ length: 30 }, (_, i) => ({ event: event('Completed', 'Job completed'), ms: i })))
    expect(tally(burst)).toEqual({ creates: 1, patches: 24, skipped: 5 })
    expect(tally(run(correlator, [{ event: event('Completed', 'Job completed'), ms: 299_999 }]))).toMatchObject({ skipped: 1 })
    const refilled = run(correlator, [
      { event: event('Completed', 'Job completed'), ms: 300_030 },
      { event: event('Completed', 'Job completed'), ms: 300_031 },
    ])
    expect(refilled.map((r) => r._tag)).toEqual(['Patch', 'Skip'])
    // 30 + 1 + 1 occurrences so far, the skipped ones included.
    expect(refilled[0]).toMatchObject({ update: { count: 32 } })
  })

  it('spam filter and aggregation are per object: another Job has its own burst and its own similar events', () => {
    const correlator = new EventCorrelator()
    run(correlator, Array.from({ length: 40 }, (_, i) => ({ event: created(i), ms: i })))
    const other = { kind: 'Job' as const, name: 'other', uid: 'u2' }
    const results = run(correlator, Array.from({ length: 3 }, (_, i) => ({ event: event('SuccessfulCreate', `Created pod: other-${i}`, other), ms: 100 + i })))
    expect(results.map((r) => r._tag === 'Create' && r.event.message)).toEqual(['Created pod: other-0', 'Created pod: other-1', 'Created pod: other-2'])
  })

  it('similar events more than 10 minutes apart start a new count: no aggregation', () => {
    const results = run(new EventCorrelator(), [
      ...Array.from({ length: 9 }, (_, i) => ({ event: created(i), ms: i })),
      { event: created(9), ms: 8 + 600_001 },
    ])
    expect(results.every((r) => r._tag === 'Create' && !r.event.message.startsWith(COMBINED_PREFIX))).toBe(true)
  })

  it('events of another reason or type are not aggregated with them', () => {
    const results = run(new EventCorrelator(), [
      ...Array.from({ length: 9 }, (_, i) => ({ event: created(i), ms: i })),
      { event: event('SuccessfulDelete', 'Deleted pod: pi-0'), ms: 10 },
      { event: { ...created(10), type: 'Warning' as const }, ms: 11 },
    ])
    expect(results.map((r) => r._tag === 'Create' && r.event.message.startsWith(COMBINED_PREFIX))).toEqual(Array(11).fill(false))
  })

  it('forget: once the event is gone, the next occurrence is created again with the full count', () => {
    const correlator = new EventCorrelator()
    const [first] = run(correlator, [{ event: event('Completed', 'Job completed'), ms: 0 }])
    correlator.forget((first as { readonly key: string }).key)
    expect(correlator.correlate(event('Completed', 'Job completed'), 1)).toMatchObject({ _tag: 'Create', event: { count: 2 } })
  })

  it('property: at most burst + elapsed / 5 min writes per object, and never more than one create per distinct event before aggregation', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(30), fc.nat(120_000)), { minLength: 1, maxLength: 300 }), (steps) => {
        let ms = 0
        const occurrences = steps.map(([pod, gap]) => ({ event: created(pod), ms: (ms += gap) }))
        const results = run(new EventCorrelator(), occurrences)
        const { creates, patches } = tally(results)
        expect(creates + patches).toBeLessThanOrEqual(clientGoCorrelation.spamBurst + Math.floor(ms / clientGoCorrelation.spamRefillMs))
        const distinct = new Set(results.flatMap((r) => (r._tag === 'Create' && !r.event.message.startsWith(COMBINED_PREFIX) ? [r.event.message] : [])))
        expect(distinct.size).toBe(results.filter((r) => r._tag === 'Create' && !r.event.message.startsWith(COMBINED_PREFIX)).length)
      }),
    )
  })
})
