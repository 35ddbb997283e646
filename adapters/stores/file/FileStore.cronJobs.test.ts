import * as fs from 'node:fs'
import { describe, expect, it } from '@effect/vitest'
import { Effect } from 'effect'
import { cronJobStoreTests, helloCronJob } from '../store-kit/testing/cronJobStoreTests.js'
import * as FileStore from './FileStore.js'
import type { FileStoreOptions, FileStoreService } from './FileStore.js'
import { tempDir } from './testing/fixtures.js'

cronJobStoreTests(
  'FileStore',
  Effect.flatMap(tempDir, (dir) => FileStore.make(dir)),
)

const key = (name: string) => ({ namespace: 'ns', name })

/** Opens a store on `dir` in its own scope (as another process would), runs `use`, closes it. */
const withStore = <A, E>(dir: string, use: (store: FileStoreService) => Effect.Effect<A, E>, options?: FileStoreOptions) =>
  Effect.scoped(Effect.flatMap(FileStore.make(dir, options), use))

describe('FileStore CronJobs are durable', () => {
  it.scoped('every acknowledged CronJob write is there after the store is closed and opened again', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const written = yield* withStore(dir, (store) =>
        Effect.gen(function* () {
          const created = yield* store.createCronJob(helloCronJob())
          yield* store.createCronJob(helloCronJob('gone'))
          yield* store.deleteCronJob(key('gone'))
          return yield* store.updateCronJobStatus(key('hello'), { lastScheduleTime: '1970-01-01T00:01:00Z' }, created.metadata.resourceVersion ?? '')
        }),
      )
      yield* withStore(dir, (store) =>
        Effect.gen(function* () {
          expect(yield* store.getCronJob(key('hello'))).toEqual(written)
          expect((yield* store.listCronJobs()).items.map((c) => c.metadata.name)).toEqual(['hello'])
        }),
      )
    }),
  )

  it.scoped('CronJobs survive compaction: the snapshot holds them, beside Jobs', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const options: FileStoreOptions = { compactAfterBytes: 2_000 }
      const names = Array.from({ length: 8 }, (_, i) => `cron-${i}`)
      yield* withStore(
        dir,
        (store) => Effect.forEach(names, (name) => store.createCronJob(helloCronJob(name)), { discard: true }),
        options,
      )
      const files = yield* Effect.sync(() => fs.readdirSync(dir))
      expect(files.some((file) => file.startsWith('snapshot.'))).toBe(true)
      yield* withStore(dir, (store) =>
        Effect.gen(function* () {
          expect((yield* store.listCronJobs()).items.map((c) => c.metadata.name)).toEqual(names)
        }),
      )
    }),
  )

  it.scoped('a CronJob written by one process is seen by another on the same directory', () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const first = yield* FileStore.make(dir)
      const second = yield* FileStore.make(dir)
      const created = yield* first.createCronJob(helloCronJob())
      expect((yield* second.getCronJob(key('hello'))).metadata.uid).toBe(created.metadata.uid)
      const stale = yield* Effect.flip(second.updateCronJobStatus(key('hello'), {}, '0'))
      expect(stale._tag).toBe('Conflict')
    }),
  )
})
