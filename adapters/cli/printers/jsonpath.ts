/**
 * kubectl's JSONPath templates (`-o jsonpath=...`, client-go `util/jsonpath`), the subset
 * people use with Jobs and Pods:
 *
 * - text outside braces is printed as is; `{"\n"}` and `{"\t"}` print literals;
 * - `{.status.succeeded}`, `{.items[*].metadata.name}`, `{.items[0].metadata.name}`,
 *   `{.items[-1:]}`, `{..name}` (recursive), `{.metadata.labels['batch.kubernetes.io/job-name']}`
 *   or `{.metadata.labels.batch\.kubernetes\.io/job-name}`, `{['a','b']}` unions;
 * - filters `{.status.conditions[?(@.type=="Complete")].status}` with `==`, `!=`, `<`, `<=`,
 *   `>`, `>=`, or existence `[?(@.x)]`;
 * - `{range .items[*]}{.metadata.name}{"\n"}{end}`.
 *
 * As kubectl's `get`, missing keys print nothing; several results of one expression are
 * separated by a space; strings and numbers print as text, objects and arrays as JSON.
 */
import { Either } from 'effect'

type Json = unknown

type Segment =
  | { readonly _tag: 'Field'; readonly names: ReadonlyArray<string> }
  | { readonly _tag: 'Wildcard' }
  | { readonly _tag: 'Recursive'; readonly name: string | undefined }
  | { readonly _tag: 'Index'; readonly indexes: ReadonlyArray<number> }
  | { readonly _tag: 'Slice'; readonly start?: number; readonly end?: number; readonly step?: number }
  | { readonly _tag: 'Filter'; readonly left: Path; readonly op?: string; readonly right?: Operand }

type Operand = { readonly _tag: 'Literal'; readonly value: Json } | { readonly _tag: 'Path'; readonly path: Path }

interface Path {
  /** `$`: the whole input; otherwise the current item (`@`, or the range item). */
  readonly fromRoot: boolean
  readonly segments: ReadonlyArray<Segment>
}

type Node =
  | { readonly _tag: 'Text'; readonly text: string }
  | { readonly _tag: 'Eval'; readonly path: Path }
  | { readonly _tag: 'Range'; readonly path: Path; readonly body: ReadonlyArray<Node> }

/** A parsed template, ready to run against objects. */
export interface JsonPathTemplate {
  readonly nodes: ReadonlyArray<Node>
}

/** Parses a template; fails with kubectl's style of message. */
export function parseJsonPath(template: string): Either.Either<JsonPathTemplate, string> {
  try {
    const tokens = splitActions(template)
    const [nodes, rest] = buildNodes(tokens, 0, false)
    if (rest !== tokens.length) throw new JsonPathError('not in range, nothing to end')
    return Either.right({ nodes })
  } catch (error) {
    if (error instanceof JsonPathError) return Either.left(`error parsing jsonpath ${template}, ${error.message}`)
    throw error
  }
}

/** Runs a template against a value. */
export function executeJsonPath(template: JsonPathTemplate, input: Json): string {
  return run(template.nodes, input, input)
}

class JsonPathError extends Error {}

type Token = { readonly _tag: 'Text'; readonly text: string } | { readonly _tag: 'Action'; readonly body: string }

/** Splits text and `{...}` actions; braces inside quotes do not count. */
function splitActions(template: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  let text = ''
  while (i < template.length) {
    const c = template[i]!
    if (c !== '{') {
      text += c
      i++
      continue
    }
    if (text !== '') tokens.push({ _tag: 'Text', text })
    text = ''
    let j = i + 1
    let quote: string | undefined
    let depth = 0
    for (; j < template.length; j++) {
      const d = template[j]!
      if (quote !== undefined) {
        if (d === '\\') j++
        else if (d === quote) quote = undefined
      } else if (d === '"' || d === "'") quote = d
      else if (d === '[') depth++
      else if (d === ']') depth--
      else if (d === '}' && depth <= 0) break
    }
    if (j >= template.length) throw new JsonPathError('unclosed action')
    tokens.push({ _tag: 'Action', body: template.slice(i + 1, j).trim() })
    i = j + 1
  }
  if (text !== '') tokens.push({ _tag: 'Text', text })
  return tokens
}

