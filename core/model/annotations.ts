/**
 * The engine's own Job annotations (not Kubernetes'): a per-job pod-failure back-off override,
 * validated at create and update like any other field.
 */
import type { FieldError } from './fieldErrors.js'
import { child, invalid, key } from './fieldErrors.js'
import type { Labels } from './types.js'

/** Job annotation overriding the back-off base, in whole positive seconds. */
export const BACKOFF_BASE_ANNOTATION = 'job-reconciler.io/backoff-base-seconds'

/** Job annotation overriding the back-off cap, in whole positive seconds (at least the base). */
export const BACKOFF_CAP_ANNOTATION = 'job-reconciler.io/backoff-cap-seconds'

/** Whole positive seconds (digits only, at least 1, milliseconds still exact), else `undefined`. */
export function parsePositiveSeconds(text: string): number | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined
  const seconds = Number(text)
  return seconds >= 1 && Number.isSafeInteger(seconds * 1000) ? seconds : undefined
}

/**
 * Checks the back-off annotations: each must be a positive integer number of seconds, and the
 * cap must not be below the base when both are set. Paths are
 * `metadata.annotations[job-reconciler.io/backoff-base-seconds]`.
 */
export function validateBackoffAnnotations(annotations: Labels | undefined, metadataPath = 'metadata'): FieldError[] {
  const errs: FieldError[] = []
  const path = (name: string): string => key(child(metadataPath, 'annotations'), name)
  const read = (name: string): number | undefined => {
    const text = annotations !== undefined && Object.prototype.hasOwnProperty.call(annotations, name) ? annotations[name] : undefined
    if (text === undefined) return undefined
    const seconds = parsePositiveSeconds(text)
    if (seconds === undefined) errs.push(invalid(path(name), text, 'must be a positive integer number of seconds'))
    return seconds
  }
  const base = read(BACKOFF_BASE_ANNOTATION)
  const cap = read(BACKOFF_CAP_ANNOTATION)
  if (base !== undefined && cap !== undefined && cap < base) {
    errs.push(invalid(path(BACKOFF_CAP_ANNOTATION), annotations?.[BACKOFF_CAP_ANNOTATION] ?? '', `must be greater than or equal to ${BACKOFF_BASE_ANNOTATION} (${base})`))
  }
  return errs
}
