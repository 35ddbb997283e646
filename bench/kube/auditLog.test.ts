/**
 * The counting on lines recorded from kube-apiserver v1.36.5 (`--audit-log-path`, policy level
 * `Metadata`, stage `RequestReceived` omitted) during one of our engine's 10-pod Jobs in
 * `npm run bench:kube`: the engine (`bench-ours`), the kubelet stand-in (`bench-kubelet`) and
 * the bench itself (`test-admin`) each sent some of them.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { AuditLogReader, countRequests, parseAuditLines, requestKind, totalRequests } from './auditLog.js'

const SAMPLE = readFileSync(new URL('./auditLog.sample.jsonl', import.meta.url), 'utf8')
const sampleLines = SAMPLE.split('\n').filter((line) => line !== '')
const ALL_TIME = { fromMs: 0, toMs: Number.MAX_SAFE_INTEGER }

/** The sample through a reader, as the bench reads the log. */
const readAll = (text: string) => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-test-'))
  dirs.push(dir)
  const path = join(dir, 'audit.log')
  writeFileSync(path, text)
  return new AuditLogReader(path).readNew()
}
const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('counting requests from the audit log', () => {
  it("counts one user's requests by verb and resource, named as kubectl names resources (jobs.batch/status); a watch, audited when its response starts and when it ends, counts once", () => {
    const counts = countRequests(readAll(SAMPLE), { username: 'bench-ours', ...ALL_TIME })
    expect(Object.fromEntries(counts)).toEqual({
      'get /apis/batch/v1': 1,
      'list jobs.batch': 1,
      'list pods': 1,
      'watch jobs.batch': 1,
      'watch pods': 1,
      'create pods': 2,
      'create events': 2,
      'patch jobs.batch/status': 2,
      'patch pods': 1,
    })
    expect(totalRequests(counts)).toBe(12)
  })

  it("leaves out other users' requests: the kubelet stand-in's status patches, the bench's own Job create and watch", () => {
    const requests = readAll(SAMPLE)
    expect(Object.fromEntries(countRequests(requests, { username: 'bench-kubelet', ...ALL_TIME }))).toEqual({ 'patch pods/status': 1 })
    expect(Object.fromEntries(countRequests(requests, { username: 'test-admin', ...ALL_TIME }))).toEqual({
      'get /version': 1,
      'watch jobs.batch': 1,
      'create jobs.batch': 1,
      'delete jobs.batch': 1,
    })
    expect(totalRequests(countRequests(requests, { username: 'bench-upstream', ...ALL_TIME }))).toBe(0)
  })

  it('counts only requests the server received inside the window (from the Job create to Complete + settle), whenever their line was written', () => {
    const created = Date.parse('2026-12-04T02:00:54.436172Z')
    const lastEvent = Date.parse('2026-12-04T02:00:57.045571Z')
    const counts = countRequests(readAll(SAMPLE), { username: 'bench-ours', fromMs: created, toMs: lastEvent })
    // The start-up discovery and lists came before the create; the watches began after it, and their end lines come last.
    expect(Object.fromEntries(counts)).toEqual({
      'watch jobs.batch': 1,
      'watch pods': 1,
      'create pods': 2,
      'create events': 2,
      'patch jobs.batch/status': 2,
      'patch pods': 1,
    })
    expect(totalRequests(countRequests(readAll(SAMPLE), { username: 'bench-ours', fromMs: created, toMs: lastEvent - 1 }))).toBe(8)
  })

  it('reads a growing log: a line the server is still writing is read once it is complete, and no request is returned twice', () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-test-'))
    dirs.push(dir)
    const path = join(dir, 'audit.log')
    const half = `${sampleLines.slice(0, 8).join('\n')}\n${sampleLines[8]!.slice(0, 100)}`
    writeFileSync(path, half)
    const reader = new AuditLogReader(path)
    const first = reader.readNew()
    expect(first.map((r) => r.kind)).toEqual([
      'get /version', 'get /apis/batch/v1', 'list jobs.batch', 'list pods', 'watch jobs.batch', 'create jobs.batch', 'watch jobs.batch', 'create pods',
    ])
    expect(reader.readNew()).toEqual([])
    appendFileSync(path, `${sampleLines[8]!.slice(100)}\n${sampleLines.slice(9).join('\n')}\n`)
    const rest = reader.readNew()
    expect(rest[0]?.kind).toBe('watch pods')
    expect(first.length + rest.length).toBe(sampleLines.length - 2) // two of the watches also ended inside the sample
    expect(new Set([...first, ...rest].map((r) => r.auditID)).size).toBe(first.length + rest.length)
    expect(reader.unreadableLines).toBe(0)
  })

  it('counts a line that is not an audit event as unreadable instead of guessing', () => {
    const parsed = parseAuditLines(['{"kind":"Event"', '{"kind":"Event","verb":"get"}', sampleLines[0]!])
    expect(parsed.unreadableLines).toBe(2)
    expect(parsed.requests.map((r) => [r.username, r.kind])).toEqual([['test-admin', 'get /version']])
  })

  it('names a request by verb and resource: core resources bare, others with their group, a subresource after a slash, any other path without its query', () => {
    expect(requestKind('update', '/api/v1/namespaces/a/pods/p/status', { resource: 'pods', subresource: 'status', apiGroup: '' })).toBe('update pods/status')
    expect(requestKind('create', '/apis/events.k8s.io/v1/namespaces/a/events', { resource: 'events', apiGroup: 'events.k8s.io' })).toBe('create events.events.k8s.io')
    expect(requestKind('get', '/openapi/v3?timeout=32s', undefined)).toBe('get /openapi/v3')
  })
})
