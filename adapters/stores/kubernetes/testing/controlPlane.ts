/**
 * A real control plane on loopback for tests: etcd + kube-apiserver (+ kube-controller-manager
 * with only the Job, garbage-collector and TTL-after-finished controllers).
 *
 * The binaries come from `scripts/k8s-bin/build.sh` (built from the pinned wrapper modules in
 * tools/k8s-bin, cached outside the repo). Everything else is made per call in a fresh temp dir:
 * PKI (openssl, or Node's crypto without it), a static bearer token in `system:masters`, free
 * loopback ports, a kubeconfig. Each process runs in its own process group; `stop()` ends them
 * in reverse order and removes the dir. If the test process dies without `stop()`, an exit hook
 * (normal exit) or a small watchdog process (signals, SIGKILL) ends them within ~2 s.
 *
 * Options for benchmarks: an audit log of every request (who sent it, which verb and
 * resource), more users each with a kubeconfig of their own (so that each client's requests
 * can be told apart), and a kube-controller-manager that stops and starts again with other
 * client limits.
 *
 * Expected failures (binaries missing, a process exiting early, a time-out) reject with a
 * `ControlPlaneError`: one line, no stack.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { Agent, request as httpsRequest } from 'node:https'
import { createServer } from 'node:net'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generatePki, KUBELET_CLIENT_USER, type PkiFiles } from './pki.js'

/** The controllers this project needs from kube-controller-manager. */
export const DEFAULT_CONTROLLERS: ReadonlyArray<string> = [
  'job-controller',
  'garbage-collector-controller',
  'ttl-after-finished-controller',
]

/** How kube-controller-manager runs. */
export interface ControllerManagerOptions {
  /** Its `--controllers` (default {@link ControlPlaneOptions.controllers}, else {@link DEFAULT_CONTROLLERS}). */
  readonly controllers?: ReadonlyArray<string>
  /** `--kube-api-qps` (default 100: many test scenarios at once). */
  readonly kubeApiQps?: number
  /** `--kube-api-burst` (default 200). */
  readonly kubeApiBurst?: number
  /** One of {@link ControlPlaneOptions.users} to act as (default the admin user). */
  readonly user?: string
}

export interface ControlPlaneOptions {
  /** Start kube-controller-manager too (default false). */
  readonly withControllerManager?: boolean
  /** KCM `--controllers` (default {@link DEFAULT_CONTROLLERS}). */
  readonly controllers?: ReadonlyArray<string>
  /** Folder with etcd, kube-apiserver, kube-controller-manager (default: {@link resolveBinDir}). */
  readonly binDir?: string
  /** Time each component gets to become ready (default 120 s: a busy 2-core machine). */
  readonly startTimeoutMs?: number
  /** Extra kube-apiserver flags (`--name=value`), appended. */
  readonly apiServerFlags?: ReadonlyArray<string>
  /** Leave the temp dir (logs, PKI, etcd data) after `stop()`; also `K8S_TEST_KEEP_DIR=1`. */
  readonly keepDir?: boolean
  /**
   * Write an audit log (`ControlPlane.auditLogPath`, JSON lines): every request at level
   * `Metadata`, one line when its response is complete (and one when a watch's response
   * starts). Default false.
   */
  readonly auditLog?: boolean
  /**
   * More users, each in `system:masters` with a token and a kubeconfig of its own
   * (`ControlPlane.kubeconfigOf(user)`): the audit log names who sent each request.
   */
  readonly users?: ReadonlyArray<string>
}

export interface ControlPlaneProcess {
  readonly name: 'etcd' | 'kube-apiserver' | 'kube-controller-manager'
  readonly pid: number
  readonly logPath: string
}

export interface ApiResponse<T = unknown> {
  readonly status: number
  readonly body: T
}

