/**
 * Label selectors: matching (Kubernetes semantics), kubectl's `-l` syntax, and the API server's
 * label-selector validation used by R51.
 */
import type { Either } from 'fp-ts/lib/Either.js'
import { left, right } from 'fp-ts/lib/Either.js'
import type { FieldError } from './fieldErrors.js'
import { child, forbidden, index, invalid, required } from './fieldErrors.js'
import { isQualifiedName, isValidLabelValue, sortedMap, validateLabelName, validateLabels } from './names.js'
import type { Json, LabelSelector, LabelSelectorOperator, LabelSelectorRequirement, Labels } from './types.js'

const hasOwn = (labels: Labels | undefined, k: string): labels is Labels =>
  labels !== undefined && Object.prototype.hasOwnProperty.call(labels, k)

const labelValue = (labels: Labels | undefined, k: string): string | undefined => (hasOwn(labels, k) ? labels[k] : undefined)

function requirementMatches(req: LabelSelectorRequirement, labels: Labels | undefined): boolean {
  const value = labelValue(labels, req.key)
  const values = req.values ?? []
  switch (req.operator) {
    case 'In':
      return value !== undefined && values.includes(value)
    case 'NotIn':
      return value === undefined || !values.includes(value)
    case 'Exists':
      return value !== undefined
    case 'DoesNotExist':
      return value === undefined
  }
}

/**
 * Whether `labels` satisfy `selector`: every `matchLabels` pair is present with that value and
 * every expression holds (`In`: present with one of the values; `NotIn`: absent or none of the
 * values; `Exists`; `DoesNotExist`). An empty selector matches everything, including no labels.
 */
export function matchesSelector(selector: LabelSelector, labels: Labels | undefined): boolean {
  const matchLabels = selector.matchLabels ?? {}
  for (const k of Object.keys(matchLabels)) {
    if (labelValue(labels, k) !== matchLabels[k]) return false
  }
  return (selector.matchExpressions ?? []).every((req) => requirementMatches(req, labels))
}

/** `matchesSelector` for one selector and many label sets: the selector is read once. */
export function selectorMatcher(selector: LabelSelector): (labels: Labels | undefined) => boolean {
  const matchLabels = Object.entries(selector.matchLabels ?? {})
  const expressions = selector.matchExpressions ?? []
  return (labels) => {
    for (const [k, value] of matchLabels) if (labelValue(labels, k) !== value) return false
    for (const req of expressions) if (!requirementMatches(req, labels)) return false
    return true
  }
}

/** Whether the selector selects nothing in particular (no labels, no expressions): it matches everything. */
export const isEmptySelector = (selector: LabelSelector): boolean =>
  Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0

// ---------------------------------------------------------------------------------------
// Validation (apimachinery `ValidateLabelSelector`)

