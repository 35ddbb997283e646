import { describe, expect, it } from '@effect/vitest'
import type { NewEvent } from '../../ports/JobStore.js'
import { EventLog } from './eventLog.js'

const event = (reason: string, namespace = 'ns'): NewEvent => ({
  namespace,
  involvedObject: { kind: 'Job', name: 'pi', uid: 'u1' },
  type: 'Normal',
  reason,
  message: `${reason} happened`,
  source: 'job-controller',
})

describe('EventLog entries and restore', () => {
  it('restoring the saved entries in order rebuilds the same log, aggregation and expiry included', () => {
    const original = new EventLog(10_000)
    original.record(event('A'), 1_000)
    original.record(event('B', 'other'), 2_000)
    original.record(event('A'), 3_000)
    const restored = new EventLog(10_000)
    for (const { event: saved, lastMs } of original.entries()) restored.restore(saved, lastMs)
    expect(restored.list('ns')).toEqual(original.list('ns'))
    expect(restored.list('other')).toEqual(original.list('other'))
    // The same next step on both: A aggregates (count 3), B expires by the TTL.
    for (const log of [original, restored]) {
      log.record(event('A'), 12_500)
      log.record(event('C', 'other'), 12_500)
    }
    expect(restored.list('ns')).toEqual(original.list('ns'))
    expect(restored.list('ns')[0]?.count).toBe(3)
    expect(restored.list('other').map((e) => e.reason)).toEqual(['C'])
    expect(restored.list('other')).toEqual(original.list('other'))
  })
})
