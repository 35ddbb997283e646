/** `jobctl wait`: block until Jobs meet a condition, are deleted, or a JSONPath has a value. */
import { Effect, Either, Stream } from 'effect'
import type { Job } from '../../../core/model/types.js'
import { NotFound } from '../../ports/errors.js'
import { stringFlag } from '../args.js'
import type { Command } from '../command.js'
import { ApiError, TimeoutError } from '../errors.js'
import { printLine } from '../io.js'
import { jobStates } from '../observe.js'
import { executeJsonPath, parseJsonPath } from '../printers/jsonpath.js'
import { asApiObject } from '../printers/output.js'
import { parseDuration, resourceSelection, usage } from './shared.js'

/** What `--for` asks for. */
type WaitFor =
  | { readonly _tag: 'Condition'; readonly type: string; readonly value: string }
  | { readonly _tag: 'Delete' }
  | { readonly _tag: 'JsonPath'; readonly template: string; readonly value: string | undefined }

/** Reads `--for`: `condition=NAME[=VALUE]`, `delete`, or `jsonpath={...}[=VALUE]`. */
export function parseWaitFor(text: string): Either.Either<WaitFor, string> {
  if (text === 'delete') return Either.right({ _tag: 'Delete' })
  if (text.startsWith('condition=')) {
    const [type = '', value = 'true'] = text.slice('condition='.length).split('=')
    if (type === '') return Either.left('condition name is required')
    return Either.right({ _tag: 'Condition', type, value })
  }
  if (text.startsWith('jsonpath=')) {
    const body = text.slice('jsonpath='.length)
    const close = body.lastIndexOf('}')
    if (!body.startsWith('{') || close < 0) return Either.left(`unrecognized JSONPath expression: ${body}`)
    const template = body.slice(0, close + 1)
    const rest = body.slice(close + 1)
    if (rest !== '' && !rest.startsWith('=')) return Either.left(`unrecognized JSONPath expression: ${body}`)
    const parsed = parseJsonPath(template)
    if (Either.isLeft(parsed)) return Either.left(parsed.left)
    return Either.right({ _tag: 'JsonPath', template, value: rest === '' ? undefined : rest.slice(1) })
  }
  return Either.left(`unrecognized condition: ${JSON.stringify(text)}`)
}

/** Whether a Job state meets the wait. */
function met(waitFor: WaitFor, job: Job | undefined): boolean {
  switch (waitFor._tag) {
    case 'Delete':
      return job === undefined
    case 'Condition':
      return (job?.status?.conditions ?? []).some(
        (c) => c.type.toLowerCase() === waitFor.type.toLowerCase() && c.status.toLowerCase() === waitFor.value.toLowerCase(),
      )
    case 'JsonPath': {
      if (job === undefined) return false
      const template = parseJsonPath(waitFor.template)
      if (Either.isLeft(template)) return false
      const text = executeJsonPath(template.right, asApiObject('Job', job))
      return waitFor.value === undefined ? text !== '' : text === waitFor.value
    }
  }
}

export const wait: Command = {
  name: 'wait',
  summary: 'Wait until Jobs meet a condition.',
  usage: 'wait (TYPE NAME... | TYPE/NAME...) --for=condition=NAME[=VALUE] | --for=delete | --for=jsonpath={...}[=VALUE] [flags]',
  description: 'Prints TYPE/NAME condition met for each Job. Fails when the timeout passes first.',
  examples: [
    '# Wait for the pi Job to complete',
    'jobctl wait --for=condition=complete --timeout=5m job/pi',
    '',
    '# Wait for two successful pods',
    "jobctl wait --for=jsonpath='{.status.succeeded}'=2 job/pi",
  ],
  flags: [
    { name: 'for', kind: 'string', placeholder: 'CONDITION', help: 'condition=NAME[=VALUE], delete, or jsonpath={...}[=VALUE]' },
    { name: 'timeout', kind: 'string', placeholder: 'DURATION', help: 'How long to wait (0: check once; negative: a week)', defaultValue: '30s' },
  ],
  defaultStore: 'persistent',
  run: (context) =>
    Effect.gen(function* () {
      const forText = stringFlag(context.args, 'for')
      if (forText === undefined) return yield* usage('wait', '--for must be specified')
      const parsedFor = parseWaitFor(forText)
      if (Either.isLeft(parsedFor)) return yield* usage('wait', parsedFor.left)
      const waitFor = parsedFor.right
      const timeoutText = stringFlag(context.args, 'timeout') ?? '30s'
      const parsedTimeout = parseDuration(timeoutText)
      if (parsedTimeout === undefined) return yield* usage('wait', `invalid argument "${timeoutText}" for "--timeout" flag: time: invalid duration "${timeoutText}"`)
      const timeoutMs = parsedTimeout < 0 ? 7 * 24 * 3_600_000 : parsedTimeout
      const selection = yield* resourceSelection(context.args.positionals, 'wait', 'wait')
      if (selection.kind !== 'Job') return yield* usage('wait', 'jobctl wait works on jobs')
      if (selection.names.length === 0) return yield* usage('wait', 'resource name may not be empty')

      for (const name of selection.names) {
        const key = { namespace: context.namespace, name }
        const states = jobStates(key)
        let first = true
        const until = Stream.runDrain(
          Stream.takeUntil(
            Stream.mapEffect(states, (job) => {
              const isFirst = first
              first = false
              if (isFirst && job === undefined && waitFor._tag !== 'Delete') {
                return Effect.fail(new ApiError({ error: new NotFound({ kind: 'Job', namespace: key.namespace, name }) }))
              }
              return Effect.succeed(job)
            }),
            (job) => met(waitFor, job),
          ),
        )
        yield* Effect.timeoutFail(until, {
          duration: Math.max(timeoutMs, 1),
          onTimeout: () => new TimeoutError({ message: `timed out waiting for the condition on jobs/${name}` }),
        })
        yield* printLine(`job.batch/${name} condition met`)
      }
      return 0
    }),
}
