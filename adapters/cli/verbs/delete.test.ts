import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jobManifest, tempDir, writeManifest } from '../testing/manifests.js'
import { startWorld, type World } from '../testing/inProcess.js'

let world: World
const dir = tempDir()
beforeAll(async () => {
  world = await startWorld()
})
afterAll(() => world.close())

/** Applies a Job that keeps one pod running, and waits until it runs. */
async function runningJob(name: string): Promise<string> {
  const file = writeManifest(dir, `${name}.yaml`, [jobManifest(name, ['sleep', '60'])])
  await world.jobctl(['apply', '-f', file])
  expect((await world.jobctl(['wait', '--for=jsonpath={.status.ready}=1', `job/${name}`, '--timeout=60s'])).code).toBe(0)
  return file
}

const podsOf = async (name: string) =>
  (await world.jobctl(['get', 'pods', '-l', `batch.kubernetes.io/job-name=${name}`, '-o', 'jsonpath={.items[*].metadata.name}'])).stdout

describe('jobctl delete', () => {
  it('deletes a Job and, in the background, its pods', async () => {
    await runningJob('bg')
    expect(await world.jobctl(['delete', 'job', 'bg'])).toEqual({ code: 0, stdout: 'job.batch "bg" deleted\n', stderr: '' })
    expect((await world.jobctl(['get', 'job', 'bg'])).stderr).toBe('Error from server (NotFound): jobs.batch "bg" not found\n')
    await expect.poll(() => podsOf('bg'), { timeout: 30_000 }).toBe('')
  })

  it('deletes the pods first in the foreground', async () => {
    await runningJob('fg')
    expect(await world.jobctl(['delete', 'job/fg', '--cascade=foreground', '--timeout=60s'])).toEqual({ code: 0, stdout: 'job.batch "fg" deleted\n', stderr: '' })
    expect(await podsOf('fg')).toBe('')
  })

  it('leaves the pods running with --cascade=orphan, then deletes a pod', async () => {
    const file = await runningJob('orphan')
    expect(await world.jobctl(['delete', '-f', file, '--cascade=orphan', '--timeout=60s'])).toEqual({ code: 0, stdout: 'job.batch "orphan" deleted\n', stderr: '' })
    const pod = await podsOf('orphan')
    expect(pod).toMatch(/^orphan-[a-z0-9]{5}$/)
    expect((await world.jobctl(['get', 'pod', pod, '-o', 'jsonpath={.metadata.ownerReferences}'])).stdout).toBe('')
    expect(await world.jobctl(['delete', 'pod', pod, '--grace-period=0', '--timeout=60s'])).toEqual({ code: 0, stdout: `pod "${pod}" deleted\n`, stderr: '' })
  })

  it('deletes by selector, and ignores a missing Job when asked', async () => {
    await world.jobctl(['apply', '-f', writeManifest(dir, 'sel.yaml', [jobManifest('sel-1', ['true'], {}, { labels: { group: 'g' } }), jobManifest('sel-2', ['true'], {}, { labels: { group: 'g' } })])])
    expect((await world.jobctl(['delete', 'jobs', '-l', 'group=g'])).stdout).toBe('job.batch "sel-1" deleted\njob.batch "sel-2" deleted\n')
    expect(await world.jobctl(['delete', 'job', 'sel-1', '--ignore-not-found'])).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(await world.jobctl(['delete', 'job', 'sel-1'])).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): jobs.batch "sel-1" not found\n' })
  })

  it('refuses a bad --cascade and a type without names', async () => {
    expect((await world.jobctl(['delete', 'job', 'x', '--cascade=sideways'])).stderr).toBe(
      'error: invalid cascade value (sideways). Must be "background", "foreground", or "orphan" (see \'jobctl delete --help\')\n',
    )
    expect((await world.jobctl(['delete', 'jobs'])).code).toBe(2)
  })
})
