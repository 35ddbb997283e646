/**
 * The transport and the watch against a small fake API server (plain HTTP on loopback), where
 * every answer is chosen by the test: rate limiting, 429 and 401 handling, DELETE bodies, and
 * the watch's resume positions, bookmarks, reconnects and 410.
 */
import { Effect, Either, Stream } from 'effect'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { WatchEvent } from '../../ports/JobStore.js'
import type { Pod } from '../../../core/model/types.js'
import { loadKubeConfig } from './config.js'
import * as KubernetesStore from './KubernetesStore.js'
import { makeTransport } from './transport.js'

interface Seen {
  readonly method: string
  readonly url: URL
  readonly headers: IncomingMessage['headers']
  readonly body: string
}

type Handler = (request: Seen, response: ServerResponse) => void

let server: Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined))
  server = undefined
})

/** Starts the fake server; returns its URL and the requests it saw. */
async function fake(handler: Handler): Promise<{ readonly url: string; readonly seen: Seen[] }> {
  const seen: Seen[] = []
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const request = { method: req.method ?? '', url: new URL(req.url ?? '/', 'http://x'), headers: req.headers, body: Buffer.concat(chunks).toString() }
      seen.push(request)
      handler(request, res)
    })
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, seen }
}

const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
const config = (url: string, extra: KubernetesStore.KubernetesStoreConfig = {}): KubernetesStore.KubernetesStoreConfig => ({
  server: url,
  token: 'secret',
  insecureSkipTlsVerify: true,
  probe: false,
  ...extra,
})

const podJson = (name: string, resourceVersion: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion },
  spec: { containers: [{ name: 'main', image: 'busybox' }] },
})

describe('transport', () => {
  it('lets a burst through at once, then holds to qps (burst 2, qps 10: 12 requests take about a second)', async () => {
    const { url, seen } = await fake((_req, res) => json(res, 200, { kind: 'APIResourceList' }))
    const elapsed = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const kc = yield* loadKubeConfig(config(url))
          const transport = yield* makeTransport(kc, { qps: 10, burst: 2, requestTimeoutMs: 5000, userAgent: 'test' })
          const started = Date.now()
          yield* Effect.forEach(Array.from({ length: 12 }), () => transport.request({ method: 'GET', path: '/apis/batch/v1' }), { concurrency: 'unbounded' })
          return Date.now() - started
        }),
      ),
    )
    expect(seen).toHaveLength(12)
    expect(elapsed).toBeGreaterThanOrEqual(900)
    expect(elapsed).toBeLessThan(5000)
  })

  it('without a limit (qps 0) the same requests go at once', async () => {
    const { url } = await fake((_req, res) => json(res, 200, {}))
    const elapsed = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const transport = yield* makeTransport(yield* loadKubeConfig(config(url)), { qps: 0, burst: 0, requestTimeoutMs: 5000, userAgent: 'test' })
          const started = Date.now()
          yield* Effect.forEach(Array.from({ length: 12 }), () => transport.request({ method: 'GET', path: '/x' }), { concurrency: 'unbounded' })
          return Date.now() - started
        }),
      ),
    )
    expect(elapsed).toBeLessThan(900)
  })

  it('sends the bearer token and user agent, retries a 429 after Retry-After and a 401 once with fresh credentials', async () => {
    let calls = 0
    const { url, seen } = await fake((_req, res) => {
      calls++
      if (calls === 1) return json(res, 429, { kind: 'Status', code: 429, reason: 'TooManyRequests', message: 'slow down', details: { retryAfterSeconds: 1 } })
      if (calls === 2) return json(res, 401, { kind: 'Status', code: 401, reason: 'Unauthorized', message: 'Unauthorized' })
      json(res, 200, { ok: true })
    })
    const response = await Effect.runPromise(
      Effect.scoped(
        Effect.flatMap(loadKubeConfig(config(url)), (kc) =>
          Effect.flatMap(makeTransport(kc, { qps: 0, burst: 0, requestTimeoutMs: 5000, userAgent: 'job-reconciler/test' }), (t) =>
            t.request({ method: 'GET', path: '/api/v1/pods' }),
          ),
        ),
      ),
    )
    expect(response).toEqual({ status: 200, body: { ok: true } })
    expect(seen).toHaveLength(3)
    for (const request of seen) {
      expect(request.headers['authorization']).toBe('Bearer secret')
      expect(request.headers['user-agent']).toBe('job-reconciler/test')
    }
  })

  it('a DELETE carries its options as a body the server reads (Content-Length), with the uid precondition', async () => {
    const { url, seen } = await fake((_req, res) => json(res, 200, { kind: 'Status', status: 'Success' }))
    await Effect.runPromise(
      Effect.scoped(
        Effect.flatMap(KubernetesStore.make(config(url)), (store) =>
          store.deleteJob({ namespace: 'ns', name: 'pi' }, { propagationPolicy: 'Foreground', preconditionUid: 'u-1' }),
        ),
      ),
    )
    expect(seen[0]!.method).toBe('DELETE')
    expect(seen[0]!.url.pathname).toBe('/apis/batch/v1/namespaces/ns/jobs/pi')
    expect(JSON.parse(seen[0]!.body)).toEqual({ apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Foreground', preconditions: { uid: 'u-1' } })
  })

  it('an unreachable server is StoreUnavailable naming it, at start-up when probing', async () => {
    const result = await Effect.runPromise(
      Effect.either(Effect.scoped(KubernetesStore.make({ server: 'http://127.0.0.1:1', insecureSkipTlsVerify: true, requestTimeoutMs: 2000 }))),
    )
    expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: 'StoreUnavailable' })
    expect(Either.isLeft(result) && result.left.message).toMatch(/^cannot reach the Kubernetes API server at http:\/\/127\.0\.0\.1:1: GET \/apis\/batch\/v1/)
  })

  it('a kubeconfig context that does not exist is StoreUnavailable', async () => {
    const result = await Effect.runPromise(Effect.either(Effect.scoped(KubernetesStore.make({ server: 'http://127.0.0.1:1', context: 'nope' }))))
    expect(Either.isLeft(result) && result.left.message).toBe('cannot load the Kubernetes configuration: context "nope" does not exist')
  })
})

