/**
 * Webhook authorization of the local node, as a kubelet's `--authorization-mode=Webhook`: a
 * `SubjectAccessReview` for `get` on `nodes/proxy` of the node, answers kept 5 minutes when
 * allowed and 30 seconds when denied (the kubelet's webhook cache TTL defaults).
 */
import { describe, expect, it } from '@effect/vitest'
import { Effect, TestClock } from 'effect'
import { StoreUnavailable } from '../../../ports/errors.js'
import type { ApiRequest, Transport } from '../transport.js'
import { subjectAccessReviewer } from './authorization.js'

/** A transport that answers SubjectAccessReviews allowing only `allowed`, and records them. */
function reviewingServer(allowed: string) {
  const reviews: ApiRequest[] = []
  let reachable = true
  const transport: Transport = {
    server: 'https://127.0.0.1:6443',
    throttle: Effect.void,
    userAgent: 'test',
    request: (request) =>
      Effect.suspend(() => {
        reviews.push(request)
        if (!reachable) return Effect.fail(new StoreUnavailable({ reason: 'connection refused' }))
        const spec = (request.body as { spec: { user: string } }).spec
        return Effect.succeed({ status: 201, body: { status: spec.user === allowed ? { allowed: true } : { allowed: false, reason: 'no RBAC policy matched' } } })
      }),
  }
  return { transport, reviews, goAway: () => void (reachable = false) }
}

describe('subjectAccessReviewer', () => {
  it.effect('asks for get nodes/proxy of this node for the certificate user and groups', () =>
    Effect.gen(function* () {
      const server = reviewingServer('kube-apiserver-kubelet-client')
      const authorize = subjectAccessReviewer(server.transport, 'jobctl-laptop')
      expect(yield* authorize({ name: 'kube-apiserver-kubelet-client', groups: ['system:masters'] })).toEqual({ _tag: 'Allowed' })
      expect(yield* authorize({ name: 'curious-user', groups: [] })).toEqual({ _tag: 'Denied', reason: 'no RBAC policy matched' })
      expect(server.reviews[0]).toMatchObject({
        method: 'POST',
        path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: { user: 'kube-apiserver-kubelet-client', groups: ['system:masters'], resourceAttributes: { verb: 'get', resource: 'nodes', subresource: 'proxy', name: 'jobctl-laptop' } },
        },
      })
    }),
  )

  it.effect('keeps an allowed answer 5 minutes and a denied one 30 seconds (kubelet webhook cache defaults)', () =>
    Effect.gen(function* () {
      const server = reviewingServer('api')
      const authorize = subjectAccessReviewer(server.transport, 'n')
      yield* authorize({ name: 'api', groups: [] })
      yield* authorize({ name: 'other', groups: [] })
      yield* TestClock.adjust('29 seconds')
      yield* authorize({ name: 'api', groups: [] })
      yield* authorize({ name: 'other', groups: [] })
      expect(server.reviews).toHaveLength(2)
      yield* TestClock.adjust('2 seconds')
      yield* authorize({ name: 'other', groups: [] })
      expect(server.reviews).toHaveLength(3)
      yield* TestClock.adjust('4 minutes')
      yield* authorize({ name: 'api', groups: [] })
      expect(server.reviews).toHaveLength(3)
      yield* TestClock.adjust('1 minute')
      yield* authorize({ name: 'api', groups: [] })
      expect(server.reviews).toHaveLength(4)
    }),
  )

  it.effect('answers Unknown when the API server cannot be asked, and asks again next time', () =>
    Effect.gen(function* () {
      const server = reviewingServer('api')
      const authorize = subjectAccessReviewer(server.transport, 'n')
      server.goAway()
      expect(yield* authorize({ name: 'api', groups: [] })).toEqual({ _tag: 'Unknown', reason: 'connection refused' })
      yield* authorize({ name: 'api', groups: [] })
      expect(server.reviews).toHaveLength(2)
    }),
  )
})
