import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { jobManifest, tempDir, writeManifest } from '../testing/manifests.js'
import { startWorld, type World } from '../testing/inProcess.js'

let world: World
const dir = tempDir()
beforeAll(async () => {
  world = await startWorld()
})
afterAll(() => world.close())

const labelsOf = async (name: string) => JSON.parse((await world.jobctl(['get', 'job', name, '-o', 'jsonpath={.metadata.labels}'])).stdout) as Record<string, string>

describe('jobctl apply', () => {
  it('creates, then leaves unchanged, then configures with a three-way merge', async () => {
    const first = writeManifest(dir, 'a.yaml', [jobManifest('a', ['true'], {}, { labels: { team: 'x', tier: 'batch' } })])
    expect(await world.jobctl(['apply', '-f', first])).toEqual({ code: 0, stdout: 'job.batch/a created\n', stderr: '' })
    expect(await world.jobctl(['apply', '-f', first])).toEqual({ code: 0, stdout: 'job.batch/a unchanged\n', stderr: '' })

    // Dropping a label the last apply set removes it; generated labels stay.
    const second = writeManifest(dir, 'a2.yaml', [jobManifest('a', ['true'], {}, { labels: { team: 'y' } })])
    expect(await world.jobctl(['apply', '-f', second])).toEqual({ code: 0, stdout: 'job.batch/a configured\n', stderr: '' })
    const labels = await labelsOf('a')
    expect(labels['team']).toBe('y')
    expect(labels['tier']).toBeUndefined()
    const template = JSON.parse((await world.jobctl(['get', 'job', 'a', '-o', 'jsonpath={.spec.template.metadata.labels}'])).stdout) as Record<string, string>
    expect(template['batch.kubernetes.io/job-name']).toBe('a')
  })

  it('reads directories, multi-document YAML, JSON and stdin', async () => {
    const sub = tempDir()
    writeManifest(sub, '1.yaml', [jobManifest('m1', ['true']), jobManifest('m2', ['true'])])
    writeManifest(sub, '2.json', JSON.stringify(jobManifest('m3', ['true'])))
    writeManifest(sub, 'notes.txt', 'not a manifest')
    expect(await world.jobctl(['apply', '-f', sub])).toEqual({ code: 0, stdout: 'job.batch/m1 created\njob.batch/m2 created\njob.batch/m3 created\n', stderr: '' })
    const stdin = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [jobManifest('m4', ['true'])] })
    expect(await world.jobctl(['apply', '-f', '-'], stdin)).toEqual({ code: 0, stdout: 'job.batch/m4 created\n', stderr: '' })
  })

  it('writes nothing when one document of the input is invalid', async () => {
    const bad = { ...jobManifest('v2', ['true']), spec: { parallelism: -1, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'x' }] } } } }
    const file = writeManifest(dir, 'mixed.yaml', [jobManifest('v1', ['true']), bad])
    const result = await world.jobctl(['apply', '-f', file])
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'The Job "v2" is invalid: spec.parallelism: Invalid value: -1: must be greater than or equal to 0\n' })
    expect((await world.jobctl(['get', 'job', 'v1'])).code).toBe(1)
  })

  it('refuses a stale resourceVersion with a Conflict', async () => {
    const file = writeManifest(dir, 'c.yaml', [jobManifest('c', ['true'])])
    await world.jobctl(['apply', '-f', file])
    const stale = writeManifest(dir, 'c-stale.yaml', [jobManifest('c', ['true'], { parallelism: 1 }, { resourceVersion: '1', labels: { x: 'y' } })])
    expect(await world.jobctl(['apply', '-f', stale])).toEqual({
      code: 1,
      stdout: '',
      stderr: `Error from server (Conflict): error when applying patch to "${stale}": Operation cannot be fulfilled on jobs.batch "c": the object has been modified; please apply your changes to the latest version and try again\n`,
    })
  })

  it('refuses a change to an immutable field', async () => {
    const file = writeManifest(dir, 'i.yaml', [jobManifest('i', ['true'], { completions: 1 })])
    await world.jobctl(['apply', '-f', file])
    const changed = writeManifest(dir, 'i2.yaml', [jobManifest('i', ['false'], { completions: 1 })])
    const result = await world.jobctl(['apply', '-f', changed])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^The Job "i" is invalid: spec\.template: Invalid value: .*field is immutable\n$/)
  })

  it('refuses generateName and a namespace other than --namespace', async () => {
    const generated = writeManifest(dir, 'g.yaml', [{ ...jobManifest('x', ['true']), metadata: { generateName: 'gen-' } }])
    expect(await world.jobctl(['apply', '-f', generated])).toEqual({ code: 1, stdout: '', stderr: 'error: from gen-: cannot use generate name with apply\n' })
    const elsewhere = writeManifest(dir, 'ns.yaml', [jobManifest('n', ['true'], {}, { namespace: 'team-a' })])
    const result = await world.jobctl(['apply', '-f', elsewhere, '-n', 'team-b'])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      'error: the namespace from the provided object "team-a" does not match the namespace "team-b". You must pass \'--namespace=team-a\' to perform this operation.\n',
    )
  })
})

describe('jobctl create', () => {
  it('creates, names from generateName, and refuses an existing Job', async () => {
    const file = writeManifest(dir, 'k.yaml', [jobManifest('k', ['true'])])
    expect(await world.jobctl(['create', '-f', file])).toEqual({ code: 0, stdout: 'job.batch/k created\n', stderr: '' })
    expect(await world.jobctl(['create', '-f', file])).toEqual({
      code: 1,
      stdout: '',
      stderr: `Error from server (AlreadyExists): error when creating "${file}": jobs.batch "k" already exists\n`,
    })
    const generated = writeManifest(dir, 'kg.yaml', [{ ...jobManifest('x', ['true']), metadata: { generateName: 'batch-' } }])
    expect((await world.jobctl(['create', '-f', generated])).stdout).toMatch(/^job\.batch\/batch-[a-z0-9]{5} created\n$/)
  })

  it('does not keep a last-applied annotation', async () => {
    const yaml = parse((await world.jobctl(['get', 'job', 'k', '-o', 'yaml'])).stdout) as { metadata: { annotations?: Record<string, string> } }
    expect(yaml.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toBeUndefined()
  })
})
