/**
 * Field errors as the Kubernetes API server reports them (spec §3.1, R30).
 *
 * Each error is tagged data with the field path rendered the API server's way
 * (`spec.template.spec.restartPolicy`, `spec.podFailurePolicy.rules[0].onExitCodes.values[1]`,
 * `spec.template.metadata.labels[controller-uid]`). `renderFieldError` prints one exactly as
 * apimachinery's `field.Error` does; `renderInvalidJob` builds the 422 message.
 */
import type { Json } from './types.js'

/** `<path>: Required value[: detail]`. */
export interface RequiredError {
  readonly _tag: 'Required'
  readonly path: string
  readonly detail?: string
}

/**
 * `<path>: Invalid value[: <value>][: detail]`. When `value` is absent (or `undefined`) the value
 * is omitted from the message, as Go's `field.OmitValueType{}` does; `null` renders as `null`.
 */
export interface InvalidError {
  readonly _tag: 'Invalid'
  readonly path: string
  readonly value?: Json
  readonly detail: string
}

/** `<path>: Unsupported value: <value>: supported values: "A", "B"`. */
export interface NotSupportedError {
  readonly _tag: 'NotSupported'
  readonly path: string
  readonly value: Json
  readonly supported: ReadonlyArray<string>
}

/** `<path>: Duplicate value: <value>`. */
export interface DuplicateError {
  readonly _tag: 'Duplicate'
  readonly path: string
  readonly value: Json
}

/** `<path>: Too many: <actual>: must have at most <max> items`. */
export interface TooManyError {
  readonly _tag: 'TooMany'
  readonly path: string
  /** The number of items found; omitted from the message when absent. */
  readonly actual?: number
  readonly max: number
}

/** `<path>: Too long: may not be more than <max> bytes` (the value is never shown). */
export interface TooLongError {
  readonly _tag: 'TooLong'
  readonly path: string
  readonly max: number
}

/** `<path>: Forbidden: detail`. */
export interface ForbiddenError {
  readonly _tag: 'Forbidden'
  readonly path: string
  readonly detail: string
}

/** A field strict decoding does not know: `unknown field "<path>"`. */
export interface UnknownFieldError {
  readonly _tag: 'UnknownField'
  readonly path: string
}

/** One problem with one field; every validation in the model reports a list of these. */
export type FieldError =
  | RequiredError
  | InvalidError
  | NotSupportedError
  | DuplicateError
  | TooManyError
  | TooLongError
  | ForbiddenError
  | UnknownFieldError

// ---------------------------------------------------------------------------------------
// Constructors

/** A `Required value` error. */
export const required = (path: string, detail?: string): FieldError =>
  detail === undefined || detail === '' ? { _tag: 'Required', path } : { _tag: 'Required', path, detail }

/** An `Invalid value` error showing `value`. */
export const invalid = (path: string, value: Json, detail: string): FieldError => ({ _tag: 'Invalid', path, value, detail })

/** An `Invalid value` error that does not show the value. */
export const invalidOmitValue = (path: string, detail: string): FieldError => ({ _tag: 'Invalid', path, detail })

/** An `Unsupported value` error. */
export const notSupported = (path: string, value: Json, supported: ReadonlyArray<string>): FieldError => ({
  _tag: 'NotSupported',
  path,
  value,
  supported,
})

/** A `Duplicate value` error. */
export const duplicate = (path: string, value: Json): FieldError => ({ _tag: 'Duplicate', path, value })

/** A `Too many` error. */
export const tooMany = (path: string, actual: number, max: number): FieldError => ({ _tag: 'TooMany', path, actual, max })

/** A `Too long` error. */
export const tooLong = (path: string, max: number): FieldError => ({ _tag: 'TooLong', path, max })

/** A `Forbidden` error. */
export const forbidden = (path: string, detail: string): FieldError => ({ _tag: 'Forbidden', path, detail })

/** An unknown-field error of strict decoding. */
export const unknownField = (path: string): FieldError => ({ _tag: 'UnknownField', path })

/** The immutability error of R54: `<path>: Invalid value: <value>: field is immutable`. */
export const immutable = (path: string, value: Json): FieldError => invalid(path, value, 'field is immutable')

