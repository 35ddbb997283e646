/**
 * Writes pods `p0`, `p1`, ... to the file store in DIR, one at a time, until a write fails (run
 * it under `ulimit -f` or on a small file system). Prints `ack <name> <resourceVersion>` for each
 * acknowledged write, then the failure's message, and exits 1.
 *
 *     tsx adapters/stores/file/testing/fillStore.ts DIR
 */
import * as fs from 'node:fs'
import { Effect } from 'effect'
import * as FileStore from '../FileStore.js'
import { pod } from './fixtures.js'

const dir = process.argv[2] ?? ''
/** A blocking write of one line: what was printed is printed, whatever happens next. */
const say = (line: string): void => void fs.writeSync(1, `${line}\n`)

const program = Effect.scoped(
  Effect.gen(function* () {
    const store = yield* FileStore.make(dir, { follow: false })
    for (let i = 0; ; i++) {
      const created = yield* store.createPod(pod(`p${i}`))
      say(`ack p${i} ${created.metadata.resourceVersion}`)
    }
  }),
)
Effect.runPromise(Effect.either(program)).then((result) => {
  if (result._tag === 'Left') say(result.left.message)
  process.exitCode = 1
})
