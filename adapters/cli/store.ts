/**
 * `--store`: which `JobStore` backend a command talks to.
 *
 * - `memory`: the embedded store, empty at start and gone at exit (the default of `jobctl run`).
 * - `file:DIR`: the file store in DIR (the default of every other command: `file:./.jobctl`).
 * - `kube` or `kube:CONTEXT`: a Kubernetes API server from the kubeconfig (current or named context).
 *
 * The file and Kubernetes backends are loaded when asked for, from `adapters/stores/file/FileStore.ts`
 * (`layer(dir)`) and `adapters/stores/kubernetes/KubernetesStore.ts` (`layer({ context })`), each a
 * `Layer` providing `JobStore`.
 */
import { Cause, Effect, Either, Layer } from 'effect'
import type { Context, Scope } from 'effect'
import * as MemoryStore from '../stores/memory/MemoryStore.js'
import type { StoreUnavailable } from '../ports/errors.js'
import type { JobStore } from '../ports/JobStore.js'
import type { KubernetesStoreConfig } from '../stores/kubernetes/config.js'
import { StoreUnavailableError } from './errors.js'

/** A parsed `--store` value. */
export type StoreSpec = { readonly _tag: 'Memory' } | { readonly _tag: 'File'; readonly dir: string } | KubeStoreSpec

/** `--store kube[:CONTEXT]`. */
export interface KubeStoreSpec {
  readonly _tag: 'Kube'
  readonly context?: string
  /** Client-side rate limit (`jobctl controller --kube-api-qps`, `--kube-api-burst`); the store's defaults when absent. */
  readonly qps?: number
  readonly burst?: number
}

/** The Kubernetes adapter's configuration for `--store kube[:CONTEXT]`: the kubeconfig as kubectl finds it, and the client limits. */
export const kubeConfigOf = (spec: KubeStoreSpec): KubernetesStoreConfig => ({
  ...(spec.context === undefined ? {} : { context: spec.context }),
  ...(spec.qps === undefined ? {} : { qps: spec.qps }),
  ...(spec.burst === undefined ? {} : { burst: spec.burst }),
})

/** The file store directory when none is given. */
export const DEFAULT_FILE_STORE_DIR = './.jobctl'

/** The environment variable that changes the default `--store`. */
export const STORE_ENV = 'JOBCTL_STORE'

/** Reads a `--store` value. */
export function parseStoreSpec(text: string): Either.Either<StoreSpec, string> {
  if (text === 'memory') return Either.right({ _tag: 'Memory' })
  if (text === 'file') return Either.right({ _tag: 'File', dir: DEFAULT_FILE_STORE_DIR })
  if (text.startsWith('file:')) {
    const dir = text.slice('file:'.length)
    return dir === '' ? Either.left('--store file:DIR needs a directory') : Either.right({ _tag: 'File', dir })
  }
  if (text === 'kube') return Either.right({ _tag: 'Kube' })
  if (text.startsWith('kube:')) {
    const context = text.slice('kube:'.length)
    return Either.right(context === '' ? { _tag: 'Kube' } : { _tag: 'Kube', context })
  }
  return Either.left(`invalid argument "${text}" for "--store" flag: expected memory, file:DIR or kube[:CONTEXT]`)
}

/** The spec as the user would write it. */
export function formatStoreSpec(spec: StoreSpec): string {
  switch (spec._tag) {
    case 'Memory':
      return 'memory'
    case 'File':
      return `file:${spec.dir}`
    case 'Kube':
      return spec.context === undefined ? 'kube' : `kube:${spec.context}`
  }
}

/** A way to get the layer for a store; tests pass their own to share one memory store. */
export type StoreResolver = (spec: StoreSpec) => Effect.Effect<Layer.Layer<JobStore, StoreUnavailable>, StoreUnavailableError>

/** Builds a store's layer into a context for the life of the scope; failures become one line. */
export function buildStore(spec: StoreSpec, resolve: StoreResolver): Effect.Effect<Context.Context<JobStore>, StoreUnavailableError, Scope.Scope> {
  return Effect.flatMap(resolve(spec), (layer) =>
    Layer.build(layer).pipe(
      Effect.catchAllCause((cause) =>
        Effect.fail(new StoreUnavailableError({ store: formatStoreSpec(spec), reason: causeMessage(cause) })),
      ),
    ),
  )
}

/** The first line of what went wrong: the error's own message, without its tag. */
function causeMessage(cause: Cause.Cause<unknown>): string {
  const error = Cause.squash(cause)
  const text = error instanceof Error ? error.message : String(error)
  return text.split('\n')[0] ?? text
}

/**
 * The backends: memory at once; the file and Kubernetes stores imported when asked for, so that
 * a command loads only the one it uses (the Kubernetes client is heavy). The imports are
 * literals, so the bundle `bin/jobctl.js` runs keeps both.
 */
export const defaultResolver: StoreResolver = (spec) => {
  switch (spec._tag) {
    case 'Memory':
      return Effect.succeed(MemoryStore.layer)
    case 'File':
      return loadBackend(spec, 'the file store', () => import('../stores/file/FileStore.js').then((module) => module.layer(spec.dir)))
    case 'Kube':
      return loadBackend(spec, 'the Kubernetes store', () => import('../stores/kubernetes/KubernetesStore.js').then((module) => module.layer(kubeConfigOf(spec))))
  }
}

/** A backend's layer from its module; a module that fails to load is one line. */
function loadBackend(spec: StoreSpec, what: string, load: () => Promise<Layer.Layer<JobStore, StoreUnavailable>>): Effect.Effect<Layer.Layer<JobStore, StoreUnavailable>, StoreUnavailableError> {
  return Effect.tryPromise({
    try: load,
    catch: (error) => new StoreUnavailableError({ store: formatStoreSpec(spec), reason: `cannot load ${what}: ${error instanceof Error ? error.message : String(error)}` }),
  })
}
