/**
 * `jobctl` on a real Kubernetes API server (etcd + kube-apiserver on loopback, no controller
 * manager, no kubelet): `jobctl controller --store kube --cronjob-controller --run-pods` is the
 * cluster's Job and CronJob controller and its only node, and every other command is a separate `jobctl` process with
 * `--store kube`, reading the kubeconfig from `$KUBECONFIG` as kubectl does.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { get as httpsGet } from 'node:https'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { BUILT_IN_CONTROLLER } from '../../core/model/wellKnown.js'
import type { ControlPlane } from '../stores/kubernetes/testing/controlPlane.js'
import { startControlPlane } from '../stores/kubernetes/testing/controlPlane.js'
import { finished, jobctl, spawnJobctl, stderrMatching, type ProcessResult } from './testing/binary.js'
import { jobManifest, tempDir, writeManifest } from './testing/manifests.js'

const PI = new URL('../../examples/pi/job.yaml', import.meta.url).pathname
const HELLO = new URL('../../examples/cronjob/hello.yaml', import.meta.url).pathname
const NODE = 'jobctl-walkthrough'
const dir = tempDir()

let plane: ControlPlane
let controller: ChildProcess
let controllerStopped: Promise<ProcessResult>
/** The port of the controller's log server (the node's kubelet port). */
let nodePort: number
/** Every command of these tests runs on the cluster. */
const kube = (args: ReadonlyArray<string>, stdin?: string) =>
  jobctl([...args, '--store', 'kube'], { env: { KUBECONFIG: plane.kubeconfigPath }, ...(stdin !== undefined ? { stdin } : {}) })

beforeAll(async () => {
  plane = await startControlPlane()
  // This cluster has no Job or CronJob controller of its own: ours answers to the built-in name
  // and takes the CronJobs.
  controller = spawnJobctl(['controller', '--store', 'kube', '--controller-name', BUILT_IN_CONTROLLER, '--cronjob-controller', '--run-pods', '--node-client-ca-file', plane.kubeletClientCaPath, '--node-name', NODE, '--event-batch', '100'], {
    env: { KUBECONFIG: plane.kubeconfigPath },
  })
  controllerStopped = finished(controller)
  const started = await stderrMatching(controller, /jobctl controller: running Jobs with spec\.managedBy kubernetes\.io\/job-controller and every CronJob in kube; running their pods on node jobctl-walkthrough \(logs on 127\.0\.0\.1:(\d+)\)/)
  nodePort = Number(started[1])
}, 180_000)

afterAll(async () => {
  controller?.kill('SIGTERM')
  await controllerStopped
  await plane?.stop()
})

describe("the Kubernetes docs' walkthrough, on a Kubernetes API server", () => {
  it('applies the pi Job, describes it, lists its pods, reads their logs through the API server and deletes it', async () => {
    expect(await kube(['apply', '-f', PI])).toEqual({ code: 0, signal: null, stdout: 'job.batch/pi created\n', stderr: '' })
    expect((await kube(['wait', '--for=condition=complete', '--timeout=180s', 'job/pi'])).stdout).toBe('job.batch/pi condition met\n')

    const described = (await kube(['describe', 'job', 'pi'])).stdout
    expect(described).toMatch(/^Name: +pi\nNamespace: +default\nSelector: +batch\.kubernetes\.io\/controller-uid=[0-9a-f-]{36}\n/)
    expect(described).toMatch(/\nCompletions: +1\nCompletion Mode: +NonIndexed\n/)
    expect(described).toMatch(/\nPods Statuses: +0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed\n/)
    expect(described).toMatch(/\n {2}Normal {2}SuccessfulCreate +\d+s +job-controller {2}Created pod: pi-[a-z0-9]{5}\n/)
    expect(described).toMatch(/\n {2}Normal {2}Completed +\d+s +job-controller {2}Job completed\n$/)

    const pods = await kube(['get', 'pods', '--selector=batch.kubernetes.io/job-name=pi', '--output=jsonpath={.items[*].metadata.name}'])
    expect(pods.stdout).toMatch(/^pi-[a-z0-9]{5}$/)
    const node = (await kube(['get', 'pod', pods.stdout, '-o', 'jsonpath={.spec.nodeName}'])).stdout
    expect(node).toBe(NODE)

    // `print bpi(2000)`: 2000 significant digits (3 and 1999 decimals) and a newline, as the docs show.
    const logs = await kube(['logs', pods.stdout])
    expect(logs.code).toBe(0)
    expect(logs.stdout).toMatch(/^3\.14159265358979323846\d{1979}\n$/)
    expect((await kube(['logs', 'job/pi'])).stdout).toBe(logs.stdout)

    expect(await kube(['delete', 'job', 'pi'])).toEqual({ code: 0, signal: null, stdout: 'job.batch "pi" deleted\n', stderr: '' })
    expect((await kube(['get', 'jobs'])).stderr).toBe('No resources found in default namespace.\n')
  }, 300_000)
})

