import { describe, expect, it } from 'vitest'
import type { ContainerStatus, Pod, PodCondition, PodFailurePolicy, PodFailurePolicyRule } from '../model/types.js'
import { matchPodFailurePolicy, type FailurePolicyMatch } from './podFailurePolicy.js'

// Upstream's TestMatchPodFailurePolicy uses pod default/mypod.
const exited = (name: string, exitCode: number): ContainerStatus => ({
  name,
  restartCount: 0,
  state: { terminated: { exitCode } },
})
const running = (name: string): ContainerStatus => ({ name, restartCount: 0, state: { running: {} } })

function failedPod(status: { containers?: ContainerStatus[]; init?: ContainerStatus[]; conditions?: PodCondition[] }): Pod {
  return {
    metadata: { namespace: 'default', name: 'mypod' },
    spec: { containers: [{ name: 'main-container' }] },
    status: {
      phase: 'Failed',
      ...(status.containers === undefined ? {} : { containerStatuses: status.containers }),
      ...(status.init === undefined ? {} : { initContainerStatuses: status.init }),
      ...(status.conditions === undefined ? {} : { conditions: status.conditions }),
    },
  }
}

/** Rules as they may arrive from a newer API: the action is an arbitrary string. */
const policy = (...rules: ReadonlyArray<Omit<PodFailurePolicyRule, 'action'> & { readonly action: string }>): PodFailurePolicy =>
  ({ rules }) as PodFailurePolicy
const exitIn = (action: string, values: number[], containerName?: string) => ({
  action,
  onExitCodes: { operator: 'In' as const, values, ...(containerName === undefined ? {} : { containerName }) },
})
const exitNotIn = (action: string, values: number[]) => ({ action, onExitCodes: { operator: 'NotIn' as const, values } })
const onCondition = (action: string, type: string, status: 'True' | 'False' | 'Unknown') => ({
  action,
  onPodConditions: [{ type, status }],
})
const disruption = (status: 'True' | 'False' | 'Unknown' = 'True'): PodCondition => ({ type: 'DisruptionTarget', status })

const exitMessage = (container: string, code: number, action: string, index: number) =>
  `Container ${container} for pod default/mypod failed with exit code ${code} matching ${action} rule at index ${index}`
const conditionMessage = (type: string, action: string, index: number) =>
  `Pod default/mypod has condition ${type} matching ${action} rule at index ${index}`