export interface ControlPlane {
  readonly kubeconfigPath: string
  /** `https://127.0.0.1:<port>` */
  readonly server: string
  /** Bearer token of a user in `system:masters`. */
  readonly token: string
  /** PEM of the CA that signed the apiserver's serving certificate. */
  readonly caPath: string
  /** PEM of the CA that signed the client certificate the apiserver presents to kubelets: a node's client CA. */
  readonly kubeletClientCaPath: string
  /** That client certificate and its key (`--kubelet-client-certificate`, `--kubelet-client-key`). */
  readonly kubeletClientCertPath: string
  readonly kubeletClientKeyPath: string
  /** The temp dir (PKI, logs, etcd data). */
  readonly dir: string
  /** The API server's audit log, with {@link ControlPlaneOptions.auditLog}. */
  readonly auditLogPath: string | undefined
  /** The kubeconfig of one of {@link ControlPlaneOptions.users}; throws `ControlPlaneError` for another name. */
  readonly kubeconfigOf: (user: string) => string
  readonly etcdUrl: string
  /** Milliseconds each step took. */
  readonly timings: Readonly<Record<string, number>>
  readonly processes: () => ReadonlyArray<ControlPlaneProcess>
  /** A JSON request to the apiserver as the admin user (plain `https`). Never throws on HTTP status. */
  readonly request: <T = unknown>(method: string, path: string, body?: unknown, contentType?: string) => Promise<ApiResponse<T>>
  /** Starts kube-controller-manager on a running plane (no-op if it runs). */
  readonly startControllerManager: (options?: ControllerManagerOptions) => Promise<void>
  /** Ends kube-controller-manager (no-op if it does not run); `startControllerManager` starts it again. */
  readonly stopControllerManager: () => Promise<void>
  /** Ends the processes (KCM, apiserver, etcd) and removes the temp dir. Idempotent. */
  readonly stop: () => Promise<void>
}

/** An expected failure: its message is the whole story (no stack is printed). */
export class ControlPlaneError extends Error {
  override readonly name = 'ControlPlaneError'
  constructor(message: string) {
    super(message)
    this.stack = `ControlPlaneError: ${message}`
  }
}

// ---- binaries ---------------------------------------------------------------------------------

const BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager'] as const
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url))

const pinned = (file: string, module: string): string | undefined => {
  try {
    const text = readFileSync(join(repoRoot, file), 'utf8')
    const escaped = module.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
    return new RegExp(`^(?:require)?\\s*${escaped} (v\\S+)`, 'm').exec(text)?.[1]
  } catch {
    return undefined
  }
}

/** The pinned versions (from the wrapper go.mod files). */
export const pinnedVersions = (): { readonly kubernetes?: string; readonly etcd?: string } => {
  const kubernetes = pinned('tools/k8s-bin/k8s/go.mod', 'k8s.io/kubernetes')
  const etcd = pinned('tools/k8s-bin/etcd/go.mod', 'go.etcd.io/etcd/server/v3')
  return { ...(kubernetes ? { kubernetes } : {}), ...(etcd ? { etcd } : {}) }
}

/** Same rule as scripts/k8s-bin/env.sh: `$K8S_BIN_DIR`, else the version-keyed cache folder. */
export const resolveBinDir = (): string => {
  const fromEnv = process.env['K8S_BIN_DIR']
  if (fromEnv) return fromEnv
  const v = pinnedVersions()
  return join(process.env['HOME'] || homedir(), '.cache/job-reconciler/k8s-bin',
    `k8s-${v.kubernetes ?? 'unknown'}_etcd-${v.etcd ?? 'unknown'}`)
}

/** The binaries missing from `binDir` (empty when the plane can start). */
export const missingBinaries = (binDir: string = resolveBinDir()): ReadonlyArray<string> =>
  BINARIES.filter((b) => !existsSync(join(binDir, b)))

// ---- process bookkeeping (exit hook + watchdog) -----------------------------------------------

interface Proc {
  readonly name: ControlPlaneProcess['name']
  readonly child: ChildProcess
  readonly pid: number
  readonly logPath: string
  readonly exited: Promise<string> // "code 1" / "signal SIGTERM" / "spawn error: …"
  done: boolean
}

interface Live {
  readonly dir: string
  readonly procs: Proc[]
  keepDir: boolean
}

const live = new Set<Live>()
let exitHookInstalled = false

const killGroup = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pid, signal)
  } catch {
    /* already gone */
  }
}

