/**
 * The Node object of a local node: what the API server needs to route `pods/log` to it (an
 * `InternalIP` address and the kubelet port) and what keeps a cluster's scheduler away from it
 * (a `NoSchedule` taint: the local runtime takes only the pods it is told to). A heartbeat
 * keeps the `Ready` condition fresh, so a node lifecycle controller does not evict its pods;
 * the object is deleted when the node stops.
 */
import { Effect, Schedule } from 'effect'
import type { Scope } from 'effect'
import { hostname, cpus, totalmem } from 'node:os'
import { formatTime } from '../../../../core/model/time.js'
import { StoreUnavailable } from '../../../ports/errors.js'
import { messageOf } from '../apiErrors.js'
import type { Transport } from '../transport.js'

/** The label and taint that mark a node as a job-reconciler local node. */
export const LOCAL_NODE_LABEL = 'job-reconciler.io/local-node'

/** How often the `Ready` condition's heartbeat is renewed (the kubelet's default status update period). */
export const HEARTBEAT_INTERVAL = '10 seconds'

/** What the Node object says. */
export interface LocalNodeSpec {
  readonly name: string
  /** The address the API server connects to for logs. */
  readonly address: string
  /** The port of the log server. */
  readonly port: number
  /** Pods it runs at once, as its capacity. */
  readonly maxPods: number
}

/** A node name that does not clash with a cluster's own nodes: `jobctl-` and this host's name. */
export const defaultLocalNodeName = (): string => `jobctl-${hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-')}`

const MERGE_PATCH = 'application/merge-patch+json'

/** Registers the node (taking over one this program left behind), keeps it ready, deletes it when the scope closes. */
export function registerLocalNode(transport: Transport, spec: LocalNodeSpec): Effect.Effect<void, StoreUnavailable, Scope.Scope> {
  const path = `/api/v1/nodes/${encodeURIComponent(spec.name)}`
  const fail = (what: string, response: { readonly status: number; readonly body: unknown }) =>
    Effect.fail(new StoreUnavailable({ reason: `${what} node ${spec.name}: ${messageOf(response)}` }))

  const create = Effect.gen(function* () {
    const created = yield* transport.request({ method: 'POST', path: '/api/v1/nodes', body: nodeManifest(spec) })
    if (created.status === 201 || created.status === 200) return
    if (created.status !== 409) return yield* fail('registering', created)
    // A node of that name exists: take it over only if it is a local node (left by a crash).
    const existing = yield* transport.request({ method: 'GET', path })
    const labels = (existing.body as { metadata?: { labels?: Record<string, string> } } | undefined)?.metadata?.labels
    if (existing.status !== 200 || labels?.[LOCAL_NODE_LABEL] !== 'true') {
      return yield* Effect.fail(new StoreUnavailable({ reason: `node ${spec.name} exists and is not a jobctl local node; choose another --node-name` }))
    }
    const updated = yield* transport.request({ method: 'PATCH', path, contentType: MERGE_PATCH, body: { spec: nodeManifest(spec).spec } })
    if (updated.status !== 200) return yield* fail('taking over', updated)
  })

  const transitionTime = formatTime(Date.now())
  const reportReady = Effect.gen(function* () {
    const response = yield* transport.request({ method: 'PATCH', path: `${path}/status`, contentType: MERGE_PATCH, body: { status: nodeStatus(spec, transitionTime) } })
    if (response.status !== 200) return yield* fail('updating the status of', response)
  })

  return Effect.gen(function* () {
    yield* Effect.acquireRelease(create, () =>
      transport.request({ method: 'DELETE', path }).pipe(Effect.ignore),
    )
    yield* reportReady
    yield* Effect.forkScoped(
      reportReady.pipe(
        Effect.catchAll((error) => Effect.logWarning(`local node: heartbeat failed: ${error.reason}`)),
        Effect.repeat(Schedule.spaced(HEARTBEAT_INTERVAL)),
        Effect.delay(HEARTBEAT_INTERVAL),
      ),
    )
  })
}

function nodeManifest(spec: LocalNodeSpec) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      labels: { 'kubernetes.io/hostname': spec.name, 'kubernetes.io/os': process.platform, [LOCAL_NODE_LABEL]: 'true' },
    },
    spec: { taints: [{ key: LOCAL_NODE_LABEL, value: 'true', effect: 'NoSchedule' }] },
  }
}

function nodeStatus(spec: LocalNodeSpec, transitionTime: string) {
  const resources = { cpu: String(cpus().length), memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: String(spec.maxPods) }
  return {
    capacity: resources,
    allocatable: resources,
    addresses: [{ type: 'InternalIP', address: spec.address }],
    daemonEndpoints: { kubeletEndpoint: { Port: spec.port } },
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'KubeletReady',
        message: 'jobctl local node is posting ready status',
        lastHeartbeatTime: formatTime(Date.now()),
        lastTransitionTime: transitionTime,
      },
    ],
    nodeInfo: {
      machineID: '',
      systemUUID: '',
      bootID: '',
      kernelVersion: '',
      osImage: `${process.platform} (jobctl local node)`,
      containerRuntimeVersion: 'process://local',
      kubeletVersion: 'v0.0.0-jobctl',
      kubeProxyVersion: '',
      operatingSystem: process.platform,
      architecture: process.arch === 'x64' ? 'amd64' : process.arch,
    },
  }
}
