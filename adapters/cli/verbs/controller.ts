/**
 * `jobctl controller`: the engine as a long-lived process for a persistent store (the Job
 * controller and the local process runtime), Prometheus metrics over HTTP, and a graceful stop
 * on SIGTERM or SIGINT.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Effect, Either } from 'effect'
import type { Scope } from 'effect'
import { Registry } from 'prom-client'
import * as Controller from '../../shell/controller/Controller.js'
import { BUILT_IN_CONTROLLER } from '../../../core/model/wellKnown.js'
import { podsOfJobsManagedBy } from '../../runtimes/kubelet/podSelection.js'
import { JobStore } from '../../ports/JobStore.js'
import * as ProcessRuntime from '../../runtimes/process/ProcessRuntime.js'
import { AUTHORIZATION_MODES, type AuthorizationMode } from '../../stores/kubernetes/node/authorization.js'
import { readClientCaFile } from '../../stores/kubernetes/node/clientCa.js'
import { booleanFlag, stringFlag } from '../args.js'
import type { Command } from '../command.js'
import { podStateRoot, startEngine } from '../engine.js'
import { ExitCode, InputError, StoreUnavailableError, type CliError, type UsageError } from '../errors.js'
import { CliIO, printErrorLine, printLine } from '../io.js'
import { podLogRoot, shipPodLogs } from '../podLogFiles.js'
import { listenForStopSignal } from '../signals.js'
import { formatStoreSpec, kubeConfigOf, type KubeStoreSpec, type StoreSpec } from '../store.js'
import { usage } from './shared.js'
import { CLIENT_LIMIT_FLAGS, concurrentJobSyncsOf, withClientLimits } from './clientLimits.js'

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

/**
 * The node's client CA: `--run-pods` needs one, so that the log server answers only the API
 * server (a node without one would serve every pod's log to anyone who reaches its port).
 */
const nodeClientCaOf = (file: string | undefined): Effect.Effect<string, UsageError | InputError> =>
  file === undefined
    ? usage('controller', "--run-pods needs --node-client-ca-file FILE: the CA that signed the API server's kubelet client certificate (kube-apiserver --kubelet-client-certificate)")
    : readClientCaFile(file).pipe(Effect.mapError((error) => new InputError({ message: error.message })))

const authorizationModeOf = (text: string | undefined): Effect.Effect<AuthorizationMode, UsageError> => {
  const mode = AUTHORIZATION_MODES.find((known) => known === (text ?? 'Webhook'))
  return mode !== undefined
    ? Effect.succeed(mode)
    : usage('controller', `invalid argument "${text ?? ''}" for "--node-authorization-mode" flag: must be one of ${AUTHORIZATION_MODES.join(', ')}`)
}

/** The `spec.managedBy` value the controller answers to on a Kubernetes cluster (see `KubernetesStore.DEFAULT_CONTROLLER_NAME`). */
const KUBE_CONTROLLER_NAME = 'job-reconciler.io/controller'

/** The Lease `--leader-elect` uses unless `--leader-elect-name` names another. */
const DEFAULT_LEASE_NAME = 'job-reconciler'

/** What `controller --store kube` was asked to do. */
interface KubernetesRun {
  readonly controllerName: string
  readonly eventBatchMs: number
  readonly workers?: number
  readonly maxPods?: number
  /** Containers being launched at once with `--run-pods`. */
  readonly maxContainerStarts?: number
  readonly metrics: { readonly host: string; readonly port: number } | undefined
  /** Also be a node: run the pods of our Jobs here (`--run-pods`). */
  readonly node: LocalNodeRun | undefined
  /** Work only while holding this Lease (`--leader-elect`); the namespace defaults to the pod's own. */
  readonly leaderElection: { readonly namespace: string | undefined; readonly name: string } | undefined
  /**
   * Be the cluster's CronJob controller too (`--cronjob-controller`). CronJob has no `managedBy`,
   * so this is for clusters where kube-controller-manager runs without its own
   * (`--controllers=*,-cronjob-controller`) or not at all.
   */
  readonly cronJobController: boolean
}

/** The node `--run-pods` makes this process. */
interface LocalNodeRun {
  readonly name: string | undefined
  readonly address: string | undefined
  /** The PEM of the CA that signed the API server's kubelet client certificate (`--node-client-ca-file`). */
  readonly clientCa: string
  /** Who of its holders may read logs (`--node-authorization-mode`). */
  readonly authorization: AuthorizationMode
}

