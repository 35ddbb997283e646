/**
 * YAML and JSON documents to plain JSON values, in linear time and bounded (`inputLimits.ts`):
 * the size of a document and of its value, nesting depth, keys per mapping and the values that
 * aliases copy. Every refusal is one line naming where it is (`line 4, column 9: ...`); nothing
 * here throws. A JSON text takes a fast path (`jsonDocument.ts`); otherwise the yaml library
 * parses, and the values are built here rather than by its `toJS`, so that duplicate keys are
 * found with a set (its check is quadratic), aliases are counted and resolved in one pass, and a
 * `__proto__` key stays an ordinary key.
 */
import { Composer, isAlias, isMap, isPair, isScalar, isSeq, Lexer, LineCounter, Parser } from 'yaml'
import type { Document, Node as YamlNode } from 'yaml'
import type { JsonValue } from './jsonDocument.js'
import { parseJsonDocument } from './jsonDocument.js'
import { MAX_ALIAS_VALUES, MAX_FILE_BYTES, MAX_MAPPING_KEYS, MAX_NESTING_DEPTH, MAX_OBJECT_BYTES, MAX_REQUEST_BYTES } from './inputLimits.js'

export type { JsonValue } from './jsonDocument.js'

/** One document's value and the line it starts on. */
export interface ParsedDocument {
  readonly value: JsonValue
  readonly line: number
}

/** The documents of a text, or the first problem, as `line L, column C: what` (or a problem of the whole text). */
export type ParseOutcome = { readonly ok: true; readonly documents: ReadonlyArray<ParsedDocument> } | { readonly ok: false; readonly problem: string }

/**
 * The lexer's estimate of nesting, checked before parsing (the parser slows and the composer
 * recurses on very deep input): an upper bound of the real depth for block collections (their
 * entries are indented, or start with `-`/`?` indicators) and exact for flow ones.
 */
const MAX_ESTIMATED_DEPTH = 10 * MAX_NESTING_DEPTH

const utf8Bytes = (text: string): number => {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) bytes += 1
    else if (code < 0x800) bytes += 2
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4
      i++
    } else bytes += 3
  }
  return bytes
}

class Refusal {
  constructor(
    readonly offset: number | undefined,
    readonly problem: string,
  ) {}
}

/** A key shown in a message: quoted, a long one cut. */
export function shownKey(key: string): string {
  return key.length <= 64 ? JSON.stringify(key) : `${JSON.stringify(key.slice(0, 64))}... (${key.length} characters)`
}

/** The yaml lexer's markers of a document, a flow error and a scalar: not part of the text. */
const VIRTUAL_TOKENS: ReadonlySet<string> = new Set(['\x02', '\x18', '\x1f'])

/**
 * What the lexer alone can refuse, before the parser runs: a document larger than a request may
 * be, or nesting beyond the estimate's bound. Returns the offset and the problem.
 */
function scan(text: string): { readonly offset: number; readonly problem: string } | undefined {
  let offset = 0
  let flow = 0
  let block = 0
  let lineStart = true
  let indicators = 0
  let documentStart = 0
  const tooLarge = (end: number) =>
    utf8Bytes(text.slice(documentStart, end)) > MAX_REQUEST_BYTES
      ? { offset: documentStart, problem: `a document of ${utf8Bytes(text.slice(documentStart, end))} bytes: Request entity too large: limit is ${MAX_REQUEST_BYTES}` }
      : undefined
  for (const token of new Lexer().lex(text)) {
    // The lexer marks where documents, scalars and flow errors begin with tokens that are not in the text.
    if (VIRTUAL_TOKENS.has(token)) continue
    const at = offset
    offset += token.length
    if (token === '\n' || token === '\r\n') {
      lineStart = true
      indicators = 0
      continue
    }
    if (lineStart && (token === '---' || token === '...')) {
      const large = tooLarge(at)
      if (large !== undefined) return large
      documentStart = at
    }
    if (lineStart && flow === 0) block = /^ +$/.test(token) ? token.length : 0
    lineStart = false
    if (token === '[' || token === '{') flow++
    else if ((token === ']' || token === '}') && flow > 0) flow--
    else if (flow === 0 && (token === '-' || token === '?' || token === ':')) indicators++
    if (flow + block + indicators > MAX_ESTIMATED_DEPTH) return { offset: at, problem: `nesting deeper than ${MAX_NESTING_DEPTH} levels` }
  }
  return tooLarge(text.length)
}

