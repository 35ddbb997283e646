/**
 * Plain JSON over HTTPS to the API server, with the credentials of a `KubeConfig` and a
 * client-side rate limit (a token bucket: `burst` requests at once, then `qps` per second, as
 * client-go's `flowcontrol` limiter that kube-controller-manager uses).
 *
 * Why not the generated typed clients of `@kubernetes/client-node`: they rebuild every object
 * through their model classes, which turns timestamps into `Date`s and drops any field the
 * model does not know. The store must hand back objects exactly as the server wrote them (and
 * a PUT must send back what it read), so requests go out and come back as JSON; the library
 * provides the configuration, the authentication (tokens, client certificates, exec and token
 * files, refreshed as they rotate) and the watch.
 */
import type { KubeConfig } from '@kubernetes/client-node'
import { Clock, Duration, Effect, RateLimiter } from 'effect'
import type { Scope } from 'effect'
import { Agent as HttpAgent, request as httpRequest } from 'node:http'
import type { Agent as HttpsAgentType, RequestOptions } from 'node:https'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { StoreUnavailable } from '../../ports/errors.js'

/** One request to the API server. */
export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** The path below the server URL, e.g. `/apis/batch/v1/namespaces/default/jobs`. */
  readonly path: string
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>
  /** Sent as JSON. */
  readonly body?: unknown
  /** Default `application/json`; patches name their kind (`application/merge-patch+json`, …). */
  readonly contentType?: string
  /** `text`: a successful answer's body stays text even when it parses as JSON (a pod's log). Default `json`. */
  readonly responseType?: 'json' | 'text'
}

/** The server's answer: any HTTP status (mapping it is the caller's business) and the parsed JSON body (or the text). */
export interface ApiResponse {
  readonly status: number
  readonly body: unknown
}

/** Requests to one API server. */
export interface Transport {
  /** The server URL, for messages. */
  readonly server: string
  /** Sends a request once a rate-limit token is free; only a failure to get an answer is an error. */
  readonly request: (request: ApiRequest) => Effect.Effect<ApiResponse, StoreUnavailable>
  /** Waits for a rate-limit token (watches take one per connection). */
  readonly throttle: Effect.Effect<void>
  /** Sent as `User-Agent` with every request, watches included. */
  readonly userAgent: string
}

/** The transport's limits and identity. */
export interface TransportOptions {
  readonly qps: number
  readonly burst: number
  readonly requestTimeoutMs: number
  readonly userAgent: string
}

/** How long authentication headers are reused before the `KubeConfig` is asked again (tokens rotate). */
const AUTH_CACHE_MS = 30_000
/** Answers 429 (Too Many Requests) are retried this many times, after the server's `Retry-After`. */
const MAX_THROTTLED_RETRIES = 5

/**
 * A transport for the `KubeConfig`'s current context, for the life of the scope (its keep-alive
 * connections close with it). `qps <= 0` turns the rate limit off.
 */
export function makeTransport(kc: KubeConfig, options: TransportOptions): Effect.Effect<Transport, StoreUnavailable, Scope.Scope> {
  return Effect.gen(function* () {
    const cluster = kc.getCurrentCluster()
    if (cluster === null) return yield* Effect.fail(new StoreUnavailable({ reason: 'the Kubernetes configuration names no cluster' }))
    const server = cluster.server.replace(/\/+$/, '')
    const tls = yield* Effect.tryPromise({
      try: async () => {
        const opts: RequestOptions = {}
        await kc.applyToHTTPSOptions(opts)
        return opts
      },
      catch: (error) => new StoreUnavailable({ reason: `cannot set up credentials for ${server}: ${(error as Error).message}` }),
    })
    const agent = yield* Effect.acquireRelease(Effect.sync(() => makeAgent(server, cluster.proxyUrl, tls)), (a) => Effect.sync(() => a.destroy()))

    let auth: { readonly headers: Record<string, string>; readonly atMs: number } | undefined
    const authHeaders = (force: boolean): Effect.Effect<Record<string, string>, StoreUnavailable> =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        if (!force && auth !== undefined && now - auth.atMs < AUTH_CACHE_MS) return auth.headers
        const headers = yield* Effect.tryPromise({
          try: async () => {
            const opts: RequestOptions = { headers: {} }
            await kc.applyToHTTPSOptions(opts)
            const found: Record<string, string> = {}
            for (const [key, value] of Object.entries(opts.headers ?? {})) if (value !== undefined) found[key] = String(value)
            if (typeof opts.auth === 'string') found['Authorization'] = `Basic ${Buffer.from(opts.auth).toString('base64')}`
            return found
          },
          catch: (error) => new StoreUnavailable({ reason: `cannot authenticate to ${server}: ${(error as Error).message}` }),
        })
        auth = { headers, atMs: now }
        return headers
      })

    const limiter =
      options.qps > 0 && Number.isFinite(options.qps)
        ? yield* RateLimiter.make({
            limit: Math.max(1, Math.floor(options.burst)),
            interval: Duration.millis((Math.max(1, Math.floor(options.burst)) / options.qps) * 1000),
            algorithm: 'token-bucket',
          })
        : undefined
    const throttle: Effect.Effect<void> = limiter === undefined ? Effect.void : limiter(Effect.void)

    const once = (request: ApiRequest, forceAuth: boolean): Effect.Effect<ApiResponse, StoreUnavailable> =>
      Effect.flatMap(authHeaders(forceAuth), (headers) =>
        send(server, agent, request, { ...headers, 'User-Agent': options.userAgent }, options.requestTimeoutMs),
      )

    const request = (request: ApiRequest): Effect.Effect<ApiResponse, StoreUnavailable> =>
      Effect.gen(function* () {
        let forceAuth = false
        for (let attempt = 0; ; attempt++) {
          yield* throttle
          const response = yield* once(request, forceAuth)
          if (response.status === 401 && !forceAuth) {
            forceAuth = true // a rotated token: ask the configuration again, once
            continue
          }
          forceAuth = false
          if (response.status === 429 && attempt < MAX_THROTTLED_RETRIES) {
            yield* Effect.sleep(Duration.seconds(retryAfterSeconds(response)))
            continue
          }
          return response
        }
      })

    return { server, request, throttle, userAgent: options.userAgent }
  })
}

