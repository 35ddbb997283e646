/**
 * `jobctl`'s dispatcher: finds the command, parses its flags, picks and builds the store, runs
 * the command, and turns any failure into one line on stderr and an exit code. Never throws:
 * an unexpected defect is reported in one line too.
 */
import { Cause, Context, Effect, Either, Exit, Layer, Logger, LogLevel } from 'effect'
import { PodRuntime, type PodRuntimeService } from '../ports/PodRuntime.js'
import { parseArgs, booleanFlag, stringFlag, type ParsedArgs } from './args.js'
import { commandHelp, DEFAULT_NAMESPACE, GLOBAL_FLAGS, type Command } from './command.js'
import { boundedLine, describeFailure, ExitCode, oneLine, StoreUnavailableError, UsageError, type CliError } from './errors.js'
import { CliIO } from './io.js'
import { buildStore, defaultResolver, formatStoreSpec, parseStoreSpec, STORE_ENV, DEFAULT_FILE_STORE_DIR, type StoreResolver, type StoreSpec } from './store.js'
import { apply, create } from './verbs/apply.js'
import { controller } from './verbs/controller.js'
import { deleteCommand } from './verbs/delete.js'
import { describe } from './verbs/describe.js'
import { get } from './verbs/get.js'
import { logs } from './verbs/logs.js'
import { patch, resume, suspend } from './verbs/patch.js'
import { run } from './verbs/run.js'
import { wait } from './verbs/wait.js'

/** Every command, in the order `jobctl --help` lists them. */
export const COMMANDS: ReadonlyArray<Command> = [run, controller, apply, create, get, describe, logs, deleteCommand, wait, suspend, resume, patch]

/** The version `jobctl version` prints. */
export const VERSION = '0.1.0'

/** `jobctl --help`. */
export function topLevelHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 3
  const line = (c: Command) => `  ${c.name.padEnd(width)}${c.summary}`
  const section = (title: string, names: ReadonlyArray<string>) => `${title}:\n${COMMANDS.filter((c) => names.includes(c.name)).map(line).join('\n')}`
  return [
    'jobctl runs Kubernetes batch/v1 Jobs with the Job controller of job-reconciler, with kubectl\'s commands and output.',
    section('Run Jobs on this machine', ['run', 'controller']),
    section("Work with the Jobs in a store (kubectl's verbs)", ['apply', 'create', 'get', 'describe', 'logs', 'delete', 'wait', 'suspend', 'resume', 'patch']),
    `Other commands:\n  ${'help'.padEnd(width)}Help for a command\n  ${'version'.padEnd(width)}Print the version`,
    'Stores (--store or $' + STORE_ENV + '):\n' +
      '  memory          in this process only (the default of run)\n' +
      `  file:DIR        files in DIR, shared by processes (the default of the other commands: file:${DEFAULT_FILE_STORE_DIR})\n` +
      '  kube[:CONTEXT]  a Kubernetes API server from the kubeconfig',
    'Exit codes:\n' +
      '  0    success (run: every Job completed)\n' +
      '  1    failure: bad input, an error from the store, a timeout (run: a Job failed)\n' +
      '  2    usage error: unknown command, flag or resource type, missing arguments\n' +
      '  3    the store is unavailable\n' +
      '  130  interrupted (SIGINT); 143: stopped (SIGTERM)',
    'Usage:\n  jobctl COMMAND [flags]\n\nUse "jobctl COMMAND --help" for more about a command.',
  ].join('\n\n') + '\n'
}

/** How `runCli` is set up; tests pass a resolver that shares one memory store between commands. */
export interface CliOptions {
  readonly resolveStore?: StoreResolver
  /** The pod runtime of this process, if it runs pods, for `logs` (tests that run an engine beside the commands). */
  readonly podRuntime?: PodRuntimeService
  /** The environment, for `JOBCTL_STORE` (default: `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>
}

const GLOBAL_WITH_VALUE = new Set(GLOBAL_FLAGS.filter((f) => f.kind !== 'boolean').flatMap((f) => [`--${f.name}`, ...(f.short !== undefined ? [`-${f.short}`] : [])]))

/** The command word: the first argument that is neither a flag nor a global flag's value. */
function splitCommand(argv: ReadonlyArray<string>): { readonly name: string | undefined; readonly rest: ReadonlyArray<string> } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') break
    if (arg.startsWith('-')) {
      if (GLOBAL_WITH_VALUE.has(arg)) i++
      continue
    }
    return { name: arg, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] }
  }
  return { name: undefined, rest: argv }
}

