/** The Lease's rules on their own: when a candidate may hold it, and what each write records. */
import { describe, expect, it } from 'vitest'
import { decodeLease, expiresAtMs, holdingRecord, leaseBody, mayHold, microTime, releasedRecord } from './lease.js'

const T0 = Date.parse('2026-01-01T00:00:00Z')
const held = { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: microTime(T0 - 60_000), renewTime: microTime(T0), leaseTransitions: 2 }

describe('the Lease lock', () => {
  it('writes times as the API’s MicroTime, with six fractional digits', () => {
    expect(microTime(T0 + 123)).toBe('2026-01-01T00:00:00.123000Z')
    expect(Date.parse(microTime(T0 + 123))).toBe(T0 + 123)
  })

  it('keeps others out until renewTime + leaseDurationSeconds has passed', () => {
    expect(expiresAtMs(held)).toBe(T0 + 15_000)
    expect(mayHold(held, 'b', T0 + 14_999)).toBe(false)
    expect(mayHold(held, 'b', T0 + 15_000)).toBe(true)
    expect(mayHold(held, 'a', T0 + 1)).toBe(true)
  })

  it('is free when nobody holds it or the holder wrote no renewal time', () => {
    expect(mayHold({ leaseDurationSeconds: 1, renewTime: microTime(T0) }, 'b', T0)).toBe(true)
    expect(mayHold({ holderIdentity: '', leaseDurationSeconds: 15, renewTime: microTime(T0) }, 'b', T0)).toBe(true)
    expect(mayHold({ holderIdentity: 'a', leaseDurationSeconds: 15 }, 'b', T0)).toBe(true)
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
