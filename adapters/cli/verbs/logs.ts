/**
 * `jobctl logs`: what a pod's container wrote, from the pod runtime that ran it. `job/NAME`
 * picks one of the Job's pods as `kubectl logs job/NAME` does.
 */
import { Effect, Option } from 'effect'
import { parseTime } from '../../../core/model/time.js'
import type { Job, Pod } from '../../../core/model/types.js'
import { JobStore, type ObjectKey } from '../../ports/JobStore.js'
import { PodRuntime } from '../../ports/PodRuntime.js'
import { stringFlag } from '../args.js'
import type { Command } from '../command.js'
import { ApiError, InputError, ServerRefusal, StoreUnavailableError, type CliError } from '../errors.js'
import { CliIO } from '../io.js'
import { defaultContainer, podLogRoot, readPodLogFile } from '../podLogFiles.js'
import { resourceKind, unknownResourceType } from '../resources.js'
import { formatStoreSpec, kubeConfigOf, type KubeStoreSpec, type StoreSpec } from '../store.js'
import { api, keyOf, usage } from './shared.js'

/** The pods of a Job (by its selector), oldest first. */
export function podsOfJob(job: Job): Effect.Effect<ReadonlyArray<Pod>, ApiError, JobStore> {
  return Effect.gen(function* () {
    const store = yield* JobStore
    const listed = yield* api(store.listPods({ namespace: keyOf(job).namespace, labelSelector: job.spec.selector }))
    const owned = listed.items.filter((p) => {
      const refs = p.metadata.ownerReferences ?? []
      return refs.length === 0 || refs.some((r) => r.uid === job.metadata.uid)
    })
    return [...owned].sort((a, b) => (parseTime(a.metadata.creationTimestamp) ?? 0) - (parseTime(b.metadata.creationTimestamp) ?? 0) || compareNames(a, b))
  })
}

const compareNames = (a: Pod, b: Pod): number => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1)

/** A pod's container output; `undefined` container means the default one. */
export function podLogs(pod: Pod, container: string | undefined): Effect.Effect<string, CliError, PodRuntime> {
  return Effect.gen(function* () {
    const runtime = yield* PodRuntime
    const name = pod.metadata.name ?? ''
    if (container !== undefined) yield* checkContainer(pod, container)
    return yield* runtime.logs(keyOf(pod), container === undefined ? undefined : { container }).pipe(
      Effect.catchTag('NotFound', () =>
        Effect.fail(new InputError({ message: `the logs of pod ${JSON.stringify(name)} are not here: they are kept by the process that ran the pod` })),
      ),
    )
  })
}

/** Fails unless the pod has the container. */
function checkContainer(pod: Pod, container: string): Effect.Effect<void, InputError> {
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers].some((c) => c.name === container)
    ? Effect.void
    : Effect.fail(new InputError({ message: `container ${container} is not valid for pod ${pod.metadata.name ?? ''}` }))
}

/**
 * The pod `kubectl logs job/NAME` reads: a running pod before a finished one before a pending
 * one, the newest first.
 */
export function pickPodForLogs(pods: ReadonlyArray<Pod>): Pod | undefined {
  const rank = (p: Pod) => (p.status?.phase === 'Running' ? 0 : p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? 1 : 2)
  return [...pods].sort((a, b) => rank(a) - rank(b) || (parseTime(b.metadata.creationTimestamp) ?? 0) - (parseTime(a.metadata.creationTimestamp) ?? 0))[0]
}

/**
 * A pod's output: from the runtime of this process when it runs pods, from the API server on
 * Kubernetes (which asks the pod's node), else from the files `jobctl controller` keeps beside
 * a file store.
 */
