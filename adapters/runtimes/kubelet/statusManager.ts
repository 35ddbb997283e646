/**
 * A pod's status as a runtime keeps it and writes it to the store, the way the kubelet's status
 * manager does: a change applies at once to the status kept here, and the writes follow it, at
 * most one in flight, each carrying the latest status. Changes made while a write is in flight
 * are merged into the next one, so a burst of container changes costs a few writes of the whole
 * status instead of one per change (a runtime writes whole statuses, as the kubelet does).
 *
 * A write also waits `batchMs` after the change that called for it, so that changes seen close
 * together (containers ending within one poll of their runs) go out in one write, as the kubelet
 * sees container changes in batches (its PLEG relists the containers once a second).
 *
 * While a batch of container starts is under way (`holdWhile`), nothing is written: the pod's
 * status reports the batch at once when it is done, as the kubelet reports one pod sync that
 * started many containers. `flush` waits until the latest status is in the store: a final status
 * is never skipped, only intermediate ones a later write already supersedes.
 */
import { Duration, Effect, Fiber, type Scope } from 'effect'
import type { PodStatus } from '../../../core/model/types.js'
import { Signal } from '../../shell/effects/signal.js'

/** The status of one pod and its writes. */
export interface PodStatusManager {
  /** Applies `change` to the status now; a write of the result (or of a later status) follows. */
  readonly update: (change: (status: PodStatus) => PodStatus) => Effect.Effect<void>
  /** Runs `effect` with the pod's writes held back: they resume, merged, when the last hold ends. */
  readonly holdWhile: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Waits until the status as it is now (or a later one) has been written. */
  readonly flush: Effect.Effect<void>
}

/** How long a write waits for more changes to go with it by default (the process runtime's poll of its runs). */
export const DEFAULT_STATUS_BATCH_MS = 100

/**
 * Starts the writer of a pod whose status is `first` (written at once); `write` puts a status in
 * the store and handles its own failures. The writer lives as long as the scope.
 */
export function make(
  first: PodStatus,
  write: (status: PodStatus) => Effect.Effect<void>,
  options: { readonly batchMs?: number } = {},
): Effect.Effect<PodStatusManager, never, Scope.Scope> {
  return Effect.gen(function* () {
    let status = first
    /** Counts the changes; `written` is the count the store has seen. */
    let changes = 1
    let written = 0
    let holds = 0
    const changed = new Signal()
    const wroteOne = new Signal()
    const mayWrite = (): true | undefined => (holds === 0 && written < changes ? true : undefined)

    const batch = Duration.millis(Math.max(0, options.batchMs ?? DEFAULT_STATUS_BATCH_MS))
    const writer = Effect.forever(
      Effect.gen(function* () {
        yield* changed.until(mayWrite)
        // The first status goes out at once; later ones wait for the changes around them.
        if (written > 0) {
          yield* Effect.sleep(batch)
          yield* changed.until(mayWrite)
        }
        const target = changes
        yield* write(status)
        written = target
        wroteOne.notify()
      }),
    )
    const fiber = yield* Effect.forkScoped(writer)

    const update = (change: (status: PodStatus) => PodStatus): Effect.Effect<void> =>
      Effect.sync(() => {
        status = change(status)
        changes += 1
        changed.notify()
      })

    const holdWhile = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.acquireUseRelease(
        Effect.sync(() => void (holds += 1)),
        () => effect,
        () =>
          Effect.sync(() => {
            holds -= 1
            changed.notify()
          }),
      )

    const flush = Effect.suspend(() => {
      const target = changes
      const done = wroteOne.until(() => (written >= target ? true : undefined))
      // A writer that died (a store failure it could not wait out) fails the flush instead of hanging it.
      return Effect.asVoid(Effect.raceFirst(done, Fiber.join(fiber)))
    })

    return { update, holdWhile, flush }
  })
}
