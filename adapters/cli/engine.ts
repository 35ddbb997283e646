/**
 * The engine `jobctl run` and `jobctl controller` start in-process: the Job controller and the
 * local process runtime, both on the `JobStore` in context, for the life of the scope. Closing
 * the scope stops the runtime first and then the controller. Without a pod state directory
 * (the memory store) the runtime's containers end with it; with one (a file store) they go on
 * and the next engine on the same store takes them over.
 */
import { join } from 'node:path'
import { Effect } from 'effect'
import type { Scope } from 'effect'
import type { Registry } from 'prom-client'
import * as Controller from '../shell/controller/Controller.js'
import type { ControllerHandle } from '../shell/controller/Controller.js'
import * as ProcessRuntime from '../runtimes/process/ProcessRuntime.js'
import type { JobStore } from '../ports/JobStore.js'
import type { PodRuntimeService } from '../ports/PodRuntime.js'

/** How the engine runs. */
export interface EngineOptions {
  /** The controller's event batching delay (upstream: 1 s; `run` uses 50 ms to be snappy). */
  readonly eventBatchMs: number
  /** Jobs synced in parallel. */
  readonly workers?: number
  /** Pods running at once on this host. */
  readonly maxConcurrentPods?: number
  /** Containers being launched at once on this host (`ProcessRuntime`'s `maxConcurrentContainerStarts`). */
  readonly maxConcurrentContainerStarts?: number
  readonly registry?: Registry
  /** The `spec.managedBy` value the controller answers to (default: the built-in controller's). */
  readonly controllerName?: string
  /** Where the runtime keeps its containers' runs and logs, so that they outlive this process (`podStateRoot`). */
  readonly podStateDirectory?: string
}

/** The pod state directory of a file store in `storeDir`: the runs of its containers, beside the store. */
export const podStateRoot = (storeDir: string): string => join(storeDir, 'pod-runtime')

/** A running engine. */
export interface Engine {
  readonly controller: ControllerHandle
  readonly runtime: PodRuntimeService
}

/** Starts the controller and the process runtime; both stop when the scope closes. */
export function startEngine(options: EngineOptions): Effect.Effect<Engine, never, JobStore | Scope.Scope> {
  return Effect.gen(function* () {
    const controller = yield* Controller.start({
      eventBatchMs: options.eventBatchMs,
      ...(options.workers !== undefined ? { workers: options.workers } : {}),
      ...(options.registry !== undefined ? { registry: options.registry } : {}),
      ...(options.controllerName !== undefined ? { settings: { controllerName: options.controllerName } } : {}),
    })
    const runtime = yield* ProcessRuntime.make({
      ...(options.maxConcurrentPods !== undefined ? { maxConcurrentPods: options.maxConcurrentPods } : {}),
      ...(options.maxConcurrentContainerStarts !== undefined ? { maxConcurrentContainerStarts: options.maxConcurrentContainerStarts } : {}),
      ...(options.podStateDirectory !== undefined ? { stateDirectory: options.podStateDirectory } : {}),
    })
    yield* runtime.start
    return { controller, runtime }
  })
}
