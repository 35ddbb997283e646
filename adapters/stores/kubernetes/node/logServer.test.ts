/**
 * The local node's log server on a real socket (127.0.0.1, TLS), without an API server: it
 * answers only clients with a certificate its client CA signed, as a kubelet with
 * `--client-ca-file` and `--anonymous-auth=false` does (401 otherwise), and no request, however
 * malformed, ends the process: what it cannot read is logged and refused.
 */
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls'
import { Effect, Exit, Logger, Scope } from 'effect'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NotFound } from '../../../ports/errors.js'
import type { PodRuntimeService } from '../../../ports/PodRuntime.js'
import { caExtensions, clientExtensions, issueCertificate, newKeyPair, pem, privateKeyPem } from '../tls/x509.js'
import type { Authorizer } from './authorization.js'
import { serveContainerLogs } from './logServer.js'

/** A CA and a client certificate it signed, as PEM; `sign` issues more. */
function clientIdentity(caName: string, user: string) {
  const ca = newKeyPair()
  const caDer = issueCertificate({ issuerCommonName: caName, subjectCommonName: caName, publicKey: ca.publicKey, signer: ca.privateKey, extensions: caExtensions() })
  const sign = (subject: string) => {
    const client = newKeyPair()
    const clientDer = issueCertificate({ issuerCommonName: caName, subjectCommonName: subject, publicKey: client.publicKey, signer: ca.privateKey, extensions: clientExtensions() })
    return { cert: pem('CERTIFICATE', clientDer), key: privateKeyPem(client.privateKey) }
  }
  return { ca: pem('CERTIFICATE', caDer), ...sign(user), sign }
}

const apiServer = clientIdentity('cluster-ca', 'kube-apiserver-kubelet-client')
const stranger = clientIdentity('some-other-ca', 'kube-apiserver-kubelet-client')

/** A runtime running one pod, `default/printer`, whose container `main` printed three lines. */
const runtime: PodRuntimeService = {
  nodeName: 'test-node',
  start: Effect.void,
  logs: (key, options) =>
    key.namespace === 'default' && key.name === 'printer' && (options?.container ?? 'main') === 'main'
      ? Effect.succeed('one\ntwo\nthree\n')
      : Effect.fail(new NotFound({ kind: 'Pod', namespace: key.namespace, name: key.name })),
}

/** The API server's user may read logs; `nobody-knows` cannot be decided (the API server is away); others may not. */
const authorize: Authorizer = (user) =>
  Effect.succeed(
    user.name === 'kube-apiserver-kubelet-client'
      ? { _tag: 'Allowed' }
      : user.name === 'nobody-knows'
        ? { _tag: 'Unknown', reason: 'connection refused' }
        : { _tag: 'Denied', reason: 'no RBAC policy matched' },
  )

const warnings: string[] = []
let scope: Scope.CloseableScope
let port: number
beforeAll(async () => {
  scope = Effect.runSync(Scope.make())
  const logger = Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => void warnings.push(String(message))))
  const server = await Effect.runPromise(serveContainerLogs(runtime, { clientCa: apiServer.ca, authorize }).pipe(Scope.extend(scope), Effect.provide(logger)))
  port = server.port
})
afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

/** What came back for `raw`, sent as is on a TLS connection as `identity`: the status (0 when the server closed without answering) and body. */
function exchange(raw: string | Uint8Array, identity?: { readonly cert: string; readonly key: string }): Promise<{ readonly status: number; readonly text: string }> {
  return new Promise((resolve, reject) => {
    const options: ConnectionOptions = { host: '127.0.0.1', port, rejectUnauthorized: false, ...(identity !== undefined ? { cert: identity.cert, key: identity.key } : {}) }
    const chunks: Buffer[] = []
    const socket = tlsConnect(options, () => socket.end(raw))
    socket.setTimeout(30_000, () => socket.destroy(new Error('no answer in 30 s')))
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error)))
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1]
      resolve({ status: status === undefined ? 0 : Number(status), text: text.slice(text.indexOf('\r\n\r\n') + 4) })
    })
  })
}

