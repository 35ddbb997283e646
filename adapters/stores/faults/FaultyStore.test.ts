import { describe, expect, it } from '@effect/vitest'
import { Chunk, Effect, Either, Exit, Fiber, Layer, Option, Stream, TestClock } from 'effect'
import type { Pod } from '../../../core/model/types.js'
import * as MemoryStore from '../memory/MemoryStore.js'
import { JobStore } from '../../ports/JobStore.js'
import type { JobStoreService } from '../../ports/JobStore.js'
import * as FaultyStore from './FaultyStore.js'
import type { FaultPlan } from './FaultyStore.js'
import type { CallFault, Operation } from './schedule.js'
import { noFaults, scripted, seeded, WRITE_OPERATIONS } from './schedule.js'

const namespace = 'faults'
const jobKey = { namespace, name: 'pi' }
const manifest = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'pi', namespace },
  spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl' }], restartPolicy: 'Never' } } },
}
const newPod = (name: string): Pod => ({
  metadata: { name, namespace, labels: { app: 'faults' } },
  spec: { containers: [{ name: 'main', image: 'busybox' }], restartPolicy: 'Never' },
})

/** A memory store, and one connection to it through the faults of `plan`. */
const setUp = (plan: FaultPlan) =>
  Effect.gen(function* () {
    const inner = yield* MemoryStore.make
    const injector = FaultyStore.makeAround(inner, plan)
    const connection = yield* injector.connect
    return { inner, injector, connection, faulty: connection.store }
  })

const tagOf = <A, E extends { readonly _tag: string }>(result: Either.Either<A, E>): string => (Either.isLeft(result) ? result.left._tag : 'Right')

