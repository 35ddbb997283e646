/**
 * Who may read container logs from a local node, decided as a kubelet decides it: the client
 * certificate names the user (subject CN) and groups (subject O), and in `Webhook` mode the API
 * server answers a `SubjectAccessReview` for `get` on `nodes/proxy` of this node (the
 * subresource a kubelet checks for `/containerLogs`). `AlwaysAllow` lets in every client the
 * client CA vouches for.
 */
import { Clock, Effect } from 'effect'
import type { Transport } from '../transport.js'
import { messageOf } from '../apiErrors.js'

/** The kubelet's `--authorization-mode` values this node knows. */
export const AUTHORIZATION_MODES = ['Webhook', 'AlwaysAllow'] as const
export type AuthorizationMode = (typeof AUTHORIZATION_MODES)[number]

/** A client as its certificate names it. */
export interface ClientUser {
  readonly name: string
  readonly groups: ReadonlyArray<string>
}

/** The answer for one client. */
export type Decision =
  | { readonly _tag: 'Allowed' }
  | { readonly _tag: 'Denied'; readonly reason: string }
  /** The API server could not be asked: the request is refused, and the next one asks again. */
  | { readonly _tag: 'Unknown'; readonly reason: string }

/** Decides whether `user` may read container logs here. */
export type Authorizer = (user: ClientUser) => Effect.Effect<Decision>

export const alwaysAllow: Authorizer = () => Effect.succeed({ _tag: 'Allowed' })

/** How long answers are kept: the kubelet's `--authorization-webhook-cache-authorized-ttl` and `-unauthorized-ttl` defaults. */
export const AUTHORIZED_TTL_MS = 5 * 60_000
export const UNAUTHORIZED_TTL_MS = 30_000

/** The attributes a kubelet checks for a `GET /containerLogs/...` on node `nodeName`. */
export const containerLogsAttributes = (nodeName: string) => ({ verb: 'get', resource: 'nodes', subresource: 'proxy', name: nodeName }) as const

/** `Webhook` mode: asks the API server with a `SubjectAccessReview`, keeping each answer for its TTL. */
export function subjectAccessReviewer(transport: Transport, nodeName: string): Authorizer {
  const cache = new Map<string, { readonly decision: Decision; readonly until: number }>()
  const attributes = containerLogsAttributes(nodeName)
  return (user) =>
    Effect.gen(function* () {
      const key = JSON.stringify([user.name, [...user.groups].sort()])
      const now = yield* Clock.currentTimeMillis
      const cached = cache.get(key)
      if (cached !== undefined && cached.until > now) return cached.decision
      const response = yield* Effect.either(
        transport.request({
          method: 'POST',
          path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
          body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: user.name, groups: user.groups, resourceAttributes: attributes } },
        }),
      )
      if (response._tag === 'Left') return { _tag: 'Unknown', reason: response.left.reason } satisfies Decision
      if (response.right.status !== 201 && response.right.status !== 200) {
        return { _tag: 'Unknown', reason: `SubjectAccessReview refused: ${messageOf(response.right)}` } satisfies Decision
      }
      const status = (response.right.body as { status?: { allowed?: unknown; reason?: unknown } } | undefined)?.status
      const decision: Decision = status?.allowed === true ? { _tag: 'Allowed' } : { _tag: 'Denied', reason: typeof status?.reason === 'string' ? status.reason : '' }
      cache.set(key, { decision, until: now + (decision._tag === 'Allowed' ? AUTHORIZED_TTL_MS : UNAUTHORIZED_TTL_MS) })
      return decision
    })
}