/**
 * A real cluster: its own Job controller runs the Jobs without our `managedBy`, its TTL
 * controller their TTLs, and its scheduler and kubelets their pods, unless `--run-pods` makes
 * this process a node for the pods of our Jobs (a cluster without kubelets, or a laptop).
 * With `--leader-elect` all of that runs only while this replica leads; metrics and `/healthz`
 * answer from the start, so a standby stays alive.
 */
function runOnKubernetes(store: KubeStoreSpec, run: KubernetesRun) {
  return Effect.gen(function* () {
    const registry = new Registry()
    const metrics = run.metrics === undefined ? '' : `; metrics on http://${run.metrics.host}:${yield* serveMetrics(registry, run.metrics.host, run.metrics.port)}/metrics`
    const work = (leadership: string) =>
      Effect.gen(function* () {
        const where = yield* startOnKubernetes(store, run, registry)
        const cronJobs = run.cronJobController ? ' and every CronJob' : ''
        yield* printErrorLine(`jobctl controller: running Jobs with spec.managedBy ${run.controllerName}${cronJobs} in ${formatStoreSpec(store)}${where}${leadership}${metrics}`)
      })
    // Listening before anything prints: a signal sent once a line appears must find the handlers.
    const stopSignal = Effect.flatMap(yield* listenForStopSignal, (signal) => printErrorLine(`jobctl controller: ${signal}: stopping`))
    if (run.leaderElection === undefined) {
      yield* work('')
      yield* stopSignal
      return ExitCode.Ok
    }
    return yield* whileLeading(store, run.leaderElection, work, stopSignal)
  })
}

/** Starts the controller (and with `--run-pods` the local node) for the life of the scope; says where the pods run. */
function startOnKubernetes(store: KubeStoreSpec, run: KubernetesRun, registry: Registry) {
  return Effect.gen(function* () {
    yield* Controller.start({
      eventBatchMs: run.eventBatchMs,
      ...(run.workers !== undefined ? { workers: run.workers } : {}),
      settings: { controllerName: run.controllerName, ttlForEveryJob: false },
      cronJobController: run.cronJobController,
      registry,
    })
    const node = run.node
    if (node === undefined) return ''
    // Loaded here: the Kubernetes client is heavy and most commands never need it.
    const LocalNode = yield* Effect.promise(() => import('../../stores/kubernetes/node/LocalNode.js'))
    const jobStore = yield* JobStore
    const runtime = yield* ProcessRuntime.make({
      nodeName: node.name ?? LocalNode.defaultLocalNodeName(),
      takesPod: podsOfJobsManagedBy(jobStore, run.controllerName),
      ...(run.maxPods !== undefined ? { maxConcurrentPods: run.maxPods } : {}),
      ...(run.maxContainerStarts !== undefined ? { maxConcurrentContainerStarts: run.maxContainerStarts } : {}),
    })
    const registered = yield* LocalNode.start(kubeConfigOf(store), runtime, {
      maxPods: run.maxPods ?? ProcessRuntime.defaultMaxConcurrentPods(),
      clientCa: node.clientCa,
      authorization: node.authorization,
      ...(node.address !== undefined ? { address: node.address } : {}),
    }).pipe(Effect.mapError((error) => new StoreUnavailableError({ store: formatStoreSpec(store), reason: error.reason })))
    yield* runtime.start
    return `; running their pods on node ${registered.name} (logs on ${registered.address}:${registered.port})`
  })
}

/**
 * Runs `work` while this process leads the Lease, until a stop signal (then the lease is
 * released for a standby) or a lost lease (one line, exit code 1: a fresh start is a candidate
 * again, as kube-controller-manager does it).
 */
