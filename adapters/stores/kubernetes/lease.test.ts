/** The Lease's rules on their own: when a candidate may hold it, and what each write records. */
import { describe, expect, it } from 'vitest'
import { decodeLease, holdingRecord, leaseBody, mayHold, microTime, observe, releasedRecord } from './lease.js'

const T0 = Date.parse('2026-01-01T00:00:00Z')
const held = { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: microTime(T0 - 60_000), renewTime: microTime(T0), leaseTransitions: 2 }

describe('the Lease lock', () => {
  it('writes times as the API’s MicroTime, with six fractional digits', () => {
    expect(microTime(T0 + 123)).toBe('2026-01-01T00:00:00.123000Z')
    expect(Date.parse(microTime(T0 + 123))).toBe(T0 + 123)
  })

  it('keeps others out until the record has stood unchanged for leaseDurationSeconds by their own clock', () => {
    // The candidate's clock is an hour behind the holder's: the times written in the record do not matter.
    const local = T0 - 3_600_000
    const seen = observe(undefined, held, local)
    expect(mayHold(held, 'b', observe(seen, held, local + 14_999), local + 14_999)).toBe(false)
    expect(mayHold(held, 'b', observe(seen, held, local + 15_000), local + 15_000)).toBe(true)
    expect(mayHold(held, 'a', seen, local + 1)).toBe(true)
  })

  it('times the claim again from every change the holder writes', () => {
    const seen = observe(undefined, held, T0)
    const renewed = { ...held, renewTime: microTime(T0 + 10_000) }
    const later = observe(seen, renewed, T0 + 10_000)
    expect(later.atMs).toBe(T0 + 10_000)
    expect(mayHold(renewed, 'b', later, T0 + 20_000)).toBe(false)
    expect(mayHold(renewed, 'b', observe(later, renewed, T0 + 25_000), T0 + 25_000)).toBe(true)
  })

  it('is free at once when nobody holds it', () => {
    const free = { leaseDurationSeconds: 1, renewTime: microTime(T0) }
    expect(mayHold(free, 'b', observe(undefined, free, T0), T0)).toBe(true)
    const emptied = { holderIdentity: '', leaseDurationSeconds: 15, renewTime: microTime(T0) }
    expect(mayHold(emptied, 'b', observe(undefined, emptied, T0), T0)).toBe(true)
  })

  it('a renewal moves renewTime and keeps acquireTime and leaseTransitions', () => {
    expect(holdingRecord(held, 'a', T0 + 2000, 15)).toEqual({ ...held, renewTime: microTime(T0 + 2000) })
  })

  it('a takeover sets acquireTime and counts one more transition; a new Lease starts at 0', () => {
    expect(holdingRecord(held, 'b', T0 + 20_000, 15)).toEqual({
      holderIdentity: 'b',
      leaseDurationSeconds: 15,
      acquireTime: microTime(T0 + 20_000),
      renewTime: microTime(T0 + 20_000),
      leaseTransitions: 3,
    })
    expect(holdingRecord(undefined, 'b', T0, 15).leaseTransitions).toBe(0)
  })

  it('a release clears the holder and leaves a one-second claim', () => {
    expect(releasedRecord(held, T0)).toEqual({ leaseDurationSeconds: 1, acquireTime: microTime(T0), renewTime: microTime(T0), leaseTransitions: 2 })
  })

  it('a write sends back the object as read, with its resourceVersion and the fields it does not know', () => {
    const lease = decodeLease({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'l', namespace: 'ns', resourceVersion: '42', labels: { x: 'y' } },
      spec: { ...held, strategy: 'OldestEmulationVersion' },
    })
    expect(lease?.record).toEqual(held)
    expect(leaseBody({ namespace: 'ns', name: 'l' }, lease, releasedRecord(held, T0))).toEqual({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'l', namespace: 'ns', resourceVersion: '42', labels: { x: 'y' } },
      spec: { strategy: 'OldestEmulationVersion', leaseDurationSeconds: 1, acquireTime: microTime(T0), renewTime: microTime(T0), leaseTransitions: 2 },
    })
  })
})
