/**
 * Codecs for the parts of a Job the model does not interpret (most of the pod template), built
 * from the API server's own field list (`apiFields.ts`): under strict field validation every
 * field it does not know is an `unknown field "<path>"` and every known field must hold its
 * type, at any depth, as the API server's decoder checks them. The values are kept as JSON.
 */
import type * as t from 'io-ts'
import { right } from 'fp-ts/lib/Either.js'
import type { AnyDecoder, DecodeMode } from './codecKit.js'
import { bool, build, int32, int64, jsonObject, str, time, typeMismatch } from './codecKit.js'
import { list, mapOf, struct } from './codecContainers.js'
import type { ApiTypeName } from './apiFields.js'
import { API_TYPES } from './apiFields.js'
import type { Json } from './types.js'

/** A finite JSON number. */
const number = build<number>('number', (u, c) => (typeof u === 'number' && Number.isFinite(u) ? right(u) : typeMismatch(u, c, 'number')))

/** A resource quantity: `"500m"`, `"1Gi"` or a bare number, as the API server reads it. */
const quantity = build<string | number>('Quantity', (u, c) =>
  typeof u === 'string' || (typeof u === 'number' && Number.isFinite(u)) ? right(u) : typeMismatch(u, c, 'string'),
)

/** A port or percentage: an int32 or a string. */
const intOrString = build<string | number>('IntOrString', (u, c) => (typeof u === 'string' ? right(u) : int32.validate(u, c)))

const LEAVES: Readonly<Record<string, AnyDecoder>> = {
  string: str,
  boolean: bool,
  number,
  int32,
  int64,
  Time: time,
  Quantity: quantity,
  IntOrString: intOrString,
  object: jsonObject,
}

const isTypeName = (name: string): name is ApiTypeName => Object.prototype.hasOwnProperty.call(API_TYPES, name)

/** The codecs of the API server's types for one decode mode; each type is built once. */
export interface ApiCodecs {
  /** The codec of a type notation from `apiFields.ts` (`[]Container`, `map[string]Quantity`, `Probe`). */
  readonly codecOf: (type: string) => t.Type<Json, Json, unknown>
  /** The fields of an object type, each with its codec (to extend with typed fields). */
  readonly fieldsOf: (name: ApiTypeName) => Readonly<Record<string, t.Type<Json, Json, unknown>>>
}

/** Builds the codecs of the API server's types for `mode`. */
export function apiCodecs(mode: DecodeMode): ApiCodecs {
  const built = new Map<string, AnyDecoder>()
  const codecOf = (type: string): t.Type<Json, Json, unknown> => {
    const known = built.get(type)
    if (known !== undefined) return known as t.Type<Json, Json, unknown>
    const codec = buildCodec(type)
    built.set(type, codec)
    return codec as t.Type<Json, Json, unknown>
  }
  const fieldsOf = (name: ApiTypeName): Readonly<Record<string, t.Type<Json, Json, unknown>>> =>
    Object.fromEntries(Object.entries(API_TYPES[name]).map(([field, type]) => [field, codecOf(type)]))
  const buildCodec = (type: string): AnyDecoder => {
    if (type.startsWith('[]')) return list(codecOf(type.slice(2)))
    if (type.startsWith('map[string]')) return mapOf(codecOf(type.slice('map[string]'.length)))
    const leaf = LEAVES[type]
    if (leaf !== undefined) return leaf
    if (!isTypeName(type)) throw new Error(`apiFields.ts names an unknown type ${type}`)
    return struct(type, fieldsOf(type), mode)
  }
  return { codecOf, fieldsOf }
}
