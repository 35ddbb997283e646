/**
 * `npm run bench:kube`: our engine against upstream's kube-controller-manager on one real
 * kube-apiserver + etcd, at the same client limits, alternating, one engine at a time. A
 * kubelet stand-in makes each pod succeed as soon as it appears. Prints figures, asserts
 * nothing. Every process and temp dir it made is gone when it ends, Ctrl-C included.
 *
 *   BENCH_KUBE_RUNS=N                 runs per engine and shape (default 3)
 *   BENCH_KUBE_SHAPES=10/10,1000/100  the Jobs, as completions/parallelism (default: both of these)
 *   BENCH_KUBE_CPU_PROFILE=DIR        our engine writes a V8 CPU profile per run into DIR (node --cpu-prof)
 *   BENCH_KUBE_NODE_FLAGS='--flag …'  extra node flags for our engine's process
 *   BENCH_KUBE_ENGINES=ours           run only these engines (default: ours,upstream, and ours beside upstream)
 */
import { spawn } from 'node:child_process'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { ControlPlaneError, pinnedVersions, startControlPlane } from '../../adapters/stores/kubernetes/testing/controlPlane.js'
import { AuditLogReader, totalRequests } from './auditLog.js'
import { ENGINE_USERS, startOurs, startUpstream, type ClientLimits, type EngineName, type RunningEngine } from './engines.js'
import { AuditedRequests, BENCH_NAMESPACE, cleanUpRun, runJob, type RunFigures, type Shape } from './jobRun.js'
import { startKubeletStandIn } from './kubeletStandIn.js'
import { formatReport, shapeLabel, type BenchReport } from './report.js'

/** kube-controller-manager's default client limits, given to both engines. */
const LIMITS: ClientLimits = { qps: 20, burst: 30 }
const DEFAULT_SHAPES: ReadonlyArray<Shape> = [
  { completions: 10, parallelism: 10 },
  { completions: 1_000, parallelism: 100 },
]
const KUBELET_USER = 'bench-kubelet'
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Undone in reverse order when the bench ends, however it ends. */
const cleanups: Array<() => Promise<void>> = []

const progress = (line: string): void => void process.stderr.write(`bench:kube: ${line}\n`)

async function main(): Promise<void> {
  const runsPerEngine = runsFromEnvironment()
  const shapes = shapesFromEnvironment()
  const engines = enginesFromEnvironment()
  await ensureBinaries()
  const loadAtStart = loadavg()[0] ?? 0

  progress('starting etcd and kube-apiserver (with an audit log)')
  const plane = await startControlPlane({ auditLog: true, users: [ENGINE_USERS.ours, ENGINE_USERS.upstream, KUBELET_USER] })
  cleanups.push(() => plane.stop())
  const namespace = await plane.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: BENCH_NAMESPACE } })
  if (namespace.status !== 201) throw new Error(`creating namespace ${BENCH_NAMESPACE} failed: HTTP ${namespace.status}`)
  const version = (await plane.request<{ readonly gitVersion?: string }>('GET', '/version')).body.gitVersion ?? pinnedVersions().kubernetes ?? '?'

  // The stand-in's own client has no rate limit: the engines' limits are what is measured.
  const kubelet = await startKubeletStandIn({
    kubeconfigPath: plane.kubeconfigOf(KUBELET_USER), namespace: BENCH_NAMESPACE, qps: 0, burst: 0, userAgent: KUBELET_USER,
  })
  cleanups.push(() => kubelet.stop())

  if (plane.auditLogPath === undefined) throw new BenchError('the control plane started without an audit log')
  const audit = new AuditedRequests(new AuditLogReader(plane.auditLogPath))
  const runs: RunFigures[] = []
  const total = shapes.length * runsPerEngine * engines.length + (engines.length === 2 ? 1 : 0)
  let jobNumber = 0
  const start = (engine: EngineName): Promise<RunningEngine> => (engine === 'ours' ? startOurs(plane, LIMITS, jobNumber) : startUpstream(plane, LIMITS))

  for (const shape of shapes) {
    for (let round = 0; round < runsPerEngine; round++) {
      // Alternate which engine goes first, so that neither always runs on the fresher server.
      const order: ReadonlyArray<EngineName> = round % 2 === 0 ? ['ours', 'upstream'] : ['upstream', 'ours']
      for (const name of order.filter((engine) => engines.includes(engine))) {
        jobNumber += 1
        const engine = await withCleanup(start(name))
        const job = `${name}-${jobNumber}`
        const { figures } = await runJob(plane, audit, engine, shape, job)
        await stopEngine(engine)
        await cleanUpRun(plane, job)
        runs.push(figures)
        progress(`[${jobNumber}/${total}] ${name} ${shapeLabel(shape)}: Complete in ${(figures.completeMs / 1000).toFixed(2)} s, ` +
          `${(totalRequests(figures.requests) / shape.completions).toFixed(2)} requests/pod, ${figures.cpuSeconds.toFixed(2)} CPU-s`)
      }
    }
  }

  if (engines.length < 2) {
    for (const figures of runs) console.log(JSON.stringify({ engine: figures.engine, completeMs: figures.completeMs, cpuSeconds: figures.cpuSeconds, requests: totalRequests(figures.requests) }))
    return
  }
  // Once: ours beside upstream's largest Job, which ours does not manage.
  jobNumber += 1
  const largest = shapes[shapes.length - 1]!
  const ours = await withCleanup(startOurs(plane, LIMITS, jobNumber))
  const upstream = await withCleanup(startUpstream(plane, LIMITS))
  const beside = await runJob(plane, audit, upstream, largest, `upstream-${jobNumber}`, ours)
  await stopEngine(upstream)
  await stopEngine(ours)
  await cleanUpRun(plane, `upstream-${jobNumber}`)
  const bystander = beside.bystander!
  progress(`[${jobNumber}/${total}] ours beside upstream's ${shapeLabel(largest)}: ${bystander.cpuSeconds.toFixed(2)} CPU-s`)

  const loadAtEnd = loadavg()[0] ?? 0
  const report: BenchReport = {
    heading: `bench:kube: kube-apiserver ${version} + etcd ${pinnedVersions().etcd ?? '?'} on loopback; both engines at client QPS ${LIMITS.qps}, burst ${LIMITS.burst}; ` +
      `${runsPerEngine} runs per engine and shape, alternating, one engine at a time; medians`,
    shapes,
    runs,
    bystander: { shape: largest, cpuSeconds: bystander.cpuSeconds, upstreamCpuSeconds: beside.figures.cpuSeconds, requests: totalRequests(bystander.requests) },
    notes: [
      '',
      `time: create to the Complete condition; requests and CPU: create to Complete + 2 s, the engine's own user only; ` +
        `ours: ${ENGINE_USERS.ours} (bench/kube/oursProcess.ts), upstream: kube-controller-manager --controllers=job-controller as ${ENGINE_USERS.upstream}`,
      `machine: ${cpus().length} cores, shared; 1-minute load average ${loadAtStart.toFixed(2)} at start, ${loadAtEnd.toFixed(2)} at end`,
      ...(audit.unreadableLines > 0 ? [`warning: ${audit.unreadableLines} audit-log lines could not be read and were not counted`] : []),
    ],
  }
  for (const line of formatReport(report)) console.log(line)
}

