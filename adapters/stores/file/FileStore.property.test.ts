import * as fs from 'node:fs'
import { describe, expect, it } from '@effect/vitest'
import { Chunk, Effect, FastCheck as fc, Stream } from 'effect'
import type { Job } from '../../../core/model/types.js'
import * as FileStore from './FileStore.js'
import { jobManifest, makeTempDir } from './testing/fixtures.js'

const key = { namespace: 'ns', name: 'pi' }

/**
 * One step: a client (each its own store on the directory, as two processes) reads, writes from
 * the copy it holds, or both clients write from their copies at the same moment.
 */
type Step = { readonly client: 0 | 1; readonly action: 'read' | 'update' | 'status' | 'race' }

const step: fc.Arbitrary<Step> = fc.record({
  client: fc.constantFrom(0 as const, 1 as const),
  action: fc.constantFrom('read' as const, 'update' as const, 'status' as const, 'race' as const),
})

describe('FileStore optimistic concurrency across processes (property)', () => {
  it.scoped.prop(
    'two stores on one directory, compacting as they go: a write from the current version applies, a stale one is a Conflict, a race has one winner; a reopened store and a watch from the start agree with the model',
    [fc.array(step, { maxLength: 30 }), fc.constantFrom(1, 2_000, 1 << 30)],
    ([steps, compactAfterBytes]) =>
      Effect.gen(function* () {
        const dir = yield* Effect.acquireRelease(
          Effect.sync(makeTempDir),
          (d) => Effect.sync(() => fs.rmSync(d, { recursive: true, force: true })),
        )
        const stores = [yield* FileStore.make(dir, { compactAfterBytes, follow: false }), yield* FileStore.make(dir, { compactAfterBytes, follow: false })] as const
        const created = yield* stores[0].createJob(jobManifest('pi'))
        const held: [Job, Job] = [created, created]
        let expected = { resourceVersion: created.metadata.resourceVersion, parallelism: created.spec.parallelism, active: undefined as number | undefined }
        const applied: string[] = []
        let counter = 100
        const write = (client: 0 | 1, action: 'update' | 'status', value: number) => {
          const mine = held[client]
          return Effect.either(
            action === 'update'
              ? stores[client].updateJob({ ...mine, spec: { ...mine.spec, parallelism: value } })
              : stores[client].updateJobStatus(key, { active: value }, mine.metadata.resourceVersion ?? ''),
          )
        }
        const record = (client: 0 | 1, action: 'update' | 'status', value: number, job: Job) => {
          held[client] = job
          expected =
            action === 'update'
              ? { ...expected, resourceVersion: job.metadata.resourceVersion, parallelism: value }
              : { ...expected, resourceVersion: job.metadata.resourceVersion, active: value }
          applied.push(`${action}=${value}`)
        }
        for (const { client, action } of steps) {
          if (action === 'read') {
            held[client] = yield* stores[client].getJob(key)
          } else if (action === 'race') {
            // Both clients hold the current version and write at once: exactly one wins.
            const current = yield* stores[client].getJob(key)
            held[0] = current
            held[1] = current
            const values = [counter++, counter++] as const
            const results = yield* Effect.all([write(0, 'status', values[0]), write(1, 'status', values[1])], { concurrency: 'unbounded' })
            const winners = results.flatMap((result, i) => (result._tag === 'Right' ? [i as 0 | 1] : []))
            expect(winners).toHaveLength(1)
            const loser = results.find((result) => result._tag === 'Left')
            expect(loser?._tag === 'Left' && loser.left._tag).toBe('Conflict')
            const winner = winners[0] as 0 | 1
            const won = results[winner]
            if (won?._tag === 'Right') record(winner, 'status', values[winner], won.right)
          } else {
            const value = counter++
            const fresh = held[client].metadata.resourceVersion === expected.resourceVersion
            const result = yield* write(client, action, value)
            if (fresh) {
              expect(result._tag).toBe('Right')
              if (result._tag === 'Right') record(client, action, value, result.right)
            } else {
              expect(result._tag === 'Left' && result.left._tag).toBe('Conflict')
            }
          }
          const stored = yield* stores[client === 0 ? 1 : 0].getJob(key) // the other process sees it at once
          expect(stored.metadata.resourceVersion).toBe(expected.resourceVersion)
          expect(stored.spec.parallelism).toBe(expected.parallelism)
          expect(stored.status?.active).toBe(expected.active)
        }
        // A store opened afterwards sees the same Job.
        const reopened = yield* Effect.scoped(Effect.flatMap(FileStore.make(dir, { follow: false }), (store) => store.getJob(key)))
        expect(reopened).toEqual(yield* stores[0].getJob(key))
        // Without compaction in between, a watch from the creation replays exactly the applied writes.
        if (compactAfterBytes === 1 << 30) {
          const replayed = yield* stores[1].watchJobs({ resourceVersion: created.metadata.resourceVersion ?? '' }).pipe(Stream.take(applied.length), Stream.runCollect)
          let previous = { parallelism: created.spec.parallelism, active: undefined as number | undefined }
          const seen = Chunk.toReadonlyArray(replayed).map((event) => {
            if (event.type === 'Bookmark') return 'Bookmark'
            const { parallelism } = event.object.spec
            const active = event.object.status?.active
            const described = parallelism !== previous.parallelism ? `update=${parallelism}` : `status=${active}`
            previous = { parallelism, active }
            return described
          })
          expect(seen).toEqual(applied)
        }
      }),
    { fastCheck: { numRuns: 40 } },
  )
})
