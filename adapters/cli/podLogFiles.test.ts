import { existsSync, readFileSync } from 'node:fs'
import { Effect, Layer, Scope } from 'effect'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JobStore } from '../ports/JobStore.js'
import { runCli } from './cli.js'
import { recording } from './io.js'
import { podLogFile, podLogRoot, shipPodLogs } from './podLogFiles.js'
import { jobManifest, tempDir, writeManifest } from './testing/manifests.js'
import { startWorld, type World } from './testing/inProcess.js'

let world: World
const storeDir = tempDir()
const root = podLogRoot(storeDir)
beforeAll(async () => {
  world = await startWorld()
  await Effect.runPromise(shipPodLogs(world.engine.runtime, root, 50).pipe(Effect.provideService(JobStore, world.store), Scope.extend(world.scope)))
})
afterAll(() => world.close())

/** `jobctl` in another process: the same store (as `file:DIR`), no pod runtime of its own. */
async function elsewhere(args: ReadonlyArray<string>) {
  const io = recording()
  const resolveStore = () => Effect.succeed(Layer.succeed(JobStore, world.store))
  const code = await Effect.runPromise(runCli([...args, '--store', `file:${storeDir}`], { resolveStore, env: {} }).pipe(Effect.provide(io.layer)))
  return { code, stdout: io.stdout(), stderr: io.stderr() }
}

describe('pod log files', () => {
  it("copy the runtime's output for jobctl logs in other processes, and go with their pods", async () => {
    await world.jobctl(['apply', '-f', writeManifest(tempDir(), 'say.yaml', [jobManifest('say', ['sh', '-c', 'echo one; echo two'])])])
    expect((await world.jobctl(['wait', '--for=condition=complete', 'job/say', '--timeout=60s'])).code).toBe(0)
    const pod = (await world.jobctl(['get', 'pods', '-l', 'batch.kubernetes.io/job-name=say', '-o', 'jsonpath={.items[0].metadata.name}'])).stdout
    const file = podLogFile(root, { namespace: 'default', name: pod }, 'main')
    await expect.poll(() => existsSync(file) && readFileSync(file, 'utf8'), { timeout: 30_000 }).toBe('one\ntwo\n')

    expect(await elsewhere(['logs', pod])).toEqual({ code: 0, stdout: 'one\ntwo\n', stderr: '' })
    expect(await elsewhere(['logs', 'job/say', '-c', 'main'])).toEqual({ code: 0, stdout: 'one\ntwo\n', stderr: '' })
    expect(await elsewhere(['logs', pod, '-c', 'other'])).toEqual({ code: 1, stdout: '', stderr: `error: container other is not valid for pod ${pod}\n` })

    await world.jobctl(['delete', 'job', 'say'])
    await expect.poll(() => existsSync(file), { timeout: 30_000 }).toBe(false)
  })

  it('are missing for a pod no controller ran', async () => {
    // Bound to another node: this world's runtime leaves it alone.
    const pod = { metadata: { name: 'loose', namespace: 'default' }, spec: { containers: [{ name: 'main', image: 'x' }], nodeName: 'elsewhere' } }
    await Effect.runPromise(world.store.createPod(pod))
    expect(await elsewhere(['logs', 'loose'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: no logs recorded for pod "loose": jobctl controller records them while it runs the pod\n',
    })
  })
})
