/**
 * The API server's pod status update rule on container states (Kubernetes 1.36,
 * `ValidatePodStatusUpdate` / `ValidateContainerStateTransition`), and what it does not check:
 * the pod's phase.
 */
import { Either } from 'effect'
import { describe, expect, it } from 'vitest'
import { renderFieldError } from '../../../core/model/fieldErrors.js'
import type { Container, ContainerState, ContainerStatus, Pod, PodStatus } from '../../../core/model/types.js'
import { containerStateTransitionErrors } from './containerStateTransitions.js'
import { updatePodStatus } from './podWrites.js'

const terminated = (exitCode: number): ContainerState => ({ terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' } })
const running: ContainerState = { running: { startedAt: '2026-01-01T00:00:00Z' } }
const waiting: ContainerState = { waiting: { reason: 'ContainerCreating' } }
const statusOf = (name: string, state: ContainerState): ContainerStatus => ({ name, restartCount: 0, state })

const podWith = (restartPolicy: string, containers: ReadonlyArray<Container>, status: PodStatus, initContainers?: ReadonlyArray<Container>): Pod => ({
  metadata: { name: 'p', namespace: 'ns', resourceVersion: '7' },
  spec: { containers, restartPolicy, ...(initContainers !== undefined ? { initContainers } : {}) },
  status,
})

const main: Container = { name: 'main', image: 'busybox' }
const rendered = (stored: Pod, status: PodStatus) => containerStateTransitionErrors(stored, status).map(renderFieldError)
const FORBIDDEN_0 = 'status.containerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state'

describe('pod status updates: a terminated container stays terminated unless it would restart (ValidateContainerStateTransition)', () => {
  it('restartPolicy Never: terminated to running or waiting is forbidden, at the index in the stored status', () => {
    const sidecar: Container = { name: 'other', image: 'busybox' }
    const stored = podWith('Never', [sidecar, main], { phase: 'Running', containerStatuses: [statusOf('other', running), statusOf('main', terminated(0))] })
    expect(rendered(stored, { phase: 'Running', containerStatuses: [statusOf('main', running), statusOf('other', running)] })).toEqual([
      'status.containerStatuses[1].state: Forbidden: may not be transitioned to non-terminated state',
    ])
    expect(rendered(stored, { phase: 'Running', containerStatuses: [statusOf('other', running), statusOf('main', waiting)] })).toHaveLength(1)
  })

  it('restartPolicy OnFailure: a container that failed may run again, one that succeeded may not', () => {
    const failed = podWith('OnFailure', [main], { phase: 'Running', containerStatuses: [statusOf('main', terminated(2))] })
    expect(rendered(failed, { phase: 'Running', containerStatuses: [statusOf('main', running)] })).toEqual([])
    const succeeded = podWith('OnFailure', [main], { phase: 'Running', containerStatuses: [statusOf('main', terminated(0))] })
    expect(rendered(succeeded, { phase: 'Running', containerStatuses: [statusOf('main', running)] })).toEqual([FORBIDDEN_0])
  })

  it('restartPolicy Always: any terminated container may run again', () => {
    const stored = podWith('Always', [main], { phase: 'Running', containerStatuses: [statusOf('main', terminated(0))] })
    expect(rendered(stored, { phase: 'Running', containerStatuses: [statusOf('main', running)] })).toEqual([])
  })

  it("a container's own restartPolicy and its restartPolicyRules decide before the pod's (ContainerRestartRules, on by default in 1.36)", () => {
    const retried: Container = { ...main, restartPolicy: 'Never', restartPolicyRules: [{ action: 'Restart', exitCodes: { operator: 'In', values: [42] } }] }
    const byRule = podWith('Never', [retried], { phase: 'Running', containerStatuses: [statusOf('main', terminated(42))] })
    expect(rendered(byRule, { phase: 'Running', containerStatuses: [statusOf('main', running)] })).toEqual([])
    const notMatched = podWith('Never', [retried], { phase: 'Running', containerStatuses: [statusOf('main', terminated(1))] })
    expect(rendered(notMatched, { phase: 'Running', containerStatuses: [statusOf('main', running)] })).toEqual([FORBIDDEN_0])
    const ownAlways = podWith('Never', [{ ...main, restartPolicy: 'Always' }], { phase: 'Running', containerStatuses: [statusOf('main', terminated(0))] })
    expect(rendered(ownAlways, { phase: 'Running', containerStatuses: [statusOf('main', running)] })).toEqual([])
  })

  it('a RestartAllContainers rule anywhere in the pod lets every container leave terminated (RestartAllContainersOnContainerExits, on by default in 1.36)', () => {
    const watcher: Container = { name: 'watcher', image: 'busybox', restartPolicy: 'Never', restartPolicyRules: [{ action: 'RestartAllContainers', exitCodes: { operator: 'In', values: [9] } }] }
    const stored = podWith('Never', [main, watcher], { phase: 'Running', containerStatuses: [statusOf('main', terminated(0)), statusOf('watcher', running)] })
    expect(rendered(stored, { phase: 'Running', containerStatuses: [statusOf('main', running), statusOf('watcher', running)] })).toEqual([])
  })

  it('init containers: the same rule under status.initContainerStatuses; a sidecar (restartPolicy Always) may restart', () => {
    const setup: Container = { name: 'setup', image: 'busybox' }
    const sidecar: Container = { name: 'proxy', image: 'busybox', restartPolicy: 'Always' }
    const stored = podWith('Never', [main], { phase: 'Pending', initContainerStatuses: [statusOf('setup', terminated(0)), statusOf('proxy', terminated(1))] }, [setup, sidecar])
    expect(rendered(stored, { phase: 'Pending', initContainerStatuses: [statusOf('setup', running), statusOf('proxy', running)] })).toEqual([
      'status.initContainerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state',
    ])
  })

  it('a status for a container the spec does not name may not leave terminated either', () => {
    const stored = podWith('Always', [main], { phase: 'Running', containerStatuses: [statusOf('ghost', terminated(0))] })
    expect(rendered(stored, { phase: 'Running', containerStatuses: [statusOf('ghost', running)] })).toEqual([FORBIDDEN_0])
  })

  it('dropping a terminated container status, or keeping it terminated with another exit code, is allowed', () => {
    const stored = podWith('Never', [main], { phase: 'Failed', containerStatuses: [statusOf('main', terminated(1))] })
    expect(rendered(stored, { phase: 'Failed', containerStatuses: [] })).toEqual([])
    expect(rendered(stored, { phase: 'Succeeded', containerStatuses: [statusOf('main', terminated(0))] })).toEqual([])
  })
})

describe('updatePodStatus (store-kit): the API server refuses a container going back from terminated, not a phase change', () => {
  it('refuses with Invalid and the API server\'s message, naming the field', () => {
    const stored = podWith('Never', [main], { phase: 'Succeeded', containerStatuses: [statusOf('main', terminated(0))] })
    const result = updatePodStatus(stored, { phase: 'Running', containerStatuses: [statusOf('main', running)] }, undefined)
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left._tag).toBe('Invalid')
      expect(result.left.message).toBe(`Pod "p" is invalid: ${FORBIDDEN_0}`)
    }
  })

  it('accepts Failed to Succeeded with the containers still terminated: kube-apiserver 1.36 validates no phase transition (upstream counts such a pod as failed, R114)', () => {
    const stored = podWith('Never', [main], { phase: 'Failed', containerStatuses: [statusOf('main', terminated(137))] })
    const result = updatePodStatus(stored, { phase: 'Succeeded', containerStatuses: [statusOf('main', terminated(0))] }, undefined)
    expect(Either.isRight(result)).toBe(true)
  })
})
