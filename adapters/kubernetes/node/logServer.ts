/**
 * The one kubelet endpoint the API server needs from a local node: container logs. The
 * server's `pods/log` subresource asks the node of the pod at
 * `https://ADDRESS:PORT/containerLogs/NAMESPACE/POD/CONTAINER`, with the address and port the
 * Node object advertises; this serves those requests from the pod runtime's own log buffers.
 *
 * TLS with a self-signed certificate made at start: the API server checks kubelet certificates
 * only when given `--kubelet-certificate-authority`, and a cluster that sets it cannot use a
 * local node anyway. Anyone who can reach the port can read the logs, so it listens on
 * loopback unless told otherwise.
 */
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Effect, Exit, Runtime } from 'effect'
import type { Scope } from 'effect'
import type { PodRuntimeService } from '../../ports/PodRuntime.js'
import { selfSignedServingCertificate } from '../tls/x509.js'

/** Where the log server listens. */
export interface LogServerOptions {
  /** The address to listen on and to put in the certificate (default `127.0.0.1`). */
  readonly address?: string
  /** Default 0: any free port. */
  readonly port?: number
}

/** A listening log server. */
export interface LogServer {
  readonly address: string
  readonly port: number
}

/** Serves the runtime's container logs until the scope closes. */
export function serveContainerLogs(runtime: PodRuntimeService, options: LogServerOptions = {}): Effect.Effect<LogServer, Error, Scope.Scope> {
  const address = options.address ?? '127.0.0.1'
  return Effect.gen(function* () {
    const run = Runtime.runPromiseExit(yield* Effect.runtime<never>())
    const tls = selfSignedServingCertificate('job-reconciler-local-node', { dnsNames: ['localhost'], ipAddresses: [address] })
    const handle = (request: IncomingMessage, response: ServerResponse): void => {
      const route = parseRoute(request)
      if (route === undefined) {
        reply(response, 404, 'not found\n')
        return
      }
      void run(runtime.logs({ namespace: route.namespace, name: route.pod }, { container: route.container })).then((exit) => {
        if (Exit.isSuccess(exit)) reply(response, 200, selectLines(exit.value, route.tailLines, route.limitBytes))
        else reply(response, 404, `pod ${route.namespace}/${route.pod} is not on this node\n`)
      })
    }
    const server = yield* Effect.acquireRelease(
      Effect.async<Server, Error>((resume) => {
        const created = createServer({ cert: tls.certificatePem, key: tls.privateKeyPem }, handle)
        created.once('error', (error) => resume(Effect.fail(new Error(`cannot serve container logs on ${address}:${options.port ?? 0}: ${error.message}`))))
        created.listen(options.port ?? 0, address, () => resume(Effect.succeed(created)))
      }),
      (server) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)).closeAllConnections()),
    )
    return { address, port: (server.address() as AddressInfo).port }
  })
}

/** A `containerLogs` request. */
interface LogRoute {
  readonly namespace: string
  readonly pod: string
  readonly container: string
  readonly tailLines: number | undefined
  readonly limitBytes: number | undefined
}

function parseRoute(request: IncomingMessage): LogRoute | undefined {
  if (request.method !== 'GET') return undefined
  const url = new URL(request.url ?? '/', 'https://node')
  const parts = url.pathname.split('/').filter((part) => part !== '').map(decodeURIComponent)
  if (parts.length !== 4 || parts[0] !== 'containerLogs') return undefined
  const [, namespace, pod, container] = parts as [string, string, string, string]
  return { namespace, pod, container, tailLines: positiveInteger(url.searchParams.get('tailLines')), limitBytes: positiveInteger(url.searchParams.get('limitBytes')) }
}

const positiveInteger = (text: string | null): number | undefined => {
  const value = text === null ? NaN : Number(text)
  return Number.isInteger(value) && value >= 0 ? value : undefined
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
