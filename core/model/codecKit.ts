/**
 * The small io-ts toolkit the model's codecs are built from.
 *
 * Every failure carries the `FieldError` the API server would report, with the path rendered
 * from the io-ts context (`spec.podFailurePolicy.rules[0].action`). Objects come in two kinds:
 * `struct` (known fields only: unknown ones are errors in `reject` mode, kept in `keep` mode)
 * and `openStruct` (typed fields plus pass-through JSON, for the parts of a pod the controller
 * does not interpret). `null` for a field means "absent", as Go's JSON decoding treats it.
 * Nothing here throws: inputs are inspected with own-property reads only and checked for
 * cycles and depth before they are walked. Lists and objects are in `codecContainers.ts`.
 */
import * as t from 'io-ts'
import { left, right } from 'fp-ts/lib/Either.js'
import type { FieldError } from './fieldErrors.js'
import { invalid, notSupported, required } from './fieldErrors.js'
import type { Json, JsonObject } from './types.js'

/** An io-ts validation error that carries the field error to report. */
export interface KubeValidationError extends t.ValidationError {
  readonly fieldError: FieldError
}

/** Whether an io-ts error came from this toolkit. */
export const isKubeValidationError = (e: t.ValidationError): e is KubeValidationError => 'fieldError' in e

/** A decoder whose output type is covariant, so differently typed codecs fit in one record. */
export type AnyDecoder = t.Decoder<unknown, unknown>

/** The decoded type of a decoder. */
export type DecodedOf<D> = D extends t.Decoder<unknown, infer A> ? A : never

/** How a decoder treats fields it does not know and enum values it does not support. */
export interface DecodeMode {
  /** `reject`: strict field validation (one `UnknownField` each); `keep`: passed through. */
  readonly unknownFields: 'reject' | 'keep'
  /** `strict`: unsupported enum values fail; `fallback`: they decode to the enum's fallback. */
  readonly enums: 'strict' | 'fallback'
}

const LIST_MARK = Symbol('list')
const MAP_MARK = Symbol('map')
type Marked = { readonly [LIST_MARK]?: true; readonly [MAP_MARK]?: true }

/** Marks a codec as a list or map, so that paths print its keys as `[key]`. */
export function markAsCollection<C extends object>(codec: C, kind: 'list' | 'map'): C {
  Object.defineProperty(codec, kind === 'list' ? LIST_MARK : MAP_MARK, { value: true })
  return codec
}

const isListOrMap = (d: t.Decoder<unknown, unknown>): boolean => {
  const m = d as unknown as Marked
  return m[LIST_MARK] === true || m[MAP_MARK] === true
}

/** The API-server path of an io-ts context: `.key` for fields, `[key]` for list items and map keys. */
export function pathOf(context: t.Context): string {
  let path = ''
  for (let i = 1; i < context.length; i++) {
    const entry = context[i]
    const parent = context[i - 1]
    if (entry === undefined || parent === undefined) continue
    if (isListOrMap(parent.type)) path += `[${entry.key}]`
    else path = path === '' ? entry.key : `${path}.${entry.key}`
  }
  return path === '' ? 'body' : path
}

/** A failure reporting `fieldError`. */
export const failWith = (value: unknown, context: t.Context, fieldError: FieldError): t.Validation<never> => {
  const e: KubeValidationError = { value, context, message: undefined, fieldError }
  return left([e])
}

/** The JSON type name of a value, as OpenAPI names it. */
function jsonTypeName(u: unknown): string {
  if (u === null) return 'null'
  if (Array.isArray(u)) return 'array'
  if (typeof u === 'number') return Number.isInteger(u) ? 'integer' : 'number'
  return typeof u
}

/** A value fit for an error message: primitives as they are, anything else by its type name. */
function shownValue(u: unknown): Json {
  if (typeof u === 'string' || typeof u === 'boolean') return u
  if (typeof u === 'number') return Number.isFinite(u) ? u : String(u)
  return jsonTypeName(u)
}

