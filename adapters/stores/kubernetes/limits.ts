/**
 * kube-controller-manager's client limits, in a module of their own so that the CLI can show
 * them without loading the Kubernetes client.
 */

/** kube-controller-manager's default client rate limit: requests per second (`--kube-api-qps`). */
export const DEFAULT_QPS = 20
/** kube-controller-manager's default burst (`--kube-api-burst`). */
export const DEFAULT_BURST = 30
