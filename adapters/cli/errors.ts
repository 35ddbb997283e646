/**
 * What can go wrong in a `jobctl` command, as tagged data, and how each failure is shown: one
 * line on stderr in kubectl's wording, and an exit code (see `docs/jobctl.md`).
 */
import { Data } from 'effect'
import { goQuoteShown } from '../../core/model/fieldErrors.js'
import type { StoreError } from '../ports/errors.js'

/** Exit codes; `docs/jobctl.md` documents them. */
export const ExitCode = {
  /** The command did what was asked (`run`: the Job completed). */
  Ok: 0,
  /** The command failed (bad input, an error from the store, a timeout), or `run`'s Job failed. */
  Failed: 1,
  /** The command line is wrong: unknown command, flag or resource type, missing arguments. */
  Usage: 2,
  /** The store cannot be reached or is not available in this build. */
  StoreUnavailable: 3,
  /** Interrupted by SIGINT (128 + 2). */
  Interrupted: 130,
  /** Stopped by SIGTERM (128 + 15). */
  Terminated: 143,
} as const

/** The command line is wrong; `command` names the command whose `--help` helps. */
export class UsageError extends Data.TaggedError('UsageError')<{
  readonly message: string
  readonly command?: string
}> {}

/** The input is unusable: a missing file, a YAML syntax error, a document that is not a Job. */
export class InputError extends Data.TaggedError('InputError')<{ readonly message: string }> {}

/** The store refused or failed an operation; `source` is the file the object came from. */
export class ApiError extends Data.TaggedError('ApiError')<{
  readonly error: StoreError
  /** `creating`, `applying`, `patching`, ... as kubectl's `error when creating "FILE"`. */
  readonly action?: string
  readonly source?: string
}> {}

/** The store cannot be used at all. */
export class StoreUnavailableError extends Data.TaggedError('StoreUnavailableError')<{
  readonly store: string
  readonly reason: string
}> {}

/** The server refused a request outside the store port (a pod's log): `reason` as its `Status` names it. */
export class ServerRefusal extends Data.TaggedError('ServerRefusal')<{ readonly reason: string; readonly message: string }> {}

/** A wait ran out of time. */
export class TimeoutError extends Data.TaggedError('TimeoutError')<{ readonly message: string }> {}

/** Every failure a command reports. */
export type CliError = UsageError | InputError | ApiError | StoreUnavailableError | TimeoutError | ServerRefusal

/**
 * The longest failure line shown: beyond it the line is cut and the rest counted, so that no
 * input (a hundred thousand unknown fields, say) makes a megabyte line.
 */
export const MAX_LINE_CHARACTERS = 4096

/** `line` cut to `MAX_LINE_CHARACTERS`. */
export function boundedLine(line: string): string {
  if (line.length <= MAX_LINE_CHARACTERS) return line
  const kept = Array.from(line.slice(0, MAX_LINE_CHARACTERS + 1)).slice(0, MAX_LINE_CHARACTERS).join('')
  return `${kept}... (${line.length - kept.length} more characters)`
}

/** The single line shown for a failure and the exit code it gives (at most `MAX_LINE_CHARACTERS`, plus the count of the rest). */
export function describeFailure(error: CliError): { readonly line: string; readonly exitCode: number } {
  const { line, exitCode } = describeFailureInFull(error)
  return { line: boundedLine(line), exitCode }
}

function describeFailureInFull(error: CliError): { readonly line: string; readonly exitCode: number } {
  switch (error._tag) {
    case 'UsageError': {
      const hint = `see 'jobctl${error.command === undefined ? '' : ` ${error.command}`} --help'`
      return { line: `error: ${error.message} (${hint})`, exitCode: ExitCode.Usage }
    }
    case 'InputError':
      return { line: `error: ${error.message}`, exitCode: ExitCode.Failed }
    case 'TimeoutError':
      return { line: `error: ${error.message}`, exitCode: ExitCode.Failed }
    case 'StoreUnavailableError':
      return { line: `error: the store ${error.store} is unavailable: ${error.reason}`, exitCode: ExitCode.StoreUnavailable }
    case 'ApiError':
      return renderApiError(error)
    case 'ServerRefusal':
      return { line: `Error from server (${error.reason}): ${oneLine(error.message)}`, exitCode: ExitCode.Failed }
  }
}

/** kubectl's `error when creating "pi.yaml": ` prefix, when the object came from a file. */
function sourcePrefix(error: ApiError): string {
  return error.action !== undefined && error.source !== undefined ? `error when ${error.action} ${JSON.stringify(error.source)}: ` : ''
}

function renderApiError(error: ApiError): { readonly line: string; readonly exitCode: number } {
  const e = error.error
  switch (e._tag) {
    case 'Invalid': {
      // kubectl prints 422s from the status details, without the source: `The Job "pi" is invalid: ...`.
      const marker = ' is invalid: '
      const at = e.reason.indexOf(marker)
      if (at >= 0) return { line: `The ${e.kind} ${goQuoteShown(e.name)} is invalid: ${oneLine(e.reason.slice(at + marker.length))}`, exitCode: ExitCode.Failed }
      // A body the server cannot decode is a 400 (`Job in version "v1" cannot be handled as a Job: ...`).
      return { line: `Error from server (BadRequest): ${sourcePrefix(error)}${oneLine(e.reason)}`, exitCode: ExitCode.Failed }
    }
    case 'TooLarge': {
      // kubectl: a 413 carries its reason; etcd's refusal comes back as a bare server error.
      const label = e.reason.startsWith('Request entity too large') ? ' (RequestEntityTooLarge)' : ''
      return { line: `Error from server${label}: ${sourcePrefix(error)}${oneLine(e.reason)}`, exitCode: ExitCode.Failed }
    }
    case 'StoreUnavailable':
      return { line: `error: the store is unavailable: ${oneLine(e.reason)}`, exitCode: ExitCode.StoreUnavailable }
    case 'NotFound':
    case 'AlreadyExists':
    case 'Conflict':
    case 'Gone':
      return { line: `Error from server (${e._tag}): ${sourcePrefix(error)}${oneLine(e.message)}`, exitCode: ExitCode.Failed }
  }
}

/** Keeps a message on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim()
}