describe('FaultyStore: call faults', () => {
  it.effect('conflict: a status write is refused as stale (409) and the stored Job does not change', () =>
    Effect.gen(function* () {
      const { inner, injector, faulty } = yield* setUp({ schedule: scripted({ calls: [{ operation: 'updateJobStatus', nth: 1, fault: 'conflict' }] }) })
      const job = yield* inner.createJob(manifest)
      const refused = yield* Effect.either(faulty.updateJobStatus(jobKey, { active: 1 }, job.metadata.resourceVersion ?? ''))
      expect(Either.isLeft(refused) && refused.left).toMatchObject({ _tag: 'Conflict', kind: 'Job', name: 'pi' })
      expect((yield* inner.getJob(jobKey)).metadata.resourceVersion).toBe(job.metadata.resourceVersion)
      // The next write from the same version goes through.
      const written = yield* faulty.updateJobStatus(jobKey, { active: 1 }, job.metadata.resourceVersion ?? '')
      expect(written.status?.active).toBe(1)
      expect(injector.stats().faults.conflict).toBe(1)
    }),
  )

  it.effect('conflict never applies to a write without a resourceVersion, such as a create', () =>
    Effect.gen(function* () {
      const { inner, injector, faulty } = yield* setUp({ schedule: scripted({ calls: [{ fault: 'conflict' }] }) })
      const created = yield* faulty.createPod(newPod('p'))
      expect((yield* inner.getPod({ namespace, name: 'p' })).metadata.uid).toBe(created.metadata.uid)
      expect(injector.stats().faults.conflict).toBe(0)
    }),
  )

  it.effect('unavailable: a read fails at once with StoreUnavailable; the next one answers', () =>
    Effect.gen(function* () {
      const { inner, faulty } = yield* setUp({ schedule: scripted({ calls: [{ operation: 'getJob', nth: 1, fault: 'unavailable' }] }) })
      yield* inner.createJob(manifest)
      expect(tagOf(yield* Effect.either(faulty.getJob(jobKey)))).toBe('StoreUnavailable')
      expect((yield* faulty.getJob(jobKey)).metadata.name).toBe('pi')
    }),
  )

  it.effect('unavailable: a write that fails at once was not applied', () =>
    Effect.gen(function* () {
      const { inner, faulty } = yield* setUp({ schedule: scripted({ calls: [{ operation: 'createPod', fault: 'unavailable' }] }) })
      expect(tagOf(yield* Effect.either(faulty.createPod(newPod('p'))))).toBe('StoreUnavailable')
      expect((yield* inner.listPods({ namespace })).items).toHaveLength(0)
    }),
  )

  it.effect('timeout: the call hangs for the plan timeout, then fails without effect', () =>
    Effect.gen(function* () {
      const { inner, faulty } = yield* setUp({ schedule: scripted({ calls: [{ operation: 'createPod', fault: 'timeout' }] }), timeout: '30 seconds' })
      const call = yield* Effect.fork(Effect.either(faulty.createPod(newPod('p'))))
      yield* TestClock.adjust('29 seconds')
      expect(Option.isNone(yield* Fiber.poll(call))).toBe(true)
      yield* TestClock.adjust('1 second')
      const result = yield* Fiber.join(call)
      expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: 'StoreUnavailable' })
      expect((yield* inner.listPods({ namespace })).items).toHaveLength(0)
    }),
  )

  it.effect('lostAck: the write is applied but reported failed', () =>
    Effect.gen(function* () {
      const { inner, injector, faulty } = yield* setUp({ schedule: scripted({ calls: [{ operation: 'createPod', nth: 1, fault: 'lostAck' }] }) })
      expect(tagOf(yield* Effect.either(faulty.createPod(newPod('p'))))).toBe('StoreUnavailable')
      expect((yield* inner.getPod({ namespace, name: 'p' })).metadata.name).toBe('p')
      expect(injector.stats()).toMatchObject({ writes: 1, faults: { lostAck: 1 } })
      expect([...injector.unacknowledgedPods()]).toEqual([(yield* inner.getPod({ namespace, name: 'p' })).metadata.uid])
    }),
  )

  it.effect('lostAck never applies to a read', () =>
    Effect.gen(function* () {
      const { injector, faulty } = yield* setUp({ schedule: scripted({ calls: [{ fault: 'lostAck' }] }) })
      expect((yield* faulty.listJobs({ namespace })).items).toEqual([])
      expect(injector.stats().faults.lostAck).toBe(0)
    }),
  )

  it.effect('forbidden: a create is refused as a 403 quota rejection (StoreUnavailable with the server message), nothing stored', () =>
    Effect.gen(function* () {
      const { inner, faulty } = yield* setUp({ schedule: scripted({ calls: [{ operation: 'createPod', fault: 'forbidden' }] }) })
      const refused = yield* Effect.either(faulty.createPod({ ...newPod('p'), metadata: { generateName: 'pi-', namespace } }))
      expect(Either.isLeft(refused) && refused.left._tag).toBe('StoreUnavailable')
      expect(Either.isLeft(refused) && refused.left.message).toMatch(/^pods "pi-" is forbidden: exceeded quota/)
      expect((yield* inner.listPods({ namespace })).items).toHaveLength(0)
    }),
  )

  it.effect('invalid: a create is refused with 422 Invalid carrying a field path, nothing stored', () =>
    Effect.gen(function* () {
      const { inner, faulty } = yield* setUp({ schedule: scripted({ calls: [{ operation: 'createPod', fault: 'invalid' }] }) })
      const refused = yield* Effect.either(faulty.createPod(newPod('p')))
      expect(Either.isLeft(refused) && refused.left).toMatchObject({
        _tag: 'Invalid',
        kind: 'Pod',
        name: 'p',
        errors: [{ _tag: 'Required', path: 'spec.containers[0].image' }],
      })
      expect(Either.isLeft(refused) && refused.left.message).toBe('Pod "p" is invalid: spec.containers[0].image: Required value: injected fault')
      expect((yield* inner.listPods({ namespace })).items).toHaveLength(0)
    }),
  )

  it.effect('refusals apply only to creates: a forbidden rule leaves a status write alone', () =>
    Effect.gen(function* () {
      const { inner, faulty } = yield* setUp({ schedule: scripted({ calls: [{ fault: 'forbidden' }, { fault: 'invalid' }] }) })
      const job = yield* inner.createJob(manifest)
      const written = yield* faulty.updateJobStatus(jobKey, { active: 2 }, job.metadata.resourceVersion ?? '')
      expect(written.status?.active).toBe(2)
    }),
  )

  it.effect('an event that cannot be recorded fails only as unavailable, the one error the port allows', () =>
    Effect.gen(function* () {
      const { inner, faulty } = yield* setUp({ schedule: scripted({ calls: [{ operation: 'createEvent', fault: 'lostAck' }] }) })
      const event = {
        namespace,
        involvedObject: { kind: 'Job' as const, name: 'pi', uid: 'u' },
        type: 'Normal' as const,
        reason: 'Tested',
        message: 'm',
        source: 'test',
        firstTimestamp: '2026-01-01T00:00:00Z',
        lastTimestamp: '2026-01-01T00:00:00Z',
        count: 1,
      }
      expect(tagOf(yield* Effect.either(faulty.createEvent(event)))).toBe('StoreUnavailable')
      expect(yield* inner.listEvents({ namespace })).toHaveLength(1)
    }),
  )

  it.effect('maxFaults: no fault once the budget is spent', () =>
    Effect.gen(function* () {
      const { inner, injector, faulty } = yield* setUp({ schedule: scripted({ calls: [{ operation: 'getJob', fault: 'unavailable' }] }), maxFaults: 2 })
      yield* inner.createJob(manifest)
      const results = []
      for (let i = 0; i < 4; i++) results.push(tagOf(yield* Effect.either(faulty.getJob(jobKey))))
      expect(results).toEqual(['StoreUnavailable', 'StoreUnavailable', 'Right', 'Right'])
      expect(injector.stats().faults.unavailable).toBe(2)
    }),
  )
})

