/**
 * The real `jobctl` binary, spawned as a user runs it: `bin/jobctl.js` (the compiled CLI in
 * dist/, or the sources through tsx where they are newer), real files in a temporary
 * directory, exit codes and the exact lines printed.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { COMMANDS } from './cli.js'
import { finished, inBatches, jobctl, spawnJobctl, stderrMatching } from './testing/binary.js'
import { jobManifest, tempDir, writeManifest } from './testing/manifests.js'

const dir = tempDir()
const PI = fileUrlPath('../../examples/pi/job.yaml')

function fileUrlPath(relative: string): string {
  return new URL(relative, import.meta.url).pathname
}

describe('jobctl --help', () => {
  it('documents every command and the exit codes', async () => {
    const [top, get] = await Promise.all([jobctl(['--help']), jobctl(['get', '--help'])])
    expect(top.code).toBe(0)
    for (const command of COMMANDS) expect(top.stdout).toContain(`  ${command.name} `)
    expect(top.stdout).toContain('Exit codes:')
    expect(get.code).toBe(0)
    expect(get.stdout).toContain('Usage:\n  jobctl get (TYPE [NAME...] | TYPE/NAME...) [flags]')
  })
})

describe('the jobctl launcher', () => {
  it('runs the same commands from the compiled CLI and, with JOBCTL_DEV=1, from the sources through tsx', async () => {
    const [compiled, fromSources] = await Promise.all([
      jobctl(['get', 'jobs', '--store', 'memory']),
      jobctl(['get', 'jobs', '--store', 'memory'], { env: { JOBCTL_DEV: '1' } }),
    ])
    const expected = { code: 0, signal: null, stdout: '', stderr: 'No resources found in default namespace.\n' }
    expect(compiled).toEqual(expected)
    expect(fromSources).toEqual(expected)
    // `npm ci` built it (npm's prepare); bin/jobctl.js runs it.
    expect(existsSync(new URL('../../dist/jobctl.mjs', import.meta.url))).toBe(true)
  })
})

describe('jobctl run', () => {
  it("runs the docs' pi Job and prints 2000 digits of pi with --logs", async () => {
    const result = await jobctl(['run', '-f', PI, '--logs'])
    expect(result.code).toBe(0)
    expect(result.stdout.startsWith('job.batch/pi created\n')).toBe(true)
    expect(result.stdout).toContain('3.14159265358979323846')
    // `print bpi(2000)` prints 2000 digits, the point and a newline: 2002 bytes.
    expect(result.stdout).toMatch(/\n3\.1415926535\d{1989}\n/)
    expect(result.stdout).toMatch(/\nName: +pi\n/)
    expect(result.stdout).toMatch(/\nPods Statuses: +0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed\n/)
    expect(result.stdout).toMatch(/\n {2}Normal {2}Completed +\d+s +job-controller {2}Job completed\n$/)
    // Not a terminal: plain progress lines on stderr, the last one the outcome.
    expect(result.stderr.trimEnd().split('\n').at(-1)).toMatch(/^pi: Complete, 1\/1 succeeded, 0 active, 0 failed, \d+s$/)
  })

  it('exits 1 when the Job fails', async () => {
    const file = writeManifest(dir, 'fails.yaml', [jobManifest('fails', ['sh', '-c', 'echo giving up; exit 3'])])
    const result = await jobctl(['run', '-f', file, '--logs'])
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('\ngiving up\n')
    expect(result.stdout).toMatch(/\nPods Statuses: +0 Active \(0 Ready\) \/ 0 Succeeded \/ 1 Failed\n/)
    expect(result.stdout).toMatch(/\n {2}Warning {2}BackoffLimitExceeded +\d+s +job-controller {2}Job has reached the specified backoff limit\n$/)
    expect(result.stderr.trimEnd().split('\n').at(-1)).toMatch(/^fails: Failed, 0\/1 succeeded, 0 active, 1 failed, \d+s$/)
  })

  it('runs an Indexed Job, each pod with its completion index', async () => {
    const indexed = jobManifest('greet', ['sh', '-c', 'echo "hello from index $JOB_COMPLETION_INDEX"'], { completionMode: 'Indexed', completions: 3, parallelism: 2 })
    const result = await jobctl(['run', '-f', writeManifest(dir, 'indexed.yaml', [indexed]), '--logs'])
    expect(result.code).toBe(0)
    for (const index of [0, 1, 2]) expect(result.stdout).toMatch(new RegExp(`\\n\\[pod/greet-${index}-[a-z0-9]{5}/main\\] hello from index ${index}\\n`))
    expect(result.stdout).toMatch(/\nCompletion Mode: +Indexed\n/)
    expect(result.stdout).toMatch(/\nCompleted Indexes: +0-2\n/)
  })

  it('stops its pods cleanly on SIGINT and exits 130', async () => {
    const pidFile = join(dir, 'sleeper.pid')
    const file = writeManifest(dir, 'sleeper.yaml', [jobManifest('sleeper', ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 300`])])
    const child = spawnJobctl(['run', '-f', file])
    const done = finished(child)
    await stderrMatching(child, /sleeper: 0\/1 succeeded, 1 active/)
    await expect.poll(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', { timeout: 30_000 }).toBe(true)
    const pid = Number(readFileSync(pidFile, 'utf8'))
    child.kill('SIGINT')
    const result = await done
    expect(result.code).toBe(130)
    expect(result.stderr).toContain('jobctl run: SIGINT: stopping the pods\n')
    expect(isAlive(pid)).toBe(false)
  })
})

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('jobctl controller', () => {
  it("--concurrent-job-syncs (kube-controller-manager's flag, default 5) sets the Jobs synced in parallel", async () => {
    for (const [args, syncs] of [[[], 5], [['--concurrent-job-syncs', '7'], 7], [['--workers', '3'], 3]] as const) {
      const child = spawnJobctl(['controller', ...args], { cwd: tempDir() })
      const done = finished(child)
      const [, started] = await stderrMatching(child, /on node \S+, (\d+) concurrent Job syncs/)
      expect(Number(started)).toBe(syncs)
      child.kill('SIGTERM')
      expect((await done).code).toBe(0)
    }
  })

  it('serves metrics and stops gracefully on SIGTERM', async () => {
    const child = spawnJobctl(['controller', '--store', 'memory', '--metrics-port', '0'])
    const done = finished(child)
    const [, url] = await stderrMatching(child, /metrics on (http:\/\/\S+\/metrics)\n/)
    const response = await fetch(url!)
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('job_controller_job_sync_duration_seconds')
    child.kill('SIGTERM')
    const result = await done
    expect(result.code).toBe(0)
    expect(result.stderr).toContain('jobctl controller: SIGTERM: stopping\n')
  })
})

describe("the Kubernetes docs' walkthrough, on the file store", () => {
  it('applies a Job, describes it, lists its pods, reads their logs and deletes it, each a command of its own', async () => {
    const cwd = tempDir()
    const run = (args: ReadonlyArray<string>) => jobctl(args, { cwd })
    const controller = spawnJobctl(['controller'], { cwd })
    const stopped = finished(controller)
    await stderrMatching(controller, /jobctl controller: running Jobs from store file:\.\/\.jobctl/)

    const manifest = writeManifest(cwd, 'job.yaml', [jobManifest('pi', ['sh', '-c', 'echo 3.14159'])])
    expect(await run(['apply', '-f', manifest])).toEqual({ code: 0, signal: null, stdout: 'job.batch/pi created\n', stderr: '' })
    expect((await run(['wait', '--for=condition=complete', '--timeout=120s', 'job/pi'])).stdout).toBe('job.batch/pi condition met\n')
    expect((await run(['describe', 'job', 'pi'])).stdout).toMatch(/\nPods Statuses: +0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed\n/)
    const pods = (await run(['get', 'pods', '--selector=batch.kubernetes.io/job-name=pi', '--output=jsonpath={.items[*].metadata.name}'])).stdout
    expect(pods).toMatch(/^pi-[a-z0-9]{5}$/)
    // The controller records the pod's output every half second.
    await expect.poll(async () => (await run(['logs', pods])).stdout, { timeout: 30_000 }).toBe('3.14159\n')
    expect(await run(['delete', 'job', 'pi'])).toEqual({ code: 0, signal: null, stdout: 'job.batch "pi" deleted\n', stderr: '' })

    controller.kill('SIGTERM')
    expect((await stopped).code).toBe(0)
  })
})

describe('jobctl apply', () => {
  it('reads manifests from stdin', async () => {
    const result = await jobctl(['apply', '-f', '-', '--store', 'memory'], { stdin: stringify(jobManifest('from-stdin', ['true'])) })
    expect(result).toEqual({ code: 0, signal: null, stdout: 'job.batch/from-stdin created\n', stderr: '' })
  })
})

/** One bad input: the command, the exit code, and the one line on stderr. */
interface BadInput {
  readonly name: string
  readonly args: ReadonlyArray<string>
  readonly code: number
  readonly line: string | RegExp
  /** What is printed on stdout before the failure (nothing, mostly). */
  readonly stdout?: string
}