/** Builds the JSON value of one composed document. */
class Converter {
  private readonly anchors = new Map<string, YamlNode>()
  private readonly expanding = new Set<YamlNode>()
  private aliasValues = 0
  private inAlias = 0
  /** Where the outermost alias being expanded is. */
  private aliasAt = 0
  /** The value's size as JSON so far, escapes not counted: a lower bound, kept to stop early. */
  private bytes = 0

  constructor(private readonly base: number) {}

  value(node: YamlNode | null, depth: number): JsonValue {
    if (node === null) return this.counted(4, node, null)
    if (depth > MAX_NESTING_DEPTH) throw new Refusal(this.offsetOf(node), `nesting deeper than ${MAX_NESTING_DEPTH} levels`)
    if (this.inAlias > 0 && ++this.aliasValues > MAX_ALIAS_VALUES) {
      throw new Refusal(this.aliasAt, `aliases expand to more than ${MAX_ALIAS_VALUES} values`)
    }
    if (isAlias(node)) return this.alias(node, depth)
    if (this.inAlias === 0 && node.anchor !== undefined) this.anchors.set(node.anchor, node)
    if (isScalar(node)) return this.scalar(node.value, node)
    if (!isMap(node) && !isSeq(node)) throw new Refusal(this.offsetOf(node), 'a value that is not a mapping, a list or a scalar')
    // While a collection is being built, an alias to it would be a cycle.
    this.expanding.add(node)
    try {
      if (isMap(node)) return this.mapping(node.items, node, depth)
      // A pair in a flow list (`[a: 1]`) is a mapping of one key, as YAML reads it.
      return node.items.map((item) => (isPair(item) ? this.mapping([item], node, depth + 1) : this.value(item as YamlNode | null, depth + 1)))
    } finally {
      this.expanding.delete(node)
    }
  }

  private alias(node: YamlNode & { readonly source: string }, depth: number): JsonValue {
    const target = this.anchors.get(node.source)
    if (target === undefined) throw new Refusal(this.offsetOf(node), `unknown alias *${node.source} (the anchor &${node.source} must come before it)`)
    if (this.expanding.has(target)) throw new Refusal(this.offsetOf(node), `the alias *${node.source} refers to a value that contains it`)
    if (this.inAlias === 0) this.aliasAt = this.offsetOf(node)
    this.inAlias++
    try {
      return this.value(target, depth)
    } finally {
      this.inAlias--
    }
  }

  /** Adds `size` bytes to the value's size; refuses once it is beyond what a request may carry. */
  private counted<V extends JsonValue>(size: number, node: YamlNode | null, value: V): V {
    this.bytes += size
    if (this.bytes > MAX_REQUEST_BYTES) {
      const at = this.inAlias > 0 ? this.aliasAt : node === null ? this.base : this.offsetOf(node)
      throw new Refusal(at, `a value of more than ${MAX_REQUEST_BYTES} bytes as JSON: Request entity too large: limit is ${MAX_REQUEST_BYTES}`)
    }
    return value
  }

  private scalar(value: unknown, node: YamlNode): JsonValue {
    if (typeof value === 'string') return this.counted(utf8Bytes(value) + 2, node, value)
    if (value === null || typeof value === 'boolean' || typeof value === 'number') return this.counted(String(value).length, node, value)
    throw new Refusal(this.offsetOf(node), `a value of type ${typeof value} that JSON cannot hold`)
  }

  private mapping(items: ReadonlyArray<unknown>, node: YamlNode, depth: number): JsonValue {
    if (items.length > MAX_MAPPING_KEYS) throw new Refusal(this.offsetOf(node), `a mapping with ${items.length} keys, more than ${MAX_MAPPING_KEYS}`)
    const seen = new Set<string>()
    const entries: Array<[string, JsonValue]> = []
    for (const item of items) {
      if (!isPair(item)) continue
      const keyNode = item.key as YamlNode | null
      const key = this.key(keyNode, node, depth)
      const keyOffset = keyNode === null ? this.offsetOf(node) : this.offsetOf(keyNode)
      if (seen.has(key)) throw new Refusal(keyOffset, `key ${shownKey(key)} already set in map`)
      seen.add(key)
      this.counted(2, keyNode, null)
      entries.push([key, this.value(item.value as YamlNode | null, depth + 1)])
    }
    // `Object.fromEntries` defines own data properties: a `__proto__` key stays a key.
    return Object.fromEntries(entries)
  }

  private key(keyNode: YamlNode | null, map: YamlNode, depth: number): string {
    const key = keyNode === null ? null : this.value(keyNode, depth + 1)
    if (key === null) return 'null'
    if (typeof key === 'number' || typeof key === 'boolean') return String(key)
    if (typeof key === 'object') throw new Refusal(keyNode === null ? this.offsetOf(map) : this.offsetOf(keyNode), `a mapping key must be a string, not ${Array.isArray(key) ? 'a list' : 'a mapping'}`)
    return String(key)
  }

