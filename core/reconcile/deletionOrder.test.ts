import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import type { Pod, PodPhase } from '../model/types.js'
import { compareForDeletion, pickPodsToDelete } from './deletionOrder.js'

interface Shape {
  readonly name: string
  readonly node?: string
  readonly phase?: PodPhase
  readonly ready?: boolean
  readonly readySince?: string
  readonly restarts?: readonly number[]
  readonly created?: string
  readonly uid?: string
}

function pod(shape: Shape): Pod {
  const conditions =
    shape.ready === undefined
      ? undefined
      : [
          {
            type: 'Ready',
            status: shape.ready ? ('True' as const) : ('False' as const),
            ...(shape.readySince === undefined ? {} : { lastTransitionTime: shape.readySince }),
          },
        ]
  return {
    metadata: {
      name: shape.name,
      ...(shape.uid === undefined ? {} : { uid: shape.uid }),
      ...(shape.created === undefined ? {} : { creationTimestamp: shape.created }),
    },
    spec: { containers: [{ name: 'c' }], ...(shape.node === undefined ? {} : { nodeName: shape.node }) },
    status: {
      ...(shape.phase === undefined ? {} : { phase: shape.phase }),
      ...(conditions === undefined ? {} : { conditions }),
      containerStatuses: (shape.restarts ?? [0]).map((restartCount, i) => ({ name: `c${i}`, restartCount })),
    },
  }
}

const names = (pods: ReadonlyArray<Pod>) => pods.map((p) => p.metadata.name)

describe('compareForDeletion (R99)', () => {
  // Each row: [rule, less valuable (deleted first), more valuable]
  it.each<[string, Shape, Shape]>([
    ['unassigned (no nodeName) before assigned', { name: 'b', node: '', phase: 'Running' }, { name: 'a', node: 'n1', phase: 'Pending' }],
    ['Pending before Unknown', { name: 'b', node: 'n', phase: 'Pending' }, { name: 'a', node: 'n', phase: 'Unknown' }],
    ['Unknown before Running', { name: 'b', node: 'n', phase: 'Unknown' }, { name: 'a', node: 'n', phase: 'Running' }],
    ['no phase counts as Pending (before Unknown)', { name: 'b', node: 'n' }, { name: 'a', node: 'n', phase: 'Unknown' }],
    ['not ready before ready', { name: 'b', node: 'n', phase: 'Running', ready: false }, { name: 'a', node: 'n', phase: 'Running', ready: true }],
    [
      'among ready pods, the one ready most recently first',
      { name: 'b', node: 'n', phase: 'Running', ready: true, readySince: '2026-01-01T00:10:00Z' },
      { name: 'a', node: 'n', phase: 'Running', ready: true, readySince: '2026-01-01T00:05:00Z' },
    ],
    [
      'a ready pod with no ready time counts as most recent',
      { name: 'b', node: 'n', phase: 'Running', ready: true },
      { name: 'a', node: 'n', phase: 'Running', ready: true, readySince: '2026-01-01T00:10:00Z' },
    ],
    ['higher max container restart count first', { name: 'b', node: 'n', phase: 'Running', restarts: [0, 3] }, { name: 'a', node: 'n', phase: 'Running', restarts: [2, 2] }],
    [
      'newer creationTimestamp first',
      { name: 'b', node: 'n', phase: 'Running', created: '2026-01-01T00:10:00Z' },
      { name: 'a', node: 'n', phase: 'Running', created: '2026-01-01T00:05:00Z' },
    ],
    ['missing creationTimestamp first', { name: 'b', node: 'n', phase: 'Running' }, { name: 'a', node: 'n', phase: 'Running', created: '2026-01-01T00:05:00Z' }],
    ['two different nodes are equal on the first criterion', { name: 'b', node: 'n2', phase: 'Pending' }, { name: 'a', node: 'n1', phase: 'Running' }],
    [
      'ready times are not compared for pods that are not ready',
      { name: 'a', node: 'n', phase: 'Running', ready: false, readySince: '2026-01-01T00:05:00Z', restarts: [1] },
      { name: 'b', node: 'n', phase: 'Running', ready: false, readySince: '2026-01-01T00:10:00Z' },
    ],
    ['full ties are broken by name', { name: 'a', node: 'n', phase: 'Running' }, { name: 'b', node: 'n', phase: 'Running' }],
    ['then by UID', { name: 'a', uid: '1', node: 'n', phase: 'Running' }, { name: 'a', uid: '2', node: 'n', phase: 'Running' }],
  ])('R99: %s', (_rule, lessValuable, moreValuable) => {
    expect(compareForDeletion(pod(lessValuable), pod(moreValuable))).toBeLessThan(0)
    expect(compareForDeletion(pod(moreValuable), pod(lessValuable))).toBeGreaterThan(0)
  })

  it('R99: a pod compares equal to itself', () => {
    const p = pod({ name: 'a', node: 'n', phase: 'Running', ready: true })
    expect(compareForDeletion(p, p)).toBe(0)
  })
})

