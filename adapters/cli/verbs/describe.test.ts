import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jobManifest, tempDir, writeManifest } from '../testing/manifests.js'
import { startWorld, type World } from '../testing/inProcess.js'

let world: World
beforeAll(async () => {
  world = await startWorld()
  const file = writeManifest(tempDir(), 'hello.yaml', [
    jobManifest('hello', ['sh', '-c', 'echo hello'], { completionMode: 'Indexed', completions: 2, parallelism: 2, ttlSecondsAfterFinished: 3600 }),
  ])
  await world.jobctl(['apply', '-f', file])
  expect((await world.jobctl(['wait', '--for=condition=complete', 'job/hello', '--timeout=60s'])).code).toBe(0)
})
afterAll(() => world.close())

describe('jobctl describe job', () => {
  it('prints the layout of the Kubernetes docs', async () => {
    const { code, stdout } = await world.jobctl(['describe', 'job', 'hello'])
    expect(code).toBe(0)
    const lines = stdout.split('\n')
    // Go's tabwriter: each block is padded to its widest label plus two spaces.
    const uid = '[-0-9a-f]+'
    const time = '\\w{3}, \\d\\d \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d [+-]\\d{4}'
    const top = (label: string, value: string) => new RegExp(`^${label}:${' '.repeat(29 - label.length - 1)}${value}$`)
    const more = (value: string, indent: number) => new RegExp(`^${' '.repeat(indent)}${value}$`)
    const expected = [
      top('Name', 'hello'),
      top('Namespace', 'default'),
      top('Selector', `batch\\.kubernetes\\.io/controller-uid=${uid}`),
      top('Labels', `batch\\.kubernetes\\.io/controller-uid=${uid}`),
      more('batch\\.kubernetes\\.io/job-name=hello', 29),
      more(`controller-uid=${uid}`, 29),
      more('job-name=hello', 29),
      top('Annotations', '<none>'),
      top('Parallelism', '2'),
      top('Completions', '2'),
      top('Completion Mode', 'Indexed'),
      top('Suspend', 'false'),
      top('Backoff Limit', '0'),
      top('TTL Seconds After Finished', '3600'),
      top('Start Time', time),
      top('Completed At', time),
      top('Duration', '\\d+s'),
      top('Pods Statuses', '0 Active \\(0 Ready\\) / 2 Succeeded / 0 Failed'),
      top('Completed Indexes', '0,1'),
      /^Pod Template:$/,
      more(`Labels:  batch\\.kubernetes\\.io/controller-uid=${uid}`, 2),
      more('batch\\.kubernetes\\.io/job-name=hello', 11),
      more(`controller-uid=${uid}`, 11),
      more('job-name=hello', 11),
      more('Containers:', 2),
      more('main:', 3),
      more('Image:      busybox', 4),
      more('Port:       <none>', 4),
      more('Host Port:  <none>', 4),
      more('Command:', 4),
      more('sh', 6),
      more('-c', 6),
      more('echo hello', 6),
      more('Environment:   <none>', 4),
      more('Mounts:        <none>', 4),
      more('Volumes:         <none>', 2),
      more('Node-Selectors:  <none>', 2),
      more('Tolerations:     <none>', 2),
      /^Events:$/,
      /^ {2}Type {4}Reason {12}Age +From {12}Message$/,
      /^ {2}---- {4}------ {12}---- +---- {12}-------$/,
    ]
    expected.forEach((pattern, i) => expect(lines[i]).toMatch(pattern))
    const events = lines.slice(expected.length).filter((l) => l !== '')
    expect(events.filter((l) => /^ {2}Normal {2}SuccessfulCreate {2}\d+s {3,}job-controller {2}Created pod: hello-[01]-[a-z0-9]{5}$/.test(l))).toHaveLength(2)
    expect(events.at(-1)).toMatch(/^ {2}Normal {2}Completed +\d+s +job-controller {2}Job completed$/)
  })

  it('describes a pod', async () => {
    const names = (await world.jobctl(['get', 'pods', '-l', 'batch.kubernetes.io/job-name=hello', '-o', 'name'])).stdout.trim().split('\n')
    const { code, stdout } = await world.jobctl(['describe', names[0]!])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^Name: +hello-\d-[a-z0-9]{5}\n/)
    expect(stdout).toMatch(/\nStatus: +Succeeded\n/)
    expect(stdout).toMatch(/\nControlled By: +Job\/hello\n/)
    expect(stdout).toMatch(/\n {4}State: +Terminated\n {6}Reason: +Completed\n {6}Exit Code: +0\n/)
    expect(stdout).toMatch(/\n {4}Environment: +<none>\n|\n {4}Environment:\n {6}JOB_COMPLETION_INDEX: /)
  })

  it('fails for a missing Job', async () => {
    expect(await world.jobctl(['describe', 'jobs/nope'])).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): jobs.batch "nope" not found\n' })
  })
})
