/**
 * Counting an engine's requests from the API server's audit log (JSON lines, level
 * `Metadata`): who sent each request, its verb and resource, and when it was received.
 * Counts come from what the server saw, never from what a client thinks it sent.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import * as t from 'io-ts'
import { isRight } from 'fp-ts/lib/Either.js'

/** One request as the server audited it. */
export interface AuditedRequest {
  readonly auditID: string
  readonly username: string
  readonly userAgent: string
  /** `verb resource`, as {@link requestKind} names it: `create pods`, `update jobs.batch/status`, `get /version`. */
  readonly kind: string
  /** When the server received it (ms since the epoch). */
  readonly receivedMs: number
}

/** How many requests of each kind (`create pods` → 1000). */
export type RequestCounts = ReadonlyMap<string, number>

const ObjectRef = t.partial({ resource: t.string, subresource: t.string, apiGroup: t.string })

/** The fields of an `audit.k8s.io/v1` Event this counting reads. */
const AuditEvent = t.intersection([
  t.type({
    auditID: t.string,
    stage: t.string,
    verb: t.string,
    requestURI: t.string,
    requestReceivedTimestamp: t.string,
    user: t.partial({ username: t.string }),
  }),
  t.partial({ userAgent: t.string, objectRef: ObjectRef }),
])

/**
 * The kind of a request: its verb and, for an API resource, kubectl's name of it
 * (`resource[.group][/subresource]`: `pods`, `pods/status`, `jobs.batch/status`,
 * `events.events.k8s.io`); for any other path, the path without its query (`get /version`).
 */
export function requestKind(verb: string, requestURI: string, objectRef: t.TypeOf<typeof ObjectRef> | undefined): string {
  if (objectRef?.resource === undefined) return `${verb} ${requestURI.split('?')[0] ?? requestURI}`
  const group = objectRef.apiGroup !== undefined && objectRef.apiGroup !== '' ? `.${objectRef.apiGroup}` : ''
  const subresource = objectRef.subresource !== undefined && objectRef.subresource !== '' ? `/${objectRef.subresource}` : ''
  return `${verb} ${objectRef.resource}${group}${subresource}`
}

/** The requests in whole audit-log lines; a line that is not an audit event is counted in `unreadableLines`. */
export function parseAuditLines(lines: ReadonlyArray<string>): { readonly requests: ReadonlyArray<AuditedRequest>; readonly unreadableLines: number } {
  const requests: AuditedRequest[] = []
  let unreadableLines = 0
  for (const line of lines) {
    if (line.trim() === '') continue
    let json: unknown
    try {
      json = JSON.parse(line)
    } catch {
      unreadableLines += 1
      continue
    }
    const decoded = AuditEvent.decode(json)
    const receivedMs = isRight(decoded) ? Date.parse(decoded.right.requestReceivedTimestamp) : Number.NaN
    if (!isRight(decoded) || Number.isNaN(receivedMs)) {
      unreadableLines += 1
      continue
    }
    const event = decoded.right
    requests.push({
      auditID: event.auditID,
      username: event.user.username ?? '',
      userAgent: event.userAgent ?? '',
      kind: requestKind(event.verb, event.requestURI, event.objectRef),
      receivedMs,
    })
  }
  return { requests, unreadableLines }
}

/**
 * Reads an audit log as it grows: each `readNew` returns the requests of the lines completed
 * since the last call, each request once (a watch is audited when its response starts and
 * again when it ends; both lines carry the same `auditID`).
 */
export class AuditLogReader {
  private offset = 0
  private partial = ''
  private readonly seen = new Set<string>()
  unreadableLines = 0

  constructor(private readonly path: string) {}

  readNew(): ReadonlyArray<AuditedRequest> {
    const size = statSync(this.path).size
    if (size <= this.offset) return []
    const buffer = Buffer.alloc(size - this.offset)
    const fd = openSync(this.path, 'r')
    try {
      readSync(fd, buffer, 0, buffer.length, this.offset)
    } finally {
      closeSync(fd)
    }
    this.offset = size
    const text = this.partial + buffer.toString('utf8')
    const end = text.lastIndexOf('\n')
    this.partial = text.slice(end + 1) // a line the server is still writing
    const parsed = parseAuditLines(text.slice(0, end + 1).split('\n'))
    this.unreadableLines += parsed.unreadableLines
    return parsed.requests.filter((request) => {
      if (this.seen.has(request.auditID)) return false
      this.seen.add(request.auditID)
      return true
    })
  }
}

/** Which requests count: those one client sent while the measured window was open. */
export interface RequestFilter {
  readonly username: string
  readonly fromMs: number
  readonly toMs: number
}

/** Counts the requests `filter` selects, by kind. */
export function countRequests(requests: ReadonlyArray<AuditedRequest>, filter: RequestFilter): RequestCounts {
  const counts = new Map<string, number>()
  for (const request of requests) {
    if (request.username !== filter.username || request.receivedMs < filter.fromMs || request.receivedMs > filter.toMs) continue
    counts.set(request.kind, (counts.get(request.kind) ?? 0) + 1)
  }
  return counts
}

/** The sum of all counts. */
export function totalRequests(counts: RequestCounts): number {
  let total = 0
  for (const count of counts.values()) total += count
  return total
}