describe("the controller's node, on a Kubernetes API server", () => {
  /** `GET path` on the node's log server itself, with the API server's kubelet client certificate or none. */
  const nodeGet = (path: string, asApiServer: boolean) =>
    new Promise<{ readonly status: number | undefined; readonly body: string }>((resolve, reject) => {
      const identity = asApiServer ? { cert: readFileSync(plane.kubeletClientCertPath), key: readFileSync(plane.kubeletClientKeyPath) } : {}
      httpsGet({ host: '127.0.0.1', port: nodePort, path, rejectUnauthorized: false, ...identity }, (response) => {
        let body = ''
        response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
        response.on('end', () => resolve({ status: response.statusCode, body }))
      }).on('error', reject)
    })

  it('refuses an unauthenticated client (401) and a malformed request (400), and keeps running with its Node registered', async () => {
    expect(await nodeGet('/containerLogs/%E0%A4%A/x/y', false)).toEqual({ status: 401, body: 'Unauthorized: no client certificate\n' })
    expect(await nodeGet('/containerLogs/%E0%A4%A/x/y', true)).toEqual({ status: 400, body: 'path segment "%E0%A4%A" is not valid percent-encoding\n' })
    expect(controller.exitCode).toBeNull()
    expect((await plane.request('GET', `/api/v1/nodes/${NODE}`)).status).toBe(200)
  })
})

