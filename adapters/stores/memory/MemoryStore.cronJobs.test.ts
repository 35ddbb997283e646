import { describe, expect, it } from '@effect/vitest'
import { Effect } from 'effect'
import { CronJobStore } from '../../ports/CronJobStore.js'
import { JobStore } from '../../ports/JobStore.js'
import { cronJobStoreTests, helloCronJob } from '../store-kit/testing/cronJobStoreTests.js'
import * as MemoryStore from './MemoryStore.js'

cronJobStoreTests('MemoryStore', MemoryStore.make)

describe('MemoryStore layer', () => {
  it.effect('MemoryStore.layer provides CronJobStore and JobStore on one store (one resourceVersion sequence)', () =>
    Effect.gen(function* () {
      const jobs = yield* JobStore
      const cronJobs = yield* CronJobStore
      const created = yield* cronJobs.createCronJob(helloCronJob())
      expect((yield* jobs.listJobs()).resourceVersion).toBe(created.metadata.resourceVersion)
    }).pipe(Effect.provide(MemoryStore.layer)),
  )
})