const pi = jobManifest('pi', ['true'])
const files = {
  yamlError: writeManifest(dir, 'syntax.yaml', 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: pi\n   labels: {}\n'),
  invalid: writeManifest(dir, 'invalid.yaml', [{ ...pi, spec: { parallelism: -1, template: { spec: { containers: [{ image: 'perl' }] } } } }]),
  undecodable: writeManifest(dir, 'undecodable.yaml', [{ ...pi, spec: { ...(pi['spec'] as object), parallelism: 'two', foo: 1 } }]),
  deployment: writeManifest(dir, 'deployment.yaml', [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }]),
  conflict: writeManifest(dir, 'conflict.yaml', [jobManifest('c', ['true']), jobManifest('c', ['true'], {}, { resourceVersion: '999', labels: { a: 'b' } })]),
  twice: writeManifest(dir, 'twice.yaml', [jobManifest('t', ['true']), jobManifest('t', ['true'])]),
}

const BAD_INPUTS: ReadonlyArray<BadInput> = [
  { name: 'a missing file', args: ['run', '-f', join(dir, 'nope.yaml')], code: 1, line: `error: the path "${join(dir, 'nope.yaml')}" does not exist` },
  { name: 'a YAML syntax error', args: ['run', '-f', files.yamlError], code: 1, line: `error: error parsing ${files.yamlError}: line 4, column 9: Nested mappings are not allowed in compact mappings` },
  {
    name: 'an invalid Job',
    args: ['apply', '-f', files.invalid, '--store', 'memory'],
    code: 1,
    line: 'The Job "pi" is invalid: [spec.parallelism: Invalid value: -1: must be greater than or equal to 0, spec.template.spec.containers[0].name: Required value, spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"]',
  },
  {
    name: 'a Job the API cannot decode',
    args: ['run', '-f', files.undecodable],
    code: 1,
    line: `Error from server (BadRequest): error when creating "${files.undecodable}": Job in version "v1" cannot be handled as a Job: spec.parallelism: Invalid value: "two": spec.parallelism in body must be of type integer, strict decoding error: unknown field "spec.foo"`,
  },
  {
    name: 'an object that is not a Job',
    args: ['apply', '-f', files.deployment, '--store', 'memory'],
    code: 1,
    line: `error: resource mapping not found for name: "web" namespace: "" from "${files.deployment}": no matches for kind "Deployment" in version "apps/v1" (jobctl manages batch/v1 Jobs and CronJobs only)`,
  },
  { name: 'an unknown resource type', args: ['get', 'deployments', '--store', 'memory'], code: 2, line: `error: the server doesn't have a resource type "deployments" (see 'jobctl get --help')` },
  { name: 'an unknown command', args: ['rollout', 'status'], code: 2, line: `error: unknown command "rollout" for "jobctl" (see 'jobctl --help')` },
  { name: 'an unknown flag', args: ['get', 'jobs', '--watch'], code: 2, line: `error: unknown flag: --watch (see 'jobctl get --help')` },
  { name: 'a missing Job', args: ['get', 'job', 'x', '--store', 'memory'], code: 1, line: 'Error from server (NotFound): jobs.batch "x" not found' },
  { name: 'an unknown store', args: ['get', 'jobs', '--store', 'etcd'], code: 2, line: `error: invalid argument "etcd" for "--store" flag: expected memory, file:DIR or kube[:CONTEXT] (see 'jobctl get --help')` },
  { name: 'an unusable store', args: ['get', 'jobs', '--store', 'file:/dev/null/store'], code: 3, line: /^error: the store file:\/dev\/null\/store is unavailable: \S.*$/ },
  {
    name: 'a conflicting update',
    args: ['apply', '-f', files.conflict, '--store', 'memory'],
    code: 1,
    stdout: 'job.batch/c created\n',
    line: `Error from server (Conflict): error when applying patch to "${files.conflict}": Operation cannot be fulfilled on jobs.batch "c": the object has been modified; please apply your changes to the latest version and try again`,
  },
  {
    name: 'creating a Job that exists',
    args: ['create', '-f', files.twice, '--store', 'memory'],
    code: 1,
    stdout: 'job.batch/t created\n',
    line: `Error from server (AlreadyExists): error when creating "${files.twice}": jobs.batch "t" already exists`,
  },
  { name: 'a malformed patch', args: ['patch', 'job', 'pi', '-p', '{"spec":', '--store', 'memory'], code: 1, line: /^error: unable to parse "\{\\"spec\\":": .+$/ },
]

describe('jobctl on bad input', () => {
  it('prints one line on stderr, exits non-zero, and never a stack trace', async () => {
    const results = await inBatches(BAD_INPUTS, 2, (bad) => jobctl(bad.args, { cwd: dir }))
    results.forEach((result, i) => {
      const bad = BAD_INPUTS[i]!
      const context = `${bad.name}: jobctl ${bad.args.join(' ')}\nstderr: ${result.stderr}`
      expect(result.code, context).toBe(bad.code)
      expect(result.stdout, context).toBe(bad.stdout ?? '')
      expect(result.stderr.endsWith('\n') && result.stderr.split('\n').length === 2, context).toBe(true)
      const line = result.stderr.slice(0, -1)
      if (typeof bad.line === 'string') expect(line, context).toBe(bad.line)
      else expect(line, context).toMatch(bad.line)
    })
  })
})