// ---------------------------------------------------------------------------------------
// Paths

/** `parent.child`, or `child` at the root. */
export const child = (parent: string, name: string): string => (parent === '' ? name : `${parent}.${name}`)

/** `parent[i]` for list items. */
export const index = (parent: string, i: number): string => `${parent}[${i}]`

/** `parent[key]` for map entries (the key is not quoted, as upstream prints it). */
export const key = (parent: string, k: string): string => `${parent}[${k}]`

// ---------------------------------------------------------------------------------------
// Rendering

const isPrintable = (ch: string): boolean => ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch)

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0')

const GO_NAMED_ESCAPES: Readonly<Record<string, string>> = {
  '\u0007': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
  '"': '\\"',
}

/**
 * Quotes a string the way Go's `strconv.Quote` (`%q`) does: printable characters as they are,
 * the usual backslash escapes, `\xNN` for other ASCII controls and `\uNNNN` / `\UNNNNNNNN` for
 * non-printable runes. Lone UTF-16 surrogates cannot occur in a Go string and print as U+FFFD.
 */
export function goQuote(text: string): string {
  let out = '"'
  for (const ch of text) {
    const named = GO_NAMED_ESCAPES[ch]
    const code = ch.codePointAt(0) ?? 0
    if (named !== undefined) out += named
    else if (code >= 0xd800 && code <= 0xdfff) out += '\ufffd'
    else if (isPrintable(ch)) out += ch
    else if (code < 0x80) out += `\\x${hex(code, 2)}`
    else if (code <= 0xffff) out += `\\u${hex(code, 4)}`
    else out += `\\U${hex(code, 8)}`
  }
  return `${out}"`
}

/**
 * Compact JSON as Go's `encoding/json` writes it: like `JSON.stringify`, plus Go's HTML-safe
 * escaping of `<`, `>`, `&` and the line/paragraph separators. Object keys keep their order, so
 * callers pass maps with sorted keys (Go sorts map keys) and structs in field order.
 */
