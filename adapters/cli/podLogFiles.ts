/**
 * Pod logs for other processes, as the kubelet keeps them in `/var/log/pods`: `jobctl
 * controller` on a file store copies what its runtime's containers write to
 * `DIR/pod-logs/NAMESPACE/POD/CONTAINER.log`, and `jobctl logs` reads them there.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Effect, Schedule } from 'effect'
import type { Scope } from 'effect'
import type { Pod } from '../../core/model/types.js'
import { JobStore, type ObjectKey } from '../ports/JobStore.js'
import type { PodRuntimeService } from '../ports/PodRuntime.js'

/** The pod-log directory of a file store in `storeDir`. */
export const podLogRoot = (storeDir: string): string => join(storeDir, 'pod-logs')

/** The file of one container's output. */
export const podLogFile = (root: string, key: ObjectKey, container: string): string => join(root, key.namespace, key.name, `${container}.log`)

/** How often running containers' output is copied. */
export const SHIP_INTERVAL_MS = 500

/** The container `kubectl logs` reads when none is named: the annotated default, else the first. */
export function defaultContainer(pod: Pod): string | undefined {
  return pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'] ?? pod.spec.containers[0]?.name
}

/** A container's recorded output; `undefined` when none was recorded. */
export function readPodLogFile(root: string, key: ObjectKey, container: string): Effect.Effect<string | undefined> {
  return Effect.promise(() => readFile(podLogFile(root, key, container), 'utf8').catch(() => undefined))
}

/**
 * Copies the output of the pods `runtime` runs to files under `root` every `intervalMs`, and
 * once more when the scope closes; removes the files of pods that are gone from the store.
 */
export function shipPodLogs(runtime: PodRuntimeService, root: string, intervalMs = SHIP_INTERVAL_MS): Effect.Effect<void, never, JobStore | Scope.Scope> {
  return Effect.gen(function* () {
    const store = yield* JobStore
    /** Length of what was written last per file: container output only grows. */
    const written = new Map<string, number>()

    const ship: Effect.Effect<void> = Effect.gen(function* () {
      const listed = yield* Effect.either(store.listPods())
      if (listed._tag === 'Left') return
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
          yield* writeAtomically(file, text.right)
          written.set(file, text.right.length)
        }
      }
      yield* removeGone(root, present, written)
    })

    yield* Effect.addFinalizer(() => ship)
    yield* Effect.forkScoped(Effect.repeat(ship, Schedule.spaced(intervalMs)))
  })
}

function writeAtomically(file: string, text: string): Effect.Effect<void> {
  const temporary = `${file}.tmp`
  return Effect.promise(async () => {
    await mkdir(join(file, '..'), { recursive: true })
    await writeFile(temporary, text)
    await rename(temporary, file)
  }).pipe(Effect.catchAllDefect(() => Effect.void))
}

/** Removes the directories of pods no longer in the store. */
function removeGone(root: string, present: ReadonlySet<string>, written: Map<string, number>): Effect.Effect<void> {
  return Effect.promise(async () => {
    const namespaces = await readdir(root).catch(() => [] as string[])
    for (const namespace of namespaces) {
      for (const pod of await readdir(join(root, namespace)).catch(() => [] as string[])) {
        if (present.has(join(namespace, pod))) continue
        const dir = join(root, namespace, pod)
        await rm(dir, { recursive: true, force: true })
        for (const file of [...written.keys()]) if (file.startsWith(`${dir}/`)) written.delete(file)
      }
    }
  }).pipe(Effect.catchAllDefect(() => Effect.void))
}
