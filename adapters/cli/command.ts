/**
 * What a `jobctl` command is: its name, help, flags, which store it talks to by default, and
 * the effect that runs it against the `JobStore` port. Each verb lives in `verbs/`.
 */
import type { Effect, Either, Scope } from 'effect'
import type { JobStore } from '../ports/JobStore.js'
import type { FlagSpec, ParsedArgs } from './args.js'
import type { CliError } from './errors.js'
import type { CliIO } from './io.js'
import type { StoreSpec } from './store.js'

/** What a command gets to work with. */
export interface CommandContext {
  readonly args: ParsedArgs
  /** `--namespace`, `default` when not given. */
  readonly namespace: string
  /** The store the command was given (`--store`, `JOBCTL_STORE`, or the command's default). */
  readonly store: StoreSpec
}

/** A verb. */
export interface Command {
  readonly name: string
  readonly summary: string
  /** The usage line after `jobctl `, e.g. `get (TYPE [NAME...] | TYPE/NAME...) [flags]`. */
  readonly usage: string
  /** A paragraph shown by `--help` under the summary. */
  readonly description?: string
  /** `# comment` and command lines, as kubectl's examples. */
  readonly examples: ReadonlyArray<string>
  readonly flags: ReadonlyArray<FlagSpec>
  /** The store when neither `--store` nor `JOBCTL_STORE` names one. */
  readonly defaultStore: 'persistent' | 'memory'
  /** Adds what the command's own flags say about the store (the controller's client limits); a bad value is the usage error's text. */
  readonly refineStore?: (args: ParsedArgs, store: StoreSpec) => Either.Either<StoreSpec, string>
  /** Runs the command; returns the exit code (0 unless the command's outcome says otherwise). */
  readonly run: (context: CommandContext) => Effect.Effect<number, CliError, JobStore | CliIO | Scope.Scope>
}

/** The namespace when `--namespace` names none. */
export const DEFAULT_NAMESPACE = 'default'

/** Flags every command accepts. */
export const GLOBAL_FLAGS: ReadonlyArray<FlagSpec> = [
  { name: 'store', kind: 'string', placeholder: 'STORE', help: 'The store: memory, file:DIR or kube[:CONTEXT] (default: $JOBCTL_STORE, else file:./.jobctl; run: memory)' },
  { name: 'namespace', short: 'n', kind: 'string', placeholder: 'NAMESPACE', help: 'The namespace (default: default)' },
  { name: 'verbose', short: 'v', kind: 'boolean', help: "Log the engine's work to stderr" },
  { name: 'help', short: 'h', kind: 'boolean', help: 'Help for the command' },
]

/** Common flag: `-o, --output`. */
export const OUTPUT_FLAG: FlagSpec = {
  name: 'output',
  short: 'o',
  kind: 'string',
  placeholder: 'FORMAT',
  help: 'Output format: json, yaml, name, wide or jsonpath=TEMPLATE',
}

/** Common flag: `-f, --filename`. */
export const FILENAME_FLAG: FlagSpec = {
  name: 'filename',
  short: 'f',
  kind: 'strings',
  placeholder: 'FILE',
  help: 'A file, directory or - (stdin) with the Job manifests (repeatable)',
}

/** Common flag: `-R, --recursive`. */
export const RECURSIVE_FLAG: FlagSpec = {
  name: 'recursive',
  short: 'R',
  kind: 'boolean',
  help: 'Read the directories given with -f recursively',
}

/** Common flag: `-l, --selector`. */
export const SELECTOR_FLAG: FlagSpec = {
  name: 'selector',
  short: 'l',
  kind: 'string',
  placeholder: 'QUERY',
  help: 'Label selector to filter on, e.g. -l batch.kubernetes.io/job-name=pi',
}

/** Renders `jobctl COMMAND --help`. */
export function commandHelp(command: Command): string {
  const sections = [
    command.summary,
    ...(command.description !== undefined ? [command.description] : []),
    `Usage:\n  jobctl ${command.usage}`,
    ...(command.examples.length > 0 ? [`Examples:\n${command.examples.map((e) => `  ${e}`).join('\n')}`] : []),
    ...(command.flags.length > 0 ? [`Flags:\n${flagTable(command.flags)}`] : []),
    `Global flags:\n${flagTable(GLOBAL_FLAGS)}`,
  ]
  return sections.join('\n\n') + '\n'
}

function flagTable(flags: ReadonlyArray<FlagSpec>): string {
  const left = flags.map((f) => {
    const names = f.short !== undefined ? `-${f.short}, --${f.name}` : `    --${f.name}`
    return f.kind === 'boolean' ? names : `${names} ${f.placeholder ?? 'VALUE'}`
  })
  const width = Math.max(...left.map((l) => l.length)) + 3
  return flags
    .map((f, i) => {
      const defaultText = f.defaultValue !== undefined && f.defaultValue !== false ? ` (default ${String(f.defaultValue)})` : ''
      return `  ${left[i]!.padEnd(width)}${f.help}${defaultText}`
    })
    .join('\n')
}
