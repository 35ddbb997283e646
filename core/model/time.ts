import type { Time } from './types.js'

/**
 * Formats epoch milliseconds as the API server writes a `metav1.Time`: RFC 3339 in UTC,
 * truncated to whole seconds.
 */
export function formatTime(epochMs: number): Time {
  const second = Math.floor(epochMs / 1000)
  // Writes come in bursts within the same second (every pod status carries several times).
  if (second !== lastFormatted.second) lastFormatted = { second, text: new Date(second * 1000).toISOString().replace('.000Z', 'Z') }
  return lastFormatted.text
}

/** The last second `formatTime` formatted, and how. */
let lastFormatted: { readonly second: number; readonly text: Time } = { second: Number.NaN, text: '' }

/** Parses an RFC 3339 time into epoch milliseconds; `undefined` for a missing or invalid time. */
export function parseTime(time: Time | undefined): number | undefined {
  if (time === undefined) return undefined
  const epochMs = Date.parse(time)
  return Number.isNaN(epochMs) ? undefined : epochMs
}