/** Runs `jobctl` with the given arguments (without `node` and the script); returns the exit code. */
export function runCli(argv: ReadonlyArray<string>, options: CliOptions = {}): Effect.Effect<number, never, CliIO> {
  const program = Effect.gen(function* () {
    const io = yield* CliIO
    const { name, rest } = splitCommand(argv)
    if (name === undefined) {
      const top = parseArgs(rest, GLOBAL_FLAGS)
      if (Either.isLeft(top)) return yield* Effect.fail(new UsageError({ message: top.left }))
      if (rest.length > 0 && !booleanFlag(top.right, 'help')) return yield* Effect.fail(new UsageError({ message: 'a command is required' }))
      yield* io.out(topLevelHelp())
      return ExitCode.Ok
    }
    if (name === 'help') {
      const about = rest.find((a) => !a.startsWith('-'))
      const command = COMMANDS.find((c) => c.name === about)
      if (about !== undefined && command === undefined) return yield* Effect.fail(new UsageError({ message: `unknown command "${about}" for "jobctl"` }))
      yield* io.out(command === undefined ? topLevelHelp() : commandHelp(command))
      return ExitCode.Ok
    }
    if (name === 'version') {
      yield* io.out(`jobctl ${VERSION}\n`)
      return ExitCode.Ok
    }
    const command = COMMANDS.find((c) => c.name === name)
    if (command === undefined) return yield* Effect.fail(new UsageError({ message: `unknown command "${name}" for "jobctl"` }))
    const parsed = parseArgs(rest, [...command.flags, ...GLOBAL_FLAGS])
    if (Either.isLeft(parsed)) return yield* Effect.fail(new UsageError({ message: parsed.left, command: command.name }))
    const args = parsed.right
    if (booleanFlag(args, 'help')) {
      yield* io.out(commandHelp(command))
      return ExitCode.Ok
    }
    const given = yield* storeOf(command, args, options.env ?? process.env)
    const refined = command.refineStore?.(args, given) ?? Either.right(given)
    if (Either.isLeft(refined)) return yield* Effect.fail(new UsageError({ message: refined.left, command: command.name }))
    const store = refined.right
    const namespace = stringFlag(args, 'namespace') ?? DEFAULT_NAMESPACE
    const logLevel = booleanFlag(args, 'verbose') ? LogLevel.Debug : command.name === 'controller' ? LogLevel.Warning : LogLevel.None
    return yield* Effect.scoped(
      Effect.gen(function* () {
        const storeContext = yield* buildStore(store, options.resolveStore ?? defaultResolver)
        const context = options.podRuntime === undefined ? storeContext : Context.add(storeContext, PodRuntime, options.podRuntime)
        return yield* Effect.provide(command.run({ args, namespace, store }), context)
      }),
    ).pipe(
      Effect.mapError((error) => storeUnavailableWithSpec(error, store)),
      Effect.provide(Layer.merge(Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger)), Logger.minimumLogLevel(logLevel))),
    )
  })

  return Effect.gen(function* () {
    const io = yield* CliIO
    const exit = yield* Effect.exit(program)
    if (Exit.isSuccess(exit)) return exit.value
    const failure = Cause.failureOption(exit.cause)
    if (failure._tag === 'Some') {
      const { line, exitCode } = describeFailure(failure.value)
      yield* io.err(`${line}\n`)
      return exitCode
    }
    if (Cause.isInterruptedOnly(exit.cause)) return yield* Effect.interrupt
    const defect = Cause.squash(exit.cause)
    yield* io.err(`${boundedLine(`error: internal error: ${oneLine(defect instanceof Error ? defect.message : String(defect))}`)}\n`)
    return ExitCode.Failed
  })
}

/** The store for a command: `--store`, else `$JOBCTL_STORE`, else the command's default. */
function storeOf(command: Command, args: ParsedArgs, env: Readonly<Record<string, string | undefined>>): Effect.Effect<StoreSpec, UsageError> {
  const text = stringFlag(args, 'store') ?? (command.defaultStore === 'memory' ? undefined : env[STORE_ENV])
  if (text === undefined || text === '') {
    return Effect.succeed(command.defaultStore === 'memory' ? { _tag: 'Memory' } : { _tag: 'File', dir: DEFAULT_FILE_STORE_DIR })
  }
  const parsed = parseStoreSpec(text)
  return Either.isLeft(parsed) ? Effect.fail(new UsageError({ message: parsed.left, command: command.name })) : Effect.succeed(parsed.right)
}

/** A store failure during a command names the store, as the failure to build it does. */
function storeUnavailableWithSpec(error: CliError, store: StoreSpec): CliError {
  if (error._tag === 'ApiError' && error.error._tag === 'StoreUnavailable') {
    return new StoreUnavailableError({ store: formatStoreSpec(store), reason: error.error.reason })
  }
  return error
}
