/**
 * The API server's failures as the port's tagged errors: a `Status` body (`reason`, `code`,
 * `details.causes`) becomes `NotFound`, `AlreadyExists`, `Conflict`, `Invalid` (with one field
 * error per cause, so field paths survive), `Gone` or `StoreUnavailable`.
 */
import type { FieldError } from '../../../core/model/fieldErrors.js'
import { duplicate, forbidden, invalid, invalidOmitValue, notSupported, renderFieldError, required, tooLong, tooMany, unknownField } from '../../../core/model/fieldErrors.js'
import type { Json } from '../../../core/model/types.js'
import type { ResourceKind, StoreError } from '../../ports/errors.js'
import { AlreadyExists, Conflict, Gone, Invalid, NotFound, StoreUnavailable, TooLarge } from '../../ports/errors.js'
import { OBJECT_TOO_LARGE_MESSAGE } from '../store-kit/sizeLimits.js'
import type { ObjectKey } from '../../ports/JobStore.js'
import type { ApiResponse } from './transport.js'

/** One cause of a failure, as `details.causes` lists them. */
export interface StatusCause {
  readonly reason?: string
  readonly message?: string
  readonly field?: string
}

/** The `metav1.Status` the API server answers a failure with. */
export interface ApiStatus {
  readonly kind?: string
  readonly status?: string
  readonly message?: string
  readonly reason?: string
  readonly code?: number
  readonly details?: {
    readonly name?: string
    readonly group?: string
    readonly kind?: string
    readonly causes?: ReadonlyArray<StatusCause>
    readonly retryAfterSeconds?: number
  }
}

/** The body as a `Status` when it is one. */
export function statusOf(body: unknown): ApiStatus | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const status = body as ApiStatus
  return status.kind === 'Status' || typeof status.reason === 'string' || typeof status.code === 'number' ? status : undefined
}

/** The server's message, or the HTTP status and text when the body is not a `Status`. */
export function messageOf(response: ApiResponse): string {
  const status = statusOf(response.body)
  if (status?.message !== undefined && status.message !== '') return status.message
  const text = typeof response.body === 'string' ? response.body.trim() : ''
  return text === '' ? `HTTP ${response.status}` : `HTTP ${response.status}: ${text.slice(0, 300)}`
}

/** Whether a 404 is about the namespace rather than the object (a create in a namespace that does not exist). */
export function isMissingNamespace(response: ApiResponse): boolean {
  return response.status === 404 && statusOf(response.body)?.details?.kind === 'namespaces'
}

/**
 * The port's error for a failed request about `key` of `kind`:
 * 404 `NotFound` (a missing namespace on a create: `Invalid` on `metadata.namespace`),
 * 409 `AlreadyExists` or `Conflict`, 400 and 422 `Invalid` (400 is the strict decoding of a
 * body: unknown fields, wrong types), 410 `Gone`, 413 and etcd's "request is too large" (a 500)
 * `TooLarge`, anything else (401, 403, 429, 5xx, a proxy's
 * page) `StoreUnavailable` with the server's message.
 */
export function toStoreError(kind: ResourceKind, key: ObjectKey, response: ApiResponse): StoreError {
  const status = statusOf(response.body)
  const message = messageOf(response)
  switch (response.status) {
    case 404:
      if (isMissingNamespace(response)) {
        return new Invalid({
          kind,
          name: key.name,
          errors: [invalid('metadata.namespace', key.namespace, 'namespace not found')],
          reason: message,
        })
      }
      return new NotFound({ kind, namespace: key.namespace, name: key.name })
    case 409:
      if (status?.reason === 'AlreadyExists') return new AlreadyExists({ kind, namespace: key.namespace, name: status.details?.name ?? key.name })
      return new Conflict({ kind, namespace: key.namespace, name: key.name, detail: conflictDetail(message) })
    case 400:
      return new Invalid({ kind, name: key.name, errors: undecodableErrors(message), reason: message })
    case 422:
      return new Invalid({ kind, name: status?.details?.name ?? key.name, errors: fieldErrorsOf(status), reason: message })
    case 410:
      return new Gone({ resourceVersion: resourceVersionIn(message) ?? '' })
    case 413:
      return new TooLarge({ kind, namespace: key.namespace, name: key.name, reason: message })
    default:
      // etcd's refusal of an object over its limit comes back as a 500 with etcd's message.
      if (message.includes(OBJECT_TOO_LARGE_MESSAGE)) return new TooLarge({ kind, namespace: key.namespace, name: key.name, reason: OBJECT_TOO_LARGE_MESSAGE })
      return new StoreUnavailable({ reason: message })
  }
}

/** `Operation cannot be fulfilled on jobs.batch "pi": <detail>` → `<detail>`. */
function conflictDetail(message: string): string {
  const match = /^Operation cannot be fulfilled on [^ ]+ "[^"]*": ([\s\S]*)$/.exec(message)
  return match?.[1] ?? message
}

function resourceVersionIn(message: string): string | undefined {
  return /\((\d+)\)/.exec(message)?.[1]
}

/** The field errors of a 422, one per distinct cause. */
export function fieldErrorsOf(status: ApiStatus | undefined): FieldError[] {
  const seen = new Set<string>()
  const errors: FieldError[] = []
  for (const cause of status?.details?.causes ?? []) {
    const error = fieldErrorOf(cause)
    const rendered = renderFieldError(error)
    if (seen.has(rendered)) continue
    seen.add(rendered)
    errors.push(error)
  }
  return errors
}

/**
 * One cause as a field error that renders exactly as the server wrote it
 * (`renderFieldError(e) === "<field>: <message>"`): the message is read back into the error's
 * parts (the bad value, the detail, the supported values). A message that cannot be read back
 * keeps its text as the detail of an `Invalid value` error.
 */
