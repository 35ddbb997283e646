/**
 * The one kubelet endpoint the API server needs from a local node: container logs. The
 * server's `pods/log` subresource asks the node of the pod at
 * `https://ADDRESS:PORT/containerLogs/NAMESPACE/POD/CONTAINER`, with the address and port the
 * Node object advertises; this serves those requests from the pod runtime's own log buffers.
 *
 * Only the API server is meant to get an answer: as a kubelet with `--client-ca-file` and
 * `--anonymous-auth=false`, a client must present a certificate the client CA signed, naming a
 * user (the API server presents its `--kubelet-client-certificate`); anyone else gets `401
 * Unauthorized`. An authorizer may then refuse the certificate's user (`403 Forbidden`, see
 * `authorization.ts`).
 * Every request is answered, whatever its bytes: what cannot be read is logged and refused.
 *
 * TLS with a self-signed serving certificate made at start: the API server checks kubelet
 * certificates only when given `--kubelet-certificate-authority`, and a cluster that sets it
 * cannot use a local node anyway.
 */
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { PeerCertificate, TLSSocket } from 'node:tls'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Cause, Effect, Exit, Runtime } from 'effect'
import type { Scope } from 'effect'
import type { PodRuntimeService } from '../../../ports/PodRuntime.js'
import { selfSignedServingCertificate } from '../tls/x509.js'
import { alwaysAllow, type Authorizer, type ClientUser } from './authorization.js'
import { quote, readContainerLogsRequest } from './containerLogsRequest.js'

/** Where the log server listens, and whom it answers. */
export interface LogServerOptions {
  /** The address to listen on and to put in the certificate (default `127.0.0.1`). */
  readonly address?: string
  /** Default 0: any free port. */
  readonly port?: number
  /** PEM of the CA(s) whose client certificates are let in: the kubelet's `--client-ca-file`. */
  readonly clientCa: string
  /** Who of those may read logs (default: all, the kubelet's `--authorization-mode=AlwaysAllow`). */
  readonly authorize?: Authorizer
}

/** What a request gets. */
interface Answer {
  readonly status: number
  readonly text: string
}

/** A listening log server. */
export interface LogServer {
  readonly address: string
  readonly port: number
}

/** Serves the runtime's container logs until the scope closes. */
export function serveContainerLogs(runtime: PodRuntimeService, options: LogServerOptions): Effect.Effect<LogServer, Error, Scope.Scope> {
  const address = options.address ?? '127.0.0.1'
  return Effect.gen(function* () {
    const run = Runtime.runPromiseExit(yield* Effect.runtime<never>())
    const log = (message: string): void => void run(Effect.logWarning(`local node: ${message}`))
    const authorize = options.authorize ?? alwaysAllow
    const tls = selfSignedServingCertificate('job-reconciler-local-node', { dnsNames: ['localhost'], ipAddresses: [address] })

    /** The answer to one request; every refusal is logged. */
    const answer = (request: IncomingMessage, socket: TLSSocket): Effect.Effect<Answer> =>
      Effect.gen(function* () {
        const refuse = (status: number, reason: string): Effect.Effect<Answer> =>
          Effect.as(
            Effect.logWarning(`local node: refused ${quote(request.method ?? '')} ${quote(request.url ?? '')} from ${socket.remoteAddress ?? 'unknown'} (${status}): ${reason}`),
            { status, text: `${reason}\n` },
          )
        if (!socket.authorized) {
          const presented = Object.keys(socket.getPeerCertificate()).length > 0
          return yield* refuse(401, `Unauthorized: ${presented ? `client certificate not signed by the node's client CA (${String(socket.authorizationError)})` : 'no client certificate'}`)
        }
        const user = certificateUser(socket.getPeerCertificate())
        if (user.name === '') return yield* refuse(401, 'Unauthorized: the client certificate names no user (subject CN)')
        const decision = yield* authorize(user)
        const attributes = `user=${quote(user.name)}, verb=get, resource=nodes, subresource=proxy`
        if (decision._tag === 'Denied') return yield* refuse(403, `Forbidden (${attributes})${decision.reason === '' ? '' : `: ${decision.reason}`}`)
        if (decision._tag === 'Unknown') return yield* refuse(500, `Authorization error (${attributes}): ${decision.reason}`)
        const route = readContainerLogsRequest(request.method, request.url)
        if (route._tag === 'Refusal') return yield* refuse(route.status, route.reason)
        const logs = yield* Effect.either(runtime.logs({ namespace: route.namespace, name: route.pod }, { container: route.container }))
        if (logs._tag === 'Left') return { status: 404, text: `pod ${route.namespace}/${route.pod} is not on this node\n` }
        return { status: 200, text: selectLines(logs.right, route.tailLines, route.limitBytes) }
      })

    // A bug in serving one request must not end the process (and the node, and its pods): it answers 500.
    const handle = (request: IncomingMessage, response: ServerResponse): void => {
      void run(answer(request, request.socket as TLSSocket)).then((exit) => {
        if (Exit.isSuccess(exit)) return reply(response, exit.value.status, exit.value.text)
        log(`failed to serve ${quote(request.url ?? '')}: ${Cause.pretty(exit.cause).split('\n')[0] ?? ''}`)
        if (!response.headersSent) reply(response, 500, 'internal error\n')
        else response.destroy()
      }).catch(() => response.destroy())
    }

    const server = yield* Effect.acquireRelease(
      Effect.async<Server, Error>((resume) => {
        let created: Server
        try {
          created = createServer(
            // Ask for a client certificate but decide in `answer`, so that a client without one gets an HTTP 401 as from a kubelet.
            { cert: tls.certificatePem, key: tls.privateKeyPem, ca: options.clientCa, requestCert: true, rejectUnauthorized: false },
            handle,
          )
        } catch (error) {
          resume(Effect.fail(new Error(`cannot serve container logs: ${error instanceof Error ? error.message : String(error)}`)))
          return
        }
        created.once('error', (error) => resume(Effect.fail(new Error(`cannot serve container logs on ${address}:${options.port ?? 0}: ${error.message}`))))
        created.listen(options.port ?? 0, address, () => {
          created.on('error', (error) => log(`log server: ${error.message}`))
          resume(Effect.succeed(created))
        })
      }),
      (server) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)).closeAllConnections()),
    )
    return { address, port: (server.address() as AddressInfo).port }
  })
}

/** The last `tailLines` lines, then at most `limitBytes` bytes of them, as the kubelet applies the two. */
export function selectLines(text: string, tailLines: number | undefined, limitBytes: number | undefined): string {
  let selected = text
  if (tailLines !== undefined) {
    const lines = text.split('\n')
    const complete = text.endsWith('\n') ? lines.slice(0, -1) : lines
    selected = tailLines === 0 ? '' : complete.slice(-tailLines).join('\n') + (text.endsWith('\n') ? '\n' : '')
  }
  if (limitBytes !== undefined) selected = Buffer.from(selected, 'utf8').subarray(0, limitBytes).toString('utf8')
  return selected
}

/** The user and groups a client certificate names (subject CN and O), as the API server reads them. */
function certificateUser(certificate: PeerCertificate): ClientUser {
  const values = (value: string | ReadonlyArray<string> | undefined): ReadonlyArray<string> => (value === undefined ? [] : typeof value === 'string' ? [value] : value)
  const subject = certificate.subject as Partial<Record<string, string | ReadonlyArray<string>>> | undefined
  return { name: values(subject?.['CN'])[0] ?? '', groups: values(subject?.['O']) }
}

function reply(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text)
}
