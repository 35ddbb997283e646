/**
 * Leader election on a `coordination.k8s.io/v1` Lease, as kube-controller-manager runs its
 * controllers: every replica calls `run`, one at a time leads and does the work, the others wait
 * and take over when the leader stops renewing.
 *
 * ```ts
 * LeaderElection.run(config, { namespace: 'job-reconciler', name: 'job-reconciler', identity: LeaderElection.newIdentity() },
 *   Effect.scoped(Effect.zipRight(Controller.start(options), Effect.never)))
 * ```
 *
 * - Waiting: an attempt every retry period (2 s); the lease is free once its holder has not
 *   renewed it for its lease duration (15 s), or when the holder let go (see `lease.ts`).
 * - Leading: `whileLeading` runs and the lease is renewed every retry period. A leader that has
 *   not renewed for the renew deadline (10 s, shorter than the lease duration so it stops before
 *   anyone may take over) interrupts `whileLeading` and fails with `LeaderElectionLost`: the
 *   process should exit then, as kube-controller-manager does, and start afresh as a candidate.
 * - Stopping: interrupting `run` interrupts `whileLeading` and then releases the lease, so a
 *   standby takes over at once instead of after the lease duration.
 */
import { Clock, Data, Duration, Effect, Either, Ref } from 'effect'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { StoreUnavailable } from '../../ports/errors.js'
import type { KubernetesStoreConfig } from './config.js'
import { connect } from './connection.js'
import type { Lease, LeaseLock } from './lease.js'
import { leaseLock, leaseName } from './lease.js'

/** kube-controller-manager's `--leader-elect-lease-duration`: how long a holder's renewal keeps others out. */
export const DEFAULT_LEASE_DURATION: Duration.Duration = Duration.seconds(15)
/** kube-controller-manager's `--leader-elect-renew-deadline`: how long a leader keeps leading without a successful renewal. */
export const DEFAULT_RENEW_DEADLINE: Duration.Duration = Duration.seconds(10)
/** kube-controller-manager's `--leader-elect-retry-period`: the time between attempts to acquire or renew. */
export const DEFAULT_RETRY_PERIOD: Duration.Duration = Duration.seconds(2)

/** Where a pod finds its own namespace (the service account's mounted files). */
export const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace'

/** Which lease, who is asking, and the timing. */
export interface LeaderElectionOptions {
  readonly namespace: string
  readonly name: string
  /** This candidate's name in `holderIdentity`; unique per process (see `newIdentity`). */
  readonly identity: string
  /** A whole number of seconds (the Lease records seconds). Default 15 s. */
  readonly leaseDuration?: Duration.DurationInput
  /** Shorter than the lease duration. Default 10 s. */
  readonly renewDeadline?: Duration.DurationInput
  /** Shorter than the renew deadline. Default 2 s. */
  readonly retryPeriod?: Duration.DurationInput
  /** Told once, the first time the lease is found held by another candidate. */
  readonly onWaiting?: (holder: string) => Effect.Effect<void>
}

/** The leader could not renew its lease in time, or another candidate holds it now. */
export class LeaderElectionLost extends Data.TaggedError('LeaderElectionLost')<{
  /** `NS/NAME`. */
  readonly lease: string
  /** What happened, e.g. `is held by other_1a2b3c4d now`. */
  readonly reason: string
}> {
  override get message(): string {
    return `leader election lost: lease ${this.lease} ${this.reason}`
  }
}

/** A unique holder identity for this process: the host name and a random suffix (two replicas may share a host name). */
export function newIdentity(): string {
  return `${hostname()}_${randomBytes(4).toString('hex')}`
}

/** The namespace of the pod this process runs in, if it runs in one. */
export function inClusterNamespace(file: string = SERVICE_ACCOUNT_NAMESPACE_FILE): string | undefined {
  try {
    const namespace = readFileSync(file, 'utf8').trim()
    return namespace === '' ? undefined : namespace
  } catch {
    return undefined
  }
}

