import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jobManifest, tempDir, writeManifest } from '../testing/manifests.js'
import { startWorld, type World } from '../testing/inProcess.js'

let world: World
beforeAll(async () => {
  world = await startWorld()
  const file = writeManifest(tempDir(), 'p.yaml', [jobManifest('p', ['sleep', '60'], { completions: 4, parallelism: 1 })])
  await world.jobctl(['apply', '-f', file])
  expect((await world.jobctl(['wait', '--for=jsonpath={.status.ready}=1', 'job/p', '--timeout=60s'])).code).toBe(0)
})
afterAll(() => world.close())

const field = async (path: string) => (await world.jobctl(['get', 'job', 'p', '-o', `jsonpath={${path}}`])).stdout

describe('jobctl patch', () => {
  it('changes a mutable field with a merge patch, JSON or YAML', async () => {
    expect(await world.jobctl(['patch', 'job', 'p', '-p', '{"spec":{"parallelism":2}}'])).toEqual({ code: 0, stdout: 'job.batch/p patched\n', stderr: '' })
    expect(await field('.spec.parallelism')).toBe('2')
    expect(await world.jobctl(['patch', 'job/p', '--type=merge', '-p', 'spec: {parallelism: 2}'])).toEqual({ code: 0, stdout: 'job.batch/p patched (no change)\n', stderr: '' })
    expect(await world.jobctl(['patch', 'job/p', '-p', '{"metadata":{"labels":{"owner":"me"}}}'])).toEqual({ code: 0, stdout: 'job.batch/p patched\n', stderr: '' })
    expect(await field('.metadata.labels.owner')).toBe('me')
  })

  it('refuses immutable fields, bad types and bad patches, changing nothing', async () => {
    const immutable = await world.jobctl(['patch', 'job', 'p', '-p', '{"spec":{"completions":7}}'])
    expect(immutable.code).toBe(1)
    expect(immutable.stderr).toMatch(/^The Job "p" is invalid: spec\.completions: Invalid value: 7: field is immutable\n$/)
    const badType = await world.jobctl(['patch', 'job', 'p', '-p', '{"spec":{"parallelism":"many"}}'])
    expect(badType.code).toBe(1)
    expect(badType.stderr).toMatch(/^Error from server \(BadRequest\): Job in version "v1" cannot be handled as a Job: spec\.parallelism: .*\n$/)
    expect(await world.jobctl(['patch', 'job', 'p', '-p', '[1'])).toEqual({ code: 1, stdout: '', stderr: expect.stringMatching(/^error: unable to parse "\[1": .*\n$/) as string })
    expect((await world.jobctl(['patch', 'job', 'p', '--type=json', '-p', '[]'])).code).toBe(2)
    expect((await world.jobctl(['patch', 'pod', 'x', '-p', '{}'])).stderr).toBe("error: jobctl patch works on jobs and cronjobs (see 'jobctl patch --help')\n")
    expect(await field('.spec.completions')).toBe('4')
  })
})

describe('jobctl suspend and resume', () => {
  it('stops the running pods and starts them again', async () => {
    expect(await world.jobctl(['suspend', 'job', 'p'])).toEqual({ code: 0, stdout: 'job.batch/p suspended\n', stderr: '' })
    expect((await world.jobctl(['wait', '--for=condition=Suspended', 'job/p', '--timeout=60s'])).code).toBe(0)
    expect((await world.jobctl(['wait', '--for=jsonpath={.status.active}=0', 'job/p', '--timeout=60s'])).code).toBe(0)
    expect((await world.jobctl(['get', 'job', 'p', '--no-headers'])).stdout).toMatch(/^p +Suspended +0\/4 /)
    expect(await world.jobctl(['suspend', 'job/p'])).toEqual({ code: 0, stdout: 'job.batch/p already suspended\n', stderr: '' })
    expect(await world.jobctl(['resume', 'job/p'])).toEqual({ code: 0, stdout: 'job.batch/p resumed\n', stderr: '' })
    expect((await world.jobctl(['wait', '--for=jsonpath={.status.ready}=2', 'job/p', '--timeout=60s'])).code).toBe(0)
  })
})
