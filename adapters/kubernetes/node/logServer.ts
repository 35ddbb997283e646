/**
 * The one kubelet endpoint the API server needs from a local node: container logs. The
 * server's `pods/log` subresource asks the node of the pod at
 * `https://ADDRESS:PORT/containerLogs/NAMESPACE/POD/CONTAINER`, with the address and port the
 * Node object advertises; this serves those requests from the pod runtime's own log buffers.
 *
 * Only the API server gets an answer: as a kubelet with `--client-ca-file` and
 * `--anonymous-auth=false`, a client must present a certificate the client CA signed (the API
 * server presents its `--kubelet-client-certificate`); anyone else gets `401 Unauthorized`.
 * Every request is answered, whatever its bytes: what cannot be read is logged and refused.
 *
 * TLS with a self-signed serving certificate made at start: the API server checks kubelet
 * certificates only when given `--kubelet-certificate-authority`, and a cluster that sets it
 * cannot use a local node anyway.
 */
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Effect, Exit, Runtime } from 'effect'
import type { Scope } from 'effect'
import type { PodRuntimeService } from '../../ports/PodRuntime.js'
import { selfSignedServingCertificate } from '../tls/x509.js'
import { quote, readContainerLogsRequest } from './containerLogsRequest.js'

/** Where the log server listens, and whom it answers. */
export interface LogServerOptions {
  /** The address to listen on and to put in the certificate (default `127.0.0.1`). */
  readonly address?: string
  /** Default 0: any free port. */
  readonly port?: number
  /** PEM of the CA(s) whose client certificates are let in: the kubelet's `--client-ca-file`. */
  readonly clientCa: string
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
    const tls = selfSignedServingCertificate('job-reconciler-local-node', { dnsNames: ['localhost'], ipAddresses: [address] })

    const serve = (request: IncomingMessage, response: ServerResponse): void => {
      const socket = request.socket as TLSSocket
      const who = `${socket.remoteAddress ?? 'unknown'}:${socket.remotePort ?? 0}`
      const refuse = (status: number, reason: string): void => {
        log(`refused ${quote(request.method ?? '')} ${quote(request.url ?? '')} from ${who} (${status}): ${reason}`)
        reply(response, status, `${reason}\n`)
      }
      if (!socket.authorized) {
        const presented = Object.keys(socket.getPeerCertificate()).length > 0
        refuse(401, `Unauthorized: ${presented ? `client certificate not signed by the node's client CA (${String(socket.authorizationError)})` : 'no client certificate'}`)
        return
      }
      const route = readContainerLogsRequest(request.method, request.url)
      if (route._tag === 'Refusal') {
        refuse(route.status, route.reason)
        return
      }
      void run(runtime.logs({ namespace: route.namespace, name: route.pod }, { container: route.container })).then((exit) => {
        if (Exit.isSuccess(exit)) reply(response, 200, selectLines(exit.value, route.tailLines, route.limitBytes))
        else reply(response, 404, `pod ${route.namespace}/${route.pod} is not on this node\n`)
      }, () => response.destroy())
    }
    // A bug in serving one request must not end the process (and the node, and its pods).
    const handle = (request: IncomingMessage, response: ServerResponse): void => {
      try {
        serve(request, response)
      } catch (error) {
        log(`failed to serve ${quote(request.url ?? '')}: ${error instanceof Error ? error.message : String(error)}`)
        if (!response.headersSent) reply(response, 500, 'internal error\n')
        else response.destroy()
      }
    }

    const server = yield* Effect.acquireRelease(
      Effect.async<Server, Error>((resume) => {
        let created: Server
        try {
          created = createServer(
            // Ask for a client certificate but decide in `serve`, so that a client without one gets an HTTP 401 as from a kubelet.
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

function reply(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text)
}
