/**
 * Leader election against a real kube-apiserver: candidates in this process, each with its own
 * connection, on Leases the test also reads and writes as the admin user. Waits poll with
 * generous limits; assertions are about what the Lease records, not how fast things happen.
 */
import { Cause, Clock, Effect, Exit, Fiber, Logger, LogLevel } from 'effect'
import type { Duration } from 'effect'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { KubernetesStoreConfig } from './config.js'
import { connect } from './connection.js'
import type { Attempt, LeaderRecord } from './lease.js'
import { leaseLock, microTime } from './lease.js'
import * as LeaderElection from './leaderElection.js'
import type { ControlPlane } from './testing/controlPlane.js'
import { startControlPlane } from './testing/controlPlane.js'
import { tcpProxy } from './testing/tcpProxy.js'

const NAMESPACE = 'default'

/** Short enough for a test, long enough that a busy machine does not cost the leader its lease. */
const STEADY = { leaseDuration: '6 seconds', renewDeadline: '4 seconds', retryPeriod: '500 millis' } as const satisfies Timing
type Timing = { readonly leaseDuration: Duration.DurationInput; readonly renewDeadline: Duration.DurationInput; readonly retryPeriod: Duration.DurationInput }

let plane: ControlPlane
beforeAll(async () => {
  plane = await startControlPlane()
})
afterAll(() => plane?.stop())

const admin = (): KubernetesStoreConfig => ({ kubeconfigPath: plane.kubeconfigPath })
const leasePath = (name: string) => `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/${name}`
const readLease = async (name: string) => {
  const response = await plane.request<{ metadata: { resourceVersion: string }; spec: LeaderRecord }>('GET', leasePath(name))
  expect(response.status).toBe(200)
  return response.body
}
const writeLease = async (name: string, spec: LeaderRecord) => {
  const response = await plane.request('POST', `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases`, {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace: NAMESPACE },
    spec,
  })
  expect(response.status).toBe(201)
}

/** A candidate running `LeaderElection.run` in the background, with what its `whileLeading` saw. */
interface Candidate {
  readonly identity: string
  readonly isLeading: () => boolean
  /** `whileLeading` was started and then interrupted. */
  readonly wasInterrupted: () => boolean
  /** The holder the candidate was told about while waiting. */
  readonly waitingFor: () => string | undefined
  readonly exit: Promise<Exit.Exit<never, unknown>>
  readonly stop: () => Promise<void>
}

const started: Candidate[] = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((candidate) => candidate.stop()))
})

function candidate(lease: string, identity: string, timing: Timing = STEADY, config: KubernetesStoreConfig = admin()): Candidate {
  let leading = false
  let interrupted = false
  let waitingFor: string | undefined
  const whileLeading = Effect.sync(() => void (leading = true)).pipe(
    Effect.zipRight(Effect.never),
    Effect.onInterrupt(() => Effect.sync(() => ((interrupted = true), (leading = false)))),
  )
  const fiber = Effect.runFork(
    LeaderElection.run(config, { namespace: NAMESPACE, name: lease, identity, ...timing, onWaiting: (holder) => Effect.sync(() => void (waitingFor = holder)) }, whileLeading).pipe(
      Effect.provide(Logger.minimumLogLevel(LogLevel.Warning)),
    ),
  )
  const running: Candidate = {
    identity,
    isLeading: () => leading,
    wasInterrupted: () => interrupted,
    waitingFor: () => waitingFor,
    exit: Effect.runPromise(Fiber.await(fiber)),
    stop: () => Effect.runPromise(Fiber.interrupt(fiber)).then(() => undefined),
  }
  started.push(running)
  return running
}

const soon = { timeout: 60_000, interval: 100 }
const leads = (c: Candidate) => expect.poll(() => c.isLeading(), soon).toBe(true)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The failure `run` ended with. */
const failureOf = (exit: Exit.Exit<never, unknown>) => (Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : undefined)

