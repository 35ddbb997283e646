import { describe, expect, it } from '@effect/vitest'
import { FastCheck as fc } from 'effect'
import type { LabelSelector, Labels } from '../../../core/model/types.js'
import { matchesSelector } from '../../../core/model/labelSelector.js'
import { ObjectTable } from './objectTable.js'

interface Obj {
  readonly metadata: { readonly namespace: string; readonly name: string; readonly labels?: Labels }
}
const obj = (namespace: string, name: string, labels?: Labels): Obj => ({ metadata: { namespace, name, ...(labels ? { labels } : {}) } })
const names = (items: ReadonlyArray<Obj>) => items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)

describe('ObjectTable', () => {
  it('gets, replaces and removes by namespace and name', () => {
    const table = new ObjectTable<Obj>()
    table.put(obj('a', 'x', { v: '1' }))
    table.put(obj('b', 'x'))
    table.put(obj('a', 'x', { v: '2' }))
    expect(table.get('a', 'x')?.metadata.labels).toEqual({ v: '2' })
    expect(table.remove('a', 'x')?.metadata.labels).toEqual({ v: '2' })
    expect(table.get('a', 'x')).toBeUndefined()
    expect(table.remove('a', 'x')).toBeUndefined()
    expect(names(table.list())).toEqual(['b/x'])
  })

  it('lists in creation order; a replaced object keeps its place', () => {
    const table = new ObjectTable<Obj>()
    for (const n of ['c', 'a', 'b']) table.put(obj('ns', n))
    table.put(obj('ns', 'a', { changed: 'yes' }))
    expect(names(table.list('ns'))).toEqual(['ns/c', 'ns/a', 'ns/b'])
  })

  it('answers selector lists from the label index, kept up to date by later writes', () => {
    const table = new ObjectTable<Obj>()
    table.put(obj('ns', 'p1', { job: 'a' }))
    table.put(obj('ns', 'p2', { job: 'b' }))
    expect(names(table.list('ns', { matchLabels: { job: 'a' } }))).toEqual(['ns/p1'])
    table.put(obj('ns', 'p3', { job: 'a' }))
    table.put(obj('ns', 'p2', { job: 'a' }))
    table.put(obj('ns', 'p1', { job: 'c' }))
    expect(names(table.list('ns', { matchLabels: { job: 'a' } })).sort()).toEqual(['ns/p2', 'ns/p3'])
    table.remove('ns', 'p3')
    expect(names(table.list('ns', { matchLabels: { job: 'a' } }))).toEqual(['ns/p2'])
    expect(names(table.list(undefined, { matchLabels: { job: 'c' } }))).toEqual(['ns/p1'])
  })

  const labelsArb = fc.dictionary(fc.constantFrom('job', 'idx', 'team'), fc.constantFrom('a', 'b', 'c'), { maxKeys: 3 })
  const selectorArb: fc.Arbitrary<LabelSelector> = fc.record(
    {
      matchLabels: fc.dictionary(fc.constantFrom('job', 'idx', 'team'), fc.constantFrom('a', 'b', 'c'), { maxKeys: 2 }),
      matchExpressions: fc.array(
        fc.record({
          key: fc.constantFrom('job', 'idx', 'team'),
          operator: fc.constantFrom('In' as const, 'NotIn' as const, 'Exists' as const, 'DoesNotExist' as const),
          values: fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 2 }),
        }),
        { maxLength: 2 },
      ),
    },
    { requiredKeys: [] },
  )
  const opArb = fc.oneof(
    fc.record({ op: fc.constant('put' as const), ns: fc.constantFrom('x', 'y'), name: fc.constantFrom('1', '2', '3', '4'), labels: labelsArb }),
    fc.record({ op: fc.constant('remove' as const), ns: fc.constantFrom('x', 'y'), name: fc.constantFrom('1', '2', '3', '4') }),
    fc.record({ op: fc.constant('list' as const), ns: fc.constantFrom('x', 'y', undefined), selector: selectorArb }),
  )

  it.prop('property: every list equals a scan of the current objects filtered by the selector', [fc.array(opArb, { maxLength: 40 })], ([ops]) => {
    const table = new ObjectTable<Obj>()
    const truth = new Map<string, Obj>()
    for (const op of ops) {
      if (op.op === 'put') {
        table.put(obj(op.ns, op.name, op.labels))
        truth.set(`${op.ns}/${op.name}`, obj(op.ns, op.name, op.labels))
      } else if (op.op === 'remove') {
        table.remove(op.ns, op.name)
        truth.delete(`${op.ns}/${op.name}`)
      } else {
        const expected = [...truth.values()]
          .filter((o) => op.ns === undefined || o.metadata.namespace === op.ns)
          .filter((o) => matchesSelector(op.selector, o.metadata.labels))
        expect(names(table.list(op.ns, op.selector)).sort()).toEqual(names(expected).sort())
      }
    }
  })
})
