/**
 * The conformance suite: every documented behaviour of the Job controller, end to end, against
 * any backend that provides the `JobStore` port.
 *
 * ```ts
 * // my-store.test.ts
 * import { runConformance } from 'job-reconciler/conformance'
 * runConformance({ name: 'my store', layer: MyStore.layer })
 * ```
 *
 * Each scenario builds a fresh world from `layer` (the store), the scripted pod runtime (the
 * kubelet's part, driven by the scenario) and the Job controller, and asserts only what a
 * user sees through the store: the Job's status, conditions and counters, its pods and its
 * events. Scenario names cite the rules of the behaviour spec (`R125: …`).
 */
import { describe, it } from '@effect/vitest'
import type { Capabilities, ConformanceOptions, Scenario } from './toolkit.js'
import { backoffBaseSeconds, runScenario } from './toolkit.js'
import { BUILT_IN_CONTROLLER } from '../core/model/wellKnown.js'
import { basics } from './scenarios/basics.js'
import { parallelism } from './scenarios/parallelism.js'
import { indexed } from './scenarios/indexed.js'
import { workQueue } from './scenarios/workQueue.js'
import { failures } from './scenarios/failures.js'
import { suspension } from './scenarios/suspension.js'
import { lifecycle } from './scenarios/lifecycle.js'
import { tracking } from './scenarios/tracking.js'
import { policies } from './scenarios/policies.js'
import { robustness } from './scenarios/robustness.js'
import { validation } from './scenarios/validation.js'
import { faults } from './scenarios/faults.js'
import { cronJobs } from './scenarios/cronJobs.js'

export type { Capabilities, ConformanceOptions, PassOptions, Recording, Scenario, ScenarioOptions, World, WaitOptions } from './toolkit.js'
export type { CronJobWorld } from './cronJobWorld.js'
export { backoffBaseSeconds, controlsTheController, jobManifest, scenario } from './toolkit.js'

/** The scenarios, by topic, in the order they are registered. */
export const scenarioGroups: ReadonlyArray<{ readonly title: string; readonly scenarios: ReadonlyArray<Scenario> }> = [
  { title: 'basics', scenarios: basics },
  { title: 'fixed completions and parallelism', scenarios: parallelism },
  { title: 'Indexed jobs', scenarios: indexed },
  { title: 'work-queue jobs', scenarios: workQueue },
  { title: 'failures, back-off and deadlines', scenarios: failures },
  { title: 'suspend and resume', scenarios: suspension },
  { title: 'TTL, deletion and ownership', scenarios: lifecycle },
  { title: 'finalizer tracking and pod replacement', scenarios: tracking },
  { title: 'pod failure, per-index and success policies', scenarios: policies },
  { title: 'terminal jobs and controller restarts', scenarios: robustness },
  { title: 'validation', scenarios: validation },
  { title: 'a failing API and controller crashes', scenarios: faults },
  { title: 'cronJobs', scenarios: cronJobs },
]

/** The capabilities with their defaults filled in. */
export function resolveCapabilities(capabilities: Capabilities | undefined): Required<Capabilities> {
  return {
    testClock: capabilities?.testClock ?? true,
    controllerName: capabilities?.controllerName ?? BUILT_IN_CONTROLLER,
    externalController: capabilities?.externalController ?? false,
    maxBackoffWaitSeconds: capabilities?.maxBackoffWaitSeconds ?? Number.POSITIVE_INFINITY,
    cronJobs: capabilities?.cronJobs ?? false,
  }
}

/** Whether a scenario is registered for a backend with these capabilities. */
export function admits(capabilities: Required<Capabilities>, given: Capabilities | undefined, scenario: Scenario): boolean {
  if (scenario.requires !== undefined && !scenario.requires(capabilities)) return false
  const backoffWait = (scenario.backoffPeriods ?? 0) * backoffBaseSeconds(given)
  return backoffWait <= capabilities.maxBackoffWaitSeconds
}

/**
 * How long one scenario may take unless `timeoutMs` says otherwise: long enough for a real API
 * server on a slow machine, so that a backend's test file needs no vitest configuration.
 */
export const DEFAULT_SCENARIO_TIMEOUT_MS = 120_000

/**
 * Registers the whole suite with vitest: one `describe` per topic, one `it` per scenario the
 * backend's capabilities admit. Call it at the top level of a test file.
 */
export function runConformance<E>(options: ConformanceOptions<E>): void {
  const capabilities = resolveCapabilities(options.capabilities)
  const test = capabilities.testClock ? it.effect : it.live
  let number = 0
  const suite = options.concurrent === true ? describe.concurrent : describe
  suite(`conformance (${options.name})`, () => {
    for (const group of scenarioGroups) {
      const admitted = group.scenarios.filter((scenario) => admits(capabilities, options.capabilities, scenario))
      // A topic none of whose scenarios this backend admits is left out (vitest refuses an empty suite).
      if (admitted.length === 0) continue
      describe(group.title, () => {
        for (const scenario of admitted) {
          const scenarioNumber = ++number
          test(scenario.name, () => runScenario(options, scenarioNumber, scenario.run), options.timeoutMs ?? DEFAULT_SCENARIO_TIMEOUT_MS)
        }
      })
    }
  })
}