describe('LeaderElection', () => {
  it('a candidate that finds no Lease creates it and leads: holderIdentity, leaseDurationSeconds, acquireTime, renewTime, leaseTransitions 0', async () => {
    const a = candidate('fresh', 'a')
    await leads(a)
    const { spec } = await readLease('fresh')
    expect(spec).toEqual({ holderIdentity: 'a', leaseDurationSeconds: 6, acquireTime: spec.renewTime, renewTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/), leaseTransitions: 0 })
  })

  it('the leader renews the lease: renewTime moves on, acquireTime and leaseTransitions stay', async () => {
    const a = candidate('renewed', 'a')
    await leads(a)
    const first = (await readLease('renewed')).spec
    await expect.poll(async () => (await readLease('renewed')).spec.renewTime, soon).not.toBe(first.renewTime)
    const later = (await readLease('renewed')).spec
    expect(later).toMatchObject({ holderIdentity: 'a', acquireTime: first.acquireTime, leaseTransitions: 0 })
    expect(Date.parse(later.renewTime!)).toBeGreaterThan(Date.parse(first.renewTime!))
  })

  it('a second candidate waits while the leader renews, and is told who holds the lease', async () => {
    const a = candidate('contested', 'a')
    await leads(a)
    const b = candidate('contested', 'b')
    await expect.poll(() => b.waitingFor(), soon).toBe('a')
    // Longer than a lease duration: only the renewals keep b out.
    await sleep(8_000)
    expect(b.isLeading()).toBe(false)
    expect(a.isLeading()).toBe(true)
    expect((await readLease('contested')).spec.holderIdentity).toBe('a')
  })

  it('a standby takes over a lease not renewed for leaseDurationSeconds, and counts the transition', async () => {
    const renewed = Date.now()
    await writeLease('abandoned', { holderIdentity: 'gone', leaseDurationSeconds: 3, acquireTime: microTime(renewed), renewTime: microTime(renewed), leaseTransitions: 4 })
    const b = candidate('abandoned', 'b')
    await expect.poll(() => b.waitingFor(), soon).toBe('gone')
    await leads(b)
    const { spec } = await readLease('abandoned')
    expect(spec).toMatchObject({ holderIdentity: 'b', leaseDurationSeconds: 6, leaseTransitions: 5 })
    expect(Date.parse(spec.acquireTime!)).toBeGreaterThanOrEqual(renewed + 3000)
  })

  it('a graceful stop ends whileLeading, then clears holderIdentity and sets leaseDurationSeconds to 1', async () => {
    const a = candidate('released', 'a')
    await leads(a)
    await a.stop()
    expect(a.wasInterrupted()).toBe(true)
    const { spec } = await readLease('released')
    expect(spec.holderIdentity).toBeUndefined()
    expect(spec).toMatchObject({ leaseDurationSeconds: 1, leaseTransitions: 0 })
  })

  it('after a graceful stop the standby takes over at once, not after the lease duration', async () => {
    const long = { leaseDuration: '60 seconds', renewDeadline: '10 seconds', retryPeriod: '500 millis' } as const
    const a = candidate('handover', 'a', long)
    await leads(a)
    const b = candidate('handover', 'b', long)
    await expect.poll(() => b.waitingFor(), soon).toBe('a')
    const lastRenewal = Date.parse((await readLease('handover')).spec.renewTime!)
    await a.stop()
    await leads(b)
    const { spec } = await readLease('handover')
    expect(spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 })
    expect(Date.parse(spec.acquireTime!)).toBeLessThan(lastRenewal + 60_000)
  })

  it('another holder written into the lease ends whileLeading, and run fails with LeaderElectionLost', async () => {
    const a = candidate('usurped', 'a')
    await leads(a)
    // The leader renews meanwhile; a write from a stale read is refused (409), so read again.
    await expect
      .poll(async () => {
        const current = await readLease('usurped')
        const now = microTime(Date.now())
        const spec = { holderIdentity: 'usurper', leaseDurationSeconds: 60, acquireTime: now, renewTime: now, leaseTransitions: 1 }
        return (await plane.request('PUT', leasePath('usurped'), { ...current, spec }, 'application/json')).status
      }, soon)
      .toBe(200)
    const failure = failureOf(await a.exit)
    expect(failure).toMatchObject({ _tag: 'Some', value: { _tag: 'LeaderElectionLost', lease: 'default/usurped', reason: 'is held by usurper now' } })
    expect(String((failure as { value: Error }).value.message)).toBe('leader election lost: lease default/usurped is held by usurper now')
    expect(a.wasInterrupted()).toBe(true)
    expect((await readLease('usurped')).spec.holderIdentity).toBe('usurper')
  })

  it('a leader that cannot reach the API server past the renew deadline ends whileLeading and fails with LeaderElectionLost', async () => {
    const proxy = await tcpProxy(new URL(plane.server).port)
    const throughProxy = { server: `https://127.0.0.1:${proxy.port}`, caPath: plane.caPath, token: plane.token }
    const a = candidate('unreachable', 'a', STEADY, throughProxy)
    await leads(a)
    void proxy.close()
    const failure = failureOf(await a.exit)
    expect(failure).toMatchObject({ _tag: 'Some', value: { _tag: 'LeaderElectionLost', lease: 'default/unreachable' } })
    expect((failure as { value: { reason: string } }).value.reason).toMatch(/^was not renewed within 4s: /)
    expect(a.wasInterrupted()).toBe(true)
  })

  it('candidates trying at the same moment: the resourceVersion guard lets exactly one hold the lease', async () => {
    const everyone = ['a', 'b', 'c', 'd', 'e']
    const holders = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const lock = leaseLock(yield* connect(admin()), { namespace: NAMESPACE, name: 'raced' })
          const attempt = Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.all(everyone.map((id) => lock.tryToHold(id, now, 1)), { concurrency: 'unbounded' }))
          const holding = (attempts: ReadonlyArray<Attempt>) => attempts.filter((a) => a._tag === 'Holding').length
          // No Lease yet: everyone creates it, the server accepts one create.
          const creating = holding(yield* attempt)
          // An expired Lease: everyone updates it from what it read, the server accepts one update.
          yield* Effect.sleep('1500 millis')
          const takingOver = holding(yield* attempt)
          return { creating, takingOver }
        }),
      ),
    )
    expect(holders).toEqual({ creating: 1, takingOver: 1 })
  })

  it('refuses timing where a leader could outlive its lease', async () => {
    const attempt = (timing: Timing) => Effect.runPromiseExit(LeaderElection.run(admin(), { namespace: NAMESPACE, name: 'never', identity: 'x', ...timing }, Effect.never))
    const defect = async (timing: Timing) => Cause.squash(((await attempt(timing)) as Exit.Failure<never, unknown>).cause)
    expect(await defect({ leaseDuration: '1500 millis', renewDeadline: '1 second', retryPeriod: '100 millis' })).toMatchObject({ message: expect.stringContaining('whole seconds') })
    expect(await defect({ leaseDuration: '10 seconds', renewDeadline: '10 seconds', retryPeriod: '2 seconds' })).toMatchObject({ message: expect.stringContaining('renew deadline') })
    expect(await defect({ leaseDuration: '10 seconds', renewDeadline: '5 seconds', retryPeriod: '5 seconds' })).toMatchObject({ message: expect.stringContaining('retry period') })
  })
})

describe('LeaderElection defaults', () => {
  it('the namespace comes from the service account’s mounted file, when there is one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jr-sa-'))
    writeFileSync(join(dir, 'namespace'), 'job-reconciler\n')
    expect(LeaderElection.inClusterNamespace(join(dir, 'namespace'))).toBe('job-reconciler')
    expect(LeaderElection.inClusterNamespace(join(dir, 'missing'))).toBeUndefined()
  })

  it('each process gets its own identity: the host name and a random suffix', () => {
    const [one, two] = [LeaderElection.newIdentity(), LeaderElection.newIdentity()]
    expect(one).toMatch(/^.+_[0-9a-f]{8}$/)
    expect(one).not.toBe(two)
  })
})
