/**
 * Runs `jobctl` commands in-process against one shared memory store with the engine running
 * beside them (controller and local process runtime), as a file-store user would run
 * `jobctl controller` in one terminal and the verbs in another.
 */
import { Effect, Exit, Layer, Scope } from 'effect'
import * as MemoryStore from '../../stores/memory/MemoryStore.js'
import { CronJobStore } from '../../ports/CronJobStore.js'
import { JobStore } from '../../ports/JobStore.js'
import { runCli } from '../cli.js'
import { startEngine, type Engine } from '../engine.js'
import { recording } from '../io.js'

/** What one command did. */
export interface CommandResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** A store, an engine and a way to run commands against them. */
export interface World {
  readonly jobctl: (args: ReadonlyArray<string>, stdin?: string) => Promise<CommandResult>
  readonly store: MemoryStore.MemoryStoreService
  readonly engine: Engine
  /** The world's scope, to run more background work beside the engine. */
  readonly scope: Scope.Scope
  readonly close: () => Promise<void>
}

/** Starts a world; `close` stops the engine and its processes. */
export async function startWorld(): Promise<World> {
  const scope = Effect.runSync(Scope.make())
  const store = await Effect.runPromise(MemoryStore.make)
  const engine = await Effect.runPromise(
    startEngine({ eventBatchMs: 20 }).pipe(Effect.provideService(JobStore, store), Effect.provideService(CronJobStore, store), Scope.extend(scope)),
  )
  const storeLayer = Layer.merge(Layer.succeed(JobStore, store), Layer.succeed(CronJobStore, store))
  return {
    jobctl: async (args, stdin = '') => {
      const io = recording(stdin)
      const code = await Effect.runPromise(
        runCli(args, { resolveStore: () => Effect.succeed(storeLayer), podRuntime: engine.runtime, env: {} }).pipe(Effect.provide(io.layer)),
      )
      return { code, stdout: io.stdout(), stderr: io.stderr() }
    },
    store,
    engine,
    scope,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void)),
  }
}