/**
 * Waits until this candidate leads, then runs `whileLeading` while it renews the lease. Never
 * succeeds: fails with `LeaderElectionLost` when leadership is lost (after interrupting
 * `whileLeading`), with `whileLeading`'s own error (after releasing the lease), or with
 * `StoreUnavailable` when the configuration cannot be loaded. Interrupting it releases the lease.
 */
export function run<E, R>(
  config: KubernetesStoreConfig,
  options: LeaderElectionOptions,
  whileLeading: Effect.Effect<never, E, R>,
): Effect.Effect<never, E | LeaderElectionLost | StoreUnavailable, R> {
  return Effect.scoped(
    Effect.gen(function* () {
      const timing = yield* timingOf(options)
      const lock = leaseLock(yield* connect(config), { namespace: options.namespace, name: options.name })
      const candidate: Candidate = { lock, identity: options.identity, timing, onWaiting: options.onWaiting ?? (() => Effect.void) }
      return yield* Effect.acquireUseRelease(
        // `held`: the lease as last written while this candidate holds it, cleared once leadership is lost.
        Effect.interruptible(waitToLead(candidate)).pipe(Effect.flatMap((won) => Effect.map(Ref.make<Lease | undefined>(won.lease), (held) => ({ won, held })))),
        ({ won, held }) => Effect.raceFirst(whileLeading, keepLeading(candidate, won, held)),
        ({ held }) => letGo(candidate, held),
      )
    }),
  )
}

interface Timing {
  readonly leaseSeconds: number
  readonly renewDeadlineMs: number
  readonly retryPeriodMs: number
}

/** A lease this candidate wrote itself into, and the time it wrote as `renewTime`. */
interface Won {
  readonly lease: Lease
  readonly renewedAt: number
}

interface Candidate {
  readonly lock: LeaseLock
  readonly identity: string
  readonly timing: Timing
  readonly onWaiting: (holder: string) => Effect.Effect<void>
}

/** The timing, checked as client-go checks it: a leader must give up before anyone may take over. */
function timingOf(options: LeaderElectionOptions): Effect.Effect<Timing> {
  const millis = (input: Duration.DurationInput | undefined, fallback: Duration.Duration) => Duration.toMillis(Duration.decode(input ?? fallback))
  const leaseMs = millis(options.leaseDuration, DEFAULT_LEASE_DURATION)
  const renewDeadlineMs = millis(options.renewDeadline, DEFAULT_RENEW_DEADLINE)
  const retryPeriodMs = millis(options.retryPeriod, DEFAULT_RETRY_PERIOD)
  if (!Number.isInteger(leaseMs / 1000) || leaseMs < 1000) return Effect.dieMessage(`leader election: the lease duration must be whole seconds, not ${leaseMs} ms`)
  if (renewDeadlineMs >= leaseMs) return Effect.dieMessage('leader election: the renew deadline must be shorter than the lease duration')
  if (!(retryPeriodMs > 0 && retryPeriodMs < renewDeadlineMs)) return Effect.dieMessage('leader election: the retry period must be positive and shorter than the renew deadline')
  return Effect.succeed({ leaseSeconds: leaseMs / 1000, renewDeadlineMs, retryPeriodMs })
}

/** One attempt gets at most the renew deadline: a server that does not answer is a failed attempt. */
const bounded = <A>(attempt: Effect.Effect<A, StoreUnavailable>, ms: number): Effect.Effect<A, StoreUnavailable> =>
  attempt.pipe(
    Effect.timeoutFail({
      duration: Duration.millis(Math.max(0, ms)),
      onTimeout: () => new StoreUnavailable({ reason: `the API server did not answer within ${seconds(ms)}` }),
    }),
  )

const seconds = (ms: number): string => `${Math.round(ms / 100) / 10}s`