/**
 * `<path>: Invalid value: <value>: <path> in body must be of type <type>` (kube-openapi's
 * wording); `<path>: Required value` for a required field that is absent.
 */
export const typeMismatch = (u: unknown, c: t.Context, expected: string): t.Validation<never> =>
  u === undefined
    ? failWith(u, c, required(pathOf(c)))
    : failWith(u, c, invalid(pathOf(c), shownValue(u), `${pathOf(c)} in body must be of type ${expected}`))

/** A plain object (no arrays, class instances, boxed primitives, dates or maps). */
export function isPlainObject(u: unknown): u is Record<string, unknown> {
  if (typeof u !== 'object' || u === null || Array.isArray(u)) return false
  const proto: unknown = Object.getPrototypeOf(u)
  return proto === Object.prototype || proto === null
}

/** An own data property of an object (getters are never called). */
export const ownField = (o: Record<string, unknown>, k: string): unknown => {
  const d = Object.getOwnPropertyDescriptor(o, k)
  return d !== undefined && 'value' in d ? d.value : undefined
}
const ownValue = ownField

/** Own enumerable string keys whose property is a plain data property. */
const dataKeys = (o: Record<string, unknown>): string[] =>
  Object.keys(o).filter((k) => {
    const d = Object.getOwnPropertyDescriptor(o, k)
    return d !== undefined && 'value' in d
  })

const MAX_DEPTH = 256

/** Whether `u` is a JSON value: finite numbers, plain objects and arrays, no cycles, bounded depth. */
export function isJson(u: unknown, seen: Set<object> = new Set(), depth = 0): u is Json {
  if (u === null || typeof u === 'string' || typeof u === 'boolean') return true
  if (typeof u === 'number') return Number.isFinite(u)
  if (depth > MAX_DEPTH || typeof u !== 'object' || seen.has(u)) return false
  if (!Array.isArray(u) && !isPlainObject(u)) return false
  seen.add(u)
  const ok = Array.isArray(u)
    ? Array.from({ length: u.length }, (_, i) => ownValue(u as unknown as Record<string, unknown>, String(i))).every((v) => isJson(v, seen, depth + 1))
    : dataKeys(u).length === Object.keys(u).length && Object.keys(u).every((k) => isJson(ownValue(u, k), seen, depth + 1))
  seen.delete(u)
  return ok
}

/** A codec from a name and a validation function (`is` and identity `encode` are derived). */
export const build = <A>(name: string, validate: (u: unknown, c: t.Context) => t.Validation<A>): t.Type<A, A, unknown> => {
  const is = (u: unknown): u is A => validate(u, [{ key: '', type: t.unknown, actual: u }])._tag === 'Right'
  return new t.Type<A, A, unknown>(name, is, validate, t.identity)
}

// ---------------------------------------------------------------------------------------
// Leaves

/** A JSON string. */
export const str = build<string>('string', (u, c) => (typeof u === 'string' ? right(u) : typeMismatch(u, c, 'string')))

/** A JSON boolean. */
export const bool = build<boolean>('boolean', (u, c) => (typeof u === 'boolean' ? right(u) : typeMismatch(u, c, 'boolean')))

const integerIn = (name: string, min: number, max: number) =>
  build<number>(name, (u, c) => {
    if (typeof u !== 'number' || !Number.isInteger(u)) return typeMismatch(u, c, 'integer')
    if (u > max) return failWith(u, c, invalid(pathOf(c), u, `${pathOf(c)} in body should be less than or equal to ${max}`))
    if (u < min) return failWith(u, c, invalid(pathOf(c), u, `${pathOf(c)} in body should be greater than or equal to ${min}`))
    return right(u)
  })

/** An `int32` field. */
export const int32 = integerIn('int32', -2147483648, 2147483647)

