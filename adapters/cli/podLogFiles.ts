/**
 * Pod logs for other processes, as the kubelet keeps them in `/var/log/pods`: `jobctl
 * controller` on a file store copies what its runtime's containers write to
 * `DIR/pod-logs/NAMESPACE/POD/CONTAINER.log`, and `jobctl logs` reads them there.
 *
 * Names become paths only once checked as the API server checks them (a namespace and a
 * container name are DNS-1123 labels, a pod name a DNS-1123 subdomain: no `/`, no `..`), and
 * every path is used without following a symbolic link (`../file/confined.ts`): a link planted
 * in `pod-logs/` is refused with one line, never written through or deleted behind.
 */
import { join } from 'node:path'
import { Effect, Either, Schedule } from 'effect'
import type { Scope } from 'effect'
import { isDns1123Label, isDns1123Subdomain } from '../../core/model/names.js'
import type { Pod } from '../../core/model/types.js'
import { listConfined, PathRefused, readConfined, removeConfined, writeConfined, type Place } from '../stores/file/confined.js'
import { JobStore, type ObjectKey } from '../ports/JobStore.js'
import type { PodRuntimeService } from '../ports/PodRuntime.js'

/** The pod-log directory of a file store in `storeDir`. */
export const podLogRoot = (storeDir: string): string => join(storeDir, 'pod-logs')

/** Where one container's output is kept: the pod's directory and the file's name in it. */
interface LogLocation {
  readonly place: Place
  readonly name: string
}

/** The location of a container's log, or why these names cannot be paths. */
function logLocation(root: string, key: ObjectKey, container: string): Either.Either<LogLocation, string> {
  const problem =
    nameProblem('namespace', key.namespace, isDns1123Label) ?? nameProblem('pod name', key.name, isDns1123Subdomain) ?? nameProblem('container name', container, isDns1123Label)
  return problem === undefined ? Either.right({ place: { root, directories: [key.namespace, key.name] }, name: `${container}.log` }) : Either.left(problem)
}

function nameProblem(field: string, value: string, problems: (value: string) => ReadonlyArray<string>): string | undefined {
  const found = problems(value)
  return found.length === 0 ? undefined : `invalid ${field} ${JSON.stringify(value)}: ${found.join('; ')}`
}

/** The file of one container's output. */
export const podLogFile = (root: string, key: ObjectKey, container: string): string => join(root, key.namespace, key.name, `${container}.log`)

/** How often running containers' output is copied. */
export const SHIP_INTERVAL_MS = 500

/** The container `kubectl logs` reads when none is named: the annotated default, else the first. */
export function defaultContainer(pod: Pod): string | undefined {
  return pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'] ?? pod.spec.containers[0]?.name
}

/** A container's recorded output; `undefined` when none was recorded; refused when the names or the path are not safe to use. */
export function readPodLogFile(root: string, key: ObjectKey, container: string): Effect.Effect<string | undefined, PathRefused> {
  const file = podLogFile(root, key, container)
  return Either.match(logLocation(root, key, container), {
    onLeft: (problem) => Effect.fail(new PathRefused({ message: `refusing to read pod log ${file}: ${problem}` })),
    onRight: ({ place, name }) =>
      Effect.tryPromise({ try: () => readConfined(place, name, `read pod log ${file}`), catch: (error) => error }).pipe(
        Effect.catchAll((error) => (error instanceof PathRefused ? Effect.fail(error) : Effect.succeed(undefined))),
      ),
  })
}

/**
 * Copies the output of the pods `runtime` runs to files under `root` every `intervalMs`, and
 * once more when the scope closes; removes the files of pods that are gone from the store. What
 * it must refuse or cannot do is logged as a warning, once while it lasts.
 */
export function shipPodLogs(runtime: PodRuntimeService, root: string, intervalMs = SHIP_INTERVAL_MS): Effect.Effect<void, never, JobStore | Scope.Scope> {
  return Effect.gen(function* () {
    const store = yield* JobStore
    /** Length of what was written last per file: container output only grows. */
    const written = new Map<string, number>()
    /** The problems of the last round, so that each is logged once while it lasts. */
    let reported = new Set<string>()

    const ship: Effect.Effect<void> = Effect.gen(function* () {
      const listed = yield* Effect.either(store.listPods())
      if (listed._tag === 'Left') return
      const problems: string[] = []
      const present = new Set<string>()
      for (const pod of listed.right.items) {
        const key = { namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '' }
        present.add(join(key.namespace, key.name))
        if (pod.spec.nodeName !== runtime.nodeName) continue
        for (const container of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
          const text = yield* Effect.either(runtime.logs(key, { container: container.name }))
          if (text._tag === 'Left') continue
          const file = podLogFile(root, key, container.name)
          if (written.get(file) === text.right.length) continue
          const location = logLocation(root, key, container.name)
          if (Either.isLeft(location)) {
            problems.push(`not recording pod log ${file}: ${location.left}`)
            continue
          }
          const purpose = `write pod log ${file}`
          const problem = yield* attempt(purpose, () => writeConfined(location.right.place, location.right.name, text.right, purpose))
          if (problem === undefined) written.set(file, text.right.length)
          else problems.push(problem)
        }
      }
      problems.push(...(yield* removeGone(root, present, written)))
      for (const problem of problems) if (!reported.has(problem)) yield* Effect.logWarning(`pod logs: ${problem}`)
      reported = new Set(problems)
    })

    yield* Effect.addFinalizer(() => ship)
    yield* Effect.forkScoped(Effect.repeat(ship, Schedule.spaced(intervalMs)))
  })
}

/** Runs a file operation; `undefined` when done, else its problem as one line. */
function attempt(purpose: string, operation: () => Promise<unknown>): Effect.Effect<string | undefined> {
  return Effect.promise(() =>
    operation().then(
      () => undefined,
      (error: unknown) => problemOf(purpose, error),
    ),
  )
}

/** A failed file operation as one line: the refusal, or the system error's code. */
const problemOf = (purpose: string, error: unknown): string =>
  error instanceof PathRefused ? error.message : `cannot ${purpose}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`

/** Removes the directories of pods no longer in the store; returns the problems. */
function removeGone(root: string, present: ReadonlySet<string>, written: Map<string, number>): Effect.Effect<ReadonlyArray<string>> {
  return Effect.promise(async () => {
    const problems: string[] = []
    const list = async (place: Place): Promise<ReadonlyArray<string>> => {
      const listing = `list pod logs in ${join(place.root, ...place.directories)}`
      try {
        return await listConfined(place, listing)
      } catch (error) {
        problems.push(problemOf(listing, error))
        return []
      }
    }
    for (const namespace of await list({ root, directories: [] })) {
      for (const pod of await list({ root, directories: [namespace] })) {
        if (present.has(join(namespace, pod))) continue
        const dir = join(root, namespace, pod)
        const purpose = `delete the pod logs in ${dir}`
        try {
          await removeConfined({ root, directories: [namespace] }, pod, purpose)
          for (const file of [...written.keys()]) if (file.startsWith(`${dir}/`)) written.delete(file)
        } catch (error) {
          problems.push(problemOf(purpose, error))
        }
      }
    }
    return problems
  })
}
