/**
 * Opens the file store in the directory given as the first argument and lists its pods, as a
 * separate process would; prints `ok <pods>` or the error's message, and exits 0 or 1.
 *
 *     tsx adapters/stores/file/testing/openStore.ts DIR
 */
import { Effect } from 'effect'
import * as FileStore from '../FileStore.js'

const dir = process.argv[2] ?? ''
const program = Effect.scoped(Effect.flatMap(FileStore.make(dir, { follow: false }), (store) => store.listPods()))
Effect.runPromise(Effect.either(program)).then((result) => {
  if (result._tag === 'Right') {
    process.stdout.write(`ok ${result.right.items.length}\n`)
  } else {
    process.stdout.write(`${result.left.message}\n`)
    process.exitCode = 1
  }
})
