import { describe, expect, it } from 'vitest'
import type { Pod } from '../../core/model/types.js'
import { succeededStatus } from './kubeletStandIn.js'

const pod: Pod = {
  metadata: { name: 'bench-abcde', namespace: 'bench', uid: 'u1' },
  spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox', command: ['true'] }, { name: 'side', image: 'busybox' }] },
}

describe("the bench's kubelet stand-in", () => {
  it('writes what a kubelet writes for a pod whose containers all exited 0: phase Succeeded, each container terminated with reason Completed, not Ready (PodCompleted)', () => {
    const now = '2026-12-04T01:00:00Z'
    const status = succeededStatus(pod, now)
    expect(status.phase).toBe('Succeeded')
    expect(status.startTime).toBe(now)
    expect(status.containerStatuses?.map((c) => [c.name, c.state?.terminated?.exitCode, c.state?.terminated?.reason, c.ready])).toEqual([
      ['work', 0, 'Completed', false],
      ['side', 0, 'Completed', false],
    ])
    expect(status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' })
    expect(status.conditions?.find((c) => c.type === 'PodScheduled')).toMatchObject({ status: 'True' })
  })
})
