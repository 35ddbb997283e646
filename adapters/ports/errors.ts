import { Data } from 'effect'
import type { FieldError } from '../../core/model/fieldErrors.js'

/** The kinds of object a `JobStore` (and a `CronJobStore`) keeps. */
export type ResourceKind = 'Job' | 'CronJob' | 'Pod' | 'Event'

/** The object does not exist (HTTP 404). */
export class NotFound extends Data.TaggedError('NotFound')<{
  readonly kind: ResourceKind
  readonly namespace: string
  readonly name: string
}> {
  override get message(): string {
    return `${kindPlural(this.kind)} "${this.name}" not found`
  }
}

/** An object with that name exists already (HTTP 409 AlreadyExists). */
export class AlreadyExists extends Data.TaggedError('AlreadyExists')<{
  readonly kind: ResourceKind
  readonly namespace: string
  readonly name: string
}> {
  override get message(): string {
    return `${kindPlural(this.kind)} "${this.name}" already exists`
  }
}

/**
 * A write carried a stale `resourceVersion` or failed a uid precondition (HTTP 409 Conflict).
 * The caller re-reads and decides again.
 */
export class Conflict extends Data.TaggedError('Conflict')<{
  readonly kind: ResourceKind
  readonly namespace: string
  readonly name: string
  readonly detail: string
}> {
  override get message(): string {
    return `Operation cannot be fulfilled on ${kindPlural(this.kind)} "${this.name}": ${this.detail}`
  }
}

/** The object failed validation (HTTP 422 Invalid); `errors` carry field paths. */
export class Invalid extends Data.TaggedError('Invalid')<{
  readonly kind: ResourceKind
  readonly name: string
  readonly errors: ReadonlyArray<FieldError>
  /** The API server's message, e.g. `Job.batch "pi" is invalid: [...]`. */
  readonly reason: string
}> {
  override get message(): string {
    return this.reason
  }
}

/**
 * The write is larger than the store takes: a request body over the API server's limit (HTTP
 * 413 `RequestEntityTooLarge`, "Request entity too large: limit is 3145728") or an object over
 * etcd's ("etcdserver: request is too large"). `reason` is that message. Retrying cannot help.
 */
export class TooLarge extends Data.TaggedError('TooLarge')<{
  readonly kind: ResourceKind
  readonly namespace: string
  readonly name: string
  readonly reason: string
}> {
  override get message(): string {
    return this.reason
  }
}

/** A watch asked for a resourceVersion the store no longer remembers (HTTP 410 Gone): relist. */
export class Gone extends Data.TaggedError('Gone')<{ readonly resourceVersion: string }> {
  override get message(): string {
    return `too old resource version: ${this.resourceVersion}`
  }
}

/** The store cannot be reached or read (I/O failure, network, corrupt data). */
export class StoreUnavailable extends Data.TaggedError('StoreUnavailable')<{
  readonly reason: string
}> {
  override get message(): string {
    return this.reason
  }
}

/** Every failure a `JobStore` operation can report. */
export type StoreError = NotFound | AlreadyExists | Conflict | Invalid | TooLarge | Gone | StoreUnavailable

function kindPlural(kind: ResourceKind): string {
  switch (kind) {
    case 'Job':
      return 'jobs.batch'
    case 'CronJob':
      return 'cronjobs.batch'
    case 'Pod':
      return 'pods'
    case 'Event':
      return 'events'
  }
}