function whileLeading<R>(
  store: KubeStoreSpec,
  election: NonNullable<KubernetesRun['leaderElection']>,
  work: (leadership: string) => Effect.Effect<void, CliError, R | Scope.Scope>,
  stopSignal: Effect.Effect<void, never, CliIO>,
) {
  return Effect.gen(function* () {
    // Loaded here, as the Kubernetes client it needs.
    const LeaderElection = yield* Effect.promise(() => import('../../stores/kubernetes/leaderElection.js'))
    const io = yield* CliIO
    const namespace = election.namespace ?? LeaderElection.inClusterNamespace() ?? 'default'
    const lease = `${namespace}/${election.name}`
    const identity = LeaderElection.newIdentity()
    const leading = LeaderElection.run(
      kubeConfigOf(store),
      { namespace, name: election.name, identity, onWaiting: (holder) => io.err(`jobctl controller: waiting to lead (lease ${lease} held by ${holder})\n`) },
      Effect.scoped(Effect.zipRight(work(`; leading lease ${lease} as ${identity}`), Effect.never)),
    )
    return yield* Effect.raceFirst(leading, stopSignal).pipe(
      Effect.as(ExitCode.Ok),
      Effect.catchTags({
        LeaderElectionLost: (lost) => Effect.as(printErrorLine(`error: ${lost.message}`), ExitCode.Failed),
        StoreUnavailable: (error) => Effect.fail(new StoreUnavailableError({ store: formatStoreSpec(store), reason: error.reason })),
      }),
    )
  })
}

/**
 * Runs `work` while this process holds the file store's controller lock (one controller per
 * store), until a stop signal (the lock is released once the work has stopped, so a waiting
 * controller takes over at once) or a lock file removed under it (one line, exit code 1, as a
 * lost lease). A second controller waits, saying once who holds the store.
 */
function whileHoldingFileStore<R>(
  store: Extract<StoreSpec, { readonly _tag: 'File' }>,
  work: (holding: string) => Effect.Effect<void, CliError, R | Scope.Scope>,
  stopSignal: Effect.Effect<void, never, CliIO>,
) {
  return Effect.gen(function* () {
    // Loaded here: it loads a native module that no other command needs.
    const ControllerLock = yield* Effect.promise(() => import('../../stores/file/controllerLock.js'))
    const io = yield* CliIO
    const where = formatStoreSpec(store)
    const holding = Effect.scoped(
      Effect.gen(function* () {
        const lock = yield* ControllerLock.holdControllerLock(store.dir, {
          onWaiting: (holder) => io.err(`jobctl controller: waiting to lead (store ${where} held by ${ControllerLock.describeHolder(holder)})\n`),
        })
        yield* work(`; holding ${lock.file}`)
        return yield* lock.lost
      }),
    )
    return yield* Effect.raceFirst(holding, stopSignal).pipe(
      Effect.as(ExitCode.Ok),
      Effect.catchTags({
        ControllerLockLost: (lost) => Effect.as(printErrorLine(`error: ${lost.message}`), ExitCode.Failed),
        StoreUnavailable: (error) => Effect.fail(new StoreUnavailableError({ store: where, reason: error.reason })),
      }),
    )
  })
}

/**
 * `jobctl controller status`: who holds a file store, asked of the lock itself (a file that names
 * a killed holder reads as no controller). Exit 0 while a controller holds the store, 1 when none does.
 */
function controllerStatus(store: StoreSpec) {
  return Effect.gen(function* () {
    if (store._tag !== 'File') {
      const instead = store._tag === 'Kube' ? 'on Kubernetes the --leader-elect Lease names the leader (kubectl get lease NAME -n NAMESPACE)' : 'the memory store lives inside one process'
      return yield* usage('controller', `controller status reads a file store's controller lock; ${instead}`)
    }
    const ControllerLock = yield* Effect.promise(() => import('../../stores/file/controllerLock.js'))
    const where = formatStoreSpec(store)
    const state = yield* ControllerLock.readControllerLock(store.dir).pipe(
      Effect.mapError((error) => new StoreUnavailableError({ store: where, reason: error.reason })),
    )
    if (state._tag === 'Held') {
      yield* printLine(`store ${where}: held by ${ControllerLock.describeHolder(state.holder)}`)
      return ExitCode.Ok
    }
    yield* printLine(`store ${where}: no controller${state.last === undefined ? '' : ` (the last one, ${ControllerLock.describeHolder(state.last)}, is gone)`}`)
    return ExitCode.Failed
  })
}

