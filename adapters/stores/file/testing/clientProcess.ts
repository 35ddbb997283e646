/**
 * A client process on a file store, as `jobctl apply` then `jobctl wait` would be: creates the
 * Job NAME (COMPLETIONS completions, PARALLELISM at a time) in namespace `two`, then watches it
 * until it is finished, and prints `Complete <succeeded>` or `Failed <failed>`.
 *
 *     tsx adapters/stores/file/testing/clientProcess.ts DIR NAME COMPLETIONS PARALLELISM
 */
import { Effect, Option, Stream } from 'effect'
import type { Job } from '../../../../core/model/types.js'
import * as FileStore from '../FileStore.js'
import { jobManifest } from './fixtures.js'

const [dir = '', name = 'job', completions = '1', parallelism = '1'] = process.argv.slice(2)
const namespace = 'two'

const finished = (job: Job): string | undefined => {
  const condition = job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')
  if (condition === undefined) return undefined
  return condition.type === 'Complete' ? `Complete ${job.status?.succeeded ?? 0}` : `Failed ${job.status?.failed ?? 0}`
}

const program = Effect.gen(function* () {
  const store = yield* FileStore.make(dir)
  const created = yield* store.createJob(jobManifest(name, namespace, { completions: Number(completions), parallelism: Number(parallelism) }))
  // Watch from the version of the create: no change can fall between.
  const outcome = yield* store.watchJobs({ namespace, resourceVersion: created.metadata.resourceVersion ?? '0' }).pipe(
    Stream.filterMap((event) => (event.type !== 'Bookmark' && event.object.metadata.name === name ? Option.fromNullable(finished(event.object)) : Option.none())),
    Stream.runHead,
  )
  process.stdout.write(`${Option.getOrElse(outcome, () => 'watch ended')}\n`)
})

Effect.runPromise(Effect.scoped(program)).catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`)
  process.exit(1)
})
