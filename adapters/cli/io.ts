/**
 * The terminal a command talks to, as a service: the real process streams in `jobctl`, a
 * recording in tests that run commands in-process.
 */
import { Context, Effect, Layer } from 'effect'

/** Standard streams and what is known about the terminal. */
export interface CliIOService {
  readonly out: (text: string) => Effect.Effect<void>
  readonly err: (text: string) => Effect.Effect<void>
  /** All of standard input. */
  readonly readStdin: Effect.Effect<string>
  /** Whether stderr is a terminal (live progress lines go there). */
  readonly stderrIsTTY: boolean
  /** The terminal's width, for lines redrawn in place. */
  readonly columns: number
}

/** The terminal port. */
export class CliIO extends Context.Tag('job-reconciler/cli/CliIO')<CliIO, CliIOService>() {}

/** Writes a line to stdout. */
export const printLine = (text: string): Effect.Effect<void, never, CliIO> => Effect.flatMap(CliIO, (io) => io.out(`${text}\n`))

/** Writes text to stdout as is. */
export const print = (text: string): Effect.Effect<void, never, CliIO> => Effect.flatMap(CliIO, (io) => io.out(text))

/** Writes a line to stderr. */
export const printErrorLine = (text: string): Effect.Effect<void, never, CliIO> => Effect.flatMap(CliIO, (io) => io.err(`${text}\n`))

/** The process's own streams. */
export const processLayer: Layer.Layer<CliIO> = Layer.sync(CliIO, () => ({
  out: (text) => Effect.sync(() => void process.stdout.write(text)),
  err: (text) => Effect.sync(() => void process.stderr.write(text)),
  readStdin: Effect.promise(async () => {
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  }),
  stderrIsTTY: process.stderr.isTTY === true,
  // A terminal that does not say its width (0) is taken as 80 columns wide.
  columns: process.stderr.columns > 0 ? process.stderr.columns : 80,
}))

/** A recording terminal for in-process tests: what was written, and the given stdin. */
export function recording(stdin = ''): { readonly layer: Layer.Layer<CliIO>; readonly stdout: () => string; readonly stderr: () => string } {
  let out = ''
  let err = ''
  const layer = Layer.succeed(CliIO, {
    out: (text) => Effect.sync(() => void (out += text)),
    err: (text) => Effect.sync(() => void (err += text)),
    readStdin: Effect.succeed(stdin),
    stderrIsTTY: false,
    columns: 80,
  })
  return { layer, stdout: () => out, stderr: () => err }
}
