/**
 * A local node for a Kubernetes cluster: this machine's process runtime shows up as a Node,
 * so the API server can read the logs of the pods it runs (`kubectl logs`, `jobctl logs`).
 * `jobctl controller --store kube --run-pods` uses it; the runtime itself binds and runs the
 * pods through the ordinary `JobStore` port.
 *
 * ```ts
 * const runtime = yield* ProcessRuntime.make({ nodeName: 'jobctl-laptop', takesPod })
 * const clientCa = yield* LocalNode.readClientCaFile('/etc/kubernetes/pki/ca.crt')
 * yield* LocalNode.start(config, runtime, { maxPods: 8, clientCa })
 * yield* runtime.start
 * ```
 */
import { Effect } from 'effect'
import type { Scope } from 'effect'
import { StoreUnavailable } from '../../../ports/errors.js'
import type { PodRuntimeService } from '../../../ports/PodRuntime.js'
import type { KubernetesStoreConfig } from '../config.js'
import { connect } from '../connection.js'
import { alwaysAllow, subjectAccessReviewer, type AuthorizationMode } from './authorization.js'
import { serveContainerLogs } from './logServer.js'
import { registerLocalNode } from './nodeObject.js'

export { defaultLocalNodeName, LOCAL_NODE_LABEL } from './nodeObject.js'
export { readClientCaFile } from './clientCa.js'
export { AUTHORIZATION_MODES, type AuthorizationMode } from './authorization.js'

/** Where the node listens and what it advertises. */
export interface LocalNodeOptions {
  /** The address the log server listens on and the Node advertises (default `127.0.0.1`: a cluster on this machine). */
  readonly address?: string
  /** The log server's port (default: any free one). */
  readonly port?: number
  /** The node's pod capacity. */
  readonly maxPods: number
  /**
   * The CA bundle (PEM, as {@link readClientCaFile} reads the kubelet's `--client-ca-file`) that
   * signed the API server's kubelet client certificate (`--kubelet-client-certificate`): the
   * log server answers only clients with a certificate it signed.
   */
  readonly clientCa: string
  /**
   * Who of those may read logs, as the kubelet's `--authorization-mode`: `Webhook` (default) asks
   * the API server whether the certificate's user may `get` `nodes/proxy` of this node (a
   * `SubjectAccessReview`: this process's user needs `create` on `subjectaccessreviews`);
   * `AlwaysAllow` lets in every certificate the client CA signed.
   */
  readonly authorization?: AuthorizationMode
}

/** A registered node. */
export interface LocalNode {
  readonly name: string
  readonly address: string
  readonly port: number
}

/** Serves the runtime's logs and registers the Node named `runtime.nodeName`, until the scope closes (the Node is deleted then). */
export function start(config: KubernetesStoreConfig, runtime: PodRuntimeService, options: LocalNodeOptions): Effect.Effect<LocalNode, StoreUnavailable, Scope.Scope> {
  return Effect.gen(function* () {
    const transport = yield* connect(config)
    const server = yield* serveContainerLogs(runtime, {
      clientCa: options.clientCa,
      authorize: (options.authorization ?? 'Webhook') === 'Webhook' ? subjectAccessReviewer(transport, runtime.nodeName) : alwaysAllow,
      ...(options.address !== undefined ? { address: options.address } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
    }).pipe(Effect.mapError((error) => new StoreUnavailable({ reason: error.message })))
    yield* registerLocalNode(transport, { name: runtime.nodeName, address: server.address, port: server.port, maxPods: options.maxPods })
    return { name: runtime.nodeName, address: server.address, port: server.port }
  })
}
