/**
 * Reading a kubelet `containerLogs` request: `GET /containerLogs/NAMESPACE/POD/CONTAINER` with
 * optional `tailLines` and `limitBytes`. Any text a client sends comes back as a request or as a
 * refusal with its HTTP status and a one-line reason; nothing here throws.
 *
 * The names are checked as the API server checks them (a namespace and a container name are
 * DNS-1123 labels, a pod name a DNS-1123 subdomain), so nothing else ever reaches the runtime.
 */
import { isDns1123Label, isDns1123Subdomain } from '../../../../core/model/names.js'

/** A request for one container's log. */
export interface ContainerLogsRequest {
  readonly _tag: 'ContainerLogs'
  readonly namespace: string
  readonly pod: string
  readonly container: string
  readonly tailLines: number | undefined
  readonly limitBytes: number | undefined
}

/** A request the log server will not serve: the status to answer and why. */
export interface Refusal {
  readonly _tag: 'Refusal'
  readonly status: 400 | 404 | 405
  readonly reason: string
}

const refuse = (status: Refusal['status'], reason: string): Refusal => ({ _tag: 'Refusal', status, reason })

/** The longest piece of client text quoted back in a reason (reasons are one log line). */
const QUOTE_LIMIT = 80

/** Client text as a short, single-line, escaped quotation. */
export const quote = (text: string): string => JSON.stringify(text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}...` : text)

/** Reads `method` and the request target `url` (as `IncomingMessage` gives them). */
export function readContainerLogsRequest(method: string | undefined, url: string | undefined): ContainerLogsRequest | Refusal {
  const target = url ?? ''
  const queryStart = target.indexOf('?')
  const path = queryStart === -1 ? target : target.slice(0, queryStart)
  const segments = path.split('/')
  // `/containerLogs/NS/POD/CONTAINER` splits into '', 'containerLogs' and three names.
  if (segments.length !== 5 || segments[0] !== '' || segments[1] !== 'containerLogs') return refuse(404, `no such endpoint ${quote(path)}`)
  if (method !== 'GET') return refuse(405, `method ${quote(method ?? '')} is not allowed on containerLogs: use GET`)

  const names: string[] = []
  for (const segment of segments.slice(2)) {
    const decoded = decodeSegment(segment)
    if (decoded === undefined) return refuse(400, `path segment ${quote(segment)} is not valid percent-encoding`)
    names.push(decoded)
  }
  const [namespace = '', pod = '', container = ''] = names
  const problem =
    nameProblem('namespace', namespace, isDns1123Label) ?? nameProblem('pod name', pod, isDns1123Subdomain) ?? nameProblem('container name', container, isDns1123Label)
  if (problem !== undefined) return refuse(400, problem)

  const query = new URLSearchParams(queryStart === -1 ? '' : target.slice(queryStart + 1))
  const tailLines = countParameter(query, 'tailLines')
  if (typeof tailLines === 'string') return refuse(400, tailLines)
  const limitBytes = countParameter(query, 'limitBytes')
  if (typeof limitBytes === 'string') return refuse(400, limitBytes)
  return { _tag: 'ContainerLogs', namespace, pod, container, tailLines, limitBytes }
}

/** `decodeURIComponent`, or `undefined` for a malformed escape (which makes it throw a `URIError`). */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

function nameProblem(field: string, value: string, problems: (value: string) => ReadonlyArray<string>): string | undefined {
  if (value === '') return `${field} must be non-empty`
  const found = problems(value)
  return found.length === 0 ? undefined : `invalid ${field} ${quote(value)}: ${found.join('; ')}`
}

/** A non-negative integer query parameter: `undefined` when absent, the reason (a string) when malformed. */
function countParameter(query: URLSearchParams, name: string): number | undefined | string {
  const values = query.getAll(name)
  if (values.length === 0) return undefined
  const text = values[0] ?? ''
  if (values.length > 1) return `query parameter ${name} is given ${values.length} times`
  if (!/^[0-9]{1,15}$/.test(text)) return `query parameter ${name}=${quote(text)} is not a non-negative integer`
  return Number(text)
}