export function fieldErrorOf(cause: StatusCause): FieldError {
  const path = cause.field ?? ''
  const message = cause.message ?? ''
  const expected = path === '' ? message : `${path}: ${message}`
  for (const candidate of candidatesFor(path, cause.reason ?? '', message)) {
    if (renderFieldError(candidate) === expected) return candidate
  }
  return invalidOmitValue(path, message.startsWith('Invalid value: ') ? message.slice('Invalid value: '.length) : message)
}

function* candidatesFor(path: string, reason: string, message: string): Generator<FieldError> {
  const rest = (prefix: string): string | undefined => (message.startsWith(prefix) ? message.slice(prefix.length) : undefined)
  if (message === 'Required value') yield required(path)
  const requiredDetail = rest('Required value: ')
  if (requiredDetail !== undefined) yield required(path, requiredDetail)
  const forbiddenDetail = rest('Forbidden: ')
  if (forbiddenDetail !== undefined) yield forbidden(path, forbiddenDetail)
  const tooLongText = rest('Too long: may not be more than ')
  if (tooLongText !== undefined) {
    const max = /^(\d+) /.exec(tooLongText)?.[1]
    if (max !== undefined) yield tooLong(path, Number(max))
  }
  const tooManyText = rest('Too many: ')
  if (tooManyText !== undefined) {
    const match = /^(\d+): must have at most (\d+) items?$/.exec(tooManyText)
    if (match !== null) yield tooMany(path, Number(match[1]), Number(match[2]))
  }
  const unsupported = rest('Unsupported value: ')
  if (unsupported !== undefined) {
    for (const [value, after] of leadingValues(unsupported)) {
      if (after === '') yield notSupported(path, value, [])
      const listed = after.startsWith(': supported values: ') ? after.slice(': supported values: '.length) : undefined
      if (listed !== undefined) yield notSupported(path, value, quotedList(listed))
    }
  }
  const duplicated = rest('Duplicate value: ')
  if (duplicated !== undefined) {
    for (const [value, after] of leadingValues(duplicated)) if (after === '') yield duplicate(path, value)
  }
  const invalidText = rest('Invalid value: ')
  if (invalidText !== undefined) {
    for (const [value, after] of leadingValues(invalidText)) {
      if (after.startsWith(': ')) yield invalid(path, value, after.slice(2))
    }
    yield invalidOmitValue(path, invalidText)
  }
  if (reason === 'FieldValueInvalid' && message === 'Invalid value') yield invalidOmitValue(path, '')
}

/**
 * The ways `text` can start with a value as `field.Error` prints it (a Go-quoted string, a
 * number, a boolean, `null`, JSON), each with what follows it.
 */
function* leadingValues(text: string): Generator<readonly [Json, string]> {
  const scalar = /^(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|true|false|null)(?=$|:)/.exec(text)
  if (scalar !== null) yield [JSON.parse(scalar[1]!) as Json, text.slice(scalar[1]!.length)]
  if (text.startsWith('"') || text.startsWith('{') || text.startsWith('[')) {
    // Try every ": " as the end of the value; the renderer check picks the right one.
    for (let end = text.indexOf(': '); end !== -1; end = text.indexOf(': ', end + 1)) {
      const value = parseJson(text.slice(0, end))
      if (value !== undefined) yield [value, text.slice(end)]
    }
    const whole = parseJson(text)
    if (whole !== undefined) yield [whole, '']
  }
}

function parseJson(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json
  } catch {
    return undefined
  }
}

/** `"NonIndexed", "Indexed"` → `['NonIndexed', 'Indexed']`. */
function quotedList(text: string): string[] {
  const parsed = parseJson(`[${text}]`)
  return Array.isArray(parsed) && parsed.every((v) => typeof v === 'string') ? (parsed as string[]) : []
}

/**
 * The errors of a 400 (a body the server could not decode):
 * `… strict decoding error: unknown field "spec.foo", unknown field "spec.bar"` gives one
 * `UnknownField` each; a type error (`json: cannot unmarshal string into Go struct field
 * JobSpec.spec.parallelism of type int32`) an `Invalid value` on that field.
 */
export function undecodableErrors(message: string): FieldError[] {
  const errors: FieldError[] = []
  for (const match of message.matchAll(/unknown field "((?:[^"\\]|\\.)*)"/g)) errors.push(unknownField(JSON.parse(`"${match[1]!}"`) as string))
  const typeError = /cannot unmarshal (\w+) into Go struct field [A-Za-z0-9_]+\.([^ ]+) of type ([^ ,]+)/.exec(message)
  if (typeError !== null) errors.push(invalidOmitValue(typeError[2]!, `must be of type ${typeError[3]!}, not ${typeError[1]!}`))
  if (errors.length === 0) errors.push(invalidOmitValue('body', message))
  return errors
}

/**
 * A 422 that refuses a patch's `metadata.uid` ("field is immutable") means the object was
 * replaced by another of the same name: the port reports that as a failed uid precondition.
 */
export function isUidMismatch(response: ApiResponse): boolean {
  if (response.status !== 422) return false
  return (statusOf(response.body)?.details?.causes ?? []).some((cause) => cause.field === 'metadata.uid')
}

/** The `Conflict` of a failed uid precondition, worded as the API server words it for DELETE. */
export function uidPreconditionFailed(kind: ResourceKind, key: ObjectKey, expected: string): Conflict {
  return new Conflict({
    kind,
    namespace: key.namespace,
    name: key.name,
    detail: `Precondition failed: UID in precondition: ${expected}, UID in object meta: (another object)`,
  })
}