const installExitHook = (): void => {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const l of live) {
      for (const p of l.procs) if (!p.done) killGroup(p.pid, 'SIGKILL')
      if (!l.keepDir) rmSync(l.dir, { recursive: true, force: true })
    }
  })
}

/** A `sh` loop that outlives a killed test process and then ends the groups listed in `.pgids`. */
const WATCHDOG = `
parent=$1; dir=$2
while kill -0 "$parent" 2>/dev/null; do sleep 1; done
[ -f "$dir/.pgids" ] || exit 0
for g in $(cat "$dir/.pgids"); do kill -TERM "-$g" 2>/dev/null; done
sleep 2
for g in $(cat "$dir/.pgids"); do kill -KILL "-$g" 2>/dev/null; done
[ -f "$dir/.keep" ] || rm -rf "$dir"
`

const startWatchdog = (dir: string): ChildProcess => {
  const w = spawn('sh', ['-c', WATCHDOG, 'k8s-test-watchdog', String(process.pid), dir], {
    detached: true, stdio: 'ignore', cwd: '/',
  })
  w.unref()
  return w
}

const writePgids = (l: Live): void => {
  writeFileSync(join(l.dir, '.pgids'), l.procs.filter((p) => !p.done).map((p) => `${p.pid}\n`).join(''))
}

const childEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('ETCD_') || k === 'KUBECONFIG') continue // would reconfigure the children
    env[k] = v
  }
  return env
}

const startProc = (l: Live, name: Proc['name'], bin: string, args: ReadonlyArray<string>): Proc => {
  const logPath = join(l.dir, `${name}.log`)
  const fd = openSync(logPath, 'a')
  let child: ChildProcess
  try {
    child = spawn(bin, args, { detached: true, stdio: ['ignore', fd, fd], cwd: l.dir, env: childEnv() })
  } finally {
    closeSync(fd)
  }
  const exited = new Promise<string>((resolve) => {
    child.once('error', (e) => resolve(`spawn error: ${e.message}`))
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`))
  })
  if (child.pid === undefined) throw new ControlPlaneError(`${name}: could not start ${bin}`)
  child.unref()
  const p: Proc = { name, child, pid: child.pid, logPath, exited, done: false }
  void exited.then(() => { p.done = true })
  l.procs.push(p)
  writePgids(l)
  return p
}

const stopProc = async (p: Proc, graceMs: number): Promise<void> => {
  if (!p.done) killGroup(p.pid, 'SIGTERM')
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref())
  if ((await Promise.race([p.exited, timer])) === 'timeout') {
    killGroup(p.pid, 'SIGKILL')
    await p.exited
  }
  killGroup(p.pid, 'SIGKILL') // anything left in the group
}

// ---- helpers ----------------------------------------------------------------------------------

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

const logTail = (path: string, lines = 3): string => {
  try {
    const all = readFileSync(path, 'utf8').trim().split('\n').filter((x) => x.trim() !== '')
    return all.slice(-lines).map((x) => x.trim().slice(0, 300)).join(' | ')
  } catch {
    return '(no log)'
  }
}

const logMentions = (path: string, text: string): boolean => {
  try {
    return readFileSync(path, 'utf8').includes(text)
  } catch {
    return false
  }
}

class PortClash extends Error {}

/** Polls `probe` until it returns true; fails when `proc` exits or the time runs out. */
const waitUntil = async (proc: Proc, what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  let exitedWith: string | undefined
  void proc.exited.then((how) => { exitedWith = how })
  for (;;) {
    if (exitedWith !== undefined) {
      if (logMentions(proc.logPath, 'address already in use')) throw new PortClash(proc.name)
      throw new ControlPlaneError(
        `${proc.name} exited (${exitedWith}) before ${what}: ${logTail(proc.logPath)} (log: ${proc.logPath})`)
    }
    if (await probe().catch(() => false)) return
    if (Date.now() > deadline) {
      throw new ControlPlaneError(
        `${proc.name} not ${what} after ${Math.round(timeoutMs / 1000)} s: ${logTail(proc.logPath)} (log: ${proc.logPath})`)
    }
    await sleep(200)
  }
}

const httpOk = (url: string): Promise<boolean> =>
  new Promise((resolve) => {
    const req = httpRequest(url, { timeout: 2000 }, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on('error', () => resolve(false))
    req.on('timeout', () => req.destroy())
    req.end()
  })

const httpsCall = (agent: Agent, url: string, method: string, headers: Record<string, string>, body?: string):
Promise<{ status: number; text: string }> =>
  new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method, agent, headers, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: timed out`)))
    if (body !== undefined) req.write(body)
    req.end()
  })

