/**
 * One `jobctl controller` per file store, with real processes and real signals: a second
 * controller on the same store waits and says who holds it, takes over once the first is
 * SIGKILLed (the kernel drops a dead process's lock) or stops on SIGTERM, and the store's
 * `controller.lock` tells an operator who holds it.
 */
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { finished, jobctl, spawnJobctl, type ProcessResult } from './testing/binary.js'
import { jobManifest, tempDir, writeManifest } from './testing/manifests.js'

interface Controller {
  readonly child: ReturnType<typeof spawnJobctl>
  readonly exit: Promise<ProcessResult>
  readonly stderr: () => string
}

const started: Controller[] = []

afterAll(async () => {
  for (const { child } of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  await Promise.all(started.map((c) => c.exit))
})

function controller(store: string): Controller {
  const child = spawnJobctl(['controller', '--store', store, '--event-batch', '100'])
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const c: Controller = { child, exit: finished(child), stderr: () => stderr }
  started.push(c)
  return c
}

const generously = { timeout: 60_000, interval: 100 }
const RUNNING = 'jobctl controller: running Jobs from store '

/** The holder `DIR/controller.lock` names, as an operator reads it. */
const lockFile = (dir: string) => join(dir, 'controller.lock')
const recordedHolder = (dir: string): unknown => {
  const text = readFileSync(lockFile(dir), 'utf8')
  return text === '' ? undefined : JSON.parse(text)
}

async function runJob(store: string, dir: string, name: string): Promise<void> {
  const file = writeManifest(dir, `${name}.yaml`, [jobManifest(name, ['sh', '-c', `echo ${name}`])])
  expect((await jobctl(['apply', '-f', file, '--store', store])).stdout).toBe(`job.batch/${name} created\n`)
  expect((await jobctl(['wait', '--for=condition=complete', '--timeout=120s', `job/${name}`, '--store', store])).stdout).toBe(`job.batch/${name} condition met\n`)
}

describe('jobctl controller on a file store: one controller per store', () => {
  it('a second controller waits, saying who holds the store; it takes over when the first is SIGKILLed, and a SIGTERM hands over at once', async () => {
    const dir = join(tempDir(), 'store')
    const store = `file:${dir}`
    const a = controller(store)
    await expect.poll(() => a.stderr(), generously).toContain(RUNNING)
    expect(a.stderr()).toContain(`; holding ${lockFile(dir)}`)
    const aHolder = recordedHolder(dir) as { readonly pid: number; readonly host: string; readonly since: string }
    expect(aHolder).toMatchObject({ pid: a.child.pid, host: hostname() })

    const b = controller(store)
    await expect.poll(() => b.stderr(), generously).toContain(`jobctl controller: waiting to lead (store ${store} held by pid ${a.child.pid} on ${hostname()} since ${aHolder.since})\n`)
    await runJob(store, dir, 'first')
    expect(b.stderr()).not.toContain(RUNNING)
    expect(b.stderr().match(/waiting to lead/g)).toHaveLength(1)

    a.child.kill('SIGKILL')
    expect((await a.exit).signal).toBe('SIGKILL')
    await expect.poll(() => b.stderr(), generously).toContain(RUNNING)
    expect(recordedHolder(dir)).toMatchObject({ pid: b.child.pid, host: hostname() })
    await runJob(store, dir, 'second')

    const c = controller(store)
    await expect.poll(() => c.stderr(), generously).toMatch(new RegExp(`jobctl controller: waiting to lead \\(store ${store.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} held by pid ${b.child.pid} on `))
    b.child.kill('SIGTERM')
    const stopped = await b.exit
    expect(stopped.code).toBe(0)
    expect(stopped.stderr).toContain('jobctl controller: SIGTERM: stopping\n')
    await expect.poll(() => c.stderr(), generously).toContain(RUNNING)
    expect(recordedHolder(dir)).toMatchObject({ pid: c.child.pid })

    c.child.kill('SIGTERM')
    expect((await c.exit).code).toBe(0)
    // Let go: the file names nobody.
    expect(recordedHolder(dir)).toBeUndefined()
  }, 240_000)

  it('a controller waiting for the store stops at once on SIGTERM, exit code 0', async () => {
    const dir = join(tempDir(), 'store')
    const store = `file:${dir}`
    const a = controller(store)
    await expect.poll(() => a.stderr(), generously).toContain(RUNNING)
    const b = controller(store)
    await expect.poll(() => b.stderr(), generously).toContain('jobctl controller: waiting to lead')
    b.child.kill('SIGTERM')
    const stopped = await b.exit
    expect(stopped.code).toBe(0)
    expect(stopped.stderr).toContain('jobctl controller: SIGTERM: stopping\n')
    expect(stopped.stderr).not.toContain(RUNNING)
    expect(recordedHolder(dir)).toMatchObject({ pid: a.child.pid })
    a.child.kill('SIGTERM')
    expect((await a.exit).code).toBe(0)
  }, 120_000)

  it('jobctl run on a store that has a controller refuses in one line, exit code 1, and applies nothing', async () => {
    const parent = tempDir()
    const dir = join(parent, 'store')
    const store = `file:${dir}`
    const a = controller(store)
    await expect.poll(() => a.stderr(), generously).toContain(RUNNING)
    const holder = recordedHolder(dir) as { readonly since: string }
    const file = writeManifest(parent, 'beside.yaml', [jobManifest('beside', ['true'])])
    const refused = await jobctl(['run', '-f', file, '--store', store])
    expect(refused).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr: `error: the store ${store} has a controller already (pid ${a.child.pid} on ${hostname()} since ${holder.since}): apply the Jobs with jobctl apply -f FILE and follow them with jobctl get or jobctl wait, or stop that controller first\n`,
    })
    expect((await jobctl(['get', 'jobs', '--store', store])).stderr).toBe('No resources found in default namespace.\n')
    a.child.kill('SIGTERM')
    expect((await a.exit).code).toBe(0)

    // With the controller gone, run is the store's controller for as long as it runs.
    const ran = await jobctl(['run', '-f', file, '--store', store])
    expect(ran.code).toBe(0)
    expect(recordedHolder(dir)).toBeUndefined()
  }, 120_000)

  it('jobctl controller status says who holds the store (exit 0), and that nobody does once the holder is killed (exit 1)', async () => {
    const dir = join(tempDir(), 'store')
    const store = `file:${dir}`
    const status = () => jobctl(['controller', 'status', '--store', store])
    expect(await status()).toEqual({ code: 1, signal: null, stdout: `store ${store}: no controller\n`, stderr: '' })

    const a = controller(store)
    await expect.poll(() => a.stderr(), generously).toContain(RUNNING)
    const holder = recordedHolder(dir) as { readonly since: string }
    expect(await status()).toEqual({ code: 0, signal: null, stdout: `store ${store}: held by pid ${a.child.pid} on ${hostname()} since ${holder.since}\n`, stderr: '' })

    a.child.kill('SIGKILL')
    await a.exit
    // The file still names it; the lock says it is gone.
    expect(recordedHolder(dir)).toMatchObject({ pid: a.child.pid })
    expect(await status()).toEqual({
      code: 1,
      signal: null,
      stdout: `store ${store}: no controller (the last one, pid ${a.child.pid} on ${hostname()} since ${holder.since}, is gone)\n`,
      stderr: '',
    })
  }, 120_000)

  it('jobctl controller status on a store without a controller lock is a usage error', async () => {
    const result = await jobctl(['controller', 'status', '--store', 'memory'])
    expect(result.code).toBe(2)
    expect(result.stderr).toBe("error: controller status reads a file store's controller lock; the memory store lives inside one process (see 'jobctl controller --help')\n")
  })
})
