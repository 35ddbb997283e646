import { describe, expect, it } from '@effect/vitest'
import type { EventToCreate, NewEvent } from '../../ports/JobStore.js'
import { EventLog } from './eventLog.js'

const event = (reason: string, namespace = 'ns'): NewEvent => ({
  namespace,
  involvedObject: { kind: 'Job', name: 'pi', uid: 'u1' },
  type: 'Normal',
  reason,
  message: `${reason} happened`,
  source: 'job-controller',
})
const occurrence = (reason: string, ms: number, namespace = 'ns'): EventToCreate => {
  const at = new Date(ms).toISOString()
  return { ...event(reason, namespace), firstTimestamp: at, lastTimestamp: at, count: 1 }
}

describe('EventLog', () => {
  it('names events <object>.<hex nanoseconds>, unique within the millisecond', () => {
    const log = new EventLog()
    const a = log.create(occurrence('A', 1_000), 1_000)
    const b = log.create(occurrence('B', 1_000), 1_000)
    expect(a.name).toBe(`pi.${(1_000n * 1_000_000n).toString(16)}`)
    expect(b.name).toBe(`pi.${(1_000n * 1_000_000n + 1n).toString(16)}`)
  })

  it('restoring the saved entries in order rebuilds the same log, patches and expiry included', () => {
    const original = new EventLog(10_000)
    const a = original.create(occurrence('A', 1_000), 1_000)
    original.create(occurrence('B', 2_000, 'other'), 2_000)
    original.put(original.patched('ns', a.name, { count: 2, lastTimestamp: new Date(3_000).toISOString(), message: 'A again' }, 3_000)!, 3_000)
    const restored = new EventLog(10_000)
    for (const { event: saved, lastMs } of original.entries()) restored.restore(saved, lastMs)
    expect(restored.list('ns')).toEqual(original.list('ns'))
    expect(restored.list('other')).toEqual(original.list('other'))
    // The same next step on both: A is patched (count 3), B expires by the TTL.
    for (const log of [original, restored]) {
      log.put(log.patched('ns', a.name, { count: 3, lastTimestamp: new Date(12_500).toISOString(), message: 'A again' }, 12_500)!, 12_500)
      log.create(occurrence('C', 12_500, 'other'), 12_500)
    }
    expect(restored.list('ns')[0]?.count).toBe(3)
    expect(restored.list('other').map((e) => e.reason)).toEqual(['C'])
    expect(restored.list('ns')).toEqual(original.list('ns'))
  })

  it('reads what an older store version wrote: unnamed occurrences counted by identity, unnamed saved entries', () => {
    const log = new EventLog()
    log.recordUnnamed(event('A'), 1_000)
    log.recordUnnamed(event('A'), 2_000)
    log.restore({ ...occurrence('B', 500), count: 4 }, 500)
    expect(log.list('ns').map((e) => [e.reason, e.count])).toEqual([
      ['A', 2],
      ['B', 4],
    ])
  })
})
