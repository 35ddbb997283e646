import { describe, expect, it } from 'vitest'
import type { Container, Pod } from '../../core/model/types.js'
import { COMPLETION_INDEX_ANNOTATION } from '../../core/model/wellKnown.js'
import { expandReferences, NO_COMMAND_MESSAGE, resolveContainer } from './env.js'

const pod: Pod = {
  metadata: {
    name: 'sample-3-x7k2p',
    namespace: 'batch',
    uid: 'uid-1',
    labels: { app: 'sample', [COMPLETION_INDEX_ANNOTATION]: '3' },
    annotations: { [COMPLETION_INDEX_ANNOTATION]: '3' },
  },
  spec: { containers: [], nodeName: 'host' },
}
const host = { PATH: '/usr/bin:/bin', HOME: '/root', SECRET: 'not passed' }

const resolve = (container: Omit<Container, 'name'>) => resolveContainer(pod, { name: 'c', ...container }, host)

describe('expandReferences (Kubernetes $(VAR) expansion)', () => {
  it.each([
    ['$(A)-$(B)', 'a-b'],
    ['$(MISSING)', '$(MISSING)'],
    ['$$(A)', '$(A)'],
    ['$$', '$'],
    ['cost: $5', 'cost: $5'],
    ['$(A', '$(A'],
    ['end$', 'end$'],
  ])('%s → %s', (input, output) => {
    expect(expandReferences(input, { A: 'a', B: 'b' })).toBe(output)
  })
})

describe('resolveContainer', () => {
  it('passes plain values, fieldRefs and only PATH and HOME from the host', () => {
    const resolved = resolve({
      command: ['perl', '-e', 'print $ENV{JOB_COMPLETION_INDEX}'],
      env: [
        { name: 'GREETING', value: 'hello' },
        { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']` } } },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
        { name: 'APP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['app']" } } },
        { name: 'BOTH', value: '$(GREETING) from $(POD)' },
      ],
    })
    expect(resolved).toEqual({
      _tag: 'Resolved',
      argv: ['perl', '-e', 'print $ENV{JOB_COMPLETION_INDEX}'],
      env: {
        PATH: '/usr/bin:/bin',
        HOME: '/root',
        HOSTNAME: 'sample-3-x7k2p',
        GREETING: 'hello',
        JOB_COMPLETION_INDEX: '3',
        POD: 'sample-3-x7k2p',
        NS: 'batch',
        UID: 'uid-1',
        APP: 'sample',
        BOTH: 'hello from sample-3-x7k2p',
      },
    })
  })

  it('joins command and args and expands references in them', () => {
    const resolved = resolve({ command: ['echo'], args: ['index $(I)', '$$(I)'], env: [{ name: 'I', value: '7' }] })
    expect(resolved._tag === 'Resolved' && resolved.argv).toEqual(['echo', 'index 7', '$(I)'])
  })

  it('a container without a command cannot run here, and says why', () => {
    expect(resolve({ image: 'busybox', args: ['sleep', '1'] })).toEqual({
      _tag: 'Unresolvable',
      reason: 'RunContainerError',
      message: NO_COMMAND_MESSAGE,
    })
  })

  it('a value from a secret cannot be resolved locally', () => {
    const resolved = resolve({ command: ['true'], env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] })
    expect(resolved).toMatchObject({ _tag: 'Unresolvable', reason: 'CreateContainerConfigError' })
    expect(resolved._tag === 'Unresolvable' && resolved.message).toContain('TOKEN')
  })
})
