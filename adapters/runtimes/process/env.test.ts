import { describe, expect, it } from 'vitest'
import type { Container, Pod } from '../../../core/model/types.js'
import { COMPLETION_INDEX_ANNOTATION } from '../../../core/model/wellKnown.js'
import { DEFAULT_PATH, expandReferences, NO_COMMAND_MESSAGE, resolveContainer } from './env.js'

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
const hostPath = '/usr/bin:/bin'

const resolve = (container: Omit<Container, 'name'>) => resolveContainer(pod, { name: 'c', ...container }, hostPath)

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
  it('passes plain values and fieldRefs, HOSTNAME and the host PATH, nothing else', () => {
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

  it("expands $(VAR) only from the spec's variables: $(HOME), $(PATH), $(HOSTNAME) stay as written (Kubernetes: undefined references are kept)", () => {
    const resolved = resolve({
      command: ['echo'],
      args: ['$(HOME)', '$(PATH)', '$(HOSTNAME)', '$(A)', '$$(A)'],
      env: [
        { name: 'A', value: 'a' },
        { name: 'B', value: '$(HOME):$(A):$(C)' },
        { name: 'C', value: 'c' },
      ],
    })
    expect(resolved).toEqual({
      _tag: 'Resolved',
      argv: ['echo', '$(HOME)', '$(PATH)', '$(HOSTNAME)', 'a', '$(A)'],
      env: { PATH: '/usr/bin:/bin', HOSTNAME: 'sample-3-x7k2p', A: 'a', B: '$(HOME):a:$(C)', C: 'c' },
    })
  })

  it('the spec may set PATH and HOSTNAME itself; without a host PATH the usual image default is used', () => {
    const own = resolve({ command: ['true'], env: [{ name: 'PATH', value: '/opt/bin' }, { name: 'HOSTNAME', value: 'mine' }] })
    expect(own._tag === 'Resolved' && own.env).toEqual({ PATH: '/opt/bin', HOSTNAME: 'mine' })
    const bare = resolveContainer(pod, { name: 'c', command: ['true'] }, undefined)
    expect(bare._tag === 'Resolved' && bare.env).toEqual({ PATH: DEFAULT_PATH, HOSTNAME: 'sample-3-x7k2p' })
  })
})
