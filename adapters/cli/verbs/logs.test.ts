import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jobManifest, tempDir, writeManifest } from '../testing/manifests.js'
import { startWorld, type World } from '../testing/inProcess.js'

let world: World
beforeAll(async () => {
  world = await startWorld()
  await world.jobctl(['apply', '-f', writeManifest(tempDir(), 'echo.yaml', [jobManifest('echo', ['sh', '-c', 'echo out; printf partial'])])])
  expect((await world.jobctl(['wait', '--for=condition=complete', 'job/echo', '--timeout=60s'])).code).toBe(0)
})
afterAll(() => world.close())

describe('jobctl logs', () => {
  it('prints a pod\'s output, by pod name or through its Job', async () => {
    const pod = (await world.jobctl(['get', 'pods', '-l', 'batch.kubernetes.io/job-name=echo', '-o', 'jsonpath={.items[0].metadata.name}'])).stdout
    expect(await world.jobctl(['logs', pod])).toEqual({ code: 0, stdout: 'out\npartial\n', stderr: '' })
    expect(await world.jobctl(['logs', `pod/${pod}`, '-c', 'main'])).toEqual({ code: 0, stdout: 'out\npartial\n', stderr: '' })
    expect(await world.jobctl(['logs', 'job/echo'])).toEqual({ code: 0, stdout: 'out\npartial\n', stderr: '' })
  })

  it('refuses an unknown container, pod or type', async () => {
    const pod = (await world.jobctl(['get', 'pods', '-l', 'batch.kubernetes.io/job-name=echo', '-o', 'jsonpath={.items[0].metadata.name}'])).stdout
    expect(await world.jobctl(['logs', pod, '-c', 'sidecar'])).toEqual({ code: 1, stdout: '', stderr: `error: container sidecar is not valid for pod ${pod}\n` })
    expect(await world.jobctl(['logs', 'nope'])).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): pods "nope" not found\n' })
    expect((await world.jobctl(['logs', 'deploy/web'])).stderr).toBe('error: the server doesn\'t have a resource type "deploy" (see \'jobctl logs --help\')\n')
  })
})
