import { Context } from 'effect'
import type { Effect, Scope } from 'effect'
import type { NotFound } from './errors.js'
import type { ObjectKey } from './JobStore.js'

/**
 * The kubelet's side: makes pods actually run and writes their status back to the
 * `JobStore`. A runtime binds the pods it takes to its node name (`spec.nodeName`), runs
 * them, reports phase, container states, exit codes, restart counts and readiness, and
 * honours deletion (stop the containers, then delete the pod with grace period 0).
 */
export interface PodRuntimeService {
  /** The node name written to `spec.nodeName` of the pods this runtime runs. */
  readonly nodeName: string
  /** Starts taking and running pods in the background, for the life of the scope. */
  readonly start: Effect.Effect<void, never, Scope.Scope>
  /** What the pod's containers wrote to stdout and stderr, in order. */
  readonly logs: (key: ObjectKey, options?: { readonly container?: string }) => Effect.Effect<string, NotFound>
}

/** The pod runtime port: `ProcessRuntime.layer(options)` or `ScriptedRuntime.layer(script)`. */
export class PodRuntime extends Context.Tag('job-reconciler/PodRuntime')<PodRuntime, PodRuntimeService>() {}
