import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ControlPlaneError, pinnedVersions, resolveBinDir, startControlPlane, type ControlPlane,
} from './controlPlane.js'
import { choosePkiTool, generatePki, type PkiTool } from './pki.js'

// The real-plane tests need the binaries from scripts/k8s-bin/build.sh, which `npm test` runs
// first (scripts/k8s-bin/ensure.sh); without them they fail with one line saying so, never skip.

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const rssMiB = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Math.round(Number(m?.[1] ?? 0) / 1024)
}

const until = async <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

describe('startControlPlane: expected failures', () => {
  it('rejects with one line naming the build script when the binaries are missing', async () => {
    const err = await startControlPlane({ binDir: join(tmpdir(), 'jr-no-such-k8s-bin') }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ControlPlaneError)
    const e = err as ControlPlaneError
    expect(e.message).toMatch(/missing etcd, kube-apiserver, kube-controller-manager in .*: run scripts\/k8s-bin\/build\.sh$/)
    expect(e.message).not.toContain('\n')
    expect(e.stack).toBe(`ControlPlaneError: ${e.message}`)
  })

  it('reads the pinned versions from the wrapper go.mod files', () => {
    const v = pinnedVersions()
    expect(v.kubernetes).toMatch(/^v1\.\d+\.\d+$/)
    expect(v.etcd).toMatch(/^v3\.\d+\.\d+$/)
    if (!process.env['K8S_BIN_DIR']) expect(resolveBinDir()).toContain(`k8s-${v.kubernetes}_etcd-${v.etcd}`)
  })
})

describe('test PKI', () => {
  const tools: ReadonlyArray<PkiTool> = choosePkiTool() === 'openssl' ? ['openssl', 'node'] : ['node']
  for (const tool of tools) {
    it(`${tool}: a CA, a 127.0.0.1 serving certificate that a TLS client accepts, and the apiserver's kubelet client certificate`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'jr-pki-'))
      try {
        const pki = generatePki(dir, tool)
        expect(pki.madeBy).toBe(tool)
        const ca = new X509Certificate(readFileSync(pki.caCert))
        const leaf = new X509Certificate(readFileSync(pki.servingCert))
        expect(ca.ca).toBe(true)
        expect(leaf.ca).toBe(false)
        expect(leaf.verify(ca.publicKey)).toBe(true)
        expect(leaf.checkIssued(ca)).toBe(true)
        expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1')
        expect(leaf.checkHost('localhost')).toBe('localhost')
        if (choosePkiTool() === 'openssl') {
          execFileSync('openssl', ['verify', '-CAfile', pki.caCert, '-purpose', 'sslserver', pki.servingCert], { stdio: 'pipe' })
        }
        // The client certificate the apiserver presents to kubelets (--kubelet-client-certificate), from the same CA.
        const client = new X509Certificate(readFileSync(pki.kubeletClientCert))
        expect(client.ca).toBe(false)
        expect(client.checkIssued(ca)).toBe(true)
        expect(client.verify(ca.publicKey)).toBe(true)
        expect(client.subject).toBe('CN=kube-apiserver-kubelet-client')
        if (choosePkiTool() === 'openssl') {
          execFileSync('openssl', ['verify', '-CAfile', pki.caCert, '-purpose', 'sslclient', pki.kubeletClientCert], { stdio: 'pipe' })
        }
        // A real handshake against the CA.
        const server = createServer({ cert: readFileSync(pki.servingCert), key: readFileSync(pki.servingKey) },
          (_req, res) => res.end('ok'))
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
        const port = (server.address() as { port: number }).port
        try {
          const body = await new Promise<string>((resolve, reject) => {
            request(`https://127.0.0.1:${port}/`, { ca: readFileSync(pki.caCert) }, (res) => {
              let text = ''
              res.on('data', (c: Buffer) => { text += c.toString() })
              res.on('end', () => resolve(text))
            }).on('error', reject).end()
          })
          expect(body).toBe('ok')
        } finally {
          server.close()
        }
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  }
})

