import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from '@effect/vitest'
import { Effect, type Scope } from 'effect'
import * as FileStore from '../file/FileStore.js'
import * as MemoryStore from '../memory/MemoryStore.js'
import type { JobStoreService } from '../../ports/JobStore.js'
import type { Pod } from '../../../core/model/types.js'
import fc from 'fast-check'
import { jsonExceeds, MAX_OBJECT_BYTES, MAX_REQUEST_BYTES } from './sizeLimits.js'

const REQUEST_TOO_LARGE = `Request entity too large: limit is ${MAX_REQUEST_BYTES}`
const OBJECT_TOO_LARGE = 'etcdserver: request is too large'

/** A Job whose container carries the environment value `value` (no validation rule limits its size). */
const jobWithValue = (name: string, value: string) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: 'default' },
  spec: {
    template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', env: [{ name: 'BIG', value }] }] } },
  },
})
const jobOfSize = (name: string, bytes: number) => jobWithValue(name, 'x'.repeat(bytes))

const pod: Pod = { metadata: { name: 'p', namespace: 'default' }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } }

/** The bytes of every file of a directory, to show that a refused write appended nothing. */
const filesOf = (dir: string): string => readdirSync(dir).sort().map((name) => `${name}:${readFileSync(join(dir, name), 'latin1')}`).join('\n')

const stores: ReadonlyArray<readonly [string, Effect.Effect<{ readonly store: JobStoreService; readonly files: () => string }, never, Scope.Scope>]> = [
  ['memory', Effect.map(MemoryStore.make, (store) => ({ store, files: () => '' }))],
  [
    'file',
    Effect.gen(function* () {
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), 'size-limits-'))),
        (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true })),
      )
      const store = yield* Effect.orDie(FileStore.make(join(dir, 'store'), { follow: false }))
      return { store, files: () => filesOf(join(dir, 'store')) }
    }),
  ],
]

describe.each(stores)('%s store: the API server request limit (3 MiB, 413) and the etcd object limit (1.5 MiB)', (_name, open) => {
  it.effect('a Job over 3 MiB is refused with 413\'s message, one over 1.5 MiB with etcd\'s; nothing is stored, not a byte written', () =>
    Effect.gen(function* () {
      const { store, files } = yield* open
      const before = files()
      expect(yield* Effect.flip(store.createJob(jobOfSize('huge', MAX_REQUEST_BYTES)))).toMatchObject({ _tag: 'TooLarge', kind: 'Job', name: 'huge', reason: REQUEST_TOO_LARGE })
      expect(yield* Effect.flip(store.createJob(jobOfSize('large', MAX_OBJECT_BYTES)))).toMatchObject({ _tag: 'TooLarge', kind: 'Job', name: 'large', reason: OBJECT_TOO_LARGE })
      expect((yield* store.listJobs()).items).toHaveLength(0)
      expect(files()).toBe(before)
      // Just under the object limit is stored.
      const fits = yield* store.createJob(jobOfSize('fits', MAX_OBJECT_BYTES - 4096))
      expect(fits.metadata.name).toBe('fits')
    }).pipe(Effect.scoped),
  )

  it.effect('a status that would make a stored pod larger than 1.5 MiB is refused; the pod keeps its status', () =>
    Effect.gen(function* () {
      const { store, files } = yield* open
      const created = yield* store.createPod(pod)
      const before = files()
      const error = yield* Effect.flip(store.updatePodStatus({ namespace: 'default', name: 'p' }, { phase: 'Pending', message: 'x'.repeat(MAX_OBJECT_BYTES) }))
      expect(error).toMatchObject({ _tag: 'TooLarge', kind: 'Pod', reason: OBJECT_TOO_LARGE })
      const request = yield* Effect.flip(store.updatePodStatus({ namespace: 'default', name: 'p' }, { phase: 'Pending', message: 'x'.repeat(MAX_REQUEST_BYTES) }))
      expect(request).toMatchObject({ _tag: 'TooLarge', kind: 'Pod', name: 'p', reason: REQUEST_TOO_LARGE })
      expect((yield* store.getPod({ namespace: 'default', name: 'p' })).metadata.resourceVersion).toBe(created.metadata.resourceVersion)
      expect(files()).toBe(before)
    }).pipe(Effect.scoped),
  )

  it.effect('multi-byte text counts in UTF-8 bytes: 600k three-byte characters (1.7 MB) are over the 1.5 MiB limit', () =>
    Effect.gen(function* () {
      const { store } = yield* open
      expect(yield* Effect.flip(store.createJob(jobWithValue('wide', '€'.repeat(600_000))))).toMatchObject({ _tag: 'TooLarge', reason: OBJECT_TOO_LARGE })
    }).pipe(Effect.scoped),
  )
})

describe('the size measure', () => {
  it('property: an object is over a limit exactly when its JSON is more UTF-8 bytes than the limit (the quick bound never decides wrongly)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: -8, max: 8 }), fc.integer({ min: 0, max: 8 }), (value, offset, factor) => {
        const bytes = Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8')
        // Limits just around the size, and far above it, where the bound alone decides.
        const limit = Math.max(0, bytes * Math.max(1, factor) + offset)
        expect(jsonExceeds(value, limit)).toBe(bytes > limit)
      }),
      { numRuns: 500 },
    )
  })
})
