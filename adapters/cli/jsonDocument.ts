/**
 * The fast path for a JSON document (what `kubectl ... -o json` writes): one pass over the text
 * checks nesting, keys per object and duplicate keys with their positions, then `JSON.parse`
 * builds the value (its `__proto__` keys are own properties). Text that is not JSON is left to
 * the YAML reader, which reads JSON too but is far slower.
 */
import { MAX_MAPPING_KEYS, MAX_NESTING_DEPTH } from './inputLimits.js'

/** A JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/** The value, a refusal at an offset, or `undefined`: the text is not one JSON value. */
export type JsonOutcome = { readonly ok: true; readonly value: JsonValue } | { readonly ok: false; readonly offset: number; readonly problem: string } | undefined

interface Frame {
  readonly object: boolean
  readonly start: number
  readonly keys: Set<string>
  expectKey: boolean
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09

/** The end (after the closing quote) of the string starting at `start`, or -1. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x5c) i++
    else if (c === 0x22) return i + 1
  }
  return -1
}

/**
 * Reads `text` as one JSON value, checking the bounds a YAML document has (`inputLimits.ts`).
 * `shownKey` quotes a key for a message. Never throws.
 */
export function parseJsonDocument(text: string, shownKey: (key: string) => string): JsonOutcome {
  const problem = firstProblem(text, shownKey)
  if (problem === 'not JSON') return undefined
  let value: JsonValue
  try {
    value = JSON.parse(text) as JsonValue
  } catch {
    return undefined
  }
  return problem === undefined ? { ok: true, value } : { ok: false, ...problem }
}

/** The first bound the JSON text passes, with its offset; `not JSON` when the scan sees it is not. */
function firstProblem(text: string, shownKey: (key: string) => string): { readonly offset: number; readonly problem: string } | 'not JSON' | undefined {
  const stack: Frame[] = []
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (isSpace(c)) continue
    const top = stack[stack.length - 1]
    if (c === 0x7b || c === 0x5b) {
      if (stack.length + 1 > MAX_NESTING_DEPTH) return { offset: i, problem: `nesting deeper than ${MAX_NESTING_DEPTH} levels` }
      stack.push({ object: c === 0x7b, start: i, keys: new Set(), expectKey: c === 0x7b })
    } else if (c === 0x7d || c === 0x5d) {
      const closed = stack.pop()
      if (closed !== undefined && closed.keys.size > MAX_MAPPING_KEYS) {
        return { offset: closed.start, problem: `a mapping with ${closed.keys.size} keys, more than ${MAX_MAPPING_KEYS}` }
      }
    } else if (c === 0x2c) {
      if (top?.object === true) top.expectKey = true
    } else if (c === 0x3a) {
      if (top?.object === true) top.expectKey = false
    } else if (c === 0x22) {
      const end = stringEnd(text, i)
      if (end < 0) return 'not JSON'
      if (top?.object === true && top.expectKey) {
        let key: unknown
        try {
          key = JSON.parse(text.slice(i, end))
        } catch {
          return 'not JSON'
        }
        if (typeof key !== 'string') return 'not JSON'
        if (top.keys.has(key)) return { offset: i, problem: `key ${shownKey(key)} already set in map` }
        top.keys.add(key)
      }
      i = end - 1
    }
  }
  return undefined
}
