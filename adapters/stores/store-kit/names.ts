import { Effect } from 'effect'
import { MAX_GENERATE_NAME_PREFIX } from '../../../core/model/wellKnown.js'

/**
 * The characters the API server draws generated name suffixes from: no vowels (no accidental
 * words) and no look-alikes such as `0`/`o`, `1`/`l`/`3` (apimachinery's `utilrand.String`).
 */
export const GENERATED_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789'

/** How many random characters the API server appends to a `generateName` (R104). */
export const GENERATED_SUFFIX_LENGTH = 5

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
  return Effect.randomWith((random) => {
    const draw = random.nextIntBetween(0, GENERATED_NAME_ALPHABET.length)
    // The draws one after the other, with no collection to build: a name per created pod.
    const drawFrom = (name: string, left: number): Effect.Effect<string> =>
      left === 0 ? Effect.succeed(name) : Effect.flatMap(draw, (i) => drawFrom(name + GENERATED_NAME_ALPHABET.charAt(i), left - 1))
    return drawFrom(prefix.slice(0, MAX_GENERATE_NAME_PREFIX), GENERATED_SUFFIX_LENGTH)
  })
}

/** The prefix to generate a name from: `generateName` when the object has no name of its own. */
export function prefixToGenerate(metadata: { readonly name?: string; readonly generateName?: string } | undefined): string | undefined {
  if (metadata === undefined || (metadata.name ?? '') !== '') return undefined
  return (metadata.generateName ?? '') === '' ? undefined : metadata.generateName
}
