/**
 * A `coordination.k8s.io/v1` Lease as a leader-election lock: who holds it, since when, until
 * when, and the one attempt a candidate makes to hold it (create it, take it over, or renew it).
 *
 * The rules, as Kubernetes' leader election keeps them:
 * - the holder renews `renewTime`; another candidate may take the lease once the record has not
 *   changed for `leaseDurationSeconds` by the candidate's own clock, or at once when
 *   `holderIdentity` is empty (a holder that let go);
 * - a new holder sets `acquireTime` and counts one more `leaseTransitions`; a renewal keeps both;
 * - every write carries the `resourceVersion` it read (a create has none to carry, and the server
 *   refuses a second create), so when two candidates try at once the server lets one win and
 *   answers the other 409.
 *
 * Expiry is measured from when this candidate saw the record change, never from the times
 * written in it: the machines' clocks need not agree, only run at about the same rate.
 */
import { Effect } from 'effect'
import { StoreUnavailable } from '../../ports/errors.js'
import { messageOf } from './apiErrors.js'
import { isRecord } from './objects.js'
import type { Transport } from './transport.js'

/** What a Lease says about its holder (its `spec`, the fields leader election uses). */
export interface LeaderRecord {
  readonly holderIdentity?: string
  readonly leaseDurationSeconds?: number
  /** RFC 3339 with microseconds, as the API's `MicroTime`. */
  readonly acquireTime?: string
  readonly renewTime?: string
  readonly leaseTransitions?: number
}

/** A Lease as read or written: the object as the server sent it, and its record. */
export interface Lease {
  /** Kept whole, so a write sends back any field this module does not know. */
  readonly object: Readonly<Record<string, unknown>>
  readonly resourceVersion: string
  readonly record: LeaderRecord
}

/** Where the lock is. */
export interface LeaseKey {
  readonly namespace: string
  readonly name: string
}

/** The outcome of one attempt to hold the lease. */
export type Attempt =
  | { readonly _tag: 'Holding'; readonly lease: Lease }
  /** `holder` is undefined when another candidate won the same moment (a 409) and who it is was not read. */
  | { readonly _tag: 'HeldByAnother'; readonly holder: string | undefined }

const RECORD_FIELDS = ['holderIdentity', 'leaseDurationSeconds', 'acquireTime', 'renewTime', 'leaseTransitions'] as const

/** `NS/NAME`, for messages. */
export const leaseName = (key: LeaseKey): string => `${key.namespace}/${key.name}`

/** The API's `MicroTime`: RFC 3339 with six fractional digits. */
export const microTime = (ms: number): string => new Date(ms).toISOString().replace(/Z$/, '000Z')

/** What a candidate last saw of the record, and when by its own clock. */
export interface Observation {
  /** The record's fields, compared whole: any write by the holder is a sign of life. */
  readonly record: string
  readonly atMs: number
}

/** The observation after reading `record` at `nowMs`: the earlier one while the record is unchanged. */
export function observe(previous: Observation | undefined, record: LeaderRecord, nowMs: number): Observation {
  const text = JSON.stringify(RECORD_FIELDS.map((field) => record[field] ?? null))
  return previous !== undefined && previous.record === text ? previous : { record: text, atMs: nowMs }
}

/** Whether `identity` may write itself in as the holder at `nowMs`, having observed the record as `observation`. */
export function mayHold(record: LeaderRecord, identity: string, observation: Observation, nowMs: number): boolean {
  if (record.holderIdentity === undefined || record.holderIdentity === '' || record.holderIdentity === identity) return true
  return observation.atMs + (record.leaseDurationSeconds ?? 0) * 1000 <= nowMs
}

/** The record that makes `identity` the holder at `nowMs`: a renewal when it holds the lease already, else a takeover. */
export function holdingRecord(previous: LeaderRecord | undefined, identity: string, nowMs: number, leaseDurationSeconds: number): LeaderRecord {
  const now = microTime(nowMs)
  if (previous !== undefined && previous.holderIdentity === identity) {
    return { ...previous, leaseDurationSeconds, renewTime: now, acquireTime: previous.acquireTime ?? now }
  }
  return {
    holderIdentity: identity,
    leaseDurationSeconds,
    acquireTime: now,
    renewTime: now,
    leaseTransitions: previous === undefined ? 0 : (previous.leaseTransitions ?? 0) + 1,
  }
}

/** The record of a holder that lets go: no holder, and a one-second claim, so a standby need not wait. */
export function releasedRecord(previous: LeaderRecord, nowMs: number): LeaderRecord {
  const now = microTime(nowMs)
  return { leaseDurationSeconds: 1, acquireTime: now, renewTime: now, ...(previous.leaseTransitions !== undefined ? { leaseTransitions: previous.leaseTransitions } : {}) }
}

/** Reads a Lease the server sent; anything else is `undefined`. */
export function decodeLease(body: unknown): Lease | undefined {
  if (!isRecord(body) || !isRecord(body['metadata'])) return undefined
  const resourceVersion = body['metadata']['resourceVersion']
  if (typeof resourceVersion !== 'string') return undefined
  const spec = isRecord(body['spec']) ? body['spec'] : {}
  const text = (field: string) => (typeof spec[field] === 'string' ? { [field]: spec[field] } : {})
  const count = (field: string) => (typeof spec[field] === 'number' ? { [field]: spec[field] } : {})
  const record: LeaderRecord = {
    ...text('holderIdentity'),
    ...count('leaseDurationSeconds'),
    ...text('acquireTime'),
    ...text('renewTime'),
    ...count('leaseTransitions'),
  }
  return { object: body, resourceVersion, record }
}

