import { describe, expect, it } from 'vitest'
import { renderFieldError } from '../../../core/model/fieldErrors.js'
import { fieldErrorOf, isUidMismatch, toStoreError, undecodableErrors } from './apiErrors.js'

const key = { namespace: 'ns', name: 'pi' }
const status = (code: number, reason: string, message: string, details: Record<string, unknown> = {}) => ({
  status: code,
  body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, details, code },
})

describe('toStoreError', () => {
  it('404 is NotFound; 404 about the namespace is Invalid on metadata.namespace', () => {
    expect(toStoreError('Job', key, status(404, 'NotFound', 'jobs.batch "pi" not found', { name: 'pi', kind: 'jobs' }))).toMatchObject({
      _tag: 'NotFound',
      kind: 'Job',
      namespace: 'ns',
      name: 'pi',
    })
    const missing = toStoreError('Job', key, status(404, 'NotFound', 'namespaces "ns" not found', { name: 'ns', kind: 'namespaces' }))
    expect(missing).toMatchObject({ _tag: 'Invalid', reason: 'namespaces "ns" not found' })
    expect(missing._tag === 'Invalid' && missing.errors.map(renderFieldError)).toEqual(['metadata.namespace: Invalid value: "ns": namespace not found'])
  })

  it("413 (a body over the API server's 3 MiB) and etcd's 'request is too large' (a 500) are TooLarge, not a store outage to wait out", () => {
    expect(toStoreError('Job', key, status(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'))).toMatchObject({
      _tag: 'TooLarge',
      reason: 'Request entity too large: limit is 3145728',
    })
    expect(toStoreError('Job', key, status(500, '', 'etcdserver: request is too large'))).toMatchObject({ _tag: 'TooLarge', reason: 'etcdserver: request is too large' })
    expect(toStoreError('Job', key, status(500, 'InternalError', 'etcdserver: leader changed'))).toMatchObject({ _tag: 'StoreUnavailable' })
  })

  it('409 AlreadyExists and Conflict, with the detail after the object name', () => {
    expect(toStoreError('Job', key, status(409, 'AlreadyExists', 'jobs.batch "pi" already exists', { name: 'pi' }))).toMatchObject({ _tag: 'AlreadyExists' })
    const conflict = toStoreError(
      'Job',
      key,
      status(409, 'Conflict', 'Operation cannot be fulfilled on jobs.batch "pi": the object has been modified; please apply your changes to the latest version and try again'),
    )
    expect(conflict).toMatchObject({ _tag: 'Conflict', detail: 'the object has been modified; please apply your changes to the latest version and try again' })
    expect(conflict.message).toBe(
      'Operation cannot be fulfilled on jobs.batch "pi": the object has been modified; please apply your changes to the latest version and try again',
    )
  })

  it('422 is Invalid with one field error per distinct cause, rendered as the server wrote them', () => {
    const message = 'Job.batch "pi" is invalid: [spec.parallelism: Invalid value: -1: must be greater than or equal to 0, …]'
    const error = toStoreError(
      'Job',
      key,
      status(422, 'Invalid', message, {
        name: 'pi',
        causes: [
          { reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'spec.parallelism' },
          { reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'spec.parallelism' },
          { reason: 'FieldValueRequired', message: 'Required value: valid values: "OnFailure", "Never"', field: 'spec.template.spec.restartPolicy' },
        ],
      }),
    )
    expect(error).toMatchObject({ _tag: 'Invalid', reason: message })
    expect(error._tag === 'Invalid' && error.errors).toEqual([
      { _tag: 'Invalid', path: 'spec.parallelism', value: -1, detail: 'must be greater than or equal to 0' },
      { _tag: 'Required', path: 'spec.template.spec.restartPolicy', detail: 'valid values: "OnFailure", "Never"' },
    ])
  })

  it('400 (strict decoding) is Invalid with unknown fields and type errors; 410 is Gone; the rest is StoreUnavailable', () => {
    const decoding = toStoreError(
      'Job',
      key,
      status(400, 'BadRequest', 'Job in version "v1" cannot be handled as a Job: strict decoding error: unknown field "spec.foo", unknown field "spec.bar"'),
    )
    expect(decoding._tag === 'Invalid' && decoding.errors.map(renderFieldError)).toEqual(['unknown field "spec.foo"', 'unknown field "spec.bar"'])
    expect(toStoreError('Pod', key, status(410, 'Expired', 'too old resource version: 5 (230)'))).toMatchObject({ _tag: 'Gone', resourceVersion: '230' })
    expect(toStoreError('Pod', key, status(403, 'Forbidden', 'pods "pi" is forbidden: User "x" cannot get resource "pods"'))).toMatchObject({
      _tag: 'StoreUnavailable',
      reason: 'pods "pi" is forbidden: User "x" cannot get resource "pods"',
    })
    expect(toStoreError('Pod', key, { status: 502, body: '<html>bad gateway</html>' })).toMatchObject({
      _tag: 'StoreUnavailable',
      reason: 'HTTP 502: <html>bad gateway</html>',
    })
  })

  it('a 422 about metadata.uid is a replaced object (a failed uid guard)', () => {
    const response = status(422, 'Invalid', 'Pod "p" is invalid: metadata.uid: Invalid value: "x": field is immutable', {
      causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: "x": field is immutable', field: 'metadata.uid' }],
    })
    expect(isUidMismatch(response)).toBe(true)
    expect(isUidMismatch(status(422, 'Invalid', 'other', { causes: [{ field: 'spec.x', message: 'Invalid value: 1: no' }] }))).toBe(false)
  })
})

describe('fieldErrorOf: every cause renders back to exactly "<field>: <message>"', () => {
  const causes: ReadonlyArray<readonly [string, string, string]> = [
    ['FieldValueInvalid', 'spec.parallelism', 'Invalid value: -1: must be greater than or equal to 0'],
    ['FieldValueInvalid', 'spec.completions', 'Invalid value: 3: field is immutable'],
    ['FieldValueInvalid', 'metadata.name', 'Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of …'],
    ['FieldValueInvalid', 'spec.template.metadata.labels', 'Invalid value: {"app":"b"}: `selector` does not match template `labels`'],
    ['FieldValueInvalid', 'spec.template', 'Invalid value: core.PodTemplateSpec{ObjectMeta:v1.ObjectMeta{Name:"", …}}: field is immutable'],
    ['FieldValueInvalid', 'status.startTime', 'Invalid value: null: field is immutable for unsuspended job once set'],
    ['FieldValueInvalid', 'spec.successPolicy', 'Invalid value: {"rules":[{"succeededCount":1}]}: requires indexed completion mode'],
    ['FieldValueNotSupported', 'spec.completionMode', 'Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"'],
    ['FieldValueRequired', 'spec.completions', 'Required value: when completion mode is Indexed'],
    ['FieldValueRequired', 'spec.template.spec.containers', 'Required value'],
    ['FieldValueForbidden', 'metadata.finalizers', 'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"x"}'],
    ['FieldValueTooLong', 'spec.managedBy', 'Too long: may not be more than 63 bytes'],
    ['FieldValueTooMany', 'spec.podFailurePolicy.rules', 'Too many: 21: must have at most 20 items'],
    ['FieldValueDuplicate', 'spec.x', 'Duplicate value: "a"'],
    ['InternalError', 'spec.y', 'Internal error: something odd'],
  ]
  for (const [reason, field, message] of causes) {
    it(`${reason} ${field}`, () => {
      const error = fieldErrorOf({ reason, field, message })
      expect(error.path).toBe(field)
      if (reason !== 'InternalError') expect(renderFieldError(error)).toBe(`${field}: ${message}`)
    })
  }

  it('keeps the bad value and the detail apart where the message allows', () => {
    expect(fieldErrorOf({ field: 'spec.completionMode', message: 'Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"' })).toEqual({
      _tag: 'NotSupported',
      path: 'spec.completionMode',
      value: 'Sometimes',
      supported: ['NonIndexed', 'Indexed'],
    })
    expect(fieldErrorOf({ field: 'a', message: 'Invalid value: "x: y": bad' })).toEqual({ _tag: 'Invalid', path: 'a', value: 'x: y', detail: 'bad' })
  })
})

describe('undecodableErrors', () => {
  it('reads a type error as an Invalid value on its JSON path', () => {
    const errors = undecodableErrors(
      'Job in version "v1" cannot be handled as a Job: json: cannot unmarshal string into Go struct field JobSpec.spec.parallelism of type int32',
    )
    expect(errors.map(renderFieldError)).toEqual(['spec.parallelism: Invalid value: must be of type int32, not string'])
  })
})
