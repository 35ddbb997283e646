/**
 * A Job controller process on a file store: the controller and the scripted kubelet (every pod
 * succeeds after 100 ms), on the store in DIR, until it is stopped. Prints `ready` once the
 * controller's caches are filled.
 *
 *     tsx adapters/stores/file/testing/controllerProcess.ts DIR
 */
import { Effect, Layer } from 'effect'
import * as Controller from '../../../shell/controller/Controller.js'
import { PodRuntime } from '../../../ports/PodRuntime.js'
import * as ScriptedRuntime from '../../../runtimes/scripted/ScriptedRuntime.js'
import * as FileStore from '../FileStore.js'

const dir = process.argv[2] ?? ''

const program = Effect.gen(function* () {
  yield* (yield* PodRuntime).start
  yield* Controller.start({ eventBatchMs: 20, workers: 2 })
  process.stdout.write('ready\n')
  return yield* Effect.never
})

const layer = ScriptedRuntime.layer(ScriptedRuntime.succeedAfter('100 millis')).pipe(Layer.provideMerge(FileStore.layer(dir)))
Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(layer))).catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`)
  process.exit(1)
})
process.on('SIGTERM', () => process.exit(0))
