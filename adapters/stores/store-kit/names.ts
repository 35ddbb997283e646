import { Effect, Random } from 'effect'
import { MAX_GENERATE_NAME_PREFIX } from '../../../core/model/wellKnown.js'

/**
 * The characters the API server draws generated name suffixes from: no vowels (no accidental
 * words) and no look-alikes such as `0`/`o`, `1`/`l`/`3` (apimachinery's `utilrand.String`).
 */
export const GENERATED_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789'

/** How many random characters the API server appends to a `generateName` (R104). */
export const GENERATED_SUFFIX_LENGTH = 5

/** How many different suffixes there are: 27^5, about 14.3 million. */
const SUFFIX_COMBINATIONS = GENERATED_NAME_ALPHABET.length ** GENERATED_SUFFIX_LENGTH

/**
 * How many names a store draws for one create when the generated ones are taken, as the API
 * server does since 1.32 (RetryGenerateName) before it answers `AlreadyExists`.
 */
export const GENERATED_NAME_ATTEMPTS = 8

/**
 * A name made from `generateName` as the API server makes it: the prefix cut to 58
 * characters plus five random characters of the alphabet (from effect's `Random`, so a test
 * can seed it).
 */
export function generateName(prefix: string): Effect.Effect<string> {
  // One draw for the whole suffix, read as base-27 digits: each character is uniform and
  // independent, as with one draw per character, at a fifth of the cost (a name per created pod).
  return Effect.map(Random.nextIntBetween(0, SUFFIX_COMBINATIONS), (drawn) => {
    let name = prefix.slice(0, MAX_GENERATE_NAME_PREFIX)
    let rest = drawn
    for (let i = 0; i < GENERATED_SUFFIX_LENGTH; i++) {
      name += GENERATED_NAME_ALPHABET.charAt(rest % GENERATED_NAME_ALPHABET.length)
      rest = Math.floor(rest / GENERATED_NAME_ALPHABET.length)
    }
    return name
  })
}

/** The prefix to generate a name from: `generateName` when the object has no name of its own. */
export function prefixToGenerate(metadata: { readonly name?: string; readonly generateName?: string } | undefined): string | undefined {
  if (metadata === undefined || (metadata.name ?? '') !== '') return undefined
  return (metadata.generateName ?? '') === '' ? undefined : metadata.generateName
}