/** The Lease object that writes `record`: the one read, with its leader-election fields replaced (and its `resourceVersion` kept as the guard). */
export function leaseBody(key: LeaseKey, previous: Lease | undefined, record: LeaderRecord): Record<string, unknown> {
  if (previous === undefined) {
    return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: key.name, namespace: key.namespace }, spec: { ...record } }
  }
  const spec: Record<string, unknown> = isRecord(previous.object['spec']) ? { ...previous.object['spec'] } : {}
  for (const field of RECORD_FIELDS) delete spec[field]
  return { ...previous.object, spec: { ...spec, ...record } }
}

/** The Lease's requests, on one transport. */
export interface LeaseLock {
  readonly key: LeaseKey
  /** One attempt to hold the lease at `nowMs`: reads it, and writes `identity` in if the rules allow. */
  readonly tryToHold: (identity: string, nowMs: number, leaseDurationSeconds: number) => Effect.Effect<Attempt, StoreUnavailable>
  /** A renewal from the lease last written, without reading first; another write since then makes it a full attempt. */
  readonly renew: (held: Lease, identity: string, nowMs: number, leaseDurationSeconds: number) => Effect.Effect<Attempt, StoreUnavailable>
  /** Lets go of a lease `identity` holds; false when it holds it no longer. */
  readonly release: (held: Lease, identity: string, nowMs: number) => Effect.Effect<boolean, StoreUnavailable>
}

/** The lock named `key`, through `transport`. */
export function leaseLock(transport: Transport, key: LeaseKey): LeaseLock {
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(key.namespace)}/leases`
  const path = `${collection}/${encodeURIComponent(key.name)}`
  const refused = (what: string, response: { readonly status: number; readonly body: unknown }) =>
    new StoreUnavailable({ reason: `${what} lease ${leaseName(key)}: ${messageOf(response)}` })
  const decoded = (what: string, body: unknown): Effect.Effect<Lease, StoreUnavailable> => {
    const lease = decodeLease(body)
    return lease === undefined ? Effect.fail(new StoreUnavailable({ reason: `${what} lease ${leaseName(key)}: the server sent something that is not a Lease` })) : Effect.succeed(lease)
  }

  /** Writes the record over `previous` (or creates the Lease); a 409 means another candidate wrote first. */
  const write = (previous: Lease | undefined, record: LeaderRecord): Effect.Effect<Lease | 'Conflict', StoreUnavailable> =>
    Effect.flatMap(
      transport.request(
        previous === undefined
          ? { method: 'POST', path: collection, body: leaseBody(key, undefined, record) }
          : { method: 'PUT', path, body: leaseBody(key, previous, record) },
      ),
      (response): Effect.Effect<Lease | 'Conflict', StoreUnavailable> => {
        const what = previous === undefined ? 'creating' : 'updating'
        if (response.status === 409) return Effect.succeed('Conflict' as const)
        return response.status === 200 || response.status === 201 ? decoded(what, response.body) : Effect.fail(refused(what, response))
      },
    )

  const read: Effect.Effect<Lease | undefined, StoreUnavailable> = Effect.flatMap(transport.request({ method: 'GET', path }), (response) => {
    if (response.status === 404) return Effect.succeed(undefined)
    return response.status === 200 ? decoded('reading', response.body) : Effect.fail(refused('reading', response))
  })

  /** What this candidate last saw of the lease: the holder's claim is timed from there. */
  let observation: Observation | undefined

  const tryToHold: LeaseLock['tryToHold'] = (identity, nowMs, leaseDurationSeconds) =>
    Effect.gen(function* () {
      const current = yield* read
      if (current !== undefined) {
        observation = observe(observation, current.record, nowMs)
        if (!mayHold(current.record, identity, observation, nowMs)) return { _tag: 'HeldByAnother', holder: current.record.holderIdentity } as const
      }
      const written = yield* write(current, holdingRecord(current?.record, identity, nowMs, leaseDurationSeconds))
      return written === 'Conflict' ? ({ _tag: 'HeldByAnother', holder: undefined } as const) : ({ _tag: 'Holding', lease: written } as const)
    })

  const renew: LeaseLock['renew'] = (held, identity, nowMs, leaseDurationSeconds) =>
    Effect.flatMap(write(held, holdingRecord(held.record, identity, nowMs, leaseDurationSeconds)), (written) =>
      written === 'Conflict' ? tryToHold(identity, nowMs, leaseDurationSeconds) : Effect.succeed({ _tag: 'Holding', lease: written } as const),
    )

  // A write since the one `held` records (a renewal cut short, someone's annotation) is read
  // first: the lease is released only while this identity still holds it.
  const release: LeaseLock['release'] = (held, identity, nowMs) =>
    Effect.flatMap(write(held, releasedRecord(held.record, nowMs)), (written) => {
      if (written !== 'Conflict') return Effect.succeed(true)
      return Effect.flatMap(read, (current) =>
        current === undefined || current.record.holderIdentity !== identity
          ? Effect.succeed(false)
          : Effect.map(write(current, releasedRecord(current.record, nowMs)), (again) => again !== 'Conflict'),
      )
    })

  return { key, tryToHold, renew, release }
}
