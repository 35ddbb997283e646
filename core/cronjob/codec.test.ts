/** C1: the CronJob codec knows exactly the fields the API server knows (the generated `API_TYPES`). */
import { describe, expect, it } from 'vitest'
import { API_TYPES } from '../model/apiFields.js'
import { cronJobFields } from './codec.js'

const fields = cronJobFields({ unknownFields: 'reject', enums: 'strict' })

describe('C1 field lists match the OpenAPI document (Kubernetes v1.36.5)', () => {
  it.each(['CronJob', 'CronJobSpec', 'CronJobStatus', 'JobTemplateSpec', 'ObjectReference'] as const)('%s', (type) => {
    expect(Object.keys(fields[type]).sort()).toEqual(Object.keys(API_TYPES[type]).sort())
  })
})
