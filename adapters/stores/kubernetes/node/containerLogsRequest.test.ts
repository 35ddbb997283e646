/**
 * Reading `containerLogs` requests never throws, whatever text arrives, and lets through only
 * the names the API server itself accepts (DNS-1123 labels for the namespace and container, a
 * subdomain for the pod), so no other text ever reaches the runtime.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isDns1123Label, isDns1123Subdomain } from '../../../../core/model/names.js'
import { readContainerLogsRequest } from './containerLogsRequest.js'

describe('readContainerLogsRequest', () => {
  it('reads what the API server sends for pods/log', () => {
    expect(readContainerLogsRequest('GET', '/containerLogs/default/pi-abcde/pi?tailLines=10&limitBytes=500')).toEqual({
      _tag: 'ContainerLogs',
      namespace: 'default',
      pod: 'pi-abcde',
      container: 'pi',
      tailLines: 10,
      limitBytes: 500,
    })
    expect(readContainerLogsRequest('GET', '/containerLogs/kube-system/web.v2-0/main?follow=true')).toMatchObject({ pod: 'web.v2-0', tailLines: undefined })
  })

  it('never throws; what it accepts has valid names, what it refuses has a one-line reason', () => {
    const piece = fc.oneof(
      fc.string({ unit: fc.constantFrom('/', '%', '?', '&', '=', '.', '-', 'a', 'Z', '0', '\n', '\r', 'é', '\uD800', 'E', '2', 'F'), maxLength: 30 }),
      fc.string({ unit: 'binary', maxLength: 30 }),
    )
    const url = fc.oneof(
      piece,
      fc.array(piece, { minLength: 3, maxLength: 3 }).map((names) => `/containerLogs/${names.join('/')}`),
      fc.tuple(piece, piece).map(([name, query]) => `/containerLogs/default/${name}/main?${query}`),
    )
    fc.assert(
      fc.property(fc.option(fc.oneof(fc.constant('GET'), piece), { nil: undefined }), fc.option(url, { nil: undefined }), (method, target) => {
        const read = readContainerLogsRequest(method, target)
        if (read._tag === 'ContainerLogs') {
          expect(isDns1123Label(read.namespace)).toEqual([])
          expect(isDns1123Subdomain(read.pod)).toEqual([])
          expect(isDns1123Label(read.container)).toEqual([])
        } else {
          expect(read.reason).not.toMatch(/[\r\n]/)
          expect([400, 404, 405]).toContain(read.status)
        }
      }),
      { numRuns: 2000 },
    )
  })
})
