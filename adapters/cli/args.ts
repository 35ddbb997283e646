/**
 * Command-line flags as kubectl (spf13/pflag) reads them: flags and arguments interleave,
 * `--name=value` or `--name value`, `-x value`, `-xvalue` and `-x=value`, booleans as `--flag`
 * or `--flag=false`, repeatable flags, and `--` ending the flags. Errors carry pflag's wording
 * (`unknown flag: --foo`, `flag needs an argument: 'o' in -o`).
 *
 * Why not a CLI library: kubectl's shapes (interleaved flags, `--wait=false`, `-o=json`, `TYPE
 * NAME` and `TYPE/NAME` positionals) and pflag's messages are what users of this tool know;
 * `node:util` `parseArgs` on Node 20 has no `--flag=false`, and `@effect/cli` brings its own
 * help layout and error wording. The parser is small and table-driven.
 */
import { Either } from 'effect'

/** One flag a command accepts. */
export interface FlagSpec {
  readonly name: string
  readonly short?: string
  readonly kind: 'string' | 'strings' | 'boolean'
  /** Shown in `--help`. */
  readonly help: string
  /** Shown in `--help` after the flag, e.g. `'json|yaml|wide'`. */
  readonly placeholder?: string
  /** Default shown in `--help` and returned when the flag is absent. */
  readonly defaultValue?: string | boolean
}

/** What the parser found. */
export interface ParsedArgs {
  readonly positionals: ReadonlyArray<string>
  readonly strings: ReadonlyMap<string, string>
  readonly lists: ReadonlyMap<string, ReadonlyArray<string>>
  readonly booleans: ReadonlyMap<string, boolean>
}

/** Reads a string flag, falling back to its default. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  return args.strings.get(name)
}

/** Reads a repeatable string flag (empty when absent). */
export function listFlag(args: ParsedArgs, name: string): ReadonlyArray<string> {
  return args.lists.get(name) ?? []
}

/** Reads a boolean flag, falling back to its default (false when none). */
export function booleanFlag(args: ParsedArgs, name: string): boolean {
  return args.booleans.get(name) ?? false
}

const TRUE_WORDS = new Set(['1', 't', 'T', 'true', 'TRUE', 'True'])
const FALSE_WORDS = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False'])

/**
 * Parses `argv` against the flags of one command. Fails with pflag's message for an unknown
 * flag, a missing value or a boolean that is not one.
 */
export function parseArgs(argv: ReadonlyArray<string>, flags: ReadonlyArray<FlagSpec>): Either.Either<ParsedArgs, string> {
  const byName = new Map(flags.map((f) => [f.name, f]))
  const byShort = new Map(flags.filter((f) => f.short !== undefined).map((f) => [f.short!, f]))
  const positionals: string[] = []
  const strings = new Map<string, string>()
  const lists = new Map<string, string[]>()
  const booleans = new Map<string, boolean>()
  for (const f of flags) {
    if (f.kind === 'boolean' && typeof f.defaultValue === 'boolean') booleans.set(f.name, f.defaultValue)
    if (f.kind === 'string' && typeof f.defaultValue === 'string') strings.set(f.name, f.defaultValue)
  }

  const assign = (flag: FlagSpec, value: string, shown: string): string | undefined => {
    if (flag.kind === 'boolean') {
      if (TRUE_WORDS.has(value)) booleans.set(flag.name, true)
      else if (FALSE_WORDS.has(value)) booleans.set(flag.name, false)
      else return `invalid argument "${value}" for "${shown}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`
    } else if (flag.kind === 'strings') {
      const list = lists.get(flag.name) ?? []
      list.push(value)
      lists.set(flag.name, list)
    } else strings.set(flag.name, value)
    return undefined
  }

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=')
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq)
      const flag = byName.get(name)
      if (flag === undefined) return Either.left(`unknown flag: --${name}`)
      const shown = `--${name}`
      let value: string
      if (eq >= 0) value = arg.slice(eq + 1)
      else if (flag.kind === 'boolean') value = 'true'
      else if (i + 1 < argv.length) value = argv[++i]!
      else return Either.left(`flag needs an argument: --${name}`)
      const problem = assign(flag, value, shown)
      if (problem !== undefined) return Either.left(problem)
      continue
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // A group of shorthands: booleans may be combined (`-Aw`); a string takes the rest.
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j]!
        const flag = byShort.get(letter)
        if (flag === undefined) return Either.left(`unknown shorthand flag: '${letter}' in ${arg}`)
        const shown = `-${letter}, --${flag.name}`
        const rest = arg.slice(j + 1)
        if (flag.kind === 'boolean') {
          if (rest.startsWith('=')) {
            const problem = assign(flag, rest.slice(1), shown)
            if (problem !== undefined) return Either.left(problem)
            break
          }
          booleans.set(flag.name, true)
          continue
        }
        let value: string
        if (rest.length > 0) value = rest.startsWith('=') ? rest.slice(1) : rest
        else if (i + 1 < argv.length) value = argv[++i]!
        else return Either.left(`flag needs an argument: '${letter}' in -${letter}`)
        const problem = assign(flag, value, shown)
        if (problem !== undefined) return Either.left(problem)
        break
      }
      continue
    }
    positionals.push(arg)
  }
  return Either.right({ positionals, strings, lists, booleans })
}