describe('FaultyStore: watch faults', () => {
  /** Starts a pod watch through the faults, creates `names` in the inner store, and collects `take` events. */
  const watchWhileCreating = (faulty: JobStoreService, inner: JobStoreService, names: ReadonlyArray<string>, take: number) =>
    Effect.gen(function* () {
      const start = yield* inner.listPods({ namespace })
      const watching = yield* Effect.fork(
        Stream.runCollect(faulty.watchPods({ namespace, resourceVersion: start.resourceVersion }).pipe(Stream.take(take))).pipe(Effect.either),
      )
      for (const name of names) yield* inner.createPod(newPod(name))
      return watching
    })

  it.effect('delay: the event arrives the watch delay later, and the events after it keep their order', () =>
    Effect.gen(function* () {
      const { inner, faulty } = yield* setUp({
        schedule: scripted({ watchEvents: [{ operation: 'watchPods', nth: 1, fault: 'delay' }] }),
        watchDelay: '2 seconds',
      })
      const watching = yield* watchWhileCreating(faulty, inner, ['a', 'b'], 2)
      yield* TestClock.adjust('1 second')
      expect(Option.isNone(yield* Fiber.poll(watching))).toBe(true)
      yield* TestClock.adjust('1 second')
      const events = yield* Fiber.join(watching)
      expect(Either.isRight(events) && Chunk.toReadonlyArray(events.right).map((e) => e.type !== 'Bookmark' && e.object.metadata.name)).toEqual(['a', 'b'])
    }),
  )

  it.effect('duplicate: the same event arrives twice', () =>
    Effect.gen(function* () {
      const { inner, injector, faulty } = yield* setUp({ schedule: scripted({ watchEvents: [{ nth: 1, fault: 'duplicate' }] }) })
      const watching = yield* watchWhileCreating(faulty, inner, ['a', 'b'], 3)
      const events = yield* Fiber.join(watching)
      const seen = Either.isRight(events) ? Chunk.toReadonlyArray(events.right).map((e) => e.type !== 'Bookmark' && `${e.type} ${e.object.metadata.name} ${e.object.metadata.resourceVersion}`) : []
      expect(seen[0]).toBe(seen[1])
      expect(seen[2]).toMatch(/^Added b /)
      expect(injector.stats().faults['watch-duplicate']).toBe(1)
    }),
  )

  it.effect('dropThenGone: the event is lost and the watch ends with 410 Gone; a relist shows the object', () =>
    Effect.gen(function* () {
      const { inner, faulty } = yield* setUp({ schedule: scripted({ watchEvents: [{ nth: 2, fault: 'dropThenGone' }] }) })
      const watching = yield* watchWhileCreating(faulty, inner, ['a', 'b', 'c'], 3)
      const ended = yield* Fiber.join(watching)
      expect(Either.isLeft(ended) && ended.left._tag).toBe('Gone')
      const relisted = yield* faulty.listPods({ namespace })
      expect(relisted.items.map((p) => p.metadata.name).sort()).toEqual(['a', 'b', 'c'])
    }),
  )

  it.effect('a watch start can fail transiently like any call', () =>
    Effect.gen(function* () {
      const { faulty } = yield* setUp({ schedule: scripted({ calls: [{ operation: 'watchJobs', nth: 1, fault: 'unavailable' }] }) })
      const ended = yield* Effect.either(Stream.runCollect(faulty.watchJobs({ namespace })))
      expect(Either.isLeft(ended) && ended.left._tag).toBe('StoreUnavailable')
    }),
  )
})

