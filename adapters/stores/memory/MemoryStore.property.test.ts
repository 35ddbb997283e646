import { describe, expect, it } from '@effect/vitest'
import { Chunk, Effect, FastCheck as fc, Stream } from 'effect'
import type { Job } from '../../../core/model/types.js'
import * as MemoryStore from './MemoryStore.js'

const key = { namespace: 'ns', name: 'pi' }
const manifest = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'pi', namespace: 'ns' },
  spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl' }], restartPolicy: 'Never' } } },
}

/** One step of one of two clients that each keep the copy of the Job they last saw. */
type Step = { readonly client: 0 | 1; readonly action: 'read' | 'update' | 'status' }

const step: fc.Arbitrary<Step> = fc.record({
  client: fc.constantFrom(0 as const, 1 as const),
  action: fc.constantFrom('read' as const, 'update' as const, 'status' as const),
})

describe('MemoryStore optimistic concurrency (property)', () => {
  it.effect.prop(
    'two clients: a write from the current version always applies and is never lost; a stale one is always a Conflict and changes nothing',
    [fc.array(step, { maxLength: 40 })],
    ([steps]) =>
      Effect.gen(function* () {
        const store = yield* MemoryStore.make
        const created = yield* store.createJob(manifest)
        const held: [Job, Job] = [created, created]
        // The model of the truth: what the last successful write of each kind said.
        let expected = { resourceVersion: created.metadata.resourceVersion, parallelism: created.spec.parallelism, active: undefined as number | undefined }
        const applied: string[] = []
        let counter = 100
        for (const { client, action } of steps) {
          const mine = held[client]
          if (action === 'read') {
            held[client] = yield* store.getJob(key)
            continue
          }
          const value = counter++
          const fresh = mine.metadata.resourceVersion === expected.resourceVersion
          const write =
            action === 'update'
              ? store.updateJob({ ...mine, spec: { ...mine.spec, parallelism: value } })
              : store.updateJobStatus(key, { active: value }, mine.metadata.resourceVersion ?? '')
          const result = yield* Effect.either(write)
          if (fresh) {
            expect(result._tag).toBe('Right')
            if (result._tag !== 'Right') continue
            held[client] = result.right
            expected =
              action === 'update'
                ? { ...expected, resourceVersion: result.right.metadata.resourceVersion, parallelism: value }
                : { ...expected, resourceVersion: result.right.metadata.resourceVersion, active: value }
            applied.push(`${action}=${value}`)
          } else {
            expect(result._tag === 'Left' && result.left._tag).toBe('Conflict')
          }
          const stored = yield* store.getJob(key)
          expect(stored.metadata.resourceVersion).toBe(expected.resourceVersion)
          expect(stored.spec.parallelism).toBe(expected.parallelism)
          expect(stored.status?.active).toBe(expected.active)
        }
        // A watch from the creation replays exactly the successful writes, in order.
        const replayed = yield* store
          .watchJobs({ resourceVersion: created.metadata.resourceVersion ?? '' })
          .pipe(Stream.take(applied.length), Stream.runCollect)
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
      }),
    { fastCheck: { numRuns: 200 } },
  )
})