/** Registers the engine's stop as a clean-up until it is stopped here. */
async function withCleanup(starting: Promise<RunningEngine>): Promise<RunningEngine> {
  const engine = await starting
  cleanups.push(engine.stop)
  return engine
}

async function stopEngine(engine: RunningEngine): Promise<void> {
  await engine.stop()
  const at = cleanups.indexOf(engine.stop)
  if (at >= 0) cleanups.splice(at, 1)
}

function runsFromEnvironment(): number {
  const text = process.env['BENCH_KUBE_RUNS'] ?? '3'
  const runs = Number(text)
  if (!Number.isInteger(runs) || runs < 1) throw new BenchError(`BENCH_KUBE_RUNS: expected a whole number of runs, at least 1, got "${text}"`)
  return runs
}

function enginesFromEnvironment(): ReadonlyArray<EngineName> {
  const text = process.env['BENCH_KUBE_ENGINES']
  if (text === undefined || text.trim() === '') return ['ours', 'upstream']
  const names = text.split(',').map((name) => name.trim())
  for (const name of names) if (name !== 'ours' && name !== 'upstream') throw new BenchError(`BENCH_KUBE_ENGINES: expected ours, upstream or both, got "${name}"`)
  return [...new Set(names)] as ReadonlyArray<EngineName>
}

function shapesFromEnvironment(): ReadonlyArray<Shape> {
  const text = process.env['BENCH_KUBE_SHAPES']
  if (text === undefined || text.trim() === '') return DEFAULT_SHAPES
  return text.split(',').map((item) => {
    const match = /^\s*(\d+)\/(\d+)\s*$/.exec(item)
    const completions = Number(match?.[1])
    const parallelism = Number(match?.[2])
    if (match === null || completions < 1 || parallelism < 1) {
      throw new BenchError(`BENCH_KUBE_SHAPES: expected completions/parallelism pairs such as 10/10,1000/100, got "${item}"`)
    }
    return { completions, parallelism }
  })
}

/** Builds the control-plane binaries if they are missing (scripts/k8s-bin/ensure.sh: minutes, once). */
async function ensureBinaries(): Promise<void> {
  const output: string[] = []
  const code = await new Promise<number>((resolve) => {
    const child = spawn('bash', ['scripts/k8s-bin/ensure.sh'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    cleanups.push(async () => void child.kill('SIGTERM'))
    const keep = (chunk: Buffer) => {
      const lines = chunk.toString('utf8').split('\n').filter((line) => line.trim() !== '')
      output.push(...lines)
      for (const line of lines) if (line.startsWith('== k8s-bin:') || line.startsWith('k8s-bin: built')) progress(line.replace(/^== /, ''))
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    child.once('error', (error) => {
      output.push(error.message)
      resolve(127)
    })
    child.once('exit', (exitCode) => resolve(exitCode ?? 1))
  })
  cleanups.pop()
  if (code !== 0) {
    const reason = output.filter((line) => /k8s-bin:|error|cannot|not installed/i.test(line)).at(-1) ?? output.at(-1) ?? `exit code ${code}`
    throw new BenchError(`cannot build the Kubernetes binaries (scripts/k8s-bin/ensure.sh exited ${code}): ${reason.replace(/^(== )?k8s-bin: /, '')}`)
  }
}

/** An expected failure: its message is the whole story. */
class BenchError extends Error {}

let ending: Promise<void> | undefined
/** Runs the clean-ups once, then exits with `code`. */
function end(code: number): Promise<void> {
  ending ??= (async () => {
    // The control plane's processes and timers do not hold the event loop open: this does, until the clean-ups are done.
    setInterval(() => undefined, 1_000)
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
    process.exit(code)
  })()
  return ending
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    progress(`${signal}: stopping the engines and the control plane`)
    void end(signal === 'SIGINT' ? 130 : 143)
  })
}

main().then(
  () => end(0),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error)
    const expected = error instanceof BenchError || error instanceof ControlPlaneError
    process.stderr.write(`bench:kube: ${expected ? '' : 'failed: '}${message.split('\n')[0]}\n`)
    return end(1)
  },
)
