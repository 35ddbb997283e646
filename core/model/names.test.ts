import { describe, expect, it } from 'vitest'
import { renderFieldError } from './fieldErrors.js'
import { isDns1123Label, isDns1123Subdomain, isQualifiedName, isValidLabelValue, validateAnnotations, validateLabels } from './names.js'

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
const QUALIFIED_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"

describe('apimachinery name formats', () => {
  it('R31: DNS-1123 subdomains accept dotted lowercase names and reject others with the real wording', () => {
    expect(isDns1123Subdomain('pi.example-1')).toEqual([])
    expect(isDns1123Subdomain('Pi')).toEqual([SUBDOMAIN_MSG])
    expect(isDns1123Subdomain('a'.repeat(254))).toEqual(['must be no more than 253 characters'])
  })

  it('R32: DNS-1123 labels reject dots and names over 63', () => {
    expect(isDns1123Label('pi-0')).toEqual([])
    expect(isDns1123Label('a.b')).toEqual([LABEL_MSG])
    expect(isDns1123Label('a'.repeat(64))).toEqual(['must be no more than 63 characters'])
  })

  it('label values: empty is fine, 64 characters is not', () => {
    expect(isValidLabelValue('')).toEqual([])
    expect(isValidLabelValue('My_value.1')).toEqual([])
    expect(isValidLabelValue('a'.repeat(64))).toEqual(['must be no more than 63 characters'])
    expect(isValidLabelValue('-x')).toEqual([LABEL_VALUE_MSG])
  })

  it('R47: qualified names: an empty name part fails twice (empty and the format), as upstream', () => {
    expect(isQualifiedName('example.com/MyName')).toEqual([])
    expect(isQualifiedName('')).toEqual(['name part must be non-empty', QUALIFIED_MSG])
    expect(isQualifiedName('/x')).toEqual(['prefix part must be non-empty'])
    expect(isQualifiedName('a/b/c')).toHaveLength(1)
  })

  it('labels are reported at the map path with the bad value', () => {
    expect(validateLabels({ ok: 'v', 'bad key': 'v', k: '-bad' }, 'metadata.labels').map(renderFieldError)).toEqual([
      `metadata.labels: Invalid value: "bad key": ${QUALIFIED_MSG}`,
      `metadata.labels: Invalid value: "-bad": ${LABEL_VALUE_MSG}`,
    ])
  })

  it('annotations: keys must be qualified names and the total at most 256 KiB', () => {
    expect(validateAnnotations({ 'a/b': 'x' }, 'metadata.annotations')).toEqual([])
    expect(validateAnnotations({ k: 'x'.repeat(262144) }, 'metadata.annotations').map(renderFieldError)).toEqual([
      'metadata.annotations: Too long: may not be more than 262144 bytes',
    ])
  })
})
