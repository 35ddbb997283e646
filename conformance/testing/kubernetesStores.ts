/**
 * The stores the two Kubernetes runs of the suite use: one per scenario namespace, kept to it,
 * on a test control plane, with a rate limit high enough for many scenarios at once.
 */
import { Layer } from 'effect'
import * as KubernetesStore from '../../adapters/stores/kubernetes/KubernetesStore.js'
import type { ControlPlane } from '../../adapters/stores/kubernetes/testing/controlPlane.js'

/** `layer` and `prepareNamespace` for `runConformance`; `plane` is read when a scenario starts. */
export function kubernetesStores(plane: () => ControlPlane) {
  const config = (namespace: string): KubernetesStore.KubernetesStoreConfig => ({ kubeconfigPath: plane().kubeconfigPath, namespace, qps: 200, burst: 400 })
  return {
    layer: (namespace: string) => Layer.suspend(() => KubernetesStore.layer(config(namespace))),
    prepareNamespace: (namespace: string) => KubernetesStore.ensureNamespace(config(namespace), namespace),
  }
}