function buildNodes(tokens: ReadonlyArray<Token>, from: number, inRange: boolean): [Node[], number] {
  const nodes: Node[] = []
  let i = from
  while (i < tokens.length) {
    const token = tokens[i]!
    if (token._tag === 'Text') {
      nodes.push({ _tag: 'Text', text: token.text })
      i++
      continue
    }
    const body = token.body
    if (body === 'end') {
      if (!inRange) throw new JsonPathError('not in range, nothing to end')
      return [nodes, i]
    }
    if (body.startsWith('range ') || body === 'range') {
      const path = parsePath(body.slice('range'.length).trim())
      const [inner, at] = buildNodes(tokens, i + 1, true)
      if (at >= tokens.length) throw new JsonPathError('range without end')
      nodes.push({ _tag: 'Range', path, body: inner })
      i = at + 1
      continue
    }
    if (body.startsWith('"') || body.startsWith("'")) {
      nodes.push({ _tag: 'Text', text: parseQuoted(body, 0)[0] })
      i++
      continue
    }
    nodes.push({ _tag: 'Eval', path: parsePath(body) })
    i++
  }
  if (inRange) return [nodes, tokens.length]
  return [nodes, i]
}

/** Reads a quoted string starting at `at`; returns it and the index after the closing quote. */
function parseQuoted(text: string, at: number): [string, number] {
  const quote = text[at]
  let out = ''
  let i = at + 1
  for (; i < text.length && text[i] !== quote; i++) {
    const c = text[i]!
    if (c !== '\\') {
      out += c
      continue
    }
    const next = text[++i]
    out += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : (next ?? '')
  }
  if (i >= text.length) throw new JsonPathError(`unclosed quote in ${text}`)
  return [out, i + 1]
}

function parsePath(text: string): Path {
  let i = 0
  let fromRoot = false
  if (text.startsWith('$')) {
    fromRoot = true
    i = 1
  } else if (text.startsWith('@')) i = 1
  const segments: Segment[] = []
  while (i < text.length) {
    const c = text[i]!
    if (c === '.' && text[i + 1] === '.') {
      i += 2
      const [name, next] = readName(text, i)
      segments.push({ _tag: 'Recursive', name: name === '' || name === '*' ? undefined : name })
      i = next
    } else if (c === '.') {
      const [name, next] = readName(text, i + 1)
      i = next
      if (name === '') continue
      segments.push(name === '*' ? { _tag: 'Wildcard' } : { _tag: 'Field', names: [name] })
    } else if (c === '[') {
      const close = matchingBracket(text, i)
      segments.push(parseBracket(text.slice(i + 1, close).trim()))
      i = close + 1
    } else if (c === ' ') i++
    else throw new JsonPathError(`unrecognized character in action: ${JSON.stringify(c)}`)
  }
  return { fromRoot, segments }
}

/** A field name up to the next `.` or `[`; `\.` keeps a dot in the name. */
function readName(text: string, from: number): [string, number] {
  let name = ''
  let i = from
  for (; i < text.length; i++) {
    const c = text[i]!
    if (c === '\\' && i + 1 < text.length) {
      name += text[++i]
      continue
    }
    if (c === '.' || c === '[' || c === ' ') break
    name += c
  }
  return [name, i]
}

function matchingBracket(text: string, open: number): number {
  let depth = 0
  let quote: string | undefined
  for (let i = open; i < text.length; i++) {
    const c = text[i]!
    if (quote !== undefined) {
      if (c === '\\') i++
      else if (c === quote) quote = undefined
    } else if (c === '"' || c === "'") quote = c
    else if (c === '[') depth++
    else if (c === ']' && --depth === 0) return i
  }
  throw new JsonPathError('unterminated array')
}

function parseBracket(body: string): Segment {
  if (body === '*') return { _tag: 'Wildcard' }
  if (body.startsWith('?')) return parseFilter(body.slice(1).trim())
  if (body.startsWith("'") || body.startsWith('"')) {
    const names: string[] = []
    let i = 0
    while (i < body.length) {
      const [name, next] = parseQuoted(body, i)
      names.push(name)
      i = next
      while (i < body.length && (body[i] === ',' || body[i] === ' ')) i++
    }
    return { _tag: 'Field', names }
  }
  if (body.includes(':')) {
    const parts = body.split(':').map((p) => p.trim())
    if (parts.length > 3) throw new JsonPathError(`invalid array index ${body}`)
    const num = (p: string | undefined): number | undefined => (p === undefined || p === '' ? undefined : integer(p, body))
    return { _tag: 'Slice', start: num(parts[0]), end: num(parts[1]), step: num(parts[2]) }
  }
  return { _tag: 'Index', indexes: body.split(',').map((p) => integer(p.trim(), body)) }
}

function integer(text: string, context: string): number {
  if (!/^-?\d+$/.test(text)) throw new JsonPathError(`invalid array index ${context}`)
  return Number(text)
}

const OPERATORS = ['==', '!=', '<=', '>=', '<', '>'] as const