/** Tries every retry period until the lease is ours; says once who holds it, and each new failure once. */
function waitToLead(candidate: Candidate): Effect.Effect<Won> {
  const { lock, identity, timing } = candidate
  return Effect.gen(function* () {
    let announced = false
    let lastProblem: string | undefined
    for (;;) {
      const now = yield* Clock.currentTimeMillis
      const attempt = yield* Effect.either(bounded(lock.tryToHold(identity, now, timing.leaseSeconds), timing.renewDeadlineMs))
      if (Either.isRight(attempt)) {
        if (attempt.right._tag === 'Holding') {
          yield* Effect.logInfo(`leader election: ${identity} leads (lease ${leaseName(lock.key)})`)
          return { lease: attempt.right.lease, renewedAt: now }
        }
        const holder = attempt.right.holder
        if (!announced && holder !== undefined) {
          announced = true
          yield* candidate.onWaiting(holder)
        }
      } else if (attempt.left.reason !== lastProblem) {
        lastProblem = attempt.left.reason
        yield* Effect.logWarning(`leader election: ${lastProblem}; trying again every ${seconds(timing.retryPeriodMs)}`)
      }
      yield* Effect.sleep(Duration.millis(timing.retryPeriodMs))
    }
  })
}

/** Renews every retry period; fails once the renew deadline passed without a renewal, or another candidate holds the lease. */
function keepLeading(candidate: Candidate, won: Won, held: Ref.Ref<Lease | undefined>): Effect.Effect<never, LeaderElectionLost> {
  const { lock, identity, timing } = candidate
  const lost = (reason: string) => Effect.zipRight(Ref.set(held, undefined), Effect.fail(new LeaderElectionLost({ lease: leaseName(lock.key), reason })))
  return Effect.gen(function* () {
    let lease = won.lease
    // The deadline counts from the renewal time written, so it passes before the lease expires.
    let renewedAt = won.renewedAt
    let lastProblem: string | undefined
    for (;;) {
      yield* Effect.sleep(Duration.millis(timing.retryPeriodMs))
      const now = yield* Clock.currentTimeMillis
      const deadline = renewedAt + timing.renewDeadlineMs
      const attempt = yield* Effect.either(bounded(lock.renew(lease, identity, now, timing.leaseSeconds), deadline - now))
      if (Either.isRight(attempt)) {
        const outcome = attempt.right
        if (outcome._tag === 'Holding') {
          lease = outcome.lease
          renewedAt = now
          lastProblem = undefined
          yield* Ref.set(held, lease)
          continue
        }
        if (outcome.holder !== undefined) return yield* lost(`is held by ${outcome.holder} now`)
      }
      const problem = Either.isLeft(attempt) ? attempt.left.reason : 'another candidate wrote it at the same moment'
      if ((yield* Clock.currentTimeMillis) >= deadline) return yield* lost(`was not renewed within ${seconds(timing.renewDeadlineMs)}: ${problem}`)
      if (problem !== lastProblem) yield* Effect.logWarning(`leader election: renewing lease ${leaseName(lock.key)} failed: ${problem}; trying again until the renew deadline`)
      lastProblem = problem
    }
  })
}

/** Releases a lease still held; a failure only costs the standby the lease duration, so it is logged, not raised. */
function letGo(candidate: Candidate, held: Ref.Ref<Lease | undefined>): Effect.Effect<void> {
  const { lock, identity, timing } = candidate
  return Effect.gen(function* () {
    const lease = yield* Ref.get(held)
    if (lease === undefined) return
    const released = yield* bounded(lock.release(lease, identity, yield* Clock.currentTimeMillis), timing.renewDeadlineMs)
    if (released) yield* Effect.logInfo(`leader election: released lease ${leaseName(lock.key)}`)
  }).pipe(Effect.catchAll((error) => Effect.logWarning(`leader election: could not release lease ${leaseName(lock.key)}: ${error.reason}`)))
}