  private offsetOf(node: YamlNode): number {
    return node.range?.[0] ?? this.base
  }
}

/** Why `value` is too large to send (its size as JSON, the request body that would carry it). */
function sizeProblem(value: JsonValue): string | undefined {
  const bytes = utf8Bytes(JSON.stringify(value))
  if (bytes > MAX_REQUEST_BYTES) return `a value of ${bytes} bytes as JSON: Request entity too large: limit is ${MAX_REQUEST_BYTES}`
  if (bytes > MAX_OBJECT_BYTES) return `a value of ${bytes} bytes as JSON, more than etcd stores in one object (${MAX_OBJECT_BYTES}): etcdserver: request is too large`
  return undefined
}

/** `line L, column C: ` of an offset, counted in the text (for the one refusal shown). */
function positionIn(text: string, offset: number): string {
  let line = 1
  let lineStart = 0
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++
    lineStart = i + 1
  }
  return `line ${line}, column ${offset - lineStart + 1}: `
}

/**
 * Parses every YAML (or JSON) document of `text` to its JSON value, refusing the first that is
 * malformed or beyond a bound. Never throws.
 */
export function parseYamlDocuments(text: string): ParseOutcome {
  const lines = new LineCounter()
  const where = (offset: number | undefined): string => {
    if (offset === undefined) return ''
    const { line, col } = lines.linePos(offset)
    return `line ${line}, column ${col}: `
  }
  try {
    if (text.length > MAX_FILE_BYTES || utf8Bytes(text) > MAX_FILE_BYTES) return { ok: false, problem: `the input is larger than ${MAX_FILE_BYTES} bytes` }
    const json = /^\s*[[{]/.test(text) && utf8Bytes(text) <= MAX_REQUEST_BYTES ? parseJsonDocument(text, shownKey) : undefined
    if (json !== undefined) {
      if (!json.ok) return { ok: false, problem: `${positionIn(text, json.offset)}${json.problem}` }
      const sized = sizeProblem(json.value)
      const start = positionIn(text, text.search(/\S/))
      const line = Number(/^line (\d+)/.exec(start)?.[1] ?? 1)
      return sized === undefined ? { ok: true, documents: [{ value: json.value, line }] } : { ok: false, problem: `${start}${sized}` }
    }
    const refused = scan(text)
    if (refused !== undefined) {
      lines.addNewLine(0)
      for (let i = text.indexOf('\n'); i >= 0 && i < refused.offset; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1)
      return { ok: false, problem: `${where(refused.offset)}${refused.problem}` }
    }
    const tokens = [...new Parser(lines.addNewLine).parse(text)]
    const documents: ParsedDocument[] = []
    for (const doc of new Composer({ uniqueKeys: false }).compose(tokens, false, text.length)) {
      const outcome = documentValue(doc, text)
      if (!outcome.ok) return { ok: false, problem: `${where(outcome.offset)}${outcome.problem}` }
      if (outcome.value !== undefined) documents.push({ value: outcome.value, line: lines.linePos(doc.range[0]).line })
    }
    return { ok: true, documents }
  } catch (error) {
    // The yaml library is not expected to throw; if it does, the input is still refused in one line.
    const message = error instanceof Error ? error.message : String(error)
    return { ok: false, problem: `the input cannot be read as YAML: ${message.split('\n')[0]!.slice(0, 200)}` }
  }
}

type DocumentOutcome = { readonly ok: true; readonly value: JsonValue | undefined } | { readonly ok: false; readonly offset: number | undefined; readonly problem: string }

function documentValue(doc: Document.Parsed, text: string): DocumentOutcome {
  const problem = doc.errors[0]
  if (problem !== undefined) {
    const message = problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '')
    return { ok: false, offset: problem.pos[0], problem: message }
  }
  const [start, , end] = doc.range
  const size = utf8Bytes(text.slice(start, end))
  if (size > MAX_REQUEST_BYTES) return { ok: false, offset: start, problem: `a document of ${size} bytes: Request entity too large: limit is ${MAX_REQUEST_BYTES}` }
  if (doc.contents === null) return { ok: true, value: undefined }
  try {
    const value = new Converter(start).value(doc.contents, 1)
    if (value === null) return { ok: true, value: undefined }
    const sized = sizeProblem(value)
    return sized === undefined ? { ok: true, value } : { ok: false, offset: start, problem: sized }
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, offset: error.offset, problem: error.problem }
    throw error
  }
}