/** `GET path` as the API server (or as `identity`, `'anonymous'` for none). */
const get = (path: string, identity: { readonly cert: string; readonly key: string } | 'anonymous' = apiServer) =>
  exchange(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, identity === 'anonymous' ? undefined : identity)

/** The body of a chunked or plain HTTP/1.1 response, for the short texts this server sends. */
const bodyOf = (text: string): string => (/^[0-9a-f]+\r\n/.test(text) ? text.replace(/^[0-9a-f]+\r\n/, '').replace(/\r\n0\r\n\r\n$/, '') : text)

describe('the log server authenticates the API server by its client certificate (kubelet --client-ca-file, --anonymous-auth=false)', () => {
  it("serves the client CA's certificate holder the container's log", async () => {
    const answer = await get('/containerLogs/default/printer/main')
    expect(answer.status).toBe(200)
    expect(bodyOf(answer.text)).toBe('one\ntwo\nthree\n')
    const tail = await get('/containerLogs/default/printer/main?tailLines=2')
    expect(bodyOf(tail.text)).toBe('two\nthree\n')
  })

  it('answers 401 Unauthorized to a client without a certificate, to one another CA signed, and to one naming no user', async () => {
    const anonymous = await get('/containerLogs/default/printer/main', 'anonymous')
    expect(anonymous.status).toBe(401)
    expect(bodyOf(anonymous.text)).toBe('Unauthorized: no client certificate\n')
    const other = await get('/containerLogs/default/printer/main', stranger)
    expect(other.status).toBe(401)
    expect(bodyOf(other.text)).toMatch(/^Unauthorized: client certificate not signed by the node's client CA \([A-Z_]+\)\n$/)
    const nameless = await get('/containerLogs/default/printer/main', apiServer.sign(''))
    expect({ status: nameless.status, body: bodyOf(nameless.text) }).toEqual({ status: 401, body: 'Unauthorized: the client certificate names no user (subject CN)\n' })
  })
})

describe('the log server authorizes the certificate user, as a kubelet in --authorization-mode=Webhook', () => {
  it('answers 403 Forbidden to a user the authorizer denies, naming the attributes a kubelet checks', async () => {
    const denied = await get('/containerLogs/default/printer/main', apiServer.sign('curious-user'))
    expect(denied.status).toBe(403)
    expect(bodyOf(denied.text)).toBe('Forbidden (user="curious-user", verb=get, resource=nodes, subresource=proxy): no RBAC policy matched\n')
  })

  it('answers 500 when it cannot be decided, and serves the next request', async () => {
    const unknown = await get('/containerLogs/default/printer/main', apiServer.sign('nobody-knows'))
    expect(unknown.status).toBe(500)
    expect(bodyOf(unknown.text)).toBe('Authorization error (user="nobody-knows", verb=get, resource=nodes, subresource=proxy): connection refused\n')
    expect((await get('/containerLogs/default/printer/main')).status).toBe(200)
  })
})

describe('the log server refuses what it cannot read and keeps serving', () => {
  it('answers 400 to a path with malformed percent-encoding (it once ended jobctl controller with a URIError)', async () => {
    const answer = await get('/containerLogs/%E0%A4%A/x/y')
    expect(answer.status).toBe(400)
    expect(bodyOf(answer.text)).toBe('path segment "%E0%A4%A" is not valid percent-encoding\n')
    expect(warnings.some((line) => line.includes('%E0%A4%A') && line.includes('(400)'))).toBe(true)
    expect((await get('/containerLogs/default/printer/main')).status).toBe(200)
  })

  it('answers 400 to names the API server would never send: a namespace and a container name are DNS-1123 labels, a pod name a subdomain', async () => {
    const reason = async (path: string) => bodyOf((await get(path)).text)
    expect(await reason('/containerLogs/Default/printer/main')).toMatch(/^invalid namespace "Default": a lowercase RFC 1123 label must consist of/)
    expect(await reason('/containerLogs/default/..%2Fetc/main')).toMatch(/^invalid pod name "..\/etc": a lowercase RFC 1123 subdomain must consist of/)
    expect(await reason('/containerLogs/default/printer/a.b')).toMatch(/^invalid container name "a.b": a lowercase RFC 1123 label/)
    expect(await reason(`/containerLogs/${'a'.repeat(64)}/printer/main`)).toMatch(/must be no more than 63 characters/)
    expect(await reason('/containerLogs/default/printer/main?tailLines=-1')).toBe('query parameter tailLines="-1" is not a non-negative integer\n')
    expect((await get('/containerLogs/default/printer/main?tailLines=x')).status).toBe(400)
  })

  it('answers 404 to other endpoints and to pods it does not run, 405 to other methods', async () => {
    expect((await get('/pods')).status).toBe(404)
    expect((await get('/containerLogs/default/printer')).status).toBe(404)
    expect((await get('/containerLogs/default/nobody/main')).status).toBe(404)
    const posted = await exchange('POST /containerLogs/default/printer/main HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n', apiServer)
    expect(posted.status).toBe(405)
  })

  /** Text with the characters that break parsers: separators, escapes, controls and non-ASCII. */
  const tricky = fc.string({ unit: fc.constantFrom('/', '%', '?', '&', '=', '.', ' ', '\r', '\n', '\t', '\0', 'a', 'Z', '0', 'é', '\u{1F600}', '\uD800', '#', ':', '@', '\\'), maxLength: 40 })
  const percentEscape = fc.tuple(fc.constantFrom('%', '%%', '%E0', '%E0%A4', '%C3', '%FF', '%2F', '%00', '%G1'), fc.stringMatching(/^[0-9A-Fa-f]{0,3}$/)).map(([a, b]) => a + b)
  const segment = fc.oneof(fc.stringMatching(/^[a-z0-9.-]{1,12}$/), percentEscape, tricky, fc.string({ unit: 'binary', maxLength: 20 }))
  const path = fc.oneof(
    fc.array(segment, { minLength: 3, maxLength: 3 }).map((names) => `/containerLogs/${names.join('/')}`),
    fc.tuple(fc.array(segment, { maxLength: 6 }), fc.option(tricky)).map(([parts, query]) => `/${parts.join('/')}${query === null ? '' : `?${query}`}`),
    fc.tuple(fc.constantFrom('tailLines', 'limitBytes', 'follow', ''), tricky).map(([name, value]) => `/containerLogs/default/printer/main?${name}=${value}`),
    fc.string({ unit: 'binary', maxLength: 60 }),
  )
  const method = fc.oneof(fc.constantFrom('GET', 'POST', 'HEAD', 'DELETE', 'OPTIONS', 'CONNECT', 'get', 'G ET'), tricky)
  const header = fc.tuple(fc.oneof(fc.constantFrom('Host', 'Content-Length', 'Transfer-Encoding', 'Connection', 'Expect', 'Upgrade'), tricky), fc.oneof(fc.constantFrom('0', '-1', '99999999999', 'chunked', 'close', '100-continue'), tricky))
  const requestText = fc
    .tuple(method, path, fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9', ''), fc.array(header, { maxLength: 5 }), fc.string({ unit: 'binary', maxLength: 30 }))
    .map(([verb, target, version, headers, body]) => `${verb} ${target} ${version}\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n${body}`)
  const raw = fc.oneof({ weight: 4, arbitrary: requestText }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) })

  it('answers any request line, path and headers, authenticated or not, without a server error, and still serves a good request', async () => {
    await fc.assert(
      fc.asyncProperty(raw, fc.boolean(), async (bytes, authenticated) => {
        const answer = await exchange(bytes, authenticated ? apiServer : undefined)
        // 0: the connection closed without an answer (Node's HTTP parser drops some garbage that way).
        expect(answer.status === 0 || (answer.status >= 200 && answer.status < 500)).toBe(true)
        if (!authenticated) expect([0, 400, 401, 404, 405, 413, 431]).toContain(answer.status)
      }),
      { numRuns: 300 },
    )
    const good = await get('/containerLogs/default/printer/main')
    expect(good.status).toBe(200)
    expect(bodyOf(good.text)).toBe('one\ntwo\nthree\n')
  })
})
