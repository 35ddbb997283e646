/**
 * A container's log through the API server (`GET .../pods/NAME/log`), as `kubectl logs` reads
 * it: the server asks the kubelet of the pod's node, so this works for any pod a node runs,
 * whether a cluster's kubelet or `jobctl controller --run-pods` (see `node/`).
 */
import { Data, Effect } from 'effect'
import { NotFound, type StoreUnavailable } from '../../ports/errors.js'
import type { ObjectKey } from '../../ports/JobStore.js'
import { messageOf, statusOf } from './apiErrors.js'
import type { KubernetesStoreConfig } from './config.js'
import { connect } from './connection.js'
import { pods } from './resources.js'

/** The server would not give the log: `reason` as the `Status` names it (`BadRequest` for a container not started yet). */
export class PodLogRefused extends Data.TaggedError('PodLogRefused')<{ readonly reason: string; readonly message: string }> {}

/** Which part of the log. */
export interface PodLogOptions {
  /** Default: the pod's only or default container (the server picks it). */
  readonly container?: string
  /** Only the last lines. */
  readonly tailLines?: number
}

/** The log text; a missing pod is `NotFound`. */
export function readPodLog(
  config: KubernetesStoreConfig,
  key: ObjectKey,
  options: PodLogOptions = {},
): Effect.Effect<string, NotFound | PodLogRefused | StoreUnavailable> {
  return Effect.scoped(
    Effect.gen(function* () {
      const transport = yield* connect(config)
      const response = yield* transport.request({
        method: 'GET',
        path: pods.objectPath(key, 'log'),
        query: { container: options.container, tailLines: options.tailLines },
        responseType: 'text',
      })
      if (response.status === 200) return typeof response.body === 'string' ? response.body : ''
      const status = statusOf(response.body)
      if (response.status === 404 && (status?.details?.kind ?? 'pods') === 'pods') {
        return yield* Effect.fail(new NotFound({ kind: 'Pod', namespace: key.namespace, name: key.name }))
      }
      return yield* Effect.fail(new PodLogRefused({ reason: status?.reason ?? `HTTP ${response.status}`, message: messageOf(response) }))
    }),
  )
}