const kubeconfig = (server: string, caPath: string, token: string): string => [
  'apiVersion: v1',
  'kind: Config',
  'clusters:',
  '- name: test',
  '  cluster:',
  `    server: ${JSON.stringify(server)}`,
  `    certificate-authority: ${JSON.stringify(caPath)}`,
  'users:',
  '- name: test-admin',
  '  user:',
  `    token: ${JSON.stringify(token)}`,
  'contexts:',
  '- name: test',
  '  context: {cluster: test, user: test-admin}',
  'current-context: test',
  '',
].join('\n')

/**
 * Every request at level `Metadata` (who, verb, resource, response code; no bodies), without
 * the `RequestReceived` stage: one line per request once its response is complete.
 */
const AUDIT_POLICY = [
  'apiVersion: audit.k8s.io/v1',
  'kind: Policy',
  'omitStages: ["RequestReceived"]',
  'rules:',
  '- level: Metadata',
  '',
].join('\n')

// ---- the plane --------------------------------------------------------------------------------

/** Starts etcd → kube-apiserver (→ kube-controller-manager) on free loopback ports. */
export const startControlPlane = async (options: ControlPlaneOptions = {}): Promise<ControlPlane> => {
  const binDir = options.binDir ?? resolveBinDir()
  const missing = missingBinaries(binDir)
  if (missing.length > 0) {
    throw new ControlPlaneError(
      `control-plane binaries not built (missing ${missing.join(', ')} in ${binDir}): run scripts/k8s-bin/build.sh`)
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(binDir, options)
    } catch (e) {
      if (e instanceof PortClash && attempt < 3) continue // another process took a port we picked
      if (e instanceof PortClash) throw new ControlPlaneError(`${e.message}: loopback port clash 3 times in a row`)
      throw e
    }
  }
}

