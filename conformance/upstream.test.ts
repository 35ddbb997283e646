/**
 * The reference run: the same suite against the same kind of API server, with upstream's
 * kube-controller-manager (only its job, garbage-collector, TTL-after-finished and cronjob controllers)
 * doing the reconciling instead of our engine. Scenario Jobs carry no `spec.managedBy`, so the
 * built-in controller takes them; the scripted runtime still plays the kubelet.
 *
 * Upstream's pod-failure back-off starts at 10 s and cannot be shortened, so scenarios that
 * wait more than 30 s for back-off in all are not registered here, nor those that stop and restart
 * the controller (see conformance/DIFFERENCES.md). `npm run conformance:upstream` runs it; `npm test`
 * leaves it out.
 */
import { afterAll, beforeAll } from 'vitest'
import type { ControlPlane } from '../adapters/stores/kubernetes/testing/controlPlane.js'
import { DEFAULT_CONTROLLERS, startControlPlane } from '../adapters/stores/kubernetes/testing/controlPlane.js'
import { BUILT_IN_CONTROLLER } from '../core/model/wellKnown.js'
import { runConformance } from './index.js'
import { kubernetesStores } from './testing/kubernetesStores.js'

let plane: ControlPlane | undefined
beforeAll(async () => {
  // Upstream's cronjob-controller runs the CronJob scenarios (only the short `* * * * *` ones: real minutes).
  plane = await startControlPlane({ withControllerManager: true, controllers: [...DEFAULT_CONTROLLERS, 'cronjob-controller'] })
})
afterAll(() => plane?.stop())

/**
 * Scenarios waiting longer than this for back-off in all are left out; `UPSTREAM_MAX_BACKOFF_WAIT_SECONDS`
 * changes it (`Infinity` runs every scenario that does not restart the controller).
 */
const maxBackoffWaitSeconds = Number(process.env['UPSTREAM_MAX_BACKOFF_WAIT_SECONDS'] ?? 30)

runConformance({
  name: 'upstream kube-controller-manager',
  ...kubernetesStores(() => plane!),
  capabilities: { testClock: false, controllerName: BUILT_IN_CONTROLLER, externalController: true, maxBackoffWaitSeconds, cronJobs: true },
  concurrent: true,
})
