/**
 * Where the Kubernetes store connects and how: the configuration a user gives and its loading
 * into `@kubernetes/client-node`'s `KubeConfig` (a kubeconfig file and context, the in-cluster
 * service account, or an explicit server, token and CA).
 */
import { KubeConfig } from '@kubernetes/client-node'
import { Effect } from 'effect'
import { StoreUnavailable } from '../../ports/errors.js'

/**
 * The `spec.managedBy` value this engine answers to by default when it runs against a real
 * cluster. Jobs without it (or with `kubernetes.io/job-controller`) stay with the built-in Job
 * controller; Jobs carrying it are left alone by the built-in one (R172) and reconciled by ours
 * (give `Controller.start` the same name in `settings.controllerName`).
 */
export const DEFAULT_CONTROLLER_NAME = 'job-reconciler.io/controller'

export { DEFAULT_BURST, DEFAULT_QPS } from './limits.js'

/** How long the server keeps one watch open before the client reconnects (randomised up to twice this, as client-go does). */
export const DEFAULT_WATCH_TIMEOUT_SECONDS = 300

/** Items per page when listing (client-go's informers use 500). */
export const DEFAULT_LIST_PAGE_SIZE = 500

/** How a `KubernetesStore` finds and talks to its API server. */
export interface KubernetesStoreConfig {
  /**
   * A kubeconfig file. Omitted (and no `server`, no `inCluster`): `$KUBECONFIG`, then
   * `~/.kube/config`, then the in-cluster service account, as kubectl looks.
   */
  readonly kubeconfigPath?: string
  /** A context of the kubeconfig other than its current one. */
  readonly context?: string
  /** Use the pod's service account (`/var/run/secrets/kubernetes.io/serviceaccount`) and `KUBERNETES_SERVICE_HOST`. */
  readonly inCluster?: boolean
  /** An explicit API server URL (`https://127.0.0.1:6443`); with `token` and `caPath`. */
  readonly server?: string
  /** A bearer token for `server`. */
  readonly token?: string
  /** The PEM file of the CA that signed `server`'s certificate. */
  readonly caPath?: string
  /** Skip verifying `server`'s certificate (tests only). */
  readonly insecureSkipTlsVerify?: boolean
  /**
   * Keep to one namespace: lists and watches that name none see only this one (a controller
   * that may read only its namespace, or tests sharing one server). Default: every namespace.
   */
  readonly namespace?: string
  /** Requests per second once the burst is used up (default 20, as kube-controller-manager). */
  readonly qps?: number
  /** Requests that may go at once before `qps` applies (default 30). */
  readonly burst?: number
  /** Server-side time-out of one watch request, in seconds (default 300, randomised up to ×2). */
  readonly watchTimeoutSeconds?: number
  /** Items per page of a list (default 500; 0 lists in one request). */
  readonly listPageSize?: number
  /** Time-out of one ordinary request, in milliseconds (default 60 000). */
  readonly requestTimeoutMs?: number
  /** Check at start-up that the API server answers and serves batch/v1 (default true). */
  readonly probe?: boolean
  /** Sent as `User-Agent` and as the field manager of writes (default `job-reconciler`). */
  readonly userAgent?: string
}

/** Loads the configuration into a `KubeConfig`; an unreadable file or unknown context is `StoreUnavailable`. */
export function loadKubeConfig(config: KubernetesStoreConfig): Effect.Effect<KubeConfig, StoreUnavailable> {
  return Effect.try({
    try: () => {
      const kc = new KubeConfig()
      if (config.server !== undefined) {
        kc.loadFromClusterAndUser(
          {
            name: 'explicit',
            server: config.server,
            skipTLSVerify: config.insecureSkipTlsVerify ?? false,
            ...(config.caPath !== undefined ? { caFile: config.caPath } : {}),
          },
          { name: 'explicit', ...(config.token !== undefined ? { token: config.token } : {}) },
        )
      } else if (config.inCluster === true) {
        kc.loadFromCluster()
      } else if (config.kubeconfigPath !== undefined) {
        kc.loadFromFile(config.kubeconfigPath)
      } else {
        kc.loadFromDefault()
      }
      if (config.context !== undefined) {
        if (kc.getContextObject(config.context) === null) throw new Error(`context "${config.context}" does not exist`)
        kc.setCurrentContext(config.context)
      }
      const cluster = kc.getCurrentCluster()
      if (cluster === null) throw new Error('the configuration names no cluster')
      if (config.inCluster === true && !/^https?:\/\/[^:/]+:\d+/.test(cluster.server)) {
        throw new Error('not running in a cluster (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set)')
      }
      return kc
    },
    catch: (error) => new StoreUnavailable({ reason: `cannot load the Kubernetes configuration: ${(error as Error).message}` }),
  })
}

/** A short description of where the configuration points, for messages. */
export function describeTarget(kc: KubeConfig): string {
  return kc.getCurrentCluster()?.server ?? '(no server)'
}
