import { Either } from 'effect'
import { describe, expect, it } from 'vitest'
import { parseArgs, type FlagSpec } from './args.js'

const flags: ReadonlyArray<FlagSpec> = [
  { name: 'output', short: 'o', kind: 'string', help: '' },
  { name: 'filename', short: 'f', kind: 'strings', help: '' },
  { name: 'all-namespaces', short: 'A', kind: 'boolean', help: '' },
  { name: 'wait', kind: 'boolean', help: '', defaultValue: true },
  { name: 'cascade', kind: 'string', help: '', defaultValue: 'background' },
]

const parsed = (argv: ReadonlyArray<string>) => Either.getOrThrow(parseArgs(argv, flags))

describe('parseArgs (pflag conventions)', () => {
  it('reads flags between and after positionals', () => {
    const args = parsed(['get', '-o', 'json', 'jobs', '--all-namespaces', 'pi'])
    expect(args.positionals).toEqual(['get', 'jobs', 'pi'])
    expect(args.strings.get('output')).toBe('json')
    expect(args.booleans.get('all-namespaces')).toBe(true)
  })

  it.each([
    [['--output=yaml'], 'yaml'],
    [['--output', 'yaml'], 'yaml'],
    [['-o', 'yaml'], 'yaml'],
    [['-oyaml'], 'yaml'],
    [['-o=yaml'], 'yaml'],
    [['-o', 'jsonpath={.items[*].metadata.name}'], 'jsonpath={.items[*].metadata.name}'],
    [['--output=jsonpath={.a}={.b}'], 'jsonpath={.a}={.b}'],
  ])('reads a string flag from %j', (argv, value) => {
    expect(parsed(argv).strings.get('output')).toBe(value)
  })

  it('collects a repeated flag in order', () => {
    expect(parsed(['-f', 'a.yaml', '--filename=b/', '-f-']).lists.get('filename')).toEqual(['a.yaml', 'b/', '-'])
  })

  it('reads booleans as --flag, --flag=false and combined shorthands', () => {
    expect(parsed([]).booleans.get('wait')).toBe(true)
    expect(parsed(['--wait=false']).booleans.get('wait')).toBe(false)
    expect(parsed(['--wait=0']).booleans.get('wait')).toBe(false)
    expect(parsed(['-A']).booleans.get('all-namespaces')).toBe(true)
    expect(parsed(['-Aojson']).strings.get('output')).toBe('json')
  })

  it('gives defaults for absent string flags', () => {
    expect(parsed([]).strings.get('cascade')).toBe('background')
    expect(parsed(['--cascade=orphan']).strings.get('cascade')).toBe('orphan')
  })

  it('takes everything after -- as positionals', () => {
    expect(parsed(['--', '-o', 'x']).positionals).toEqual(['-o', 'x'])
  })

  it.each([
    [['--bogus'], 'unknown flag: --bogus'],
    [['-z'], "unknown shorthand flag: 'z' in -z"],
    [['-Az'], "unknown shorthand flag: 'z' in -Az"],
    [['--output'], 'flag needs an argument: --output'],
    [['-o'], "flag needs an argument: 'o' in -o"],
    [['--wait=maybe'], 'invalid argument "maybe" for "--wait" flag: strconv.ParseBool: parsing "maybe": invalid syntax'],
  ])("refuses %j with pflag's message", (argv, message) => {
    expect(parseArgs(argv, flags)).toEqual(Either.left(message))
  })
})