const startOnce = async (binDir: string, options: ControlPlaneOptions): Promise<ControlPlane> => {
  const timeoutMs = options.startTimeoutMs ?? 120_000
  const dir = mkdtempSync(join(tmpdir(), 'jr-k8s-'))
  const l: Live = { dir, procs: [], keepDir: options.keepDir ?? process.env['K8S_TEST_KEEP_DIR'] === '1' }
  if (l.keepDir) writeFileSync(join(dir, '.keep'), '')
  installExitHook()
  live.add(l)
  const watchdog = startWatchdog(dir)
  const timings: Record<string, number> = {}
  let agent: Agent | undefined
  let stopped: Promise<void> | undefined

  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      for (const p of [...l.procs].reverse()) {
        await stopProc(p, 10_000)
        writePgids(l)
      }
      agent?.destroy()
      if (watchdog.pid !== undefined) killGroup(watchdog.pid, 'SIGKILL')
      live.delete(l)
      if (!l.keepDir) rmSync(dir, { recursive: true, force: true })
    })()
    return stopped
  }

  try {
    let t = Date.now()
    const pkiDir = join(dir, 'pki')
    mkdirSync(pkiDir)
    const pki: PkiFiles = generatePki(pkiDir)
    const token = randomBytes(24).toString('hex')
    const tokens = join(pkiDir, 'tokens.csv')
    const userTokens = new Map((options.users ?? []).map((user) => [user, randomBytes(24).toString('hex')] as const))
    writeFileSync(tokens, [
      `${token},test-admin,test-admin-uid,"system:masters"\n`,
      ...[...userTokens].map(([user, userToken]) => `${userToken},${user},${user}-uid,"system:masters"\n`),
    ].join(''), { mode: 0o600 })
    timings[`pki (${pki.madeBy})`] = Date.now() - t

    // etcd
    t = Date.now()
    const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()]
    const etcdUrl = `http://127.0.0.1:${etcdPort}`
    const peerUrl = `http://127.0.0.1:${peerPort}`
    const etcd = startProc(l, 'etcd', join(binDir, 'etcd'), [
      '--name=test', `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=test=${peerUrl}`,
      '--unsafe-no-fsync=true', '--log-level=warn',
    ])
    await waitUntil(etcd, 'healthy', timeoutMs, () => httpOk(`${etcdUrl}/health`))
    timings['etcd'] = Date.now() - t

    // kube-apiserver
    t = Date.now()
    const server = `https://127.0.0.1:${apiPort}`
    const auditLogPath = options.auditLog === true ? join(dir, 'audit.log') : undefined
    const auditFlags: string[] = []
    if (auditLogPath !== undefined) {
      const policyPath = join(dir, 'audit-policy.yaml')
      writeFileSync(policyPath, AUDIT_POLICY)
      auditFlags.push(`--audit-policy-file=${policyPath}`, `--audit-log-path=${auditLogPath}`, '--audit-log-maxsize=0')
    }
    const apiserver = startProc(l, 'kube-apiserver', join(binDir, 'kube-apiserver'), [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiPort}`,
      `--tls-cert-file=${pki.servingCert}`, `--tls-private-key-file=${pki.servingKey}`,
      `--token-auth-file=${tokens}`,
      `--kubelet-client-certificate=${pki.kubeletClientCert}`, `--kubelet-client-key=${pki.kubeletClientKey}`,
      '--authorization-mode=RBAC',
      `--service-account-issuer=${server}`,
      `--service-account-key-file=${pki.saPub}`, `--service-account-signing-key-file=${pki.saKey}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--disable-admission-plugins=ServiceAccount',
      '--endpoint-reconciler-type=none',
      '--allow-privileged=true',
      `--cert-dir=${pkiDir}`,
      ...auditFlags,
      ...(options.apiServerFlags ?? []),
    ])
    agent = new Agent({ ca: readFileSync(pki.caCert), keepAlive: true, maxSockets: 16 })
    const a = agent
    const auth = { Authorization: `Bearer ${token}` }
    const get = async (path: string): Promise<number> => (await httpsCall(a, `${server}${path}`, 'GET', auth)).status
    await waitUntil(apiserver, 'ready (/readyz)', timeoutMs, async () => (await get('/readyz')) === 200)
    await waitUntil(apiserver, 'serving namespace default', timeoutMs,
      async () => (await get('/api/v1/namespaces/default')) === 200)
    timings['kube-apiserver'] = Date.now() - t

    // The API server's kubelet client user may use every kubelet API, which Webhook-authorizing nodes check
    // (kubeadm puts its certificate in an admin group instead).
    const binding = await httpsCall(a, `${server}/apis/rbac.authorization.k8s.io/v1/clusterrolebindings`, 'POST', { ...auth, 'Content-Type': 'application/json' }, JSON.stringify({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'kube-apiserver-kubelet-client' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:kubelet-api-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: KUBELET_CLIENT_USER }],
    }))
    if (binding.status !== 201) throw new ControlPlaneError(`kube-apiserver: binding ${KUBELET_CLIENT_USER} to system:kubelet-api-admin failed (HTTP ${binding.status}): ${binding.text.slice(0, 300)}`)

    const kubeconfigPath = join(dir, 'admin.kubeconfig')
    writeFileSync(kubeconfigPath, kubeconfig(server, pki.caCert, token), { mode: 0o600 })
    const userKubeconfigs = new Map([...userTokens].map(([user, userToken]) => {
      const path = join(dir, `${user}.kubeconfig`)
      writeFileSync(path, kubeconfig(server, pki.caCert, userToken), { mode: 0o600 })
      return [user, path] as const
    }))
    const kubeconfigOf = (user: string): string => {
      const path = userKubeconfigs.get(user)
      if (path === undefined) throw new ControlPlaneError(`no user ${user} on this control plane (options.users: ${[...userKubeconfigs.keys()].join(', ') || 'none'})`)
      return path
    }

    const request = async <T = unknown>(method: string, path: string, body?: unknown, contentType?: string):
    Promise<ApiResponse<T>> => {
      const headers: Record<string, string> = { ...auth, Accept: 'application/json' }
      let payload: string | undefined
      if (body !== undefined) {
        payload = typeof body === 'string' ? body : JSON.stringify(body)
        headers['Content-Type'] = contentType ?? (method === 'PATCH' ? 'application/merge-patch+json' : 'application/json')
      }
      const res = await httpsCall(a, `${server}${path}`, method, headers, payload)
      let parsed: unknown = res.text
      try {
        parsed = JSON.parse(res.text)
      } catch {
        /* not JSON: keep the text */
      }
      return { status: res.status, body: parsed as T }
    }

    let kcmStarting: Promise<Proc> | undefined
    const startControllerManager = async (kcmOptions: ControllerManagerOptions = {}): Promise<void> => {
      const controllers = kcmOptions.controllers ?? options.controllers ?? DEFAULT_CONTROLLERS
      const clientKubeconfig = kcmOptions.user === undefined ? kubeconfigPath : kubeconfigOf(kcmOptions.user)
      kcmStarting ??= (async () => {
        const t0 = Date.now()
        const port = await freePort()
        const kcm = startProc(l, 'kube-controller-manager', join(binDir, 'kube-controller-manager'), [
          `--kubeconfig=${clientKubeconfig}`,
          // Delegated authn/authz for KCM's own /healthz port; skip-lookup: without a client CA the
          // apiserver never creates kube-system/extension-apiserver-authentication (KCM would log
          // "configmap not found" forever).
          `--authentication-kubeconfig=${kubeconfigPath}`, `--authorization-kubeconfig=${kubeconfigPath}`,
          '--authentication-skip-lookup=true',
          `--controllers=${controllers.join(',')}`,
          '--leader-elect=false',
          '--bind-address=127.0.0.1', `--secure-port=${port}`,
          `--tls-cert-file=${pki.servingCert}`, `--tls-private-key-file=${pki.servingKey}`,
          `--kube-api-qps=${kcmOptions.kubeApiQps ?? 100}`, `--kube-api-burst=${kcmOptions.kubeApiBurst ?? 200}`,
          '--v=2',
        ])
        await waitUntil(kcm, 'healthy (/healthz)', timeoutMs, async () =>
          (await httpsCall(a, `https://127.0.0.1:${port}/healthz`, 'GET', {})).status === 200)
        timings['kube-controller-manager'] = Date.now() - t0
        return kcm
      })()
      await kcmStarting
    }

    const stopControllerManager = async (): Promise<void> => {
      const starting = kcmStarting
      if (starting === undefined) return
      kcmStarting = undefined
      const kcm = await starting.catch(() => l.procs.find((p) => p.name === 'kube-controller-manager'))
      if (kcm === undefined) return
      await stopProc(kcm, 10_000)
      const at = l.procs.indexOf(kcm)
      if (at >= 0) l.procs.splice(at, 1) // stop() must not signal its (maybe reused) pid group again
      writePgids(l)
    }

    if (options.withControllerManager) await startControllerManager()

    return {
      kubeconfigPath, server, token, caPath: pki.caCert, kubeletClientCaPath: pki.caCert,
      kubeletClientCertPath: pki.kubeletClientCert, kubeletClientKeyPath: pki.kubeletClientKey, dir, etcdUrl, timings,
      auditLogPath, kubeconfigOf,
      processes: () => l.procs.filter((p) => !p.done).map((p) => ({ name: p.name, pid: p.pid, logPath: p.logPath })),
      request, startControllerManager, stopControllerManager, stop,
    }
  } catch (e) {
    // Keep the logs of a failed start (the error names them), unless we will retry.
    if (!(e instanceof PortClash)) {
      l.keepDir = true
      writeFileSync(join(dir, '.keep'), '')
    }
    await stop()
    throw e
  }
}
