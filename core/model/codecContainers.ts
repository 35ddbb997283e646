/**
 * Lists, maps and objects for the model's io-ts codecs (see `codecKit.ts` for the leaves and the
 * error conventions). `struct` knows its fields (unknown ones rejected or kept according to the
 * decode mode), `openStruct` keeps untyped fields as JSON. `null` for a field means "absent".
 */
import * as t from 'io-ts'
import { left, right } from 'fp-ts/lib/Either.js'
import type { AnyDecoder, DecodeMode, DecodedOf, KubeValidationError } from './codecKit.js'
import { build, isPlainObject, json, markAsCollection, ownField, pathOf, str, typeMismatch } from './codecKit.js'
import { unknownField } from './fieldErrors.js'
import type { Json } from './types.js'

const collect = (errors: t.ValidationError[], v: t.Validation<unknown>): unknown => {
  if (v._tag === 'Left') {
    errors.push(...v.left)
    return undefined
  }
  return v.right
}

const entry = (c: t.Context, key: string, type: AnyDecoder, actual: unknown): t.Context => [...c, { key, type, actual }]

/** A list of `item`. */
export function list<D extends AnyDecoder>(item: D): t.Type<ReadonlyArray<DecodedOf<D>>, ReadonlyArray<DecodedOf<D>>, unknown> {
  const codec = build<ReadonlyArray<DecodedOf<D>>>(`array<${item.name}>`, (u, c) => {
    if (!Array.isArray(u)) return typeMismatch(u, c, 'array')
    const errors: t.ValidationError[] = []
    const out: unknown[] = []
    for (let i = 0; i < u.length; i++) {
      const v = ownField(u as unknown as Record<string, unknown>, String(i))
      out.push(collect(errors, item.validate(v, entry(c, String(i), item, v))))
    }
    return errors.length > 0 ? left(errors) : right(out as ReadonlyArray<DecodedOf<D>>)
  })
  return markAsCollection(codec, 'list')
}

/** A `map[string]T`: keys are kept as they are, each value decoded by `item`. */
export function mapOf<D extends AnyDecoder>(item: D): t.Type<Readonly<Record<string, DecodedOf<D>>>, Readonly<Record<string, DecodedOf<D>>>, unknown> {
  const codec = build<Readonly<Record<string, DecodedOf<D>>>>(`map<string,${item.name}>`, (u, c) => {
    if (!isPlainObject(u)) return typeMismatch(u, c, 'object')
    const errors: t.ValidationError[] = []
    const out: Array<[string, unknown]> = []
    for (const k of Object.keys(u)) {
      const v = ownField(u, k)
      const decoded = collect(errors, item.validate(v, entry(c, k, item, v)))
      if (decoded !== undefined) out.push([k, decoded])
    }
    return errors.length > 0 ? left(errors) : right(Object.fromEntries(out) as Readonly<Record<string, DecodedOf<D>>>)
  })
  return markAsCollection(codec, 'map')
}

/** A `map[string]string` (labels, annotations, node selectors). */
export const stringMap = mapOf(str)

type Props = { readonly [k: string]: AnyDecoder }

/** The decoded object of `P`, all fields optional except `R`. */
export type StructOf<P extends Props, R extends keyof P> = { readonly [K in Exclude<keyof P, R>]?: DecodedOf<P[K]> } & {
  readonly [K in R]: DecodedOf<P[K]>
}

/** Options of `struct`. */
export interface StructOptions<R> {
  /** Fields that must be present: their decoder also runs on an absent value (to report it). */
  readonly required?: ReadonlyArray<R>
  /** Extra checks on the decoded object (cross-field rules), given the input object too. */
  readonly refine?: (
    value: Record<string, unknown>,
    context: t.Context,
    input: Record<string, unknown>,
  ) => t.Validation<Record<string, unknown>>
}

function decodeFields<P extends Props>(
  u: Record<string, unknown>,
  c: t.Context,
  props: P,
  requiredKeys: ReadonlyArray<keyof P>,
  onUnknown: (k: string, v: unknown, errors: t.ValidationError[], out: Array<[string, unknown]>) => void,
): t.Validation<Record<string, unknown>> {
  const errors: t.ValidationError[] = []
  const out: Array<[string, unknown]> = []
  for (const k of Object.keys(u)) {
    const v = ownField(u, k)
    const codec = Object.prototype.hasOwnProperty.call(props, k) ? props[k] : undefined
    if (codec === undefined) onUnknown(k, v, errors, out)
    else if (v !== null && v !== undefined) {
      const decoded = collect(errors, codec.validate(v, entry(c, k, codec, v)))
      if (decoded !== undefined) out.push([k, decoded])
    }
  }
  for (const k of requiredKeys) {
    const key = String(k)
    const v = ownField(u, key)
    const codec = props[key]
    if ((v === null || v === undefined) && codec !== undefined) {
      const decoded = collect(errors, codec.validate(undefined, entry(c, key, codec, undefined)))
      if (decoded !== undefined) out.push([key, decoded])
    }
  }
  return errors.length > 0 ? left(errors) : right(Object.fromEntries(out))
}

const refined = (
  v: t.Validation<Record<string, unknown>>,
  c: t.Context,
  input: Record<string, unknown>,
  refine: StructOptions<unknown>['refine'],
): t.Validation<Record<string, unknown>> => {
  if (refine === undefined) return v
  const extra = refine(v._tag === 'Right' ? v.right : {}, c, input)
  if (v._tag === 'Right') return extra
  return extra._tag === 'Left' ? left([...v.left, ...extra.left]) : v
}


/** An object with known fields; unknown fields are rejected or kept according to `mode`. */
export function struct<P extends Props, R extends keyof P = never>(
  name: string,
  props: P,
  mode: DecodeMode,
  options: StructOptions<R> = {},
): t.Type<StructOf<P, R>, StructOf<P, R>, unknown> {
  return build<StructOf<P, R>>(name, (u, c) => {
    if (!isPlainObject(u)) return typeMismatch(u, c, 'object')
    const v = decodeFields(u, c, props, options.required ?? [], (k, value, errors, out) => {
      if (mode.unknownFields === 'reject') {
        const ctx = entry(c, k, t.never, value)
        const e: KubeValidationError = { value, context: ctx, message: 'unknown field', fieldError: unknownField(pathOf(ctx)) }
        errors.push(e)
      } else if (value !== undefined) {
        const decoded = collect(errors, json.validate(value, entry(c, k, json, value)))
        if (decoded !== undefined) out.push([k, decoded])
      }
    })
    return refined(v, c, u, options.refine) as t.Validation<StructOf<P, R>>
  })
}

/** An object with typed fields whose other fields are kept as JSON (pod-template parts). */
export function openStruct<P extends Props, R extends keyof P = never>(
  name: string,
  props: P,
  options: StructOptions<R> = {},
): t.Type<StructOf<P, R> & { readonly [other: string]: Json | undefined }, StructOf<P, R> & { readonly [other: string]: Json | undefined }, unknown> {
  type Out = StructOf<P, R> & { readonly [other: string]: Json | undefined }
  return build<Out>(name, (u, c) => {
    if (!isPlainObject(u)) return typeMismatch(u, c, 'object')
    const v = decodeFields(u, c, props, options.required ?? [], (k, value, errors, out) => {
      if (value === undefined) return
      const decoded = collect(errors, json.validate(value, entry(c, k, json, value)))
      if (decoded !== undefined) out.push([k, decoded])
    })
    return refined(v, c, u, options.refine) as t.Validation<Out>
  })
}