describe('every jobctl verb, on a Kubernetes API server', () => {
  const sleeper = jobManifest('sleeper', ['sleep', '300'], { parallelism: 2, completions: 4 })
  const quick = jobManifest('quick', ['sh', '-c', 'echo done'])
  const podNames = async (job: string) => {
    const listed = await kube(['get', 'pods', '-l', `batch.kubernetes.io/job-name=${job}`, '-o', 'name'])
    return listed.stdout.split('\n').filter((line) => line !== '').sort()
  }

  it('applies a directory (multi-document YAML and JSON) and stdin, then creates, gets, patches, suspends, resumes and waits', async () => {
    const manifests = tempDir()
    writeManifest(manifests, 'a.yaml', [sleeper, jobManifest('stdin-too', ['true'])])
    writeFileSync(join(manifests, 'b.json'), JSON.stringify(quick))
    // `stdin-too` is only in the directory's YAML: applied once from there, then from stdin unchanged.
    expect(await kube(['apply', '-f', manifests])).toEqual({
      code: 0,
      signal: null,
      stdout: 'job.batch/sleeper created\njob.batch/stdin-too created\njob.batch/quick created\n',
      stderr: '',
    })
    expect((await kube(['apply', '-f', '-'], stringify(jobManifest('stdin-too', ['true'])))).stdout).toBe('job.batch/stdin-too unchanged\n')
    const created = await kube(['create', '-f', join(manifests, 'b.json')])
    expect(created.code).toBe(1)
    expect(created.stderr).toBe(`Error from server (AlreadyExists): error when creating "${join(manifests, 'b.json')}": jobs.batch "quick" already exists\n`)

    expect((await kube(['wait', '--for=condition=complete', '--timeout=120s', 'job/quick', 'job/stdin-too'])).stdout).toBe(
      'job.batch/quick condition met\njob.batch/stdin-too condition met\n',
    )
    expect((await kube(['get', 'jobs', '-o', 'name'])).stdout).toBe('job.batch/quick\njob.batch/sleeper\njob.batch/stdin-too\n')
    const table = (await kube(['get', 'jobs', 'quick', '-o', 'wide'])).stdout.split('\n')
    expect(table[0]).toMatch(/^NAME +STATUS +COMPLETIONS +DURATION +AGE +CONTAINERS +IMAGES +SELECTOR$/)
    expect(table[1]).toMatch(/^quick +Complete +1\/1 +\d+s +\d+s +main +busybox +batch\.kubernetes\.io\/controller-uid=[0-9a-f-]{36}$/)
    const asJson = JSON.parse((await kube(['get', 'job', 'quick', '-o', 'json'])).stdout) as { kind: string; status: { succeeded: number } }
    expect(asJson).toMatchObject({ kind: 'Job', status: { succeeded: 1 } })
    expect((await kube(['get', 'job/quick', '-o', 'yaml'])).stdout).toMatch(/^apiVersion: batch\/v1\nkind: Job\n/)
    expect((await kube(['logs', 'job/quick'])).stdout).toBe('done\n')

    // parallelism 2: two pods run `sleep 300` on the local node.
    await expect.poll(() => podNames('sleeper'), { timeout: 60_000, interval: 500 }).toHaveLength(2)
    expect(await kube(['patch', 'job', 'sleeper', '-p', '{"spec":{"parallelism":3}}'])).toMatchObject({ code: 0, stdout: 'job.batch/sleeper patched\n' })
    await expect.poll(() => podNames('sleeper'), { timeout: 60_000, interval: 500 }).toHaveLength(3)
    // The server's own validation (422), in kubectl's words.
    const invalid = await kube(['patch', 'job', 'sleeper', '-p', '{"spec":{"completions":-1}}'])
    expect(invalid.code).toBe(1)
    expect(invalid.stderr).toMatch(/^The Job "sleeper" is invalid: .*spec\.completions: Invalid value: -1: must be greater than or equal to 0.*\n$/)

    expect(await kube(['suspend', 'job/sleeper'])).toMatchObject({ code: 0, stdout: 'job.batch/sleeper suspended\n' })
    expect((await kube(['wait', '--for=condition=suspended', '--timeout=60s', 'job/sleeper'])).stdout).toBe('job.batch/sleeper condition met\n')
    await expect.poll(() => podNames('sleeper'), { timeout: 60_000, interval: 500 }).toEqual([])
    expect(await kube(['resume', 'job', 'sleeper'])).toMatchObject({ code: 0, stdout: 'job.batch/sleeper resumed\n' })
    await expect.poll(() => podNames('sleeper'), { timeout: 60_000, interval: 500 }).toHaveLength(3)

    const timedOut = await kube(['wait', '--for=condition=complete', '--timeout=1s', 'job/sleeper'])
    expect(timedOut).toMatchObject({ code: 1, stderr: 'error: timed out waiting for the condition on jobs/sleeper\n' })
  }, 300_000)

  it('deletes with --cascade=orphan (the pods stay) and --cascade=foreground (the pods go first)', async () => {
    const pods = await podNames('sleeper')
    expect(pods).toHaveLength(3)
    expect(await kube(['delete', 'job', 'sleeper', '--cascade=orphan'])).toMatchObject({ code: 0, stdout: 'job.batch "sleeper" deleted\n' })
    expect(await podNames('sleeper')).toEqual(pods)
    const owners = await kube(['get', pods[0]!, '-o', 'jsonpath={.metadata.ownerReferences}'])
    expect(owners.stdout).toBe('')
    expect(await kube(['delete', ...pods])).toMatchObject({ code: 0 })
    expect(await podNames('sleeper')).toEqual([])

    const manifests = tempDir()
    const file = writeManifest(manifests, 'fg.yaml', [jobManifest('foreground', ['sleep', '300'])])
    expect((await kube(['apply', '-f', file])).stdout).toBe('job.batch/foreground created\n')
    await expect.poll(() => podNames('foreground'), { timeout: 60_000, interval: 500 }).toHaveLength(1)
    expect(await kube(['delete', '-f', file, '--cascade=foreground'])).toMatchObject({ code: 0, stdout: 'job.batch "foreground" deleted\n' })
    expect(await podNames('foreground')).toEqual([])
    expect(await kube(['get', 'job', 'foreground'])).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): jobs.batch "foreground" not found\n' })
  }, 300_000)

  it("refuses a conflicting update in the server's words and changes nothing", async () => {
    const file = writeManifest(tempDir(), 'conflict.yaml', [jobManifest('c', ['true']), jobManifest('c', ['true'], {}, { resourceVersion: '999', labels: { a: 'b' } })])
    const result = await kube(['apply', '-f', file])
    expect(result).toMatchObject({
      code: 1,
      stdout: 'job.batch/c created\n',
      stderr: `Error from server (Conflict): error when applying patch to "${file}": Operation cannot be fulfilled on jobs.batch "c": the object has been modified; please apply your changes to the latest version and try again\n`,
    })
    expect((await kube(['get', 'job', 'c', '-o', 'jsonpath={.metadata.labels}'])).stdout).not.toContain('"a"')
  })

  it('says in one line when the cluster cannot be reached', async () => {
    const deadConfig = join(dir, 'dead-kubeconfig')
    writeFileSync(
      deadConfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'dead', cluster: { server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'nobody', user: { token: 'x' } }],
        contexts: [{ name: 'dead', context: { cluster: 'dead', user: 'nobody' } }],
        'current-context': 'dead',
      }),
    )
    const unreachable = await jobctl(['get', 'jobs', '--store', 'kube'], { env: { KUBECONFIG: deadConfig } })
    expect(unreachable.code).toBe(3)
    expect(unreachable.stderr).toMatch(/^error: the store kube is unavailable: cannot reach the Kubernetes API server at https:\/\/127\.0\.0\.1:1\b.*ECONNREFUSED.*\n$/)
    const unknownContext = await jobctl(['get', 'jobs', '--store', 'kube:elsewhere'], { env: { KUBECONFIG: plane.kubeconfigPath } })
    expect(unknownContext.code).toBe(3)
    expect(unknownContext.stderr.split('\n')).toHaveLength(2)
    expect(unknownContext.stderr).toMatch(/^error: the store kube:elsewhere is unavailable: .*elsewhere.*\n$/)
  })

  it("--cronjob-controller: the docs' hello CronJob starts a Job named hello-<minutes> on the next minute, which runs here and says hello (C5 C25 C26 C28 C40)", async () => {
    expect(await kube(['apply', '-f', HELLO])).toEqual({ code: 0, signal: null, stdout: 'cronjob.batch/hello created\n', stderr: '' })
    const jobsOfHello = async () =>
      (await kube(['get', 'jobs', '-o', 'name'])).stdout.split('\n').filter((line) => line.startsWith('job.batch/hello-'))
    // `* * * * *`: the first run is at the next minute boundary, at most a minute away.
    await expect.poll(jobsOfHello, { timeout: 150_000, interval: 1000 }).toHaveLength(1)
    const job = `job/${(await jobsOfHello())[0]!.slice('job.batch/'.length)}`
    const minutes = Number(job.slice('job/hello-'.length))
    const created = JSON.parse((await kube(['get', job, '-o', 'json'])).stdout) as {
      readonly metadata: { readonly annotations: Record<string, string>; readonly ownerReferences: ReadonlyArray<{ readonly kind: string; readonly name: string }> }
    }
    // The name is the scheduled time in minutes (C25), which the annotation also records (C26), and the CronJob owns it (C28).
    const scheduled = created.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp']!
    expect(Date.parse(scheduled)).toBe(minutes * 60_000)
    expect(created.metadata.ownerReferences).toMatchObject([{ kind: 'CronJob', name: 'hello' }])
    expect((await kube(['wait', '--for=condition=complete', '--timeout=120s', job])).code).toBe(0)
    expect((await kube(['logs', job])).stdout).toMatch(/\nHello from the Kubernetes cluster\n$/)
    const cronJob = JSON.parse((await kube(['get', 'cronjob', 'hello', '-o', 'json'])).stdout) as { readonly status: { readonly lastScheduleTime?: string } }
    expect(Date.parse(cronJob.status.lastScheduleTime ?? '')).toBe(minutes * 60_000)
    expect(await kube(['suspend', 'cronjob', 'hello'])).toMatchObject({ code: 0 })
    expect(await kube(['delete', 'cronjob', 'hello'])).toMatchObject({ code: 0, stdout: 'cronjob.batch "hello" deleted\n' })
  }, 300_000)

  it('stops the controller on SIGTERM and takes its node out of the cluster', async () => {
    controller.kill('SIGTERM')
    const stopped = await controllerStopped
    expect(stopped.code).toBe(0)
    expect(stopped.stderr).toContain('jobctl controller: SIGTERM: stopping\n')
    expect((await plane.request('GET', `/api/v1/nodes/${NODE}`)).status).toBe(404)
  })
})
