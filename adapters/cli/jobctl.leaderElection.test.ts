/**
 * Two replicas of `jobctl controller --store kube --leader-elect` against a real kube-apiserver,
 * as deploy/'s Deployment runs them: one leads and runs Jobs, the other waits. Killed with
 * SIGKILL (no chance to release the lease), the leader is replaced by the standby once the
 * lease runs out, and the next Job runs on the standby's node. Each replica is a node of its
 * own (`--run-pods`), so where a Job's pod ran tells who ran it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BUILT_IN_CONTROLLER } from '../../core/model/wellKnown.js'
import { microTime } from '../stores/kubernetes/lease.js'
import type { ControlPlane } from '../stores/kubernetes/testing/controlPlane.js'
import { startControlPlane } from '../stores/kubernetes/testing/controlPlane.js'
import { finished, jobctl, spawnJobctl, type ProcessResult } from './testing/binary.js'
import { jobManifest, tempDir, writeManifest } from './testing/manifests.js'

const LEASE = 'kube-system/job-reconciler'
const LEASE_PATH = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/job-reconciler'

let plane: ControlPlane
const replicas: Replica[] = []

beforeAll(async () => {
  plane = await startControlPlane()
}, 180_000)

afterAll(async () => {
  for (const replica of replicas) if (replica.child.exitCode === null && replica.child.signalCode === null) replica.child.kill('SIGKILL')
  await Promise.all(replicas.map((replica) => replica.exit))
  await plane?.stop()
})

const kube = (args: ReadonlyArray<string>) => jobctl([...args, '--store', 'kube'], { env: { KUBECONFIG: plane.kubeconfigPath } })

interface Replica {
  readonly node: string
  readonly child: ReturnType<typeof spawnJobctl>
  readonly exit: Promise<ProcessResult>
  readonly stderr: () => string
}

/** A replica as the Deployment's, but the cluster's only Job controller and a node of its own. */
function replica(node: string): Replica {
  const child = spawnJobctl(
    ['controller', '--store', 'kube', '--leader-elect', '--leader-elect-namespace', 'kube-system', '--controller-name', BUILT_IN_CONTROLLER, '--run-pods', '--node-client-ca-file', plane.kubeletClientCaPath, '--node-name', node, '--event-batch', '100'],
    { env: { KUBECONFIG: plane.kubeconfigPath } },
  )
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const started: Replica = { node, child, exit: finished(child), stderr: () => stderr }
  replicas.push(started)
  return started
}

const RUNNING = /jobctl controller: running Jobs with spec\.managedBy kubernetes\.io\/job-controller in kube; running their pods on node (\S+) .*; leading lease kube-system\/job-reconciler as (\S+)\n/
const generously = { timeout: 120_000, interval: 250 }

/** Applies a Job that echoes its name and waits for it to complete; returns the node its pod ran on. */
async function runJob(name: string): Promise<string> {
  const file = writeManifest(tempDir(), `${name}.yaml`, [jobManifest(name, ['sh', '-c', `echo ${name}`])])
  expect((await kube(['apply', '-f', file])).stdout).toBe(`job.batch/${name} created\n`)
  expect((await kube(['wait', '--for=condition=complete', '--timeout=180s', `job/${name}`])).stdout).toBe(`job.batch/${name} condition met\n`)
  expect((await kube(['logs', `job/${name}`])).stdout).toBe(`${name}\n`)
  return (await kube(['get', 'pods', '-l', `batch.kubernetes.io/job-name=${name}`, '-o', 'jsonpath={.items[*].spec.nodeName}'])).stdout
}

interface LeaseSpec {
  readonly holderIdentity?: string
  readonly renewTime?: string
  readonly acquireTime?: string
  readonly leaseDurationSeconds?: number
  readonly leaseTransitions?: number
}
const leaseSpec = async (): Promise<LeaseSpec> => (await plane.request<{ spec: LeaseSpec }>('GET', LEASE_PATH)).body.spec

describe('jobctl controller --leader-elect, two replicas on a Kubernetes API server', () => {
  it('one leads and runs a Job; killed, it is replaced by the standby once the lease runs out, which runs the next Job', async () => {
    const [a, b] = [replica('jobctl-replica-a'), replica('jobctl-replica-b')]
    await expect.poll(() => [a, b].filter((r) => RUNNING.test(r.stderr())).length, generously).toBe(1)
    const [leader, standby] = RUNNING.test(a.stderr()) ? [a, b] : [b, a]
    const leaderIdentity = RUNNING.exec(leader.stderr())![2]!
    await expect.poll(() => standby.stderr(), generously).toContain(`jobctl controller: waiting to lead (lease ${LEASE} held by ${leaderIdentity})\n`)
    expect(await leaseSpec()).toMatchObject({ holderIdentity: leaderIdentity, leaseDurationSeconds: 15, leaseTransitions: 0 })

    expect(await runJob('first')).toBe(leader.node)
    expect(standby.stderr()).not.toMatch(RUNNING)

    const renewedBeforeKill = Date.parse((await leaseSpec()).renewTime!)
    leader.child.kill('SIGKILL')
    expect((await leader.exit).signal).toBe('SIGKILL')
    expect(await runJob('second')).toBe(standby.node)

    const standbyIdentity = RUNNING.exec(standby.stderr())![2]!
    const taken = await leaseSpec()
    expect(taken).toMatchObject({ holderIdentity: standbyIdentity, leaseTransitions: 1 })
    // The standby honoured the dead leader's claim (15 s from its last renewal), and took over soon after.
    const acquired = Date.parse(taken.acquireTime!)
    expect(acquired).toBeGreaterThanOrEqual(renewedBeforeKill + 15_000)
    expect(acquired).toBeLessThan(renewedBeforeKill + 60_000)

    // A graceful stop releases the lease for the next replica.
    standby.child.kill('SIGTERM')
    const stopped = await standby.exit
    expect(stopped.code).toBe(0)
    expect(stopped.stderr).toContain('jobctl controller: SIGTERM: stopping\n')
    const released = await leaseSpec()
    expect(released.holderIdentity).toBeUndefined()
    expect(released.leaseDurationSeconds).toBe(1)
  }, 300_000)

  it('a replica whose lease another holder took stops its work and exits 1 with one line', async () => {
    const c = replica('jobctl-replica-c')
    await expect.poll(() => c.stderr(), generously).toMatch(RUNNING)
    // Written as the admin user; a renewal in between makes the write stale (409), so read again.
    await expect
      .poll(async () => {
        const current = await plane.request<Record<string, unknown>>('GET', LEASE_PATH)
        const now = microTime(Date.now())
        const spec = { holderIdentity: 'usurper', leaseDurationSeconds: 60, acquireTime: now, renewTime: now, leaseTransitions: 9 }
        return (await plane.request('PUT', LEASE_PATH, { ...current.body, spec }, 'application/json')).status
      }, generously)
      .toBe(200)
    const lost = await c.exit
    expect(lost.code).toBe(1)
    expect(lost.stderr.split('\n').filter((line) => line.startsWith('error: '))).toEqual([`error: leader election lost: lease ${LEASE} is held by usurper now`])
    expect(lost.stderr).toMatch(/\nerror: leader election lost: lease kube-system\/job-reconciler is held by usurper now\n$/)
  }, 300_000)
})
