/**
 * A connection for a few one-off requests (create a namespace, read a log, register a node):
 * the configured server and credentials, no client-side rate limit.
 */
import { Effect } from 'effect'
import type { Scope } from 'effect'
import type { StoreUnavailable } from '../../ports/errors.js'
import { loadKubeConfig, type KubernetesStoreConfig } from './config.js'
import { makeTransport, type Transport } from './transport.js'

/** The `User-Agent` (and field manager) when the configuration names none. */
export const DEFAULT_USER_AGENT = 'job-reconciler'

/** A transport to the configured API server, for the life of the scope. */
export function connect(config: KubernetesStoreConfig): Effect.Effect<Transport, StoreUnavailable, Scope.Scope> {
  return Effect.flatMap(loadKubeConfig(config), (kc) =>
    makeTransport(kc, { qps: 0, burst: 0, requestTimeoutMs: config.requestTimeoutMs ?? 60_000, userAgent: config.userAgent ?? DEFAULT_USER_AGENT }),
  )
}