describe('pickPodsToDelete (R96, R99, R122)', () => {
  it('R122: upstream "all with index": of three index-0 pods (Running, Running, Pending) the Pending one goes first', () => {
    const pods = [
      pod({ name: 'r1', phase: 'Running' }),
      pod({ name: 'p', phase: 'Pending' }),
      pod({ name: 'r2', phase: 'Running' }),
    ]
    expect(names(pickPodsToDelete(pods, 2))).toEqual(['p', 'r1'])
  })

  it('R96: upstream "too many active pods": deletes the least valuable `excess` pods, in order', () => {
    const pods = [
      pod({ name: 'ready-old', node: 'n', phase: 'Running', ready: true, readySince: '2026-01-01T00:00:00Z' }),
      pod({ name: 'pending', node: 'n', phase: 'Pending' }),
      pod({ name: 'unscheduled', phase: 'Pending' }),
      pod({ name: 'ready-new', node: 'n', phase: 'Running', ready: true, readySince: '2026-01-01T01:00:00Z' }),
      pod({ name: 'running', node: 'n', phase: 'Running', ready: false }),
    ]
    expect(names(pickPodsToDelete(pods, 3))).toEqual(['unscheduled', 'pending', 'running'])
    expect(names(pickPodsToDelete(pods, 10))).toEqual(['unscheduled', 'pending', 'running', 'ready-new', 'ready-old'])
  })

  it('count 0 or negative picks nothing; the input is not modified', () => {
    const pods = [pod({ name: 'b' }), pod({ name: 'a' })]
    expect(pickPodsToDelete(pods, 0)).toEqual([])
    expect(pickPodsToDelete(pods, -3)).toEqual([])
    expect(names(pickPodsToDelete(pods, 2))).toEqual(['a', 'b'])
    expect(names(pods)).toEqual(['b', 'a'])
  })
})

// Small domains so that ties on every criterion are common.
const shapeArb: fc.Arbitrary<Shape> = fc.record(
  {
    name: fc.constantFrom('a', 'b', 'c'),
    uid: fc.constantFrom('1', '2'),
    node: fc.constantFrom('', 'n1', 'n2'),
    phase: fc.constantFrom<PodPhase>('Pending', 'Running', 'Unknown', 'Succeeded'),
    ready: fc.boolean(),
    readySince: fc.constantFrom('2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z'),
    restarts: fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }),
    created: fc.constantFrom('2026-01-01T00:00:00Z', '2026-01-01T00:00:05Z'),
  },
  { requiredKeys: ['name'] },
)

describe('compareForDeletion is a total order (property)', () => {
  test.prop([shapeArb, shapeArb])('antisymmetric: sign(cmp(a,b)) = -sign(cmp(b,a))', (a, b) => {
    expect(compareForDeletion(pod(a), pod(b))).toBe(-compareForDeletion(pod(b), pod(a)) || 0)
  })

  test.prop([shapeArb, shapeArb, shapeArb])('transitive: a ≤ b and b ≤ c imply a ≤ c', (a, b, c) => {
    const [pa, pb, pc] = [pod(a), pod(b), pod(c)]
    if (compareForDeletion(pa, pb) <= 0 && compareForDeletion(pb, pc) <= 0) {
      expect(compareForDeletion(pa, pc)).toBeLessThanOrEqual(0)
    }
  })

  test.prop([shapeArb, shapeArb, shapeArb])('pods that compare equal rank the same against any third pod', (a, b, c) => {
    const [pa, pb, pc] = [pod(a), pod(b), pod(c)]
    if (compareForDeletion(pa, pb) === 0) expect(compareForDeletion(pa, pc)).toBe(compareForDeletion(pb, pc))
  })

  test.prop([fc.array(shapeArb, { maxLength: 12 }), fc.integer({ min: 0, max: 14 })])(
    'pickPodsToDelete is the sorted prefix, whatever the input order',
    (shapes, count) => {
      const pods = shapes.map(pod)
      const expected = [...pods].sort(compareForDeletion).slice(0, count)
      for (const input of [pods, [...pods].reverse()]) {
        const picked = pickPodsToDelete(input, count)
        expect(picked).toHaveLength(expected.length)
        // Pods tied on every criterion (name and UID included) are interchangeable.
        picked.forEach((p, i) => expect(compareForDeletion(p, expected[i] as Pod)).toBe(0))
      }
    },
  )
})
