/**
 * `jobctl controller`: the engine as a long-lived process for a persistent store (the Job
 * controller and the local process runtime), Prometheus metrics over HTTP, and a graceful stop
 * on SIGTERM or SIGINT.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Effect } from 'effect'
import type { Registry } from 'prom-client'
import * as Controller from '../../controller/Controller.js'
import { BUILT_IN_CONTROLLER } from '../../../core/model/wellKnown.js'
import { podsOfJobsManagedBy } from '../../kubelet/podSelection.js'
import { JobStore } from '../../ports/JobStore.js'
import * as ProcessRuntime from '../../process/ProcessRuntime.js'
import { booleanFlag, stringFlag } from '../args.js'
import type { Command } from '../command.js'
import { startEngine } from '../engine.js'
import { InputError, StoreUnavailableError, type UsageError } from '../errors.js'
import { printErrorLine } from '../io.js'
import { podLogRoot, shipPodLogs } from '../podLogFiles.js'
import { awaitStopSignal } from '../signals.js'
import { formatStoreSpec, kubeConfigOf, type KubeStoreSpec } from '../store.js'
import { usage } from './shared.js'

/** Serves `/metrics` (and `/healthz`) until the scope closes; returns the bound port. */
export function serveMetrics(registry: Registry, host: string, port: number) {
  return Effect.acquireRelease(
    Effect.async<Server, InputError>((resume) => {
      const server = createServer((request, response) => {
        if (request.url === '/healthz') {
          response.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
          return
        }
        if (request.url !== '/metrics') {
          response.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
          return
        }
        registry.metrics().then(
          (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
          (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
        )
      })
      server.once('error', (error) => resume(Effect.fail(new InputError({ message: `cannot serve metrics on ${host}:${port}: ${error.message}` }))))
      server.listen(port, host, () => resume(Effect.succeed(server)))
    }),
    (server) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void))),
  ).pipe(Effect.map((server) => (server.address() as AddressInfo).port))
}

const integerFlag = (text: string | undefined, name: string, min: number): Effect.Effect<number | undefined, UsageError> => {
  if (text === undefined) return Effect.succeed(undefined)
  const value = Number(text)
  return Number.isInteger(value) && value >= min ? Effect.succeed(value) : usage('controller', `invalid argument "${text}" for "--${name}" flag`)
}

/** The `spec.managedBy` value the controller answers to on a Kubernetes cluster (see `KubernetesStore.DEFAULT_CONTROLLER_NAME`). */
const KUBE_CONTROLLER_NAME = 'job-reconciler.io/controller'

/** What `controller --store kube` was asked to do. */
interface KubernetesRun {
  readonly controllerName: string
  readonly eventBatchMs: number
  readonly workers?: number
  readonly maxPods?: number
  readonly metrics: { readonly host: string; readonly port: number } | undefined
  /** Also be a node: run the pods of our Jobs here (`--run-pods`). */
  readonly runPods: boolean
  readonly nodeName: string | undefined
  readonly nodeAddress: string | undefined
}

/**
 * A real cluster: its own Job controller runs the Jobs without our `managedBy`, its TTL
 * controller their TTLs, and its scheduler and kubelets their pods, unless `--run-pods` makes
 * this process a node for the pods of our Jobs (a cluster without kubelets, or a laptop).
 */
function runOnKubernetes(store: KubeStoreSpec, run: KubernetesRun) {
  return Effect.gen(function* () {
    const handle = yield* Controller.start({
      eventBatchMs: run.eventBatchMs,
      ...(run.workers !== undefined ? { workers: run.workers } : {}),
      settings: { controllerName: run.controllerName, ttlForEveryJob: false },
    })
    let where = ''
    if (run.runPods) {
      // Loaded here: the Kubernetes client is heavy and most commands never need it.
      const LocalNode = yield* Effect.promise(() => import('../../kubernetes/node/LocalNode.js'))
      const jobStore = yield* JobStore
      const runtime = yield* ProcessRuntime.make({
        nodeName: run.nodeName ?? LocalNode.defaultLocalNodeName(),
        takesPod: podsOfJobsManagedBy(jobStore, run.controllerName),
        ...(run.maxPods !== undefined ? { maxConcurrentPods: run.maxPods } : {}),
      })
      const node = yield* LocalNode.start(kubeConfigOf(store), runtime, {
        maxPods: run.maxPods ?? ProcessRuntime.defaultMaxConcurrentPods(),
        ...(run.nodeAddress !== undefined ? { address: run.nodeAddress } : {}),
      }).pipe(Effect.mapError((error) => new StoreUnavailableError({ store: formatStoreSpec(store), reason: error.reason })))
      yield* runtime.start
      where = `; running their pods on node ${node.name} (logs on ${node.address}:${node.port})`
    }
    const metrics = run.metrics === undefined ? '' : `; metrics on http://${run.metrics.host}:${yield* serveMetrics(handle.metrics.registry, run.metrics.host, run.metrics.port)}/metrics`
    yield* printErrorLine(`jobctl controller: running Jobs with spec.managedBy ${run.controllerName} in ${formatStoreSpec(store)}${where}${metrics}`)
    const signal = yield* awaitStopSignal
    yield* printErrorLine(`jobctl controller: ${signal}: stopping`)
    return 0
  })
}

