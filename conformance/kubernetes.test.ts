/**
 * The conformance suite against a real kube-apiserver (etcd + apiserver on loopback, no
 * controller manager): our controller reconciles, the scripted runtime plays the kubelet
 * through the pods' binding and status subresources. Each scenario's store keeps to its own
 * namespace, so its controller sees only its Jobs (and CronJobs: with no kube-controller-manager
 * here, ours is the cluster's CronJob controller, `cronJobController: true`).
 */
import { afterAll, beforeAll } from 'vitest'
import * as KubernetesStore from '../adapters/stores/kubernetes/KubernetesStore.js'
import type { ControlPlane } from '../adapters/stores/kubernetes/testing/controlPlane.js'
import { startControlPlane } from '../adapters/stores/kubernetes/testing/controlPlane.js'
import { runConformance } from './index.js'
import { kubernetesStores } from './testing/kubernetesStores.js'

let plane: ControlPlane | undefined
beforeAll(async () => {
  plane = await startControlPlane()
})
afterAll(() => plane?.stop())

runConformance({
  name: 'kubernetes',
  ...kubernetesStores(() => plane!),
  capabilities: { testClock: false, controllerName: KubernetesStore.DEFAULT_CONTROLLER_NAME, cronJobs: true },
  // No kube-controller-manager runs here, so our controller is the cluster's CronJob controller.
  controller: { cronJobController: true },
  concurrent: true,
})