function parseFilter(body: string): Segment {
  if (!body.startsWith('(') || !body.endsWith(')')) throw new JsonPathError(`unrecognized filter ${body}`)
  const inner = body.slice(1, -1).trim()
  let quote: string | undefined
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!
    if (quote !== undefined) {
      if (c === quote) quote = undefined
      continue
    }
    if (c === '"' || c === "'") {
      quote = c
      continue
    }
    const op = OPERATORS.find((o) => inner.startsWith(o, i))
    if (op !== undefined) {
      return { _tag: 'Filter', left: parsePath(inner.slice(0, i).trim()), op, right: parseOperand(inner.slice(i + op.length).trim()) }
    }
  }
  return { _tag: 'Filter', left: parsePath(inner) }
}

function parseOperand(text: string): Operand {
  if (text.startsWith('"') || text.startsWith("'")) return { _tag: 'Literal', value: parseQuoted(text, 0)[0] }
  if (/^-?\d+(\.\d+)?$/.test(text)) return { _tag: 'Literal', value: Number(text) }
  if (text === 'true' || text === 'false') return { _tag: 'Literal', value: text === 'true' }
  return { _tag: 'Path', path: parsePath(text) }
}

// ---------------------------------------------------------------------------------------
// Evaluation

function run(nodes: ReadonlyArray<Node>, root: Json, current: Json): string {
  let out = ''
  for (const node of nodes) {
    switch (node._tag) {
      case 'Text':
        out += node.text
        break
      case 'Eval':
        out += evaluate(node.path, root, current).map(toText).join(' ')
        break
      case 'Range':
        for (const item of evaluate(node.path, root, current)) out += run(node.body, root, item)
        break
    }
  }
  return out
}

function evaluate(path: Path, root: Json, current: Json): Json[] {
  let values: Json[] = [path.fromRoot ? root : current]
  for (const segment of path.segments) values = values.flatMap((v) => step(segment, v, root))
  return values
}

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v)

function step(segment: Segment, value: Json, root: Json): Json[] {
  switch (segment._tag) {
    case 'Field':
      return isObject(value) ? segment.names.filter((n) => value[n] !== undefined).map((n) => value[n]) : []
    case 'Wildcard':
      return Array.isArray(value) ? value : isObject(value) ? Object.keys(value).sort().map((k) => value[k]) : []
    case 'Recursive':
      return descendants(value).flatMap((v) =>
        segment.name === undefined ? [v] : isObject(v) && v[segment.name] !== undefined ? [v[segment.name]] : [],
      )
    case 'Index':
      if (!Array.isArray(value)) return []
      return segment.indexes.flatMap((i) => {
        const at = i < 0 ? value.length + i : i
        return at >= 0 && at < value.length ? [value[at]] : []
      })
    case 'Slice': {
      if (!Array.isArray(value)) return []
      const clamp = (i: number) => Math.min(Math.max(i < 0 ? value.length + i : i, 0), value.length)
      const start = clamp(segment.start ?? 0)
      const end = clamp(segment.end ?? value.length)
      const stride = Math.max(1, segment.step ?? 1)
      const picked: Json[] = []
      for (let i = start; i < end; i += stride) picked.push(value[i])
      return picked
    }
    case 'Filter': {
      const items = Array.isArray(value) ? value : isObject(value) ? [value] : []
      return items.filter((item) => matches(segment, item, root))
    }
  }
}

function descendants(value: Json): Json[] {
  const found: Json[] = [value]
  if (Array.isArray(value)) for (const v of value) found.push(...descendants(v))
  else if (isObject(value)) for (const k of Object.keys(value).sort()) found.push(...descendants(value[k]))
  return found
}

function matches(filter: Extract<Segment, { _tag: 'Filter' }>, item: Json, root: Json): boolean {
  const lefts = evaluate(filter.left, root, item)
  if (filter.op === undefined || filter.right === undefined) return lefts.length > 0
  const rights = filter.right._tag === 'Literal' ? [filter.right.value] : evaluate(filter.right.path, root, item)
  const op = filter.op
  return lefts.some((l) => rights.some((r) => compare(l, op, r)))
}

function compare(left: Json, op: string, right: Json): boolean {
  const l = typeof right === 'number' && typeof left === 'string' && left.trim() !== '' ? Number(left) : left
  switch (op) {
    case '==':
      return l === right
    case '!=':
      return l !== right
    default: {
      if (typeof l !== typeof right || (typeof l !== 'number' && typeof l !== 'string')) return false
      const a = l as number | string
      const b = right as number | string
      return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b
    }
  }
}

function toText(value: Json): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (value === null) return 'null'
  return JSON.stringify(value)
}