/** An `int64` field (limited to the integers a JavaScript number holds exactly). */
export const int64 = integerIn('int64', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

/** A `metav1.Time`: an RFC 3339 string. */
export const time = build<string>('date-time', (u, c) =>
  typeof u === 'string' && RFC3339.test(u) && !Number.isNaN(Date.parse(u)) ? right(u) : typeMismatch(u, c, 'string (RFC 3339 date-time)'),
)

/** A fixed string such as `apiVersion: batch/v1`; absent is `Required value`. */
export const literal = <L extends string>(value: L) =>
  build<L>(JSON.stringify(value), (u, c) => {
    if (u === undefined) return failWith(u, c, required(pathOf(c)))
    if (typeof u !== 'string') return typeMismatch(u, c, 'string')
    return u === value ? right(value) : failWith(u, c, notSupported(pathOf(c), u, [value]))
  })

/** Any JSON value, passed through untouched. */
export const json = build<Json>('JSON', (u, c) => (isJson(u) ? right(u) : typeMismatch(u, c, 'JSON value')))

/** A JSON object, passed through untouched. */
export const jsonObject = build<JsonObject>('JSON object', (u, c) =>
  isPlainObject(u) && isJson(u) ? right(u) : typeMismatch(u, c, 'object'),
)

/** How an enum reports a missing or unsupported value. */
export interface EnumOptions {
  /** The values listed after `supported values:` (defaults to the accepted values, in order). */
  readonly listed?: ReadonlyArray<string>
  /** When set, `""` or absent gives `Required value: <detail>` instead of `Unsupported value`. */
  readonly requiredDetail?: string
}

const ENUM_FAILURE = Symbol('enum failure')

/** An enum failure: Kubernetes reports these in validation, not while decoding. */
interface EnumValidationError extends KubeValidationError {
  readonly [ENUM_FAILURE]: true
}

/** A soft failure found by a cross-field check, reported like an enum failure. */
export const softFail = (value: unknown, context: t.Context, fieldError: FieldError): t.Validation<never> => {
  const e: EnumValidationError = { value, context, message: 'enum', fieldError, [ENUM_FAILURE]: true }
  return left([e])
}

/** Whether an io-ts error is a soft enum failure (validation-level in Kubernetes, not a decode error). */
export const isEnumFailure = (e: t.ValidationError): boolean => ENUM_FAILURE in e

function enumCodec<A extends string, F extends A | undefined>(
  values: ReadonlyArray<A>,
  mode: DecodeMode,
  options: EnumOptions,
  fallbackValue: F,
): t.Type<A | F, A | F, unknown> {
  const accepted: ReadonlySet<string> = new Set(values)
  const isAccepted = (u: string): u is A => accepted.has(u)
  const fail = (u: unknown, c: t.Context, fieldError: FieldError): t.Validation<A | F> => {
    return mode.enums === 'fallback' ? right(fallbackValue) : softFail(u, c, fieldError)
  }
  return build<A | F>(`enum(${values.join('|')})`, (u, c) => {
    if (u !== undefined && typeof u !== 'string') return typeMismatch(u, c, 'string')
    if (typeof u === 'string' && isAccepted(u)) return right(u)
    if ((u === undefined || u === '') && options.requiredDetail !== undefined) {
      return fail(u, c, required(pathOf(c), options.requiredDetail))
    }
    return fail(u, c, notSupported(pathOf(c), u ?? '', options.listed ?? values))
  })
}

/**
 * A required string enum with Kubernetes' `Required value` / `Unsupported value` errors; in
 * `fallback` mode an unsupported value decodes to `fallback`.
 */
export const requiredEnum = <A extends string>(values: ReadonlyArray<A>, mode: DecodeMode, fallback: A, options: EnumOptions = {}) =>
  enumCodec<A, A>(values, mode, options, fallback)

/** An optional string enum; in `fallback` mode an unsupported value is dropped (the field becomes absent). */
export const optionalEnum = <A extends string>(values: ReadonlyArray<A>, mode: DecodeMode, options: EnumOptions = {}) =>
  enumCodec<A, undefined>(values, mode, options, undefined)

