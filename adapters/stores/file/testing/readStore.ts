/**
 * Opens the file store in DIR as a separate process (of another user, say) would, lists its
 * pods, then tries one write. Prints `pods <names>` and the write's outcome (`written` or its
 * error's message); exits 1 when the store cannot be read.
 *
 *     tsx adapters/stores/file/testing/readStore.ts DIR
 */
import { Effect } from 'effect'
import * as FileStore from '../FileStore.js'
import { pod } from './fixtures.js'

const dir = process.argv[2] ?? ''
const program = Effect.scoped(
  Effect.gen(function* () {
    const store = yield* FileStore.make(dir, { follow: false })
    const pods = yield* store.listPods()
    process.stdout.write(`pods ${pods.items.map((p) => p.metadata.name).join(',')}\n`)
    const written = yield* Effect.either(store.createPod(pod('new')))
    process.stdout.write(`${written._tag === 'Right' ? 'written' : written.left.message}\n`)
  }),
)
Effect.runPromise(Effect.either(program)).then((result) => {
  if (result._tag === 'Left') {
    process.stdout.write(`${result.left.message}\n`)
    process.exitCode = 1
  }
})