describe('matchPodFailurePolicy (R134, R135; upstream TestMatchPodFailurePolicy)', () => {
  it.each<[string, PodFailurePolicy, Pod, FailurePolicyMatch | undefined]>([
    [
      'unknown action for rule matching by exit codes - skip rule with unknown action',
      policy(exitIn('UnknownAction', [1, 2]), exitIn('FailJob', [2, 3])),
      failedPod({ containers: [exited('main-container', 2)] }),
      { action: 'FailJob', ruleIndex: 1, message: exitMessage('main-container', 2, 'FailJob', 1) },
    ],
    [
      'unknown action for rule matching by pod conditions - skip rule with unknown action',
      policy(onCondition('UnknownAction', 'DisruptionTarget', 'True'), onCondition('Ignore', 'DisruptionTarget', 'True')),
      failedPod({ conditions: [disruption()] }),
      { action: 'Ignore', ruleIndex: 1, message: conditionMessage('DisruptionTarget', 'Ignore', 1) },
    ],
    [
      'unknown operator - the rule never matches',
      policy(
        { action: 'Ignore', onExitCodes: { operator: 'UnknownOperator' as 'In', values: [1, 2] } },
        exitIn('FailJob', [2, 3]),
      ),
      failedPod({ containers: [exited('main-container', 2)] }),
      { action: 'FailJob', ruleIndex: 1, message: exitMessage('main-container', 2, 'FailJob', 1) },
    ],
    ['no policy rules', policy(), failedPod({ containers: [exited('main-container', 2)] }), undefined],
    [
      'ignore rule matched for exit codes',
      policy(exitIn('Ignore', [1, 2, 3])),
      failedPod({ containers: [exited('main-container', 2)] }),
      { action: 'Ignore', ruleIndex: 0, message: exitMessage('main-container', 2, 'Ignore', 0) },
    ],
    [
      'ignore rule matched on negative exit codes - needed for Windows support',
      policy(exitIn('Ignore', [-1073741676, -1073741510])),
      failedPod({ containers: [exited('main-container', -1073741510)] }),
      { action: 'Ignore', ruleIndex: 0, message: exitMessage('main-container', -1073741510, 'Ignore', 0) },
    ],
    [
      'FailJob rule matched for exit codes',
      policy(exitIn('FailJob', [1, 2, 3])),
      failedPod({ containers: [exited('main-container', 2)] }),
      { action: 'FailJob', ruleIndex: 0, message: exitMessage('main-container', 2, 'FailJob', 0) },
    ],
    [
      'successful containers are skipped by the rules (exit code 0 never matches NotIn)',
      policy(exitNotIn('FailJob', [111])),
      failedPod({ init: [exited('init-container', 0)], containers: [exited('main-container', 111), exited('support-container', 0)] }),
      undefined,
    ],
    [
      'FailIndex rule matched for exit codes',
      policy(exitIn('FailIndex', [1, 2, 3])),
      failedPod({ containers: [exited('main-container', 2)] }),
      { action: 'FailIndex', ruleIndex: 0, message: exitMessage('main-container', 2, 'FailIndex', 0) },
    ],
    [
      'pod failure policy with NotIn operator and value 0',
      policy(exitNotIn('FailJob', [0])),
      failedPod({ containers: [exited('main-container', 1), exited('support-container', 0)] }),
      { action: 'FailJob', ruleIndex: 0, message: exitMessage('main-container', 1, 'FailJob', 0) },
    ],
    [
      'second FailJob rule matched for exit codes (first matching rule wins)',
      policy(exitIn('Count', [1, 2, 3]), exitIn('FailJob', [4, 5, 6])),
      failedPod({ containers: [exited('main-container', 6)] }),
      { action: 'FailJob', ruleIndex: 1, message: exitMessage('main-container', 6, 'FailJob', 1) },
    ],
    [
      'count rule matched for exit codes (a container without state is skipped)',
      policy(exitIn('Count', [1, 2, 3])),
      failedPod({ containers: [{ name: 'foo', restartCount: 0 }, exited('bar', 2)] }),
      { action: 'Count', ruleIndex: 0, message: exitMessage('bar', 2, 'Count', 0) },
    ],
    [
      'a still-running container has no exit code to match',
      policy(exitNotIn('FailJob', [5])),
      failedPod({ containers: [running('main-container')] }),
      undefined,
    ],
    [
      'FailIndex rule matched for pod conditions',
      policy(onCondition('FailIndex', 'DisruptionTarget', 'True')),
      failedPod({ conditions: [disruption()] }),
      { action: 'FailIndex', ruleIndex: 0, message: conditionMessage('DisruptionTarget', 'FailIndex', 0) },
    ],
    [
      'FailJob rule matched for pod conditions',
      policy(onCondition('FailJob', 'DisruptionTarget', 'True')),
      failedPod({ conditions: [{ type: 'Ready', status: 'False' }, disruption()] }),
      { action: 'FailJob', ruleIndex: 0, message: conditionMessage('DisruptionTarget', 'FailJob', 0) },
    ],
    [
      'ignore rule matches by the status=False',
      policy(onCondition('Ignore', 'DisruptionTarget', 'False')),
      failedPod({ conditions: [disruption('False')] }),
      { action: 'Ignore', ruleIndex: 0, message: conditionMessage('DisruptionTarget', 'Ignore', 0) },
    ],
    [
      'ignore rule matches by the status=Unknown',
      policy(onCondition('Ignore', 'DisruptionTarget', 'Unknown')),
      failedPod({ conditions: [disruption('Unknown')] }),
      { action: 'Ignore', ruleIndex: 0, message: conditionMessage('DisruptionTarget', 'Ignore', 0) },
    ],
    [
      'ignore rule does not match when status for pattern is False, but actual True',
      policy(onCondition('Ignore', 'DisruptionTarget', 'False')),
      failedPod({ conditions: [disruption('True')] }),
      undefined,
    ],
    [
      'ignore rule does not match when status for pattern is True, but actual False',
      policy(onCondition('Ignore', 'DisruptionTarget', 'True')),
      failedPod({ conditions: [disruption('False')] }),
      undefined,
    ],
    [
      'R134: app containers are looked at before init containers',
      policy(exitIn('FailJob', [3, 4])),
      failedPod({ init: [exited('init-container', 3)], containers: [exited('main-container', 4)] }),
      { action: 'FailJob', ruleIndex: 0, message: exitMessage('main-container', 4, 'FailJob', 0) },
    ],
    [
      'R134: an init container matches when no app container does',
      policy(exitIn('FailJob', [3])),
      failedPod({ init: [exited('init-container', 3)], containers: [exited('main-container', 4)] }),
      { action: 'FailJob', ruleIndex: 0, message: exitMessage('init-container', 3, 'FailJob', 0) },
    ],
    [
      'R134: containerName restricts the rule to that container',
      policy(exitIn('FailJob', [1], 'sidecar')),
      failedPod({ containers: [exited('main-container', 1), exited('sidecar', 1)] }),
      { action: 'FailJob', ruleIndex: 0, message: exitMessage('sidecar', 1, 'FailJob', 0) },
    ],
    [
      'R134: containerName naming no failed container does not match',
      policy(exitIn('FailJob', [1], 'other')),
      failedPod({ containers: [exited('main-container', 1)] }),
      undefined,
    ],
    [
      'R134: a rule with onExitCodes and onPodConditions is judged on exit codes only',
      policy({ action: 'Ignore', onExitCodes: { operator: 'In', values: [9] }, onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }),
      failedPod({ containers: [exited('main-container', 1)], conditions: [disruption()] }),
      undefined,
    ],
    ['a rule with neither requirement never matches', policy({ action: 'FailJob' }), failedPod({ containers: [exited('main-container', 1)] }), undefined],
    [
      'an empty onPodConditions never matches',
      policy({ action: 'FailJob', onPodConditions: [] }),
      failedPod({ conditions: [disruption()] }),
      undefined,
    ],
  ])('%s', (_name, podFailurePolicy, pod, expected) => {
    expect(matchPodFailurePolicy(podFailurePolicy, pod)).toEqual(expected)
  })

  it('R135: the message uses the pod namespace/name as written', () => {
    const pod: Pod = {
      metadata: { namespace: 'team-a', name: 'train-0-x7k2p' },
      spec: { containers: [{ name: 'main' }] },
      status: { phase: 'Failed', containerStatuses: [exited('main', 42)] },
    }
    expect(matchPodFailurePolicy(policy(exitIn('FailJob', [42])), pod)?.message).toBe(
      'Container main for pod team-a/train-0-x7k2p failed with exit code 42 matching FailJob rule at index 0',
    )
  })
})
