/**
 * `jobctl` on a real Kubernetes API server (etcd + kube-apiserver on loopback, no controller
 * manager, no kubelet): `jobctl controller --store kube --run-pods` is the cluster's Job
 * controller and its only node, and every other command is a separate `jobctl` process with
 * `--store kube`, reading the kubeconfig from `$KUBECONFIG` as kubectl does.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { BUILT_IN_CONTROLLER } from '../../core/model/wellKnown.js'
import type { ControlPlane } from '../kubernetes/testing/controlPlane.js'
import { startControlPlane } from '../kubernetes/testing/controlPlane.js'
import { finished, jobctl, spawnJobctl, stderrMatching, type ProcessResult } from './testing/binary.js'
import { jobManifest, tempDir, writeManifest } from './testing/manifests.js'

const PI = new URL('../../examples/pi/job.yaml', import.meta.url).pathname
const NODE = 'jobctl-walkthrough'
const dir = tempDir()

let plane: ControlPlane
let controller: ChildProcess
let controllerStopped: Promise<ProcessResult>
/** Every command of these tests runs on the cluster. */
const kube = (args: ReadonlyArray<string>, stdin?: string) =>
  jobctl([...args, '--store', 'kube'], { env: { KUBECONFIG: plane.kubeconfigPath }, ...(stdin !== undefined ? { stdin } : {}) })

beforeAll(async () => {
  plane = await startControlPlane()
  // This cluster has no Job controller of its own: ours answers to the built-in name.
  controller = spawnJobctl(['controller', '--store', 'kube', '--controller-name', BUILT_IN_CONTROLLER, '--run-pods', '--node-name', NODE, '--event-batch', '100'], {
    env: { KUBECONFIG: plane.kubeconfigPath },
  })
  controllerStopped = finished(controller)
  await stderrMatching(controller, /jobctl controller: running Jobs with spec\.managedBy kubernetes\.io\/job-controller in kube; running their pods on node jobctl-walkthrough/)
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
