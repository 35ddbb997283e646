/**
 * deploy/ against a real kube-apiserver: the manifests are accepted as written (strict field
 * validation), and `jobctl controller` started with the Deployment's own arguments, as the
 * ServiceAccount of deploy/rbac.yaml (a token from the TokenRequest API), leads the Lease
 * (`--leader-elect`) and runs managed Jobs end to end — pods, status, events, finalizers,
 * adoption, TTL and foreground deletion — with no request refused, then releases the Lease when
 * stopped. The apiserver enforces OwnerReferencesPermissionEnforcement, so the `jobs/finalizers`
 * rule is exercised too. The test plays the kubelet as the admin user.
 */
import { Effect, Either, Layer, Schedule } from 'effect'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import type { Job } from '../../../core/model/types.js'
import { TRACKING_FINALIZER } from '../../../core/model/wellKnown.js'
import { finished, spawnJobctl, stderrMatching } from '../../cli/testing/binary.js'
import { JobStore } from '../../ports/JobStore.js'
import type { JobStoreService } from '../../ports/JobStore.js'
import * as ScriptedRuntime from '../../runtimes/scripted/ScriptedRuntime.js'
import { PodRuntime } from '../../ports/PodRuntime.js'
import type { ControlPlane } from './testing/controlPlane.js'
import { startControlPlane } from './testing/controlPlane.js'
import * as KubernetesStore from './KubernetesStore.js'

const deployDir = fileURLToPath(new URL('../../../deploy/', import.meta.url))
const LEASE_PATH = '/apis/coordination.k8s.io/v1/namespaces/job-reconciler/leases/job-reconciler'
const documents = (file: string): Array<Record<string, unknown>> =>
  parseAllDocuments(readFileSync(join(deployDir, file), 'utf8')).map((doc) => {
    expect(doc.errors).toEqual([])
    return doc.toJSON() as Record<string, unknown>
  })

const PATHS: Readonly<Record<string, (namespace: string) => string>> = {
  Namespace: () => '/api/v1/namespaces',
  ServiceAccount: (ns) => `/api/v1/namespaces/${ns}/serviceaccounts`,
  ClusterRole: () => '/apis/rbac.authorization.k8s.io/v1/clusterroles',
  ClusterRoleBinding: () => '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
  Role: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`,
  RoleBinding: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
  Deployment: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments`,
}

let plane: ControlPlane
let dir: string
let controller: ChildProcess | undefined
let controllerOutput = ''

beforeAll(async () => {
  plane = await startControlPlane({ apiServerFlags: ['--enable-admission-plugins=OwnerReferencesPermissionEnforcement'] })
  dir = mkdtempSync(join(tmpdir(), 'jr-deploy-'))
})
afterAll(async () => {
  if (controller !== undefined && controller.exitCode === null) controller.kill('SIGKILL')
  await plane?.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** `ttl` pods fail, `fg` pods run until deleted, the others succeed after a second. */
const script: ScriptedRuntime.PodScript = ({ pod }) => {
  const job = pod.metadata.labels?.['batch.kubernetes.io/job-name']
  if (job === 'ttl') return { outcome: { after: '1 second', result: 'Failed', exitCode: 1 } }
  if (job === 'fg') return {}
  return { outcome: { after: '1 second', result: 'Succeeded' } }
}

/** Runs an effect against an admin store in `namespace`, with the scripted runtime as the kubelet. */
const asAdmin = <A>(namespace: string, body: (store: JobStoreService) => Effect.Effect<A, unknown, never>) => {
  const store = KubernetesStore.layer({ kubeconfigPath: plane.kubeconfigPath, namespace })
  const world = Layer.provideMerge(ScriptedRuntime.layer(script), store)
  return Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        yield* (yield* PodRuntime).start
        return yield* body(yield* JobStore)
      }),
    ).pipe(Effect.provide(world)),
  )
}

const until = <A>(what: string, check: Effect.Effect<A, unknown>) =>
  check.pipe(
    Effect.retry({ schedule: Schedule.spaced('200 millis'), times: 150 }),
    Effect.mapError((error) => new Error(`${what}: ${String((error as Error)?.message ?? error)}`)),
  )


const managed = (name: string, spec: Record<string, unknown> = {}, template: Record<string, unknown> = {}) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: 'work' },
  spec: {
    managedBy: KubernetesStore.DEFAULT_CONTROLLER_NAME,
    ...spec,
    template: { ...template, spec: { containers: [{ name: 'main', image: 'busybox:1.36' }], restartPolicy: 'Never' } },
  },
})

