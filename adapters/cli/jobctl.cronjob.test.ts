/**
 * The docs' `hello` CronJob end to end, with the real `jobctl` binary and a real clock: its
 * schedule is `* * * * *`, so each test waits for the next minute (at most 60 s) and the two
 * run side by side. A TestClock cannot drive another process; these are the only CronJob tests
 * that wait for real time.
 */
import { fileURLToPath } from 'node:url'
import { describe, it, type ExpectStatic } from 'vitest'
import type { Job } from '../../core/model/types.js'
import { finished, jobctl, spawnJobctl } from './testing/binary.js'
import { eventually, getItems, isFinished, startController } from './testing/controllerRuns.js'
import { tempDir } from './testing/manifests.js'

const HELLO = fileURLToPath(new URL('../../examples/cronjob/hello.yaml', import.meta.url))

/** The next minute boundary and the run after it, with room for a slow, shared machine. */
const ONE_SCHEDULE_MS = 100_000

/** C26: a scheduled Job is named after its schedule time in minutes since the epoch, and annotated with that time. */
function expectScheduledName(job: Job, expect: ExpectStatic): void {
  const scheduled = job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']
  expect(scheduled).toBeDefined()
  expect(job.metadata.name).toBe(`hello-${Date.parse(scheduled!) / 60_000}`)
}

describe.concurrent("the docs' hello CronJob", () => {
  // Concurrent tests take `expect` from their context, so that each assertion names its own test.
  it('runs on the file store under jobctl controller: a Job, run, Complete, its output in jobctl logs', async ({ expect }) => {
    const cwd = tempDir()
    const controller = startController(cwd)
    await controller.ready
    expect(await jobctl(['apply', '-f', HELLO], { cwd })).toEqual({ code: 0, signal: null, stdout: 'cronjob.batch/hello created\n', stderr: '' })

    const job = await eventually(
      'the first Job of the hello CronJob to finish',
      async () => (await getItems<Job>(cwd, 'jobs')).find((j) => j.metadata.ownerReferences?.some((o) => o.kind === 'CronJob' && o.name === 'hello') && isFinished(j)),
      ONE_SCHEDULE_MS,
    )
    expectScheduledName(job, expect)
    expect(job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')).toBe(true)
    // The controller copies the pod's output beside the store every half second.
    await expect
      .poll(async () => (await jobctl(['logs', `job/${job.metadata.name}`], { cwd })).stdout, { timeout: 30_000 })
      .toMatch(/^\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \w+ \d{4}\nHello from the Kubernetes cluster\n$/)
    // The CronJob's status names the run: LAST SCHEDULE is an age now.
    expect((await jobctl(['get', 'cronjob', 'hello', '--no-headers'], { cwd })).stdout).toMatch(/^hello +\* \* \* \* \* +<none> +False +[01] +\d+s +\d+s\n$/)
    expect((await jobctl(['describe', 'cj', 'hello'], { cwd })).stdout).toMatch(/\nLast Schedule Time: +\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:00 [+-]\d{4}\n/)

    controller.child.kill('SIGTERM')
    expect((await controller.exited).code).toBe(0)
  }, ONE_SCHEDULE_MS + 60_000)

  it('runs under jobctl run -f --logs, which shows the next runs and the Job, and stops cleanly on SIGINT', async ({ expect }) => {
    const child = spawnJobctl(['run', '-f', HELLO, '--logs'])
    let stdout = ''
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    const done = finished(child)
    await expect.poll(() => stdout, { timeout: ONE_SCHEDULE_MS, interval: 500 }).toMatch(/\nHello from the Kubernetes cluster\n/)
    child.kill('SIGINT')
    const result = await done
    expect(result.code).toBe(0)
    const lines = stdout.split('\n')
    expect(lines[0]).toBe('cronjob.batch/hello created')
    expect(lines[1]).toMatch(/^hello: next runs at (\d{4}-\d\d-\d\dT\d\d:\d\d:00Z(, |$)){3}/)
    const started = stdout.match(/\nhello: started job\.batch\/(hello-(\d+)) for (\S+)\n/)
    expect(started).not.toBeNull()
    expect(Number(started![2]) * 60_000).toBe(Date.parse(started![3]!))
    expect(stdout).toContain(`\njob.batch/${started![1]}: Complete, 1/1 succeeded, 0 failed\n`)
    expect(result.stderr).toContain('jobctl run: SIGINT: suspending the CronJobs and stopping their Jobs\n')
  }, ONE_SCHEDULE_MS + 60_000)
})
