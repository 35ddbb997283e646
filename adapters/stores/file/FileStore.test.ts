import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from '@effect/vitest'
import { Chunk, Effect, Exit, Fiber, Layer, Scope, Stream } from 'effect'
import type { Job, Pod } from '../../../core/model/types.js'
import { JobStore } from '../../ports/JobStore.js'
import type { JobStoreService, WatchEvent } from '../../ports/JobStore.js'
import * as FileStore from './FileStore.js'
import type { FileStoreOptions } from './FileStore.js'
import { jobManifest, pod, tempDir } from './testing/fixtures.js'

const ns = 'ns'
const key = (name: string) => ({ namespace: ns, name })
const testEvent = (kind: 'Job' | 'Pod', name: string, uid: string) => ({
  namespace: ns,
  involvedObject: { kind, name, uid },
  type: 'Normal' as const,
  reason: 'Tested',
  message: 'm',
  source: 'test',
  firstTimestamp: '2026-01-01T00:00:00Z',
  lastTimestamp: '2026-01-01T00:00:00Z',
  count: 1,
})

/** Opens a store on `dir` in its own scope (as another process would), runs `use`, closes it. */
const withStore = <A, E>(dir: string, use: (store: JobStoreService) => Effect.Effect<A, E>, options?: FileStoreOptions) =>
  Effect.scoped(Effect.flatMap(FileStore.make(dir, options), use))

/** Opens a store that stays open for the rest of the test's scope. */
const openStore = (dir: string, options?: FileStoreOptions) => FileStore.make(dir, options)

const takeEvents = <A>(stream: Stream.Stream<WatchEvent<A>, unknown>, n: number) =>
  Effect.map(Stream.runCollect(Stream.take(stream, n)), (chunk) =>
    Chunk.toReadonlyArray(chunk).map((event) => (event.type === 'Bookmark' ? 'Bookmark' : `${event.type} ${(event.object as { metadata: { name?: string } }).metadata.name}`)),
  )

