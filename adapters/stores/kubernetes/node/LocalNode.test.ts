/**
 * The local node against a real kube-apiserver: the process runtime runs a pod bound to the
 * node, and its log comes back through the API server's `pods/log`, which asks the node's log
 * server, exactly as `kubectl logs` reads a kubelet; the node answers only the API server's
 * kubelet client certificate (authenticated by the client CA, authorized by a SubjectAccessReview).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { get as httpsGet } from 'node:https'
import { join } from 'node:path'
import { Effect, Layer, Schedule } from 'effect'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Pod } from '../../../../core/model/types.js'
import * as ProcessRuntime from '../../../runtimes/process/ProcessRuntime.js'
import { JobStore } from '../../../ports/JobStore.js'
import { PodRuntime } from '../../../ports/PodRuntime.js'
import * as KubernetesStore from '../KubernetesStore.js'
import { readPodLog } from '../podLogs.js'
import type { ControlPlane } from '../testing/controlPlane.js'
import { startControlPlane } from '../testing/controlPlane.js'
import * as LocalNode from './LocalNode.js'
import { clientExtensions, issueCertificate, newKeyPair, pem, privateKeyPem } from '../tls/x509.js'
import { selectLines } from './logServer.js'

let plane: ControlPlane
beforeAll(async () => {
  plane = await startControlPlane()
})
afterAll(() => plane?.stop())

const NAMESPACE = 'local-node'
const config = (): KubernetesStore.KubernetesStoreConfig => ({ kubeconfigPath: plane.kubeconfigPath, namespace: NAMESPACE })

const printer: Pod = {
  metadata: { name: 'printer', namespace: NAMESPACE },
  spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'sh', command: ['sh', '-c', 'echo one; echo two; echo three'] }] },
}

/** A client certificate for `user`, signed by the cluster's CA (the control plane's PKI). */
const clusterUser = (user: string): { readonly cert: string; readonly key: string } => {
  const caKey = createPrivateKey(readFileSync(join(plane.dir, 'pki', 'ca.key')))
  const caName = new X509Certificate(readFileSync(plane.caPath)).subject.replace(/^CN=/, '')
  const keys = newKeyPair()
  const der = issueCertificate({ issuerCommonName: caName, subjectCommonName: user, publicKey: keys.publicKey, signer: caKey, extensions: clientExtensions() })
  return { cert: pem('CERTIFICATE', der), key: privateKeyPem(keys.privateKey) }
}

/** A GET to the node's log server itself, with no client certificate or with `identity`. */
const directGet = (port: number, path: string, identity?: { readonly cert: string; readonly key: string }): Promise<{ readonly status: number | undefined; readonly body: string }> =>
  new Promise((resolve, reject) => {
    const request = httpsGet({ host: '127.0.0.1', port, path, rejectUnauthorized: false, ...identity }, (response) => {
      let body = ''
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
      response.on('end', () => resolve({ status: response.statusCode, body }))
    })
    request.on('error', reject)
  })

const nodeObject = (name: string) => plane.request('GET', `/api/v1/nodes/${name}`)

describe('LocalNode', () => {
  it('registers a tainted Node, runs a pod, serves its log to the API server, and deletes the Node when it stops', async () => {
    const nodeName = 'jobctl-test-node'
    const layers = ProcessRuntime.layer({ nodeName }).pipe(Layer.provideMerge(KubernetesStore.layer(config())))
    await Effect.runPromise(KubernetesStore.ensureNamespace(config(), NAMESPACE))
    await Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* JobStore
        const runtime = yield* PodRuntime
        const clientCa = yield* LocalNode.readClientCaFile(plane.kubeletClientCaPath)
        const node = yield* LocalNode.start(config(), runtime, { maxPods: 4, clientCa })
        expect(node).toMatchObject({ name: nodeName, address: '127.0.0.1' })

        const registered = yield* Effect.promise(() => nodeObject(nodeName))
        expect(registered.status).toBe(200)
        expect(registered.body).toMatchObject({
          metadata: { labels: { [LocalNode.LOCAL_NODE_LABEL]: 'true' } },
          spec: { taints: expect.arrayContaining([{ key: LocalNode.LOCAL_NODE_LABEL, value: 'true', effect: 'NoSchedule' }]) },
          status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: node.port } } },
        })

        yield* runtime.start
        yield* store.createPod(printer)
        const key = { namespace: NAMESPACE, name: 'printer' }
        const ran = yield* store.getPod(key).pipe(
          Effect.filterOrFail((pod) => pod.status?.phase === 'Succeeded', () => 'not yet'),
          Effect.retry(Schedule.spaced('100 millis')),
          Effect.timeout('60 seconds'),
          Effect.orDie,
        )
        expect(ran.spec.nodeName).toBe(nodeName)

        // `kubectl logs printer`, and `kubectl logs printer --tail=2`.
        expect(yield* readPodLog(config(), key)).toBe('one\ntwo\nthree\n')
        expect(yield* readPodLog(config(), key, { container: 'main', tailLines: 2 })).toBe('two\nthree\n')
        const refused = yield* Effect.flip(readPodLog(config(), key, { container: 'sidecar' }))
        expect(refused).toMatchObject({ _tag: 'PodLogRefused', reason: 'BadRequest' })
        expect(refused.message).toContain('sidecar')
        const missing = yield* Effect.flip(readPodLog(config(), { namespace: NAMESPACE, name: 'nobody' }))
        expect(missing._tag).toBe('NotFound')

        // Only the API server (its --kubelet-client-certificate) reads logs from the node itself: a client
        // without a certificate gets 401, a user of the cluster without nodes/proxy 403 (kubelet Webhook mode).
        const logPath = `/containerLogs/${NAMESPACE}/printer/main`
        expect(yield* Effect.promise(() => directGet(node.port, logPath))).toEqual({ status: 401, body: 'Unauthorized: no client certificate\n' })
        const curious = yield* Effect.promise(() => directGet(node.port, logPath, clusterUser('curious-user')))
        expect(curious.status).toBe(403)
        expect(curious.body).toMatch(/^Forbidden \(user="curious-user", verb=get, resource=nodes, subresource=proxy\)/)
      }).pipe(Effect.scoped, Effect.provide(layers)),
    )
    expect((await nodeObject(nodeName)).status).toBe(404)
  }, 120_000)
})

describe('the log selection of the containerLogs endpoint', () => {
  it('keeps the last tailLines lines, then at most limitBytes bytes', () => {
    const text = 'a\nbb\nccc\n'
    expect(selectLines(text, undefined, undefined)).toBe(text)
    expect(selectLines(text, 2, undefined)).toBe('bb\nccc\n')
    expect(selectLines(text, 0, undefined)).toBe('')
    expect(selectLines(text, 10, undefined)).toBe(text)
    expect(selectLines('a\nunfinished', 1, undefined)).toBe('unfinished')
    expect(selectLines(text, 2, 4)).toBe('bb\nc')
  })
})