export const controller: Command = {
  name: 'controller',
  summary: 'Run the Job controller and the local pod runtime until stopped.',
  usage: 'controller [status] [--store STORE] [--metrics-port PORT] [flags]',
  description:
    'Watches the store and runs its Jobs: the controller creates their pods, the local process runtime runs them ' +
    "(on Kubernetes the cluster's kubelets do, or this machine as a node with --run-pods). " +
    'Use it with a persistent store (file:DIR or kube) and the other commands in another terminal; on a file store it records ' +
    'the pods\' output in DIR/pod-logs for jobctl logs, and runs alone: a second controller on the store waits until the first stops ' +
    '(DIR/controller.lock names the holder). SIGTERM or SIGINT stop it gracefully (exit 0). On a file store its containers keep ' +
    'running, as a kubelet restart leaves them, and the next jobctl controller on the store takes them over (also after a crash); ' +
    'elsewhere the runtime stops them (SIGTERM, then SIGKILL).',
  examples: [
    '# Run the controller on the default file store, metrics on port 9090',
    'jobctl controller --metrics-port 9090',
    '',
    '# Who runs the controller of the default file store (exit 1: nobody)',
    'jobctl controller status',
    '',
    '# Beside a cluster\'s own controller: run the Jobs with spec.managedBy job-reconciler.io/controller',
    'jobctl controller --store kube',
    '',
    '# Be the Job controller and the only node of an API server that has neither',
    '# (the API server presents its --kubelet-client-certificate, signed by ca.crt, to read their logs)',
    'jobctl controller --store kube --controller-name kubernetes.io/job-controller --run-pods --node-client-ca-file /etc/kubernetes/pki/ca.crt',
  ],
  flags: [
    { name: 'metrics-port', kind: 'string', placeholder: 'PORT', help: 'Serve Prometheus metrics on this port (0: any free port; default: none)' },
    { name: 'metrics-address', kind: 'string', placeholder: 'HOST', help: 'The address metrics listen on', defaultValue: '127.0.0.1' },
    ...CLIENT_LIMIT_FLAGS,
    { name: 'workers', kind: 'string', placeholder: 'N', help: 'The older name of --concurrent-job-syncs (wins when given)' },
    { name: 'max-pods', kind: 'string', placeholder: 'N', help: 'Pods running at once on this machine (default: 4 per CPU)' },
    {
      name: 'max-container-starts',
      kind: 'string',
      placeholder: 'N',
      help: 'Containers being launched at once on this machine, across pods; running ones do not count (default: 2 per CPU)',
    },
    { name: 'event-batch', kind: 'string', placeholder: 'MS', help: 'The batching window of pod events: the first after a quiet window syncs at once, the rest of a burst in one sync per window (ms)', defaultValue: '1000' },
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
    {
      name: 'node-client-ca-file',
      kind: 'string',
      placeholder: 'FILE',
      help:
        "With --run-pods (required): the CA bundle (PEM) that signed the API server's kubelet client certificate (kube-apiserver --kubelet-client-certificate); " +
        "the node answers log requests only from clients with a certificate it signed, as a kubelet's --client-ca-file with --anonymous-auth=false",
    },
    {
      name: 'node-authorization-mode',
      kind: 'string',
      placeholder: 'MODE',
      help:
        "With --run-pods: who of those may read logs, as a kubelet's --authorization-mode: Webhook asks the API server (a SubjectAccessReview for get nodes/proxy; " +
        'this user needs create on subjectaccessreviews), AlwaysAllow lets in every certificate the client CA signed',
      defaultValue: 'Webhook',
    },
    {
      name: 'leader-elect',
      kind: 'boolean',
      help: 'With --store kube: work only while holding a coordination.k8s.io Lease, so that several replicas can run and one leads (as kube-controller-manager)',
    },
    {
      name: 'leader-elect-namespace',
      kind: 'string',
      placeholder: 'NAMESPACE',
      help: "With --leader-elect: the Lease's namespace (default: this pod's namespace in a cluster, else default)",
    },
    { name: 'leader-elect-name', kind: 'string', placeholder: 'NAME', help: "With --leader-elect: the Lease's name", defaultValue: DEFAULT_LEASE_NAME },
    {
      name: 'cronjob-controller',
      kind: 'boolean',
      help:
        "With --store kube: be the cluster's CronJob controller too (CronJob has no managedBy: run kube-controller-manager with --controllers=*,-cronjob-controller, or none); " +
        'on the memory and file stores CronJobs always run',
    },
  ],
  defaultStore: 'persistent',
  // Every number flag is checked before the store connects.
  refineStore: (args, store) => Either.flatMap(concurrentJobSyncsOf(args), () => withClientLimits(args, store)),
  run: (context) =>
    Effect.gen(function* () {
      const [subcommand, ...extra] = context.args.positionals
      const unexpected = subcommand === 'status' ? extra[0] : subcommand
      if (unexpected !== undefined) return yield* usage('controller', `unknown argument "${unexpected}": controller takes no argument but status`)
      if (subcommand === 'status') return yield* controllerStatus(context.store)
      const metricsPort = yield* integerFlag(stringFlag(context.args, 'metrics-port'), 'metrics-port', 0)
      const workers = yield* Either.match(concurrentJobSyncsOf(context.args), {
        onLeft: (message) => usage('controller', message),
        onRight: (syncs) => Effect.succeed(syncs),
      })
      const maxPods = yield* integerFlag(stringFlag(context.args, 'max-pods'), 'max-pods', 1)
      const maxContainerStarts = yield* integerFlag(stringFlag(context.args, 'max-container-starts'), 'max-container-starts', 1)
      const eventBatchMs = (yield* integerFlag(stringFlag(context.args, 'event-batch'), 'event-batch', 0)) ?? 1000
      const host = stringFlag(context.args, 'metrics-address') ?? '127.0.0.1'
      if (context.store._tag === 'Kube') {
        const controllerName = stringFlag(context.args, 'controller-name') ?? KUBE_CONTROLLER_NAME
        const node: LocalNodeRun | undefined = booleanFlag(context.args, 'run-pods')
          ? {
              name: stringFlag(context.args, 'node-name'),
              address: stringFlag(context.args, 'node-address'),
              // Usage errors first, then the file.
              authorization: yield* authorizationModeOf(stringFlag(context.args, 'node-authorization-mode')),
              clientCa: yield* nodeClientCaOf(stringFlag(context.args, 'node-client-ca-file')),
            }
          : undefined
        return yield* runOnKubernetes(context.store, {
          controllerName,
          eventBatchMs,
          ...(workers !== undefined ? { workers } : {}),
          ...(maxPods !== undefined ? { maxPods } : {}),
          ...(maxContainerStarts !== undefined ? { maxContainerStarts } : {}),
          metrics: metricsPort === undefined ? undefined : { host, port: metricsPort },
          node,
          leaderElection: booleanFlag(context.args, 'leader-elect')
            ? { namespace: stringFlag(context.args, 'leader-elect-namespace'), name: stringFlag(context.args, 'leader-elect-name') ?? DEFAULT_LEASE_NAME }
            : undefined,
          cronJobController: booleanFlag(context.args, 'cronjob-controller'),
        })
      }
      if (context.store._tag === 'Memory') {
        yield* printErrorLine('jobctl controller: the memory store lives only in this process; other jobctl commands cannot reach it')
      }
      const store = context.store
      const controllerName = stringFlag(context.args, 'controller-name')
      const work = (holding: string) =>
        Effect.gen(function* () {
          const engine = yield* startEngine({
            eventBatchMs,
            ...(controllerName !== undefined ? { controllerName } : {}),
            ...(workers !== undefined ? { workers } : {}),
            ...(maxPods !== undefined ? { maxConcurrentPods: maxPods } : {}),
            ...(maxContainerStarts !== undefined ? { maxConcurrentContainerStarts: maxContainerStarts } : {}),
            // On a file store containers outlive this process; the next controller takes them over.
            ...(store._tag === 'File' ? { podStateDirectory: podStateRoot(store.dir) } : {}),
          })
          // On a file store, other processes read pod logs from files beside it (jobctl logs).
          if (store._tag === 'File') yield* shipPodLogs(engine.runtime, podLogRoot(store.dir))
          const metrics = metricsPort === undefined ? '' : `; metrics on http://${host}:${yield* serveMetrics(engine.controller.metrics.registry, host, metricsPort)}/metrics`
          yield* printErrorLine(`jobctl controller: running Jobs from store ${formatStoreSpec(store)} on node ${engine.runtime.nodeName}, ${engine.controller.workers} concurrent Job syncs${holding}${metrics}`)
        })
      // Listening before anything prints: a signal sent once a line appears must find the handlers.
      const stopSignal = Effect.flatMap(yield* listenForStopSignal, (signal) => printErrorLine(`jobctl controller: ${signal}: stopping`))
      if (store._tag === 'File') return yield* whileHoldingFileStore(store, work, stopSignal)
      yield* work('')
      yield* stopSignal
      return ExitCode.Ok
    }),
}
