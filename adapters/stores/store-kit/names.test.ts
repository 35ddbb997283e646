import { describe, expect, it } from '@effect/vitest'
import { Effect } from 'effect'
import { GENERATED_NAME_ALPHABET, GENERATED_SUFFIX_LENGTH, generateName } from './names.js'

describe('generateName (R104)', () => {
  it.effect('appends five characters of the API server alphabet to the prefix, cut to 58 characters', () =>
    Effect.gen(function* () {
      const name = yield* generateName('pi-')
      expect(name).toMatch(new RegExp(`^pi-[${GENERATED_NAME_ALPHABET}]{${GENERATED_SUFFIX_LENGTH}}$`))
      const long = yield* generateName(`${'a'.repeat(70)}-`)
      expect(long).toHaveLength(58 + GENERATED_SUFFIX_LENGTH)
      expect(long.startsWith('a'.repeat(58))).toBe(true)
    }),
  )

  it.effect('every position draws from the whole alphabet', () =>
    Effect.gen(function* () {
      const seen = Array.from({ length: GENERATED_SUFFIX_LENGTH }, () => new Set<string>())
      for (let i = 0; i < 2000; i++) {
        const suffix = (yield* generateName('')).slice(-GENERATED_SUFFIX_LENGTH)
        ;[...suffix].forEach((char, position) => seen[position]!.add(char))
      }
      for (const chars of seen) expect([...chars].sort().join('')).toBe([...GENERATED_NAME_ALPHABET].sort().join(''))
    }),
  )
})