export function goJson(value: Json): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${hex(c.charCodeAt(0), 4)}`)
}

/**
 * The most characters of a value or path an error shows. Beyond it the text is cut and its
 * length given (`"aaaa"... (2097152 characters)`), so that a hostile value cannot make a
 * megabyte error line; the API server shows values whole.
 */
export const MAX_SHOWN_CHARACTERS = 256

/** `text` cut to `max` characters (never inside a surrogate pair), and whether it was cut. */
function clipped(text: string, max = MAX_SHOWN_CHARACTERS): { readonly shown: string; readonly cut: boolean } {
  if (text.length <= max) return { shown: text, cut: false }
  return { shown: Array.from(text.slice(0, max + 1)).slice(0, max).join(''), cut: true }
}

/** A detail holds a path at most once beside fixed words: it may be longer than a value. */
const MAX_SHOWN_DETAIL = 4 * MAX_SHOWN_CHARACTERS

/**
 * A long detail is cut in the middle: its end says what is wrong (a server message read back
 * whole as a detail ends `: field is immutable`), so the head and the tail are kept.
 */
const shownDetail = <D extends string | undefined>(detail: D): D => {
  if (detail === undefined || detail.length <= MAX_SHOWN_DETAIL) return detail
  const head = clipped(detail, MAX_SHOWN_DETAIL - MAX_SHOWN_CHARACTERS).shown
  const tail = Array.from(detail.slice(-MAX_SHOWN_CHARACTERS - 1)).slice(-MAX_SHOWN_CHARACTERS).join('')
  return `${head}... (${detail.length} characters) ...${tail}` as D
}

/** `goQuote`, with a long string cut (see `MAX_SHOWN_CHARACTERS`). */
export function goQuoteShown(text: string): string {
  const { shown, cut } = clipped(text)
  return cut ? `${goQuote(shown)}... (${text.length} characters)` : goQuote(text)
}

/** A path as an error shows it, a long one cut (a hostile map key can make one). */
const shownPath = (path: string): string => {
  const { shown, cut } = clipped(path)
  return cut ? `${shown}... (${path.length} characters)` : path
}

/** A bad value as `field.Error` prints it: numbers and booleans bare, strings quoted, the rest JSON (long ones cut). */
export function renderValue(value: Json): string {
  if (typeof value === 'string') return goQuoteShown(value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  const text = goJson(value)
  const { shown, cut } = clipped(text)
  return cut ? `${shown}... (${text.length} characters)` : text
}

const plural = (n: number, one: string, many: string): string => (n === 1 ? one : many)

const withDetail = (body: string, detail: string | undefined): string =>
  detail === undefined || detail === '' ? body : `${body}: ${detail}`

/** Renders one error exactly as the API server does (R30), long values, paths and details cut (`MAX_SHOWN_CHARACTERS`). */
export function renderFieldError(e: FieldError): string {
  const path = shownPath(e.path)
  switch (e._tag) {
    case 'Required':
      return withDetail(`${path}: Required value`, shownDetail(e.detail))
    case 'Invalid':
      return withDetail(e.value === undefined ? `${path}: Invalid value` : `${path}: Invalid value: ${renderValue(e.value)}`, shownDetail(e.detail))
    case 'NotSupported':
      return withDetail(
        `${path}: Unsupported value: ${renderValue(e.value)}`,
        e.supported.length === 0 ? undefined : `supported values: ${e.supported.map(goQuote).join(', ')}`,
      )
    case 'Duplicate':
      return `${path}: Duplicate value: ${renderValue(e.value)}`
    case 'TooMany':
      return withDetail(
        e.actual === undefined ? `${path}: Too many` : `${path}: Too many: ${e.actual}`,
        `must have at most ${e.max} ${plural(e.max, 'item', 'items')}`,
      )
    case 'TooLong':
      return `${path}: Too long: may not be more than ${e.max} ${plural(e.max, 'byte', 'bytes')}`
    case 'Forbidden':
      return withDetail(`${path}: Forbidden`, shownDetail(e.detail))
    case 'UnknownField':
      return `unknown field ${goQuoteShown(e.path)}`
  }
}

/** The rendered messages, without repeats (as `ErrorList.ToAggregate` drops identical ones). */
function uniqueMessages(errors: ReadonlyArray<FieldError>): string[] {
  return [...new Set(errors.map(renderFieldError))]
}

const aggregate = (messages: ReadonlyArray<string>): string =>
  messages.length === 1 ? (messages[0] ?? '') : `[${messages.join(', ')}]`

/**
 * The API server's 422 message: `Job.batch "pi" is invalid: <err>` for one error and
 * `Job.batch "pi" is invalid: [<err1>, <err2>]` for several (identical messages once).
 */
export function renderInvalidJob(name: string, errors: ReadonlyArray<FieldError>): string {
  return renderInvalidObject('Job.batch', name, errors)
}

/** The API server's 422 message for any kind: `<Kind.group> "<name>" is invalid: …` (e.g. `CronJob.batch`). */
export function renderInvalidObject(qualifiedKind: string, name: string, errors: ReadonlyArray<FieldError>): string {
  return `${qualifiedKind} ${goQuoteShown(name)} is invalid: ${aggregate(uniqueMessages(errors))}`
}

/**
 * The API server's 400 message for a body it cannot decode, e.g.
 * `Job in version "v1" cannot be handled as a Job: strict decoding error: unknown field "spec.foo", unknown field "spec.bar"`.
 * Type errors (which Go reports one at a time) come first, unknown fields after the
 * `strict decoding error:` prefix.
 */
export function renderUndecodableJob(errors: ReadonlyArray<FieldError>): string {
  return renderUndecodableObject('Job', errors)
}

/** The API server's 400 message for any batch/v1 kind: `<Kind> in version "v1" cannot be handled as a <Kind>: …`. */
export function renderUndecodableObject(kind: string, errors: ReadonlyArray<FieldError>): string {
  const typeErrors = uniqueMessages(errors.filter((e) => e._tag !== 'UnknownField'))
  const unknown = uniqueMessages(errors.filter((e) => e._tag === 'UnknownField'))
  const parts = [...typeErrors, ...(unknown.length > 0 ? [`strict decoding error: ${unknown.join(', ')}`] : [])]
  return `${kind} in version "v1" cannot be handled as a ${kind}: ${parts.join(', ')}`
}
