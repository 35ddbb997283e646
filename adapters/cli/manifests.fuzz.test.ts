/**
 * The manifest reader never throws and refuses in one short line, on any text: YAML-ish token
 * soup, valid YAML and JSON cut or spliced at random places, arbitrary strings. Ten thousand
 * cases run; the seed is printed (set FUZZ_SEED to replay a run).
 */
import { Cause, Effect, Exit } from 'effect'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { parseDocuments } from './manifests.js'

const seed = Number(process.env['FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31))
console.log(`manifest reader fuzz seed: ${seed} (FUZZ_SEED=${seed} replays it)`)
const RUNS = 10_000

const YAML_PIECES = [
  'a', 'name', '1', '-1', '0x1F', '1e400', '.inf', '.nan', 'true', '~', 'null', ' ', '  ', '\n', '\r\n', '\t', '- ', ':', ': ', '[', ']', '{', '}', ',',
  '&a ', '*a', '&b ', '*b', '!!str ', '!!binary ', '!!set ', '!custom ', '|', '>-', '"', "'", '\\', '#', '---\n', '...\n', '? ', '%YAML 1.2\n', '%TAG ! tag:x,2000:\n',
  '__proto__', 'constructor', '<<', '\u0000', '\u{FEFF}', '\u2028', 'é', '😀', '\uD800',
] as const

const soup = fc.array(fc.constantFrom(...YAML_PIECES), { maxLength: 40 }).map((pieces) => pieces.join(''))
const document = fc.jsonValue({ maxDepth: 4 }).chain((value) => fc.constantFrom(stringify(value), JSON.stringify(value), `${stringify(value)}---\n${stringify(value)}`))
const spliced = fc
  .tuple(document, fc.nat(), fc.nat(), soup)
  .map(([text, at, cut, inserted]) => {
    const i = at % (text.length + 1)
    return text.slice(0, i) + inserted + text.slice(Math.min(text.length, i + (cut % 8)))
  })
const anyText = fc.oneof(soup, spliced, document, fc.string({ unit: 'binary', maxLength: 60 }))

describe(`the manifest reader never throws (fast-check, ${RUNS} cases, seed ${seed})`, () => {
  it('reads every text to documents or refuses it in one line naming the file', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const exit = Effect.runSyncExit(parseDocuments(text, 'fuzz.yaml'))
        if (Exit.isSuccess(exit)) {
          for (const manifest of exit.value) expect(typeof manifest.object).toBe('object')
          return
        }
        const failure = Cause.failureOption(exit.cause)
        expect(failure._tag).toBe('Some')
        if (failure._tag === 'Some') {
          expect(failure.value.message).toMatch(/^error parsing fuzz\.yaml: /)
          expect(failure.value.message).not.toMatch(/[\n\r]/)
          expect(failure.value.message.length).toBeLessThan(1000)
          // The reader's last-resort guard (an exception of the yaml library) never fires.
          expect(failure.value.message).not.toContain('cannot be read as YAML')
        }
      }),
      { seed, numRuns: RUNS },
    )
  })
})