describe('FileStore', () => {
  it.scoped('FileStore.layer provides the JobStore port and creates the store directory, owner-only', () =>
    Effect.gen(function* () {
      const parent = yield* tempDir
      const dir = path.join(parent, 'store')
      const created = yield* Effect.provide(
        Effect.flatMap(JobStore, (store) => store.createJob(jobManifest('pi'))),
        FileStore.layer(dir),
      )
      expect(created.metadata.resourceVersion).toBe('1')
      expect(fs.statSync(dir).mode & 0o777).toBe(0o700)
      for (const name of fs.readdirSync(dir)) expect(fs.statSync(path.join(dir, name)).mode & 0o777, name).toBe(0o600)
      expect(fs.readdirSync(dir).sort()).toEqual(['log.00000001', 'store.json'])
    }),
  )

  it.scoped('every acknowledged write is there after the store is closed and opened again', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const written = yield* withStore(dir, (store) =>
        Effect.gen(function* () {
          const job = yield* store.createJob(jobManifest('pi'))
          const updated = yield* store.updateJobStatus(key('pi'), { active: 1 }, job.metadata.resourceVersion ?? '')
          yield* store.createPod(pod('a'))
          yield* store.createPod(pod('b'))
          yield* store.deletePod(key('b'))
          const event = yield* store.createEvent({ ...testEvent('Job', 'pi', job.metadata.uid ?? ''), reason: 'Created', message: 'hi' })
          yield* store.patchEvent({ namespace: ns, name: event.name }, { count: 2, lastTimestamp: '2026-01-01T00:00:05Z', message: 'hi again' })
          return updated
        }),
      )
      yield* withStore(dir, (store) =>
        Effect.gen(function* () {
          expect(yield* store.getJob(key('pi'))).toEqual(written)
          expect((yield* store.listPods()).items.map((p) => p.metadata.name)).toEqual(['a'])
          expect((yield* store.listPods()).resourceVersion).toBe('7')
          const events = yield* store.listEvents({ namespace: ns })
          expect(events.map((e) => [e.reason, e.count, e.message, e.lastTimestamp])).toEqual([['Created', 2, 'hi again', '2026-01-01T00:00:05Z']])
        }),
      )
    }),
  )

  it.scoped('two stores on one directory share one resourceVersion sequence and see each other at once', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const a = yield* openStore(dir)
      const b = yield* openStore(dir)
      const versions: string[] = []
      for (let i = 0; i < 6; i++) {
        const store = i % 2 === 0 ? a : b
        const created = yield* store.createPod(pod(`p${i}`))
        versions.push(created.metadata.resourceVersion ?? '')
      }
      expect(versions).toEqual(['1', '2', '3', '4', '5', '6'])
      expect((yield* a.listPods()).items.map((p) => p.metadata.name)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5'])
      expect((yield* b.getPod(key('p4'))).metadata.resourceVersion).toBe('5')
    }),
  )

  it.scoped('a stale write is a Conflict whichever store wrote the newer version', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const a = yield* openStore(dir)
      const b = yield* openStore(dir)
      const job = yield* a.createJob(jobManifest('pi'))
      yield* b.updateJobStatus(key('pi'), { active: 1 }, job.metadata.resourceVersion ?? '')
      const stale = yield* Effect.flip(a.updateJobStatus(key('pi'), { active: 2 }, job.metadata.resourceVersion ?? ''))
      expect(stale._tag).toBe('Conflict')
      const again = yield* Effect.flip(a.createJob(jobManifest('pi')))
      expect(again._tag).toBe('AlreadyExists')
      expect((yield* b.getJob(key('pi'))).status?.active).toBe(1)
    }),
  )

  it.scoped('concurrent writes from two stores to one object: exactly one wins each version', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const a = yield* openStore(dir)
      const b = yield* openStore(dir)
      yield* a.createPod(pod('shared'))
      // Both read the same version and race to update it, many times over.
      let wins = 0
      let conflicts = 0
      for (let round = 0; round < 20; round++) {
        const current = yield* a.getPod(key('shared'))
        const rv = current.metadata.resourceVersion
        const results = yield* Effect.all(
          [a.updatePodStatus(key('shared'), { phase: 'Running', message: `a${round}` }, rv), b.updatePodStatus(key('shared'), { phase: 'Running', message: `b${round}` }, rv)],
          { concurrency: 'unbounded', mode: 'either' },
        )
        for (const result of results) {
          if (result._tag === 'Right') wins++
          else if (result.left._tag === 'Conflict') conflicts++
        }
      }
      expect(wins).toBe(20)
      expect(conflicts).toBe(20)
    }),
  )

  it.live('a watch sees the changes another store makes, in order, without reading', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const a = yield* openStore(dir, { pollIntervalMs: 20 })
      const b = yield* openStore(dir, { pollIntervalMs: 20 })
      const fiber = yield* Effect.fork(takeEvents(a.watchPods({ namespace: ns }), 4))
      yield* Effect.sleep('50 millis')
      yield* b.createPod(pod('x'))
      yield* b.createPod(pod('y', 'elsewhere'))
      yield* b.updatePodStatus(key('x'), { phase: 'Running' })
      yield* b.createPod(pod('z'))
      yield* b.deletePod(key('z'))
      expect(yield* Fiber.join(fiber)).toEqual(['Added x', 'Modified x', 'Added z', 'Deleted z'])
    }).pipe(Effect.scoped),
  )

  it.scoped('after reopening, a watch resumes from a resourceVersion; older than the last snapshot is Gone', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      yield* withStore(dir, (store) =>
        Effect.gen(function* () {
          for (let i = 0; i < 5; i++) yield* store.createPod(pod(`p${i}`))
        }),
      )
      yield* withStore(dir, (store) =>
        Effect.gen(function* () {
          expect(yield* takeEvents(store.watchPods({ resourceVersion: '3' }), 2)).toEqual(['Added p3', 'Added p4'])
        }),
      )
      // Compact (tiny threshold), then reopen: versions before the snapshot are gone.
      yield* withStore(dir, (store) => store.createPod(pod('p5')), { compactAfterBytes: 1 })
      expect(fs.readdirSync(dir)).toContain('snapshot.00000002')
      yield* withStore(dir, (store) =>
        Effect.gen(function* () {
          const gone = yield* Effect.flip(Stream.runDrain(store.watchPods({ resourceVersion: '3' })))
          expect(gone._tag).toBe('Gone')
          expect((yield* store.listPods()).items).toHaveLength(6)
          yield* store.createPod(pod('p6'))
          expect(yield* takeEvents(store.watchPods({ resourceVersion: '6' }), 1)).toEqual(['Added p6'])
        }),
      )
    }),
  )

  it.scoped('compaction keeps every object, event and the version sequence, across many generations', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const options = { compactAfterBytes: 4_000 }
      const a = yield* openStore(dir, options)
      const b = yield* openStore(dir, options)
      for (let i = 0; i < 60; i++) {
        const store = i % 3 === 0 ? b : a
        yield* store.createPod(pod(`p${i}`))
        if (i % 2 === 0) yield* store.updatePodStatus(key(`p${i}`), { phase: 'Running' })
        if (i % 5 === 0) yield* store.deletePod(key(`p${i}`))
      }
      yield* a.createEvent({ ...testEvent('Pod', 'p1', 'u'), reason: 'R' })
      const names = fs.readdirSync(dir)
      const snapshots = names.filter((n) => n.startsWith('snapshot.'))
      expect(snapshots).toHaveLength(1)
      expect(Number(snapshots[0]?.slice('snapshot.'.length))).toBeGreaterThan(5)
      const expected = (yield* a.listPods()).items
      expect(expected.map((p) => p.metadata.name)).toEqual(
        Array.from({ length: 60 }, (_, i) => i).filter((i) => i % 5 !== 0).map((i) => `p${i}`),
      )
      yield* withStore(dir, (store) =>
        Effect.gen(function* () {
          const listed = yield* store.listPods()
          expect(listed.items).toEqual(expected)
          expect(listed.resourceVersion).toBe(String(60 + 30 + 12 + 1))
          expect((yield* store.listEvents({ namespace: ns })).map((e) => e.reason)).toEqual(['R'])
        }),
      )
    }),
  )

  it.scoped("a status write that takes a terminated container back to running is refused with the API server's 422, for every process, and the stored pod is unchanged", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const a = yield* openStore(dir)
      const b = yield* openStore(dir)
      yield* a.createPod(pod('x'))
      const ended = { phase: 'Succeeded', containerStatuses: [{ name: 'main', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] } as const
      const succeeded = yield* a.updatePodStatus(key('x'), ended)
      const error = yield* Effect.flip(b.updatePodStatus(key('x'), { phase: 'Running', containerStatuses: [{ name: 'main', restartCount: 0, state: { running: {} } }] }))
      expect(error._tag).toBe('Invalid')
      expect(error.message).toBe('Pod "x" is invalid: status.containerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state')
      expect(yield* withStore(dir, (fresh) => fresh.getPod(key('x')))).toEqual(succeeded)
      // A phase change alone is written, as kube-apiserver 1.36 writes it.
      expect((yield* b.updatePodStatus(key('x'), { ...ended, phase: 'Failed' })).status?.phase).toBe('Failed')
    }),
  )

  it.scoped('returned objects are frozen, and are what a later get returns', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const store = yield* openStore(dir)
      const created: Pod = yield* store.createPod(pod('a'))
      expect(Object.isFrozen(created.metadata)).toBe(true)
      expect(yield* store.getPod(key('a'))).toBe(created)
      const job: Job = yield* store.createJob(jobManifest('pi'))
      expect(Object.isFrozen(job.spec)).toBe(true)
    }),
  )

  it.scoped('a closed store fails its calls with StoreUnavailable', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const scope = yield* Scope.make()
      const store = yield* Scope.extend(openStore(dir), scope)
      yield* Scope.close(scope, Exit.void)
      const error = yield* Effect.flip(store.listPods())
      expect(error._tag).toBe('StoreUnavailable')
    }),
  )

  it.scoped('each layer build opens the directory afresh', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const count = Effect.map(Effect.flatMap(JobStore, (store) => store.listPods()), (list) => list.items.length)
      yield* Effect.provide(Effect.flatMap(JobStore, (store) => store.createPod(pod('a'))), FileStore.layer(dir))
      expect(yield* Effect.provide(count, Layer.fresh(FileStore.layer(dir)))).toBe(1)
    }),
  )
})