function makeAgent(server: string, proxyUrl: string | undefined, tls: RequestOptions): HttpAgent | HttpsAgentType {
  // A proxy: keep the agent the library built for it (client-node knows the proxy kinds).
  if (proxyUrl !== undefined && proxyUrl !== '' && tls.agent instanceof HttpAgent) return tls.agent
  if (server.startsWith('http:')) return new HttpAgent({ keepAlive: true, maxSockets: 64 })
  return new HttpsAgent({
    keepAlive: true,
    maxSockets: 64,
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls.key !== undefined ? { key: tls.key } : {}),
    ...(tls.pfx !== undefined ? { pfx: tls.pfx } : {}),
    ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
    ...(tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
    ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
  })
}

function retryAfterSeconds(response: ApiResponse): number {
  const details = (response.body as { details?: { retryAfterSeconds?: unknown } } | undefined)?.details
  const seconds = typeof details?.retryAfterSeconds === 'number' ? details.retryAfterSeconds : 1
  return Math.min(Math.max(seconds, 1), 10)
}

/** The URL of a request: the server, the path and the query (undefined values left out). */
export function requestUrl(server: string, request: Pick<ApiRequest, 'path' | 'query'>): string {
  const url = new URL(server + request.path)
  for (const [key, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value))
  return url.toString()
}

/** The failure of a request sent on a kept-alive connection that had been closed. */
const STALE_CONNECTION = new StoreUnavailable({ reason: 'stale keep-alive connection' })

/** Sends once; a request that met a closed kept-alive connection is sent again, once. */
function send(
  server: string,
  agent: HttpAgent,
  request: ApiRequest,
  headers: Record<string, string>,
  timeoutMs: number,
): Effect.Effect<ApiResponse, StoreUnavailable> {
  return sendOnce(server, agent, request, headers, timeoutMs).pipe(
    Effect.catchIf(
      (error) => error === STALE_CONNECTION,
      () =>
        sendOnce(server, agent, request, headers, timeoutMs).pipe(
          Effect.mapError((error) => (error === STALE_CONNECTION ? new StoreUnavailable({ reason: `${request.method} ${request.path} to ${server} failed: connection reset` }) : error)),
        ),
    ),
  )
}

function sendOnce(
  server: string,
  agent: HttpAgent,
  request: ApiRequest,
  headers: Record<string, string>,
  timeoutMs: number,
): Effect.Effect<ApiResponse, StoreUnavailable> {
  const url = requestUrl(server, request)
  const what = `${request.method} ${request.path}`
  return Effect.async<ApiResponse, StoreUnavailable>((resume) => {
    const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body), 'utf8')
    const wantsText = request.responseType === 'text'
    const allHeaders: Record<string, string> = { ...headers, Accept: wantsText ? 'text/plain, application/json' : 'application/json' }
    if (payload !== undefined) {
      allHeaders['Content-Type'] = request.contentType ?? 'application/json'
      // Always a length: Node sends DELETE bodies neither chunked nor with one otherwise, and the server would not read them.
      allHeaders['Content-Length'] = String(payload.length)
    }
    const call = url.startsWith('https:') ? httpsRequest : httpRequest
    const req = call(url, { method: request.method, agent, headers: allHeaders, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', (error) => resume(Effect.fail(unavailable(server, what, error))))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let body: unknown = text
        const keepText = wantsText && (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300
        if (text !== '' && !keepText) {
          try {
            body = JSON.parse(text)
          } catch {
            // not JSON (a proxy's page, a plain-text error): keep the text
          }
        }
        resume(Effect.succeed({ status: res.statusCode ?? 0, body }))
      })
    })
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on('error', (error) => {
      // A kept-alive connection the server (or a proxy) closed meanwhile: the request never
      // reached it, so sending it again on a fresh connection is safe (Node's documented pattern).
      const stale = req.reusedSocket && ['ECONNRESET', 'EPIPE'].includes((error as NodeJS.ErrnoException).code ?? '')
      resume(Effect.fail(stale ? STALE_CONNECTION : unavailable(server, what, error)))
    })
    if (payload !== undefined) req.write(payload)
    req.end()
    return Effect.sync(() => req.destroy())
  })
}

function unavailable(server: string, what: string, error: Error): StoreUnavailable {
  const code = (error as NodeJS.ErrnoException).code
  return new StoreUnavailable({ reason: `${what} to ${server} failed: ${code !== undefined ? `${code} ` : ''}${error.message}`.trim() })
}