function logsOf(pod: Pod, container: string | undefined, store: StoreSpec): Effect.Effect<string, CliError> {
  return Effect.gen(function* () {
    const runtime = yield* Effect.serviceOption(PodRuntime)
    if (Option.isSome(runtime)) return yield* Effect.provideService(podLogs(pod, container), PodRuntime, runtime.value)
    if (store._tag === 'Kube') {
      if (container !== undefined) yield* checkContainer(pod, container)
      return yield* kubernetesPodLog(store, keyOf(pod), container)
    }
    const name = pod.metadata.name ?? ''
    const wanted = container ?? defaultContainer(pod)
    if (store._tag !== 'File' || wanted === undefined) {
      return yield* Effect.fail(
        new InputError({
          message: `the logs of pod ${JSON.stringify(name)} are kept by the process that runs the pods (jobctl run --logs, jobctl controller); this store does not share them`,
        }),
      )
    }
    yield* checkContainer(pod, wanted)
    const text = yield* readPodLogFile(podLogRoot(store.dir), keyOf(pod), wanted).pipe(Effect.mapError((refused) => new InputError({ message: refused.message })))
    if (text === undefined) {
      return yield* Effect.fail(new InputError({ message: `no logs recorded for pod ${JSON.stringify(name)}: jobctl controller records them while it runs the pod` }))
    }
    return text
  })
}

/** `kubectl logs` on a cluster: the `pods/log` subresource (the Kubernetes adapter is loaded only for it). */
function kubernetesPodLog(store: KubeStoreSpec, key: ObjectKey, container: string | undefined): Effect.Effect<string, CliError> {
  return Effect.gen(function* () {
    const { readPodLog } = yield* Effect.promise(() => import('../../stores/kubernetes/podLogs.js'))
    return yield* readPodLog(kubeConfigOf(store), key, container === undefined ? {} : { container }).pipe(
      Effect.catchTags({
        NotFound: (error) => Effect.fail(new ApiError({ error })),
        StoreUnavailable: (error) => Effect.fail(new StoreUnavailableError({ store: formatStoreSpec(store), reason: error.reason })),
        PodLogRefused: (error) => Effect.fail(new ServerRefusal({ reason: error.reason, message: error.message })),
      }),
    )
  })
}

/** Text as printed: a final newline is added when the output has none. */
export const withFinalNewline = (text: string): string => (text === '' || text.endsWith('\n') ? text : `${text}\n`)

export const logs: Command = {
  name: 'logs',
  summary: "Print the output of a pod's container.",
  usage: 'logs (POD | TYPE/NAME) [-c CONTAINER] [flags]',
  description:
    "TYPE/NAME is pod/NAME or job/NAME (one of the Job's pods). Logs are kept by the pod runtime that ran the pod: " +
    'jobctl run --logs prints them at the end, jobctl controller on a file store records them in DIR/pod-logs, where this command reads them, ' +
    "and on Kubernetes the API server reads them from the pod's node (a cluster's kubelet, or jobctl controller --run-pods).",
  examples: ['# The output of a pod', 'jobctl logs pi-xk2v9', '', "# The output of one of the pi Job's pods", 'jobctl logs job/pi'],
  flags: [{ name: 'container', short: 'c', kind: 'string', placeholder: 'NAME', help: 'The container (default: the first one)' }],
  defaultStore: 'persistent',
  run: (context) =>
    Effect.gen(function* () {
      const [target, ...extra] = context.args.positionals
      if (target === undefined) return yield* usage('logs', 'expected POD or TYPE/NAME')
      let container = stringFlag(context.args, 'container')
      if (extra.length > 1 || (extra.length === 1 && container !== undefined)) return yield* usage('logs', 'expected POD or TYPE/NAME, and at most one container name')
      if (extra.length === 1) container = extra[0]
      const store = yield* JobStore
      const io = yield* CliIO
      const slash = target.indexOf('/')
      let pod: Pod
      if (slash < 0) pod = yield* api(store.getPod({ namespace: context.namespace, name: target }))
      else {
        const type = target.slice(0, slash)
        const name = target.slice(slash + 1)
        const kind = resourceKind(type)
        if (kind === undefined) return yield* usage('logs', unknownResourceType(type))
        if (kind === 'Pod') pod = yield* api(store.getPod({ namespace: context.namespace, name }))
        else {
          const job = yield* api(store.getJob({ namespace: context.namespace, name }))
          const pods = yield* podsOfJob(job)
          const picked = pickPodForLogs(pods)
          if (picked === undefined) return yield* Effect.fail(new InputError({ message: `job ${name} has no pods` }))
          if (pods.length > 1) yield* io.err(`Found ${pods.length} pods, using pod/${picked.metadata.name ?? ''}\n`)
          pod = picked
        }
      }
      const text = yield* logsOf(pod, container, context.store)
      yield* io.out(withFinalNewline(text))
      return 0
    }),
}
