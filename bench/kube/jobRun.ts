/**
 * One measured run: the bench creates a Job for the engine that runs, waits for its
 * `Complete` condition, and reads what the engine cost meanwhile (its requests from the
 * audit log, its CPU time). The bench acts as the control plane's admin user, which the
 * counting leaves out.
 */
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:https'
import type { ControlPlane } from '../../adapters/stores/kubernetes/testing/controlPlane.js'
import { DEFAULT_CONTROLLER_NAME } from '../../adapters/stores/kubernetes/config.js'
import { countRequests, type AuditLogReader, type AuditedRequest, type RequestCounts } from './auditLog.js'
import type { EngineName, RunningEngine } from './engines.js'

/** A Job shape the bench runs. */
export interface Shape {
  readonly completions: number
  readonly parallelism: number
}

/** What one run measured. */
export interface RunFigures {
  readonly engine: EngineName
  readonly shape: Shape
  /** From the create request to the `Complete` condition seen by the bench's watch. */
  readonly completeMs: number
  /** The engine's CPU time over the window (create to Complete, and the settle time after). */
  readonly cpuSeconds: number
  /** The engine's requests over the same window, by kind. */
  readonly requests: RequestCounts
}

/** The namespace the bench's Jobs run in. */
export const BENCH_NAMESPACE = 'bench'

/** After `Complete`: what an engine still sends about the Job (its last events) lands in the window. */
const SETTLE_MS = 2_000

/** A Job that never completes ends the bench rather than hanging it. */
const COMPLETE_TIMEOUT_MS = 15 * 60_000

/** The Job: ours takes it by `spec.managedBy`; upstream's takes a Job without one. */
export function benchJob(name: string, shape: Shape, managedByUs: boolean): unknown {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: BENCH_NAMESPACE },
    spec: {
      completions: shape.completions,
      parallelism: shape.parallelism,
      ...(managedByUs ? { managedBy: DEFAULT_CONTROLLER_NAME } : {}),
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox', command: ['true'] }] } },
    },
  }
}

/** The audit log's requests, kept between reads so that each run can take its window. */
export class AuditedRequests {
  private requests: AuditedRequest[] = []
  constructor(private readonly reader: AuditLogReader) {}

  /** Lines of the log that were not audit events (none, unless the server's format changed). */
  get unreadableLines(): number {
    return this.reader.unreadableLines
  }

  /** Reads what the log gained, then counts `username`'s requests received in [fromMs, toMs]; forgets the older ones. */
  count(username: string, fromMs: number, toMs: number): RequestCounts {
    this.requests = [...this.requests, ...this.reader.readNew()].filter((r) => r.receivedMs >= fromMs)
    return countRequests(this.requests, { username, fromMs, toMs })
  }
}

/** Runs one Job to `Complete` on `engine`; a `bystander` engine (one that does not manage the Job) is measured over the same window. */
export async function runJob(
  plane: ControlPlane,
  audit: AuditedRequests,
  engine: RunningEngine,
  shape: Shape,
  name: string,
  bystander?: RunningEngine,
): Promise<{ readonly figures: RunFigures; readonly bystander?: { readonly cpuSeconds: number; readonly requests: RequestCounts } }> {
  const completed = watchUntilComplete(plane, name)
  await completed.watching
  const cpuBefore = engine.cpuSeconds()
  const bystanderCpuBefore = bystander?.cpuSeconds()
  const fromMs = Date.now()
  const created = await plane.request('POST', `/apis/batch/v1/namespaces/${BENCH_NAMESPACE}/jobs`, benchJob(name, shape, engine.name === 'ours'))
  if (created.status !== 201) throw new Error(`creating Job ${name} failed: HTTP ${created.status} ${JSON.stringify(created.body).slice(0, 300)}`)
  await completed.done
  const completeMs = Date.now() - fromMs
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
  const toMs = Date.now()
  const cpuSeconds = engine.cpuSeconds() - cpuBefore
  const figures: RunFigures = { engine: engine.name, shape, completeMs, cpuSeconds, requests: audit.count(engine.username, fromMs, toMs) }
  if (bystander === undefined || bystanderCpuBefore === undefined) return { figures }
  return {
    figures,
    bystander: { cpuSeconds: bystander.cpuSeconds() - bystanderCpuBefore, requests: audit.count(bystander.username, fromMs, toMs) },
  }
}

/** Removes a run's Job, pods and events (no garbage collector runs here), so that the next run starts from the same state. */
export async function cleanUpRun(plane: ControlPlane, name: string): Promise<void> {
  const base = `/api/v1/namespaces/${BENCH_NAMESPACE}`
  const paths: ReadonlyArray<string> = [
    `/apis/batch/v1/namespaces/${BENCH_NAMESPACE}/jobs/${name}?propagationPolicy=Background`,
    `${base}/pods?gracePeriodSeconds=0`,
    `${base}/events`,
  ]
  for (const path of paths) {
    const method = 'DELETE'
    const response = await plane.request(method, path)
    if (response.status >= 300 && response.status !== 404) {
      throw new Error(`${method} ${path} failed: HTTP ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`)
    }
  }
}

interface JobView {
  readonly status?: { readonly conditions?: ReadonlyArray<{ readonly type: string; readonly status: string; readonly message?: string }> }
}

/** Watches one Job until its `Complete` condition is True; a `Failed` one rejects. */
function watchUntilComplete(plane: ControlPlane, name: string): { readonly watching: Promise<void>; readonly done: Promise<void> } {
  const agent = new Agent({ ca: readFileSync(plane.caPath) })
  const path = `/apis/batch/v1/namespaces/${BENCH_NAMESPACE}/jobs?watch=1&fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`
  let watchingResolve: () => void = () => undefined
  const watching = new Promise<void>((resolve) => (watchingResolve = resolve))
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`Job ${name} not Complete after ${COMPLETE_TIMEOUT_MS / 60_000} min`)), COMPLETE_TIMEOUT_MS)
    const req = request(`${plane.server}${path}`, { agent, headers: { Authorization: `Bearer ${plane.token}` } }, (res) => {
      if (res.statusCode !== 200) return finish(new Error(`watching Job ${name} failed: HTTP ${res.statusCode}`))
      watchingResolve()
      let buffered = ''
      res.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8')
        const lines = buffered.split('\n')
        buffered = lines.pop() ?? ''
        for (const line of lines) {
          if (line.trim() === '') continue
          const event = JSON.parse(line) as { readonly object?: JobView }
          const conditions = event.object?.status?.conditions ?? []
          if (conditions.some((c) => c.type === 'Complete' && c.status === 'True')) return finish()
          const failed = conditions.find((c) => c.type === 'Failed' && c.status === 'True')
          if (failed !== undefined) return finish(new Error(`Job ${name} failed: ${failed.message ?? ''}`))
        }
      })
      res.on('end', () => finish(new Error(`the watch of Job ${name} ended before it was Complete`)))
    })
    req.on('error', (error) => finish(error))
    req.end()
    function finish(error?: Error): void {
      clearTimeout(timer)
      req.destroy()
      agent.destroy()
      watchingResolve()
      if (error === undefined) resolve()
      else reject(error)
    }
  })
  // Awaited only after the create; a watch that fails before then must not crash the bench as an unhandled rejection.
  done.catch(() => undefined)
  return { watching, done }
}
