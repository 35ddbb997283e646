/** Small pieces every verb uses: store errors as `ApiError`, argument checks, selectors. */
import { Effect, Either, Option, Schedule } from 'effect'
import { parseLabelSelector } from '../../../core/model/labelSelector.js'
import type { LabelSelector, ObjectMeta } from '../../../core/model/types.js'
import { optionalCronJobStore, type CronJobStoreService } from '../../ports/CronJobStore.js'
import type { ObjectKey } from '../../ports/JobStore.js'
import type { StoreError } from '../../ports/errors.js'
import { stringFlag } from '../args.js'
import { DEFAULT_NAMESPACE, type CommandContext } from '../command.js'
import { ApiError, InputError, UsageError } from '../errors.js'
import { parseOutputFormat, type OutputFormat } from '../printers/output.js'
import { parseResourceArgs, type ResourceSelection } from '../resources.js'
import { formatStoreSpec } from '../store.js'

/** Runs a store operation, reporting its failure as an `ApiError`. */
export const api = <A, R>(effect: Effect.Effect<A, StoreError, R>, action?: string, source?: string): Effect.Effect<A, ApiError, R> =>
  Effect.mapError(effect, (error) => new ApiError({ error, ...(action !== undefined ? { action } : {}), ...(source !== undefined ? { source } : {}) }))

/** The key of a stored Job, CronJob or Pod. */
export const keyOf = (object: { readonly metadata: ObjectMeta }): ObjectKey => ({ namespace: object.metadata.namespace ?? DEFAULT_NAMESPACE, name: object.metadata.name ?? '' })

/**
 * The store's CronJobs. The memory, file and Kubernetes stores keep them; a custom backend that
 * provides only `JobStore` has none, which is one line rather than a missing service.
 */
export function cronJobStore(context: CommandContext): Effect.Effect<CronJobStoreService, InputError> {
  return Effect.flatMap(optionalCronJobStore, (found) =>
    Option.isSome(found)
      ? Effect.succeed(found.value)
      : Effect.fail(new InputError({ message: `the store ${formatStoreSpec(context.store)} keeps no CronJobs (its backend provides JobStore only)` })),
  )
}

/** Fails with a usage error for `command`. */
export const usage = (command: string, message: string): Effect.Effect<never, UsageError> => Effect.fail(new UsageError({ message, command }))

/** Reads `TYPE [NAME...]` / `TYPE/NAME...` from the positionals. */
export function resourceSelection(positionals: ReadonlyArray<string>, command: string, verb: string): Effect.Effect<ResourceSelection, UsageError> {
  return Either.match(parseResourceArgs(positionals, verb), {
    onLeft: (message) => usage(command, message),
    onRight: Effect.succeed,
  })
}

/** Reads `-l` (absent: no selector). */
export function selectorOf(context: CommandContext, command: string): Effect.Effect<LabelSelector | undefined, UsageError> {
  const text = stringFlag(context.args, 'selector')
  if (text === undefined) return Effect.succeed(undefined)
  const parsed = parseLabelSelector(text) // fp-ts Either, as the core returns it
  return parsed._tag === 'Left' ? usage(command, parsed.left) : Effect.succeed(parsed.right)
}

/** Reads `-o`. */
export function outputOf(context: CommandContext, command: string): Effect.Effect<OutputFormat, UsageError> {
  return Either.match(parseOutputFormat(stringFlag(context.args, 'output')), { onLeft: (message) => usage(command, message), onRight: Effect.succeed })
}

/**
 * Retries a read-modify-write on `Conflict`, as kubectl's patches effectively do (the server
 * applies them to the latest version). Other failures pass through.
 */
export const retryOnConflict = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.retry(effect, {
    schedule: Schedule.recurs(4).pipe(Schedule.addDelay(() => '20 millis')),
    while: (e) => e instanceof ApiError && e.error._tag === 'Conflict',
  })

/**
 * Reads a Go duration (`30s`, `1m30s`, `500ms`, `2h`); a bare number is seconds. Returns
 * milliseconds.
 */
export function parseDuration(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)]
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text.replace(/^-/, '')) return undefined
  const total = parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]!]!, 0)
  return text.startsWith('-') ? -total : total
}
