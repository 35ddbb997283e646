import { describe, expect, it } from 'vitest'
import type { ContainerStatus, Pod, PodStatus } from '../../../core/model/types.js'
import {
  exitCodeOf,
  initialStatus,
  isUnboundAndRunnable,
  phaseOf,
  restartingContainer,
  runningContainer,
  setCondition,
  shouldRestart,
  terminatedContainer,
  terminateRemaining,
  updateContainer,
  withForeignConditions,
} from './podStatus.js'

const T0 = '2026-01-01T00:00:00Z'
const T1 = '2026-01-01T00:00:05Z'
const T2 = '2026-01-01T00:00:09Z'

const pod = (spec: Partial<Pod['spec']> = {}): Pod => ({
  metadata: { name: 'pi-abcde', namespace: 'default', uid: 'u1' },
  spec: { containers: [{ name: 'pi', image: 'perl' }], restartPolicy: 'Never', ...spec },
})

const condition = (status: PodStatus, type: string) => status.conditions?.find((c) => c.type === type)
const app = (status: PodStatus, name = 'pi'): ContainerStatus | undefined =>
  status.containerStatuses?.find((c) => c.name === name)

describe('initialStatus', () => {
  it('is Pending, scheduled, with every container waiting to be created', () => {
    const status = initialStatus(pod(), T0)
    expect(status.phase).toBe('Pending')
    expect(status.startTime).toBe(T0)
    expect(condition(status, 'PodScheduled')).toMatchObject({ status: 'True', lastTransitionTime: T0 })
    expect(condition(status, 'Initialized')).toMatchObject({ status: 'True' })
    expect(condition(status, 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' })
    expect(app(status)).toEqual({
      name: 'pi',
      image: 'perl',
      ready: false,
      started: false,
      restartCount: 0,
      state: { waiting: { reason: 'ContainerCreating' } },
    })
  })

  it('is not initialized while init containers have not run', () => {
    const status = initialStatus(pod({ initContainers: [{ name: 'setup' }] }), T0)
    expect(condition(status, 'Initialized')).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized' })
    expect(app(status)?.state?.waiting?.reason).toBe('PodInitializing')
  })
})

describe('phase and conditions follow the containers', () => {
  it('Running and Ready once the containers run and are ready; Ready keeps its transition time', () => {
    const running = updateContainer(initialStatus(pod(), T0), 'app', 'pi', (c) => runningContainer(c, T1, true), T1)
    expect(running.phase).toBe('Running')
    expect(condition(running, 'Ready')).toMatchObject({ status: 'True', lastTransitionTime: T1 })
    const again = updateContainer(running, 'app', 'pi', (c) => c, T2)
    expect(condition(again, 'Ready')?.lastTransitionTime).toBe(T1)
  })

  it('Succeeded when every app container exited 0, not ready from then on', () => {
    const running = updateContainer(initialStatus(pod(), T0), 'app', 'pi', (c) => runningContainer(c, T0, true), T0)
    const done = updateContainer(
      running,
      'app',
      'pi',
      (c) => terminatedContainer(c, { exitCode: 0, reason: 'Completed', startedAt: T0, finishedAt: T2 }),
      T2,
    )
    expect(done.phase).toBe('Succeeded')
    expect(condition(done, 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted', lastTransitionTime: T2 })
    expect(app(done)).toMatchObject({ ready: false, started: false })
  })

  it('Failed when a container ended for good with a non-zero exit; a restarting container keeps it Running', () => {
    const running = updateContainer(initialStatus(pod(), T0), 'app', 'pi', (c) => runningContainer(c, T0, true), T0)
    const terminated = { exitCode: 3, reason: 'Error', startedAt: T0, finishedAt: T1 }
    expect(updateContainer(running, 'app', 'pi', (c) => terminatedContainer(c, terminated), T1).phase).toBe('Failed')
    const restarting = updateContainer(running, 'app', 'pi', (c) => restartingContainer(c, terminated, 'back-off'), T1)
    expect(restarting.phase).toBe('Running')
    expect(app(restarting)?.lastState?.terminated?.exitCode).toBe(3)
  })

  it('a failed init container fails the pod', () => {
    const status = updateContainer(
      initialStatus(pod({ initContainers: [{ name: 'setup' }] }), T0),
      'init',
      'setup',
      (c) => terminatedContainer(c, { exitCode: 1, reason: 'Error' }),
      T1,
    )
    expect(status.phase).toBe('Failed')
  })

  it('a terminal phase never changes', () => {
    expect(phaseOf({ phase: 'Succeeded', containerStatuses: [] })).toBe('Succeeded')
  })
})

describe('terminateRemaining', () => {
  it('stops running containers as told, gives never-started ones 137, and fails the pod', () => {
    const base = initialStatus(pod({ containers: [{ name: 'a' }, { name: 'b' }] }), T0)
    const oneRunning = updateContainer(base, 'app', 'a', (c) => runningContainer(c, T0, true), T0)
    const ended = terminateRemaining(oneRunning, T1, () => ({ exitCode: 143, reason: 'Error', finishedAt: T1 }))
    expect(ended.phase).toBe('Failed')
    expect(app(ended, 'a')?.state?.terminated?.exitCode).toBe(143)
    expect(app(ended, 'b')?.state?.terminated).toMatchObject({ exitCode: 137, reason: 'ContainerStatusUnknown' })
  })

  it('is Succeeded when every container exited 0', () => {
    const running = updateContainer(initialStatus(pod(), T0), 'app', 'pi', (c) => runningContainer(c, T0, true), T0)
    expect(terminateRemaining(running, T1, () => ({ exitCode: 0, reason: 'Completed' })).phase).toBe('Succeeded')
  })
})

describe('small rules', () => {
  it('restart policy decides restarts; init containers never restart after success', () => {
    expect(shouldRestart('app', 'OnFailure', 1)).toBe(true)
    expect(shouldRestart('app', 'OnFailure', 0)).toBe(false)
    expect(shouldRestart('app', 'Never', 1)).toBe(false)
    expect(shouldRestart('app', 'Always', 0)).toBe(true)
    expect(shouldRestart('init', 'Always', 0)).toBe(false)
    expect(shouldRestart('init', 'OnFailure', 2)).toBe(true)
  })

  it('signals map to 128 + n', () => {
    expect(exitCodeOf(null, 15)).toBe(143)
    expect(exitCodeOf(null, 9)).toBe(137)
    expect(exitCodeOf(42, undefined)).toBe(42)
  })

  it('only unbound, unfinished pods that are not being deleted can be taken', () => {
    expect(isUnboundAndRunnable(pod())).toBe(true)
    expect(isUnboundAndRunnable(pod({ nodeName: 'n' }))).toBe(false)
    expect(isUnboundAndRunnable({ ...pod(), status: { phase: 'Failed' } })).toBe(false)
    expect(isUnboundAndRunnable({ ...pod(), metadata: { deletionTimestamp: T0 } })).toBe(false)
  })

  it('setCondition changes the transition time only when the status changes', () => {
    const once = setCondition([], 'Ready', 'False', T0)
    expect(setCondition(once, 'Ready', 'False', T1)[0]?.lastTransitionTime).toBe(T0)
    expect(setCondition(once, 'Ready', 'True', T1)[0]?.lastTransitionTime).toBe(T1)
  })

  it('conditions written by others are carried over', () => {
    const ours = initialStatus(pod(), T0)
    const current: Pod = {
      ...pod(),
      status: { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI' }, { type: 'Ready', status: 'True' }] },
    }
    const merged = withForeignConditions(ours, current)
    expect(merged.conditions?.map((c) => c.type)).toEqual(['PodScheduled', 'Initialized', 'ContainersReady', 'Ready', 'DisruptionTarget'])
    expect(condition(merged, 'Ready')?.status).toBe('False')
  })
})