const finishedAs = (type: 'Complete' | 'Failed') => (job: Job) =>
  job.status?.conditions?.some((c) => c.type === type && c.status === 'True') === true ? Effect.succeed(job) : Effect.fail(`not ${type} yet`)

describe('deploy/', () => {
  it('the manifests are accepted as written (strict field validation)', async () => {
    for (const file of ['namespace.yaml', 'rbac.yaml', 'deployment.yaml']) {
      for (const doc of documents(file)) {
        const kind = String(doc['kind'])
        const namespace = String((doc['metadata'] as { namespace?: string }).namespace ?? '')
        const response = await plane.request('POST', `${PATHS[kind]!(namespace)}?fieldValidation=Strict`, doc)
        expect(response.status, `${file}: ${kind}: ${JSON.stringify(response.body)}`).toBe(201)
      }
    }
    const [deployment] = documents('deployment.yaml')
    const spec = (deployment as { spec: { replicas: number; template: { spec: { containers: Array<{ args: string[] }> } } } }).spec
    expect(spec.template.spec.containers[0]!.args).toEqual(expect.arrayContaining(['--store=kube', '--leader-elect']))
    expect(spec.replicas).toBe(2)
  })

  it('jobctl controller, run with the Deployment’s arguments as the ServiceAccount, runs managed Jobs with no request refused', async () => {
    // A token for the ServiceAccount, and a kubeconfig that uses it (in a pod the token is mounted instead).
    const token = await plane.request<{ status?: { token?: string } }>(
      'POST',
      '/api/v1/namespaces/job-reconciler/serviceaccounts/job-reconciler/token',
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    )
    expect(token.status).toBe(201)
    const kubeconfig = join(dir, 'sa.kubeconfig')
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{name: c, cluster: {server: "${plane.server}", certificate-authority: "${plane.caPath}"}}]`,
        `users: [{name: sa, user: {token: "${token.body.status!.token!}"}}]`,
        'contexts: [{name: sa, context: {cluster: c, user: sa}}]',
        'current-context: sa',
        '',
      ].join('\n'),
    )
    expect((await plane.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'work' } })).status).toBe(201)

    const [deployment] = documents('deployment.yaml')
    const args = (deployment as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } }).spec.template.spec.containers[0]!.args
    const withLocalMetrics = args.map((arg) => (arg.startsWith('--metrics-address=') ? '--metrics-address=127.0.0.1' : arg.startsWith('--metrics-port=') ? '--metrics-port=0' : arg))
    // In a pod the Lease's namespace is read from the mounted service account; here it is given.
    controller = spawnJobctl([...withLocalMetrics, '--leader-elect-namespace=job-reconciler'], { env: { KUBECONFIG: kubeconfig } })
    const exit = finished(controller)
    controller.stderr?.on('data', (chunk: Buffer) => (controllerOutput += chunk.toString('utf8')))
    // A refused Lease request would keep it waiting to lead: fail at once with the server's words.
    await Promise.race([
      stderrMatching(controller, /running Jobs with spec\.managedBy job-reconciler\.io\/controller in kube.*; leading lease job-reconciler\/job-reconciler as /),
      stderrMatching(controller, /.*forbidden.*/i).then(([line]) => expect.fail(line)),
    ])
    const lease = () => plane.request<{ spec: { holderIdentity?: string; leaseDurationSeconds?: number } }>('GET', LEASE_PATH)
    expect((await lease()).body.spec.holderIdentity).toMatch(/_[0-9a-f]{8}$/)

    await asAdmin('work', (store) =>
      Effect.gen(function* () {
        // Pods, status, events, finalizer removal.
        yield* store.createJob(managed('done', { completions: 2, parallelism: 2 }))
        const done = yield* until('done completes', Effect.flatMap(store.getJob({ namespace: 'work', name: 'done' }), finishedAs('Complete')))
        expect(done.status).toMatchObject({ succeeded: 2, active: 0 })
        for (const pod of (yield* store.listPods({ labelSelector: { matchLabels: { 'batch.kubernetes.io/job-name': 'done' } } })).items) {
          expect(pod.metadata.finalizers ?? []).not.toContain(TRACKING_FINALIZER)
        }
        const events = yield* store.listEvents({ namespace: 'work', involvedObjectName: 'done' })
        expect(events.map((e) => e.reason).sort()).toEqual(['Completed', 'SuccessfulCreate', 'SuccessfulCreate'])

        // Adoption of a matching orphan (a patch adding the owner reference with blockOwnerDeletion).
        yield* store.createPod({
          metadata: { name: 'stray', namespace: 'work', labels: { app: 'adopt-me' } },
          spec: { containers: [{ name: 'main', image: 'busybox:1.36' }], restartPolicy: 'Never' },
        })
        yield* store.createJob(managed('adopter', { manualSelector: true, selector: { matchLabels: { app: 'adopt-me' } } }, { metadata: { labels: { app: 'adopt-me' } } }))
        yield* until('adopter completes', Effect.flatMap(store.getJob({ namespace: 'work', name: 'adopter' }), finishedAs('Complete')))
        const adopted = yield* store.getPod({ namespace: 'work', name: 'stray' })
        expect(adopted.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Job', name: 'adopter', controller: true, blockOwnerDeletion: true })

        // A failure, and TTL 0: the controller deletes its own finished Job.
        yield* store.createJob(managed('ttl', { backoffLimit: 0, ttlSecondsAfterFinished: 0 }))
        yield* until(
          'ttl deleted',
          Effect.flatMap(Effect.either(store.getJob({ namespace: 'work', name: 'ttl' })), (found) => (Either.isLeft(found) ? Effect.void : Effect.fail('still there'))),
        )

        // Foreground deletion: the controller's garbage collector deletes the pods, then lets the Job go.
        yield* store.createJob(managed('fg', { completions: 1, parallelism: 1 }))
        yield* until('fg running', Effect.flatMap(store.getJob({ namespace: 'work', name: 'fg' }), (j) => ((j.status?.active ?? 0) === 1 ? Effect.void : Effect.fail('no pod'))))
        yield* store.deleteJob({ namespace: 'work', name: 'fg' }, { propagationPolicy: 'Foreground' })
        yield* until(
          'fg gone',
          Effect.flatMap(Effect.either(store.getJob({ namespace: 'work', name: 'fg' })), (found) => (Either.isLeft(found) ? Effect.void : Effect.fail('still there'))),
        )

        // A repeated event (suspended, resumed, suspended again) is one event with count 2: a patch.
        yield* store.createJob(managed('toggle', { suspend: true }))
        const setSuspend = (suspend: boolean) =>
          until(
            `suspend ${suspend}`,
            Effect.flatMap(store.getJob({ namespace: 'work', name: 'toggle' }), (job) => store.updateJob({ ...job, spec: { ...job.spec, suspend } })),
          )
        const suspendedEvents = Effect.map(store.listEvents({ namespace: 'work', involvedObjectName: 'toggle' }), (all) => all.filter((e) => e.reason === 'Suspended'))
        yield* until('suspended', Effect.flatMap(suspendedEvents, (found) => (found.length === 1 ? Effect.void : Effect.fail('no event'))))
        yield* setSuspend(false)
        yield* until('resumed', Effect.flatMap(store.listEvents({ namespace: 'work', involvedObjectName: 'toggle' }), (all) => (all.some((e) => e.reason === 'Resumed') ? Effect.void : Effect.fail('no event'))))
        yield* setSuspend(true)
        yield* until('suspended twice', Effect.flatMap(suspendedEvents, (found) => (found.length === 1 && found[0]!.count === 2 ? Effect.void : Effect.fail(JSON.stringify(found)))))

        // A Job of the built-in controller is not ours.
        yield* store.createJob({ ...managed('builtin'), spec: { ...managed('builtin').spec, managedBy: undefined } })
        yield* Effect.sleep('3 seconds')
        expect((yield* store.getJob({ namespace: 'work', name: 'builtin' })).status?.startTime).toBeUndefined()
      }),
    )

    expect(controllerOutput).not.toMatch(/forbidden/i)
    controller.kill('SIGTERM')
    const result = await exit
    expect(result.code).toBe(0)
    expect(controllerOutput).toContain('jobctl controller: SIGTERM: stopping')
    expect(controllerOutput).not.toMatch(/forbidden/i)
    // Released for the other replica: no holder, and a claim of one second.
    expect((await lease()).body.spec).toMatchObject({ leaseDurationSeconds: 1 })
    expect((await lease()).body.spec.holderIdentity).toBeUndefined()
  })
})