describe('FaultyStore: crashes', () => {
  it.effect('after the crash-point write lands, that call and every later one on the connection never return; a new connection carries on', () =>
    Effect.gen(function* () {
      const { inner, injector, connection, faulty } = yield* setUp({ schedule: noFaults, crashes: [{ afterWrite: 2 }] })
      yield* faulty.createPod(newPod('a'))
      expect(connection.crashed()).toBe(false)
      const second = yield* Effect.fork(faulty.createPod(newPod('b')))
      yield* connection.awaitCrash
      yield* TestClock.adjust('1 hour')
      expect(Option.isNone(yield* Fiber.poll(second))).toBe(true)
      // The write landed before the crash.
      expect((yield* inner.getPod({ namespace, name: 'b' })).metadata.name).toBe('b')
      const later = yield* Effect.fork(faulty.getPod({ namespace, name: 'a' }))
      yield* TestClock.adjust('1 hour')
      expect(Option.isNone(yield* Fiber.poll(later))).toBe(true)
      expect(Exit.isInterrupted(yield* Fiber.interrupt(later))).toBe(true)

      const next = yield* injector.connect
      yield* next.store.createPod(newPod('c'))
      expect((yield* next.store.listPods({ namespace })).items).toHaveLength(3)
      expect(injector.stats()).toMatchObject({ writes: 3, crashes: 1 })
    }),
  )

  it.effect('a crash point can name an operation: after the first finalizer patch', () =>
    Effect.gen(function* () {
      const { connection, faulty } = yield* setUp({ schedule: noFaults, crashes: [{ operation: 'patchPodMetadata', afterWrite: 1 }] })
      yield* faulty.createPod({ ...newPod('a'), metadata: { ...newPod('a').metadata, finalizers: ['batch.kubernetes.io/job-tracking'] } })
      yield* faulty.createPod(newPod('b'))
      expect(connection.crashed()).toBe(false)
      yield* Effect.fork(faulty.patchPodMetadata({ namespace, name: 'a' }, { removeFinalizers: ['batch.kubernetes.io/job-tracking'] }))
      yield* connection.awaitCrash
      expect(connection.crashed()).toBe(true)
    }),
  )

  it.effect('a dead connection\'s watch delivers nothing more', () =>
    Effect.gen(function* () {
      const { inner, connection, faulty } = yield* setUp({ schedule: noFaults, crashes: [{ afterWrite: 1 }] })
      const seen: string[] = []
      const start = yield* inner.listPods({ namespace })
      yield* Effect.fork(
        Stream.runForEach(faulty.watchPods({ namespace, resourceVersion: start.resourceVersion }), (e) =>
          Effect.sync(() => void seen.push(e.type === 'Bookmark' ? 'Bookmark' : `${e.type} ${e.object.metadata.name}`)),
        ),
      )
      yield* inner.createPod(newPod('before'))
      for (let i = 0; i < 20 && seen.length === 0; i++) yield* Effect.yieldNow()
      expect(seen).toEqual(['Added before'])
      yield* Effect.fork(faulty.createPod(newPod('a')))
      yield* connection.awaitCrash
      yield* inner.createPod(newPod('b'))
      yield* TestClock.adjust('1 minute')
      expect(seen).toEqual(['Added before'])
    }),
  )
})

describe('FaultyStore: schedules and layer', () => {
  const calls: ReadonlyArray<Operation> = ['getJob', 'createPod', 'updateJobStatus', 'listPods', 'patchPodMetadata', 'deletePod', 'createEvent']
  const faultsOf = (seed: number) => {
    const schedule = seeded(seed, { conflict: 0.1, unavailable: 0.1, timeout: 0.05, lostAck: 0.1, forbidden: 0.1, invalid: 0.05 })
    const decided: Array<CallFault | undefined> = []
    for (let n = 1; n <= 400; n++) {
      const operation = calls[n % calls.length]!
      decided.push(schedule.onCall({ operation, operationNumber: Math.ceil(n / calls.length), number: n }))
    }
    return decided
  }

  it('a seeded schedule decides the same faults for the same seed, and other faults for another seed', () => {
    expect(faultsOf(7)).toEqual(faultsOf(7))
    expect(faultsOf(7)).not.toEqual(faultsOf(8))
  })

  it('a seeded schedule injects only faults that apply to the operation, at about the given rates', () => {
    const decided = faultsOf(123)
    decided.forEach((fault, i) => {
      const operation = calls[(i + 1) % calls.length]!
      if (fault === 'conflict') expect(operation).toBe('updateJobStatus')
      if (fault === 'forbidden' || fault === 'invalid') expect(operation).toBe('createPod')
      if (fault === 'lostAck') expect(WRITE_OPERATIONS.has(operation)).toBe(true)
    })
    const unavailable = decided.filter((f) => f === 'unavailable').length
    expect(unavailable).toBeGreaterThan(15)
    expect(unavailable).toBeLessThan(70)
  })

  it.effect('layer: provides the faulty JobStore around the one it is given, and the injector beside it', () =>
    Effect.gen(function* () {
      const store = yield* JobStore
      const injector = yield* FaultyStore.FaultInjector
      expect(tagOf(yield* Effect.either(store.listJobs()))).toBe('StoreUnavailable')
      expect((yield* store.listJobs()).items).toEqual([])
      expect(injector.stats()).toMatchObject({ calls: 2, faults: { unavailable: 1 } })
    }).pipe(
      Effect.provide(
        FaultyStore.layer({ schedule: scripted({ calls: [{ operation: 'listJobs', nth: 1, fault: 'unavailable' }] }) }).pipe(Layer.provide(MemoryStore.layer)),
      ),
    ),
  )
})
