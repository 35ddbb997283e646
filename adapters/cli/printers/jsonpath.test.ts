import { Either } from 'effect'
import { describe, expect, it } from 'vitest'
import { executeJsonPath, parseJsonPath } from './jsonpath.js'

const list = {
  kind: 'List',
  items: [
    {
      metadata: { name: 'pi-abcde', labels: { 'batch.kubernetes.io/job-name': 'pi' } },
      status: { phase: 'Succeeded', conditions: [{ type: 'Ready', status: 'False' }, { type: 'Initialized', status: 'True' }] },
      spec: { containers: [{ name: 'pi', image: 'perl' }] },
    },
    {
      metadata: { name: 'pi-fghij', labels: { 'batch.kubernetes.io/job-name': 'pi' } },
      status: { phase: 'Failed', conditions: [] },
      spec: { containers: [{ name: 'pi', image: 'perl' }] },
    },
  ],
}
const job = { metadata: { name: 'pi' }, spec: { completions: 3 }, status: { succeeded: 2, conditions: [{ type: 'Complete', status: 'True' }] } }

const run = (template: string, input: unknown) => executeJsonPath(Either.getOrThrow(parseJsonPath(template)), input)

describe("JSONPath templates (kubectl's subset)", () => {
  it.each([
    ['{.items[*].metadata.name}', list, 'pi-abcde pi-fghij'],
    ['{.items[0].metadata.name}', list, 'pi-abcde'],
    ['{.items[-1].metadata.name}', list, 'pi-fghij'],
    ['{.items[0:1].status.phase}', list, 'Succeeded'],
    ['{$.kind}', list, 'List'],
    ["{.items[0].metadata.labels['batch.kubernetes.io/job-name']}", list, 'pi'],
    ['{.items[0].metadata.labels.batch\\.kubernetes\\.io/job-name}', list, 'pi'],
    ['{.items[?(@.status.phase=="Failed")].metadata.name}', list, 'pi-fghij'],
    ["{.items[?(@.status.phase!='Failed')].metadata.name}", list, 'pi-abcde'],
    ['{.items[0].status.conditions[?(@.type=="Ready")].status}', list, 'False'],
    ['{.items[?(@.status.conditions[0])].metadata.name}', list, 'pi-abcde'],
    ['{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}', list, 'pi-abcde\tSucceeded\npi-fghij\tFailed\n'],
    ['{..image}', list, 'perl perl'],
    ['{.status.succeeded}', job, '2'],
    ['succeeded={.status.succeeded}/{.spec.completions}', job, 'succeeded=2/3'],
    ['{.status.conditions[?(@.type=="Complete")].status}', job, 'True'],
    ['{.spec}', job, '{"completions":3}'],
    ['{.status.missing}', job, ''],
    ['{.metadata.name}{.nothing.here}', job, 'pi'],
    ['{.status[\'succeeded\',\'failed\']}', job, '2'],
  ])('%s', (template, input, output) => {
    expect(run(template, input)).toBe(output)
  })

  it('compares numbers in filters', () => {
    const input = { items: [{ n: 1, name: 'a' }, { n: 5, name: 'b' }] }
    expect(run('{.items[?(@.n>2)].name}', input)).toBe('b')
    expect(run('{.items[?(@.n<=1)].name}', input)).toBe('a')
  })

  it.each(['{.items[*', '{range .items[*]}{.x}', '{end}', '{.items[a]}'])('refuses %s', (template) => {
    expect(Either.isLeft(parseJsonPath(template))).toBe(true)
  })
})
