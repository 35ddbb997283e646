/**
 * SIGINT and SIGTERM for the commands that stop gracefully (`run`, `controller`). Only while a
 * command waits for them are handlers installed; other commands keep Node's default (the
 * process ends at once). A second signal during a graceful stop ends the process at once.
 */
import { Effect } from 'effect'

/** The stop signals jobctl handles. */
export type StopSignal = 'SIGINT' | 'SIGTERM'

/** The exit code of a process ended by a signal (128 + its number). */
export const signalExitCode = (signal: StopSignal): number => (signal === 'SIGINT' ? 130 : 143)

/** Completes with the first SIGINT or SIGTERM; from then on a second one exits at once. */
export const awaitStopSignal: Effect.Effect<StopSignal> = Effect.async<StopSignal>((resume) => {
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
      resume(Effect.succeed(signal))
    }
    handlers.set(signal, handler)
    process.on(signal, handler)
  }
  return Effect.sync(remove)
})