export const controller: Command = {
  name: 'controller',
  summary: 'Run the Job controller and the local pod runtime until stopped.',
  usage: 'controller [--store STORE] [--metrics-port PORT] [flags]',
  description:
    'Watches the store and runs its Jobs: the controller creates their pods, the local process runtime runs them. ' +
    'Use it with a persistent store (file:DIR or kube) and the other commands in another terminal; on a file store it records ' +
    'the pods\' output in DIR/pod-logs for jobctl logs. SIGTERM or SIGINT stop it ' +
    "gracefully: the runtime stops its containers (SIGTERM, then SIGKILL after the pods' grace period) and the process exits 0.",
  examples: ['# Run the controller on the default file store, metrics on port 9090', 'jobctl controller --metrics-port 9090'],
  flags: [
    { name: 'metrics-port', kind: 'string', placeholder: 'PORT', help: 'Serve Prometheus metrics on this port (0: any free port; default: none)' },
    { name: 'metrics-address', kind: 'string', placeholder: 'HOST', help: 'The address metrics listen on', defaultValue: '127.0.0.1' },
    { name: 'workers', kind: 'string', placeholder: 'N', help: 'Jobs synced in parallel', defaultValue: '5' },
    { name: 'max-pods', kind: 'string', placeholder: 'N', help: 'Pods running at once on this machine (default: 4 per CPU)' },
    { name: 'event-batch', kind: 'string', placeholder: 'MS', help: 'Milliseconds that merge pod events into one sync', defaultValue: '1000' },
    {
      name: 'controller-name',
      kind: 'string',
      placeholder: 'NAME',
      help: `The spec.managedBy value of the Jobs to run (default: ${KUBE_CONTROLLER_NAME} with --store kube, else ${BUILT_IN_CONTROLLER})`,
    },
    {
      name: 'run-pods',
      kind: 'boolean',
      help: "With --store kube: also run the pods of these Jobs on this machine, as a node of the cluster that serves their logs (default: the cluster's kubelets run them)",
    },
    { name: 'node-name', kind: 'string', placeholder: 'NAME', help: 'With --run-pods: the Node name (default: jobctl-HOSTNAME)' },
    { name: 'node-address', kind: 'string', placeholder: 'IP', help: 'With --run-pods: the IPv4 address the API server reaches the node on for logs', defaultValue: '127.0.0.1' },
  ],
  defaultStore: 'persistent',
  run: (context) =>
    Effect.gen(function* () {
      const metricsPort = yield* integerFlag(stringFlag(context.args, 'metrics-port'), 'metrics-port', 0)
      const workers = yield* integerFlag(stringFlag(context.args, 'workers'), 'workers', 1)
      const maxPods = yield* integerFlag(stringFlag(context.args, 'max-pods'), 'max-pods', 1)
      const eventBatchMs = (yield* integerFlag(stringFlag(context.args, 'event-batch'), 'event-batch', 0)) ?? 1000
      const host = stringFlag(context.args, 'metrics-address') ?? '127.0.0.1'
      if (context.store._tag === 'Kube') {
        const controllerName = stringFlag(context.args, 'controller-name') ?? KUBE_CONTROLLER_NAME
        return yield* runOnKubernetes(context.store, {
          controllerName,
          eventBatchMs,
          ...(workers !== undefined ? { workers } : {}),
          ...(maxPods !== undefined ? { maxPods } : {}),
          metrics: metricsPort === undefined ? undefined : { host, port: metricsPort },
          runPods: booleanFlag(context.args, 'run-pods'),
          nodeName: stringFlag(context.args, 'node-name'),
          nodeAddress: stringFlag(context.args, 'node-address'),
        })
      }
      if (context.store._tag === 'Memory') {
        yield* printErrorLine('jobctl controller: the memory store lives only in this process; other jobctl commands cannot reach it')
      }
      const controllerName = stringFlag(context.args, 'controller-name')
      const engine = yield* startEngine({
        eventBatchMs,
        ...(controllerName !== undefined ? { controllerName } : {}),
        ...(workers !== undefined ? { workers } : {}),
        ...(maxPods !== undefined ? { maxConcurrentPods: maxPods } : {}),
      })
      // On a file store, other processes read pod logs from files beside it (jobctl logs).
      if (context.store._tag === 'File') yield* shipPodLogs(engine.runtime, podLogRoot(context.store.dir))
      const metrics = metricsPort === undefined ? '' : `; metrics on http://${host}:${yield* serveMetrics(engine.controller.metrics.registry, host, metricsPort)}/metrics`
      yield* printErrorLine(`jobctl controller: running Jobs from store ${formatStoreSpec(context.store)} on node ${engine.runtime.nodeName}${metrics}`)
      const signal = yield* awaitStopSignal
      yield* printErrorLine(`jobctl controller: ${signal}: stopping`)
      return 0
    }),
}