describe('watch (fake server)', () => {
  const line = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`
  /** Runs a pod watch into `events` until it fails; returns how it ended. */
  const collect = (url: string, events: WatchEvent<Pod>[], from?: string) =>
    Effect.scoped(
      Effect.flatMap(KubernetesStore.make(config(url, { watchTimeoutSeconds: 5, userAgent: 'job-reconciler/watch-test' })), (store) =>
        Stream.runForEach(store.watchPods({ namespace: 'ns', ...(from !== undefined ? { resourceVersion: from } : {}) }), (e) =>
          Effect.sync(() => void events.push(e)),
        ).pipe(Effect.either),
      ),
    )
  const summary = (events: ReadonlyArray<WatchEvent<Pod>>) =>
    events.map((e) => (e.type === 'Bookmark' ? `Bookmark@${e.resourceVersion}` : `${e.type}:${e.object.metadata.name}@${e.object.metadata.resourceVersion}`))

  it('passes bookmarks on, reopens a closed watch from the last position (a bookmark counts) and fails Gone on an ERROR 410; every watch carries our User-Agent', async () => {
    let connection = 0
    const { url, seen } = await fake((req, res) => {
      if (req.url.searchParams.get('watch') !== 'true') return json(res, 200, { metadata: { resourceVersion: '3' }, items: [] })
      connection++
      res.writeHead(200, { 'content-type': 'application/json' })
      if (connection === 1) {
        res.write(line('ADDED', podJson('a', '5')))
        res.end(line('BOOKMARK', { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: '7' } }))
      } else if (connection === 2) {
        res.write(line('MODIFIED', podJson('a', '8')))
        res.end(line('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 8 (20)' }))
      }
    })
    const events: WatchEvent<Pod>[] = []
    const result = await Effect.runPromise(collect(url, events, '4'))
    expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: 'Gone', resourceVersion: '8' })
    expect(summary(events)).toEqual(['Added:a@5', 'Bookmark@7', 'Modified:a@8'])
    const watches = seen.filter((r) => r.url.searchParams.get('watch') === 'true')
    expect(watches.map((r) => r.url.searchParams.get('resourceVersion'))).toEqual(['4', '7'])
    for (const w of watches) {
      // Not node-fetch's own: an operator tells this controller's watches apart by it, as kube-controller-manager's.
      expect(w.headers['user-agent']).toBe('job-reconciler/watch-test')
      expect(w.url.searchParams.get('allowWatchBookmarks')).toBe('true')
      expect(Number(w.url.searchParams.get('timeoutSeconds'))).toBeGreaterThanOrEqual(5)
      expect(Number(w.url.searchParams.get('timeoutSeconds'))).toBeLessThanOrEqual(10)
    }
  })

  it('delivers events in order across a dropped connection, reconnecting from the last object seen', async () => {
    let connection = 0
    const { url, seen } = await fake((req, res) => {
      if (req.url.searchParams.get('watch') !== 'true') return json(res, 200, { metadata: { resourceVersion: '3' }, items: [] })
      connection++
      res.writeHead(200, { 'content-type': 'application/json' })
      if (connection === 1) {
        res.write(line('ADDED', podJson('a', '10')))
        res.write(line('ADDED', podJson('b', '11')))
        setTimeout(() => res.socket?.destroy(), 50) // the connection drops
      } else if (connection === 2) {
        res.write(line('DELETED', podJson('a', '12')))
        res.end(line('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' }))
      }
    })
    const events: WatchEvent<Pod>[] = []
    await Effect.runPromise(collect(url, events))
    expect(summary(events)).toEqual(['Added:a@10', 'Added:b@11', 'Deleted:a@12'])
    // Without a resourceVersion the watch starts "now": a one-item list gives the position.
    expect(seen[0]!.url.searchParams.get('limit')).toBe('1')
    const watches = seen.filter((r) => r.url.searchParams.get('watch') === 'true')
    expect(watches.map((r) => r.url.searchParams.get('resourceVersion'))).toEqual(['3', '11'])
  })

  it('gives up with StoreUnavailable after repeated failed reconnects; leaves out objects it cannot read', async () => {
    let connection = 0
    const { url } = await fake((_req, res) => {
      connection++
      if (connection === 1) {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.write(line('ADDED', { metadata: { name: 'broken', resourceVersion: '5' }, spec: { containers: 'not a list' } }))
        res.end(line('ADDED', podJson('ok', '6')))
        return
      }
      json(res, 500, { kind: 'Status', code: 500, reason: 'InternalError', message: 'etcd is sad' })
    })
    const events: WatchEvent<Pod>[] = []
    const result = await Effect.runPromise(collect(url, events, '4'))
    expect(Either.isLeft(result) && result.left).toMatchObject({ _tag: 'StoreUnavailable' })
    expect(Either.isLeft(result) && result.left.message).toMatch(/^watching \/api\/v1\/namespaces\/ns\/pods: HTTP 500/)
    expect(connection).toBe(7) // the first, then 1 + 5 attempts that failed
    expect(summary(events)).toEqual(['Added:ok@6'])
  })
})
