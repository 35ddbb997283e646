import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { jobManifest, tempDir, writeManifest } from '../testing/manifests.js'
import { startWorld, type World } from '../testing/inProcess.js'

let world: World
beforeAll(async () => {
  world = await startWorld()
  const dir = tempDir()
  await world.jobctl(['apply', '-f', writeManifest(dir, 'done.yaml', [jobManifest('done', ['true'], { completions: 2, parallelism: 2 })])])
  await world.jobctl(['apply', '-f', writeManifest(dir, 'queue.yaml', [jobManifest('queue', ['sleep', '60'], { parallelism: 2 })])])
  await world.jobctl(['apply', '-n', 'other', '-f', writeManifest(dir, 'else.yaml', [jobManifest('elsewhere', ['true'], { suspend: true })])])
  expect((await world.jobctl(['wait', '--for=condition=complete', 'job/done', '--timeout=60s'])).code).toBe(0)
  // Ready, not only active: a pod is active from its creation, its container starts a moment later.
  expect((await world.jobctl(['wait', '--for=jsonpath={.status.ready}=2', 'job/queue', '--timeout=60s'])).code).toBe(0)
})
afterAll(() => world.close())

describe('jobctl get jobs', () => {
  it("prints kubectl's columns", async () => {
    const { code, stdout } = await world.jobctl(['get', 'jobs'])
    expect(code).toBe(0)
    const [header, ...rows] = stdout.trimEnd().split('\n')
    expect(header).toMatch(/^NAME {4}STATUS {5}COMPLETIONS {3}DURATION {3}AGE$/)
    expect(rows[0]).toMatch(/^done {4}Complete {3}2\/2 {11}\d+s {8,}\d+s$/)
    expect(rows[1]).toMatch(/^queue {3}Running {4}0\/1 of 2 {6}\d+s {8,}\d+s$/)
  })

  it('adds the wide columns and the namespace column', async () => {
    expect((await world.jobctl(['get', 'job', 'done', '-o', 'wide'])).stdout).toMatch(
      /^NAME +STATUS +COMPLETIONS +DURATION +AGE +CONTAINERS +IMAGES +SELECTOR\ndone +Complete +2\/2 +\d+s +\d+s +main +busybox +batch\.kubernetes\.io\/controller-uid=[-0-9a-f]+\n$/,
    )
    const all = (await world.jobctl(['get', 'jobs', '-A', '--no-headers'])).stdout
    expect(all).toMatch(/^default +done .*\ndefault +queue .*\nother +elsewhere +Suspended +0\/1 .*\n$/)
  })

  it('prints names, JSON, YAML and JSONPath', async () => {
    expect((await world.jobctl(['get', 'jobs', '-o', 'name'])).stdout).toBe('job.batch/done\njob.batch/queue\n')
    const one = JSON.parse((await world.jobctl(['get', 'job/done', '-o', 'json'])).stdout) as Record<string, unknown>
    expect(one['kind']).toBe('Job')
    const list = parse((await world.jobctl(['get', 'jobs', '-o', 'yaml'])).stdout) as { kind: string; items: unknown[] }
    expect(list.kind).toBe('List')
    expect(list.items).toHaveLength(2)
    expect((await world.jobctl(['get', 'job', 'done', '-o', 'jsonpath={.status.succeeded}'])).stdout).toBe('2')
  })

  it('says when there is nothing to list', async () => {
    expect(await world.jobctl(['get', 'jobs', '-n', 'empty'])).toEqual({ code: 0, stdout: '', stderr: 'No resources found in empty namespace.\n' })
  })

  it('prints what exists and fails for what does not', async () => {
    const result = await world.jobctl(['get', 'jobs', 'done', 'missing', '-o', 'name'])
    expect(result).toEqual({ code: 1, stdout: 'job.batch/done\n', stderr: 'Error from server (NotFound): jobs.batch "missing" not found\n' })
  })
})

describe('jobctl get pods', () => {
  it('lists the pods of a Job by selector, as the docs do with JSONPath', async () => {
    const { stdout } = await world.jobctl(['get', 'pods', '--selector=batch.kubernetes.io/job-name=done', '--output=jsonpath={.items[*].metadata.name}'])
    expect(stdout).toMatch(/^done-[a-z0-9]{5} done-[a-z0-9]{5}$/)
  })

  it("prints kubectl's pod columns", async () => {
    const { stdout } = await world.jobctl(['get', 'po', '-l', 'batch.kubernetes.io/job-name in (done,queue)'])
    const [header, ...rows] = stdout.trimEnd().split('\n')
    expect(header).toMatch(/^NAME +READY +STATUS +RESTARTS +AGE$/)
    expect(rows.filter((r) => /^done-[a-z0-9]{5} +0\/1 +Completed +0 +\d+s$/.test(r))).toHaveLength(2)
    expect(rows.filter((r) => /^queue-[a-z0-9]{5} +1\/1 +Running +0 +\d+s$/.test(r))).toHaveLength(2)
    const wide = (await world.jobctl(['get', 'pods', '-l', 'batch.kubernetes.io/job-name=queue', '-o', 'wide'])).stdout
    expect(wide.split('\n')[0]).toMatch(/^NAME +READY +STATUS +RESTARTS +AGE +IP +NODE +NOMINATED NODE +READINESS GATES$/)
  })
})
