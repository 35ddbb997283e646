import type { Time } from './types.js'

/**
 * Formats epoch milliseconds as the API server writes a `metav1.Time`: RFC 3339 in UTC,
 * truncated to whole seconds.
 */
export function formatTime(epochMs: number): Time {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}

/** Parses an RFC 3339 time into epoch milliseconds; `undefined` for a missing or invalid time. */
export function parseTime(time: Time | undefined): number | undefined {
  if (time === undefined) return undefined
  const epochMs = Date.parse(time)
  return Number.isNaN(epochMs) ? undefined : epochMs
}