describe('a real control plane (etcd + kube-apiserver + kube-controller-manager)', () => {
  let plane: ControlPlane | undefined
  const ns = 'jr-control-plane-test'

  beforeAll(async () => {
    plane = await startControlPlane({ auditLog: true, users: ['audit-tester'] })
  })

  afterAll(async () => {
    await plane?.stop()
  })

  const p = (): ControlPlane => {
    if (!plane) throw new Error('control plane not started')
    return plane
  }

  it('serves the pinned version and writes a kubeconfig', async () => {
    const res = await p().request<{ gitVersion: string }>('GET', '/version')
    expect(res.status).toBe(200)
    expect(res.body.gitVersion).toBe(pinnedVersions().kubernetes)
    const kubeconfig = readFileSync(p().kubeconfigPath, 'utf8')
    expect(kubeconfig).toContain(p().server)
    expect(kubeconfig).toContain(p().caPath)
    expect(p().processes().map((x) => x.name)).toEqual(['etcd', 'kube-apiserver'])
    // An unauthenticated request is refused: the token is what grants access.
    const anon = await new Promise<number>((resolve, reject) => {
      request(`${p().server}/api/v1/namespaces`, { ca: readFileSync(p().caPath) }, (r) => {
        r.resume()
        resolve(r.statusCode ?? 0)
      }).on('error', reject).end()
    })
    expect([401, 403]).toContain(anon)
  })

  it('defaults a batch/v1 Job; no pod without kube-controller-manager, a pod with it', async () => {
    const c = p()
    expect((await c.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })).status)
      .toBe(201)

    interface Job {
      metadata: { uid: string; name: string; labels?: Record<string, string> }
      spec: {
        selector?: { matchLabels?: Record<string, string> }
        template: { metadata?: { labels?: Record<string, string> }; spec: Record<string, unknown> }
        completions?: number; parallelism?: number; backoffLimit?: number; completionMode?: string; suspend?: boolean
        manualSelector?: boolean; podReplacementPolicy?: string
      }
      status?: { active?: number; startTime?: string }
    }
    const created = await c.request<Job>('POST', `/apis/batch/v1/namespaces/${ns}/jobs`, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pi' },
      spec: {
        template: {
          spec: {
            containers: [{ name: 'pi', image: 'perl:5.34.0', command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(20)'] }],
            restartPolicy: 'Never',
          },
        },
      },
    })
    expect(created.status).toBe(201)
    const job = created.body
    const uid = job.metadata.uid
    expect(uid).toMatch(/^[0-9a-f-]{36}$/)
    // Selector and labels generated by the API server (no manual selector), copied to the Job.
    expect(job.spec.manualSelector).toBe(false)
    expect(job.spec.selector).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': uid } })
    const generated = {
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': uid,
      'job-name': 'pi',
    }
    expect(job.spec.template.metadata?.labels).toEqual(generated)
    expect(job.metadata.labels).toEqual(generated)
    expect(job.spec).toMatchObject({
      completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false,
      podReplacementPolicy: 'TerminatingOrFailed',
    })
    expect(job.spec.template.spec).toMatchObject({
      restartPolicy: 'Never', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler',
    })

    interface PodList {
      items: Array<{
        metadata: {
          name: string; labels?: Record<string, string>; finalizers?: string[]
          ownerReferences?: Array<{ kind: string; name: string; uid: string; controller?: boolean }>
        }
        spec: { nodeName?: string }
      }>
    }
    const pods = async (): Promise<PodList['items']> => {
      const r = await c.request<PodList>('GET', `/api/v1/namespaces/${ns}/pods`)
      expect(r.status).toBe(200)
      return r.body.items
    }

    // Nothing runs the job controller yet: no pod appears.
    await new Promise((r) => setTimeout(r, 3000))
    expect(await pods()).toEqual([])

    const t0 = Date.now()
    await c.startControllerManager()
    expect(c.processes().map((x) => x.name)).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager'])
    const [pod] = await until('the job controller to create a pod', 90_000, async () => {
      const items = await pods()
      return items.length > 0 ? items : undefined
    })
    const podAfterMs = Date.now() - t0
    expect(pod?.metadata.name).toMatch(/^pi-[a-z0-9]{5}$/)
    expect(pod?.metadata.labels).toMatchObject({ 'batch.kubernetes.io/job-name': 'pi', 'batch.kubernetes.io/controller-uid': uid })
    expect(pod?.metadata.finalizers).toContain('batch.kubernetes.io/job-tracking')
    expect(pod?.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Job', name: 'pi', uid, controller: true })])
    expect(pod?.spec.nodeName).toBeUndefined() // no scheduler: it stays Pending

    const status = await until('job status.active = 1', 60_000, async () => {
      const r = await c.request<Job>('GET', `/apis/batch/v1/namespaces/${ns}/jobs/pi`)
      return r.body.status?.active === 1 ? r.body.status : undefined
    })
    expect(status.startTime).toBeTruthy()

    const rss = c.processes().map((x) => `${x.name} ${rssMiB(x.pid)} MiB`).join(', ')
    console.info(`[controlPlane.test] start ${JSON.stringify(c.timings)}; first pod ${podAfterMs} ms after KCM start; RSS ${rss}`)
  })

  it('audits each request under its user; kube-controller-manager stops, then starts again as another user with other client limits', async () => {
    const c = p()
    interface AuditLine {
      verb: string; userAgent?: string; user: { username?: string }; objectRef?: { resource?: string; name?: string }
    }
    const audited = (): AuditLine[] => readFileSync(c.auditLogPath ?? '', 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as AuditLine)
    const token = /token: "([0-9a-f]+)"/.exec(readFileSync(c.kubeconfigOf('audit-tester'), 'utf8'))?.[1] ?? ''
    expect(token).not.toBe(c.token)
    const status = await new Promise<number>((resolve, reject) => {
      request(`${c.server}/api/v1/namespaces/default`, { ca: readFileSync(c.caPath), headers: { Authorization: `Bearer ${token}` } }, (r) => {
        r.resume()
        resolve(r.statusCode ?? 0)
      }).on('error', reject).end()
    })
    expect(status).toBe(200) // the user is in system:masters
    await until('the audit line of that request', 30_000, async () =>
      audited().find((a) => a.user.username === 'audit-tester' && a.verb === 'get' && a.objectRef?.resource === 'namespaces' && a.objectRef.name === 'default'))
    expect(() => c.kubeconfigOf('nobody')).toThrow(ControlPlaneError)

    await c.stopControllerManager()
    expect(c.processes().map((x) => x.name)).toEqual(['etcd', 'kube-apiserver'])
    await c.startControllerManager({ controllers: ['job-controller'], kubeApiQps: 20, kubeApiBurst: 30, user: 'audit-tester' })
    const kcm = c.processes().find((x) => x.name === 'kube-controller-manager')
    const args = readFileSync(`/proc/${kcm?.pid ?? 0}/cmdline`, 'utf8').split('\0')
    expect(args).toEqual(expect.arrayContaining([
      '--controllers=job-controller', '--kube-api-qps=20', '--kube-api-burst=30', `--kubeconfig=${c.kubeconfigOf('audit-tester')}`,
    ]))
    await until("kube-controller-manager's requests as audit-tester", 60_000, async () =>
      audited().find((a) => a.user.username === 'audit-tester' && (a.userAgent ?? '').startsWith('kube-controller-manager/')))
  })

  it('a kube-apiserver that exits early rejects with one line quoting its log, and keeps the log', async () => {
    const err = await startControlPlane({ apiServerFlags: ['--no-such-flag=1'] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ControlPlaneError)
    const message = (err as Error).message
    expect(message).toMatch(/^kube-apiserver exited \(code \d+\) before ready \(\/readyz\): .*unknown flag: --no-such-flag/)
    expect(message).not.toContain('\n')
    const log = /\(log: (\S+)\)$/.exec(message)?.[1]
    expect(log && existsSync(log)).toBe(true)
    if (log) rmSync(join(log, '..'), { recursive: true, force: true })
  })

  it('stop() ends every process and removes the temp dir', async () => {
    const c = p()
    const pids = c.processes().map((x) => x.pid)
    expect(pids.length).toBe(3)
    await c.stop()
    await c.stop() // idempotent
    expect(pids.filter(alive)).toEqual([])
    expect(existsSync(c.dir)).toBe(false)
    plane = undefined
  })
})
