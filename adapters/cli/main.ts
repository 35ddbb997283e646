/**
 * The `jobctl` process: runs the CLI on the process's arguments and streams, then exits with
 * the command's exit code once stdout and stderr are flushed.
 */
import { Effect, Exit } from 'effect'
import { runCli } from './cli.js'
import { ExitCode } from './errors.js'
import { processLayer } from './io.js'

const exit = await Effect.runPromiseExit(Effect.provide(runCli(process.argv.slice(2)), processLayer))
const code = Exit.isSuccess(exit) ? exit.value : ExitCode.Failed
// Exit once both streams have drained: a process ending mid-write would truncate a pipe.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)))
