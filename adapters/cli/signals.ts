/**
 * SIGINT and SIGTERM for the commands that stop gracefully (`run`, `controller`). Only while a
 * command waits for them are handlers installed; other commands keep Node's default (the
 * process ends at once). A second signal during a graceful stop ends the process at once.
 */
import { Deferred, Effect, Exit, type Scope } from 'effect'

/** The stop signals jobctl handles. */
export type StopSignal = 'SIGINT' | 'SIGTERM'

/** The exit code of a process ended by a signal (128 + its number). */
export const signalExitCode = (signal: StopSignal): number => (signal === 'SIGINT' ? 130 : 143)

/** Installs handlers that call `onSignal` with the first stop signal, then exit at a second one; returns their removal. */
function installStopHandlers(onSignal: (signal: StopSignal) => void): () => void {
  const forceExit = (signal: StopSignal) => () => process.exit(signalExitCode(signal))
  const handlers = new Map<StopSignal, () => void>()
  const remove = () => {
    for (const [signal, handler] of handlers) process.off(signal, handler)
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const handler = () => {
      remove()
      process.once('SIGINT', forceExit('SIGINT'))
      process.once('SIGTERM', forceExit('SIGTERM'))
      onSignal(signal)
    }
    handlers.set(signal, handler)
    process.on(signal, handler)
  }
  return remove
}

/** Completes with the first SIGINT or SIGTERM; from then on a second one exits at once. */
export const awaitStopSignal: Effect.Effect<StopSignal> = Effect.async<StopSignal>((resume) =>
  Effect.sync(installStopHandlers((signal) => resume(Effect.succeed(signal)))),
)

/**
 * Listens for SIGINT and SIGTERM from this moment, for the life of the scope, and gives the
 * effect that completes with the first one. For a command that prints while it starts: a signal
 * sent as soon as a line appears must find the handlers there, not Node's default (the process
 * ended by the signal).
 */
export const listenForStopSignal: Effect.Effect<Effect.Effect<StopSignal>, never, Scope.Scope> = Effect.gen(function* () {
  const first = yield* Deferred.make<StopSignal>()
  yield* Effect.acquireRelease(
    Effect.sync(() => installStopHandlers((signal) => Deferred.unsafeDone(first, Exit.succeed(signal)))),
    (remove) => Effect.sync(remove),
  )
  return Deferred.await(first)
})
