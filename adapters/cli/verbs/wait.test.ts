import { Either } from 'effect'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jobManifest, tempDir, writeManifest } from '../testing/manifests.js'
import { startWorld, type World } from '../testing/inProcess.js'
import { parseWaitFor } from './wait.js'

let world: World
const dir = tempDir()
beforeAll(async () => {
  world = await startWorld()
})
afterAll(() => world.close())

describe('parseWaitFor', () => {
  it.each([
    ['condition=complete', { _tag: 'Condition', type: 'complete', value: 'true' }],
    ['condition=Failed=False', { _tag: 'Condition', type: 'Failed', value: 'False' }],
    ['delete', { _tag: 'Delete' }],
    ['jsonpath={.status.succeeded}=2', { _tag: 'JsonPath', template: '{.status.succeeded}', value: '2' }],
    ['jsonpath={.status.startTime}', { _tag: 'JsonPath', template: '{.status.startTime}', value: undefined }],
  ])('reads %s', (text, waitFor) => {
    expect(parseWaitFor(text)).toEqual(Either.right(waitFor))
  })

  it.each(['ready', 'condition=', 'jsonpath=.status'])('refuses %s', (text) => {
    expect(Either.isLeft(parseWaitFor(text))).toBe(true)
  })
})

describe('jobctl wait', () => {
  it('returns when the Job completes, fails or reaches a JSONPath value', async () => {
    await world.jobctl(['apply', '-f', writeManifest(dir, 'w.yaml', [jobManifest('ok', ['true'], { completions: 2 }), jobManifest('bad', ['false'])])])
    expect(await world.jobctl(['wait', '--for=condition=Complete', 'job/ok', '--timeout=60s'])).toEqual({ code: 0, stdout: 'job.batch/ok condition met\n', stderr: '' })
    expect(await world.jobctl(['wait', '--for=condition=failed', 'jobs', 'bad', '--timeout=60s'])).toEqual({ code: 0, stdout: 'job.batch/bad condition met\n', stderr: '' })
    expect((await world.jobctl(['wait', "--for=jsonpath={.status.succeeded}=2", 'job/ok'])).code).toBe(0)
  })

  it('times out with kubectl\'s message', async () => {
    expect(await world.jobctl(['wait', '--for=condition=complete', 'job/bad', '--timeout=300ms'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: timed out waiting for the condition on jobs/bad\n',
    })
  })

  it('waits for deletion', async () => {
    const waiting = world.jobctl(['wait', '--for=delete', 'job/ok', '--timeout=60s'])
    await world.jobctl(['delete', 'job', 'ok'])
    expect(await waiting).toEqual({ code: 0, stdout: 'job.batch/ok condition met\n', stderr: '' })
  })

  it('refuses a missing Job, a missing --for and a bad timeout', async () => {
    expect(await world.jobctl(['wait', '--for=condition=complete', 'job/nope'])).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): jobs.batch "nope" not found\n' })
    expect((await world.jobctl(['wait', 'job/bad'])).stderr).toBe("error: --for must be specified (see 'jobctl wait --help')\n")
    expect((await world.jobctl(['wait', '--for=delete', 'job/bad', '--timeout=soon'])).code).toBe(2)
  })
})
