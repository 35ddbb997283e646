/**
 * Name, label and annotation formats with apimachinery's exact wording (`IsDNS1123Subdomain`,
 * `IsDNS1123Label`, `IsQualifiedName`, `IsValidLabelValue`, `ValidateLabels`,
 * `ValidateAnnotations`). Each `is…` function returns the list of problems (empty when valid).
 */
import type { FieldError } from './fieldErrors.js'
import { invalid, tooLong } from './fieldErrors.js'
import type { Labels } from './types.js'

/** apimachinery's `RegexError`: the message, examples (each followed by `', '`, joined by ` or `) and the regex. */
function regexError(message: string, regex: string, ...examples: string[]): string {
  if (examples.length === 0) return `${message} (regex used for validation is '${regex}')`
  return `${message} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${regex}')`
}

const maxLenError = (n: number): string => `must be no more than ${n} characters`
const EMPTY_ERROR = 'must be non-empty'

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?'
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`)
/** The largest DNS-1123 label. */
export const DNS1123_LABEL_MAX_LENGTH = 63

const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`)
/** The largest DNS-1123 subdomain (and object name). */
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253

const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`)
const QUALIFIED_NAME_ERR =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
const QUALIFIED_NAME_MAX_LENGTH = 63

const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`)
/** The largest label value. */
export const LABEL_VALUE_MAX_LENGTH = 63

/** The total size limit of an object's annotations (keys plus values), in bytes. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024

/** Problems with `value` as a DNS-1123 label (`[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63). */
export function isDns1123Label(value: string): string[] {
  const errs: string[] = []
  if (value.length > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH))
  if (!DNS1123_LABEL_RE.test(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        DNS1123_LABEL_FMT,
        'my-name',
        '123-abc',
      ),
    )
  }
  return errs
}

/** Problems with `value` as a DNS-1123 subdomain (dot-separated labels, at most 253). */
export function isDns1123Subdomain(value: string): string[] {
  const errs: string[] = []
  if (value.length > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH))
  if (!DNS1123_SUBDOMAIN_RE.test(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN_FMT,
        'example.com',
      ),
    )
  }
  return errs
}

/** Problems with `value` as a qualified name (`[prefix/]name`): label keys, condition types. */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = []
  const parts = value.split('/')
  let name: string
  if (parts.length === 1) {
    name = parts[0] ?? ''
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? ''
    name = parts[1] ?? ''
    if (prefix.length === 0) errs.push(`prefix part ${EMPTY_ERROR}`)
    else errs.push(...isDns1123Subdomain(prefix).map((m) => `prefix part ${m}`))
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ]
  }
  if (name.length === 0) errs.push(`name part ${EMPTY_ERROR}`)
  else if (name.length > QUALIFIED_NAME_MAX_LENGTH) errs.push(`name part ${maxLenError(QUALIFIED_NAME_MAX_LENGTH)}`)
  if (!QUALIFIED_NAME_RE.test(name)) {
    errs.push(`name part ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`)
  }
  return errs
}

/** Problems with `value` as a label value (empty, or a qualified-name-like string of at most 63). */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = []
  if (value.length > LABEL_VALUE_MAX_LENGTH) errs.push(maxLenError(LABEL_VALUE_MAX_LENGTH))
  if (!LABEL_VALUE_RE.test(value)) {
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE_FMT,
        'MyValue',
        'my_value',
        '12345',
      ),
    )
  }
  return errs
}

/** `ValidateLabelName`: the key's problems as `Invalid` errors at `path`. */
export function validateLabelName(labelKey: string, path: string): FieldError[] {
  return isQualifiedName(labelKey).map((m) => invalid(path, labelKey, m))
}

const sortedKeys = (labels: Labels | undefined): string[] => Object.keys(labels ?? {}).sort()

/** `ValidateLabels`: every key and value, reported at `path` itself (not per key), keys sorted. */
export function validateLabels(labels: Labels | undefined, path: string): FieldError[] {
  // Loops, not flatMap and spreads: every pod a store creates goes through here.
  const errs: FieldError[] = []
  for (const k of sortedKeys(labels)) {
    for (const m of isQualifiedName(k)) errs.push(invalid(path, k, m))
    const value = labels?.[k] ?? ''
    for (const m of isValidLabelValue(value)) errs.push(invalid(path, value, m))
  }
  return errs
}

const encoder = new TextEncoder()
const ASCII = /^[\x00-\x7f]*$/
/** Bytes in UTF-8; ASCII (nearly every key and value) is counted without encoding. */
const utf8Length = (text: string): number => (ASCII.test(text) ? text.length : encoder.encode(text).length)

/** `ValidateAnnotations`: keys are qualified names (checked lower-cased) and the total is at most 256 KiB. */
export function validateAnnotations(annotations: Labels | undefined, path: string): FieldError[] {
  const keys = sortedKeys(annotations)
  const errs: FieldError[] = []
  let total = 0
  for (const k of keys) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(invalid(path, k, m))
    total += utf8Length(k) + utf8Length(annotations?.[k] ?? '')
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT))
  return errs
}

/** A map with its keys in sorted order, for rendering as Go's `encoding/json` would. */
export function sortedMap(labels: Labels | undefined): Readonly<Record<string, string>> {
  return Object.fromEntries(sortedKeys(labels).map((k) => [k, labels?.[k] ?? '']))
}