/** Label-selector validation as the API server runs it on `spec.selector` (R51). */
export function validateLabelSelector(selector: LabelSelector, path: string): FieldError[] {
  const errs: FieldError[] = [...validateLabels(selector.matchLabels, child(path, 'matchLabels'))]
  ;(selector.matchExpressions ?? []).forEach((req, i) => {
    const reqPath = index(child(path, 'matchExpressions'), i)
    const values = req.values ?? []
    const operator: string = req.operator
    if (operator === 'In' || operator === 'NotIn') {
      if (values.length === 0) errs.push(required(child(reqPath, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"))
    } else if (operator === 'Exists' || operator === 'DoesNotExist') {
      if (values.length > 0) errs.push(forbidden(child(reqPath, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
    } else {
      errs.push(invalid(child(reqPath, 'operator'), operator, 'not a valid selector operator'))
    }
    errs.push(...validateLabelName(req.key, child(reqPath, 'key')))
    values.forEach((v, j) => {
      for (const m of isValidLabelValue(v)) errs.push(invalid(index(child(reqPath, 'values'), j), v, m))
    })
  })
  return errs
}

/**
 * Whether apimachinery's `LabelSelectorAsSelector` would accept the selector (valid keys and
 * values, values exactly where the operator needs them). Validation skips the "selector
 * matches the template" checks for selectors it cannot convert, as upstream does.
 */
export function isConvertibleSelector(selector: LabelSelector): boolean {
  const matchLabels = selector.matchLabels ?? {}
  const labelsOk = Object.keys(matchLabels).every(
    (k) => isQualifiedName(k).length === 0 && isValidLabelValue(matchLabels[k] ?? '').length === 0,
  )
  const expressionsOk = (selector.matchExpressions ?? []).every((req) => {
    const values = req.values ?? []
    const operatorOk =
      req.operator === 'In' || req.operator === 'NotIn'
        ? values.length > 0
        : req.operator === 'Exists' || req.operator === 'DoesNotExist'
          ? values.length === 0
          : false
    return operatorOk && isQualifiedName(req.key).length === 0 && values.every((v) => isValidLabelValue(v).length === 0)
  })
  return labelsOk && expressionsOk
}

/** The selector as Go's `encoding/json` prints a `metav1.LabelSelector` (empty fields omitted). */
export function selectorJson(selector: LabelSelector): Json {
  const out: Record<string, Json> = {}
  if (Object.keys(selector.matchLabels ?? {}).length > 0) out['matchLabels'] = sortedMap(selector.matchLabels)
  if (selector.matchExpressions !== undefined && selector.matchExpressions.length > 0) {
    out['matchExpressions'] = selector.matchExpressions.map((req) =>
      req.values === undefined || req.values.length === 0
        ? { key: req.key, operator: req.operator }
        : { key: req.key, operator: req.operator, values: [...req.values] },
    )
  }
  return out
}

// ---------------------------------------------------------------------------------------
// kubectl's `-l` syntax

type Token =
  | { readonly kind: 'ident'; readonly text: string }
  | { readonly kind: 'op'; readonly text: '!' | '=' | '==' | '!=' | '(' | ')' | ',' | '<' | '>' }

const SPECIAL = new Set(['!', '=', '(', ')', ',', '<', '>'])

function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const ch = text.charAt(i)
    if (/\s/.test(ch)) {
      i++
    } else if (ch === '=' || ch === '!') {
      const two = text.slice(i, i + 2)
      if (two === '==' || two === '!=') {
        tokens.push({ kind: 'op', text: two })
        i += 2
      } else {
        tokens.push({ kind: 'op', text: ch })
        i++
      }
    } else if (ch === '(' || ch === ')' || ch === ',' || ch === '<' || ch === '>') {
      tokens.push({ kind: 'op', text: ch })
      i++
    } else {
      let j = i
      while (j < text.length && !SPECIAL.has(text.charAt(j)) && !/\s/.test(text.charAt(j))) j++
      tokens.push({ kind: 'ident', text: text.slice(i, j) })
      i = j
    }
  }
  return tokens
}

const describe = (t: Token | undefined): string => (t === undefined ? 'end of string' : `'${t.text}'`)

interface Parsed {
  readonly key: string
  readonly operator: LabelSelectorOperator | 'Equals'
  readonly values: readonly string[]
}

function parseRequirements(tokens: readonly Token[]): Either<string, Parsed[]> {
  const out: Parsed[] = []
  let pos = 0
  const peek = (): Token | undefined => tokens[pos]
  const isEnd = (t: Token | undefined): boolean => t === undefined || (t.kind === 'op' && t.text === ',')
  const ident = (what: string): Either<string, string> => {
    const t = tokens[pos]
    if (t?.kind !== 'ident') return left(`found ${describe(t)}, expected: ${what}`)
    pos++
    return right(t.text)
  }
  /** A single value, possibly empty (`a=` selects the empty value). */
  const optionalValue = (): string => {
    const t = peek()
    if (t?.kind === 'ident') {
      pos++
      return t.text
    }
    return ''
  }
  while (pos < tokens.length) {
    const first = peek()
    if (first?.kind === 'op' && first.text === '!') {
      pos++
      const k = ident('label key')
      if (k._tag === 'Left') return k
      out.push({ key: k.right, operator: 'DoesNotExist', values: [] })
    } else {
      const k = ident('label key or !')
      if (k._tag === 'Left') return k
      const op = peek()
      if (isEnd(op)) {
        out.push({ key: k.right, operator: 'Exists', values: [] })
      } else if (op?.kind === 'op' && (op.text === '=' || op.text === '==')) {
        pos++
        out.push({ key: k.right, operator: 'Equals', values: [optionalValue()] })
      } else if (op?.kind === 'op' && op.text === '!=') {
        pos++
        out.push({ key: k.right, operator: 'NotIn', values: [optionalValue()] })
      } else if (op?.kind === 'ident' && (op.text === 'in' || op.text === 'notin')) {
        pos++
        const open = peek()
        if (open?.kind !== 'op' || open.text !== '(') return left(`found ${describe(open)}, expected: '('`)
        pos++
        const values: string[] = []
        for (;;) {
          values.push(optionalValue())
          const sep = peek()
          pos++
          if (sep?.kind === 'op' && sep.text === ')') break
          if (sep?.kind !== 'op' || sep.text !== ',') return left(`found ${describe(sep)}, expected: ',' or ')'`)
        }
        const nonEmpty = values.length === 1 && values[0] === '' ? [] : values
        if (nonEmpty.length === 0) return left(`for 'in', 'notin' operators, values set can't be empty`)
        out.push({ key: k.right, operator: op.text === 'in' ? 'In' : 'NotIn', values: nonEmpty })
      } else if (op?.kind === 'op' && (op.text === '<' || op.text === '>')) {
        return left(`operator '${op.text}' is not supported in a label selector of a Job`)
      } else {
        return left(`found ${describe(op)}, expected: '=', '!=', '==', 'in', 'notin', ',' or end of string`)
      }
    }
    const sep = peek()
    if (sep !== undefined) {
      if (sep.kind !== 'op' || sep.text !== ',') return left(`found ${describe(sep)}, expected: ',' or end of string`)
      pos++
      if (pos === tokens.length) return left(`found end of string, expected: label key or !`)
    }
  }
  return right(out)
}

function checkParsed(req: Parsed): string | undefined {
  const keyErrs = isQualifiedName(req.key)
  if (keyErrs.length > 0) return `invalid label key "${req.key}": ${keyErrs.join('; ')}`
  for (const v of req.values) {
    const valueErrs = isValidLabelValue(v)
    if (valueErrs.length > 0) return `invalid label value: "${v}": at key: "${req.key}": ${valueErrs.join('; ')}`
  }
  return undefined
}

/**
 * Parses kubectl's `-l` syntax: comma-separated `k=v`, `k==v`, `k!=v`, `k in (a,b)`,
 * `k notin (a,b)`, `k` (exists) and `!k` (does not exist). `k=v` goes to `matchLabels` (a
 * repeated key becomes an `In` expression), the rest to `matchExpressions`. An empty string
 * is the empty selector. Keys and values are checked as the API server checks them.
 */
export function parseLabelSelector(text: string): Either<string, LabelSelector> {
  const parsed = parseRequirements(tokenize(text))
  if (parsed._tag === 'Left') return left(`unable to parse label selector ${JSON.stringify(text)}: ${parsed.left}`)
  const matchLabels: Record<string, string> = {}
  const matchExpressions: LabelSelectorRequirement[] = []
  for (const req of parsed.right) {
    const problem = checkParsed(req)
    if (problem !== undefined) return left(`unable to parse label selector ${JSON.stringify(text)}: ${problem}`)
    if (req.operator === 'Equals') {
      const v = req.values[0] ?? ''
      if (Object.prototype.hasOwnProperty.call(matchLabels, req.key)) matchExpressions.push({ key: req.key, operator: 'In', values: [v] })
      else matchLabels[req.key] = v
    } else if (req.operator === 'Exists' || req.operator === 'DoesNotExist') {
      matchExpressions.push({ key: req.key, operator: req.operator })
    } else {
      matchExpressions.push({ key: req.key, operator: req.operator, values: [...req.values] })
    }
  }
  return right({
    ...(Object.keys(matchLabels).length > 0 ? { matchLabels } : {}),
    ...(matchExpressions.length > 0 ? { matchExpressions } : {}),
  })
}

function formatRequirement(req: LabelSelectorRequirement): string {
  const values = [...(req.values ?? [])].sort()
  switch (req.operator) {
    case 'In':
      return values.length === 1 ? `${req.key}=${values[0] ?? ''}` : `${req.key} in (${values.join(',')})`
    case 'NotIn':
      return values.length === 1 ? `${req.key}!=${values[0] ?? ''}` : `${req.key} notin (${values.join(',')})`
    case 'Exists':
      return req.key
    case 'DoesNotExist':
      return `!${req.key}`
  }
}

/**
 * Formats a selector as kubectl prints it (`a=b,c in (x,y),!d`), requirements sorted by key;
 * `<none>` for the empty selector. `parseLabelSelector` reads the result back.
 */
export function formatLabelSelector(selector: LabelSelector): string {
  const matchLabels = selector.matchLabels ?? {}
  const parts: Array<readonly [string, string]> = [
    ...Object.keys(matchLabels).map((k) => [k, `${k}=${matchLabels[k] ?? ''}`] as const),
    ...(selector.matchExpressions ?? []).map((req) => [req.key, formatRequirement(req)] as const),
  ]
  if (parts.length === 0) return '<none>'
  return parts
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, s]) => s)
    .join(',')
}
