/**
 * Resource types and names as kubectl reads them: `job`, `jobs`, `job.batch`, `jobs.batch`,
 * `job.v1.batch`, `cronjob`, `cronjobs`, `cj`, `cronjob.batch`, `pod`, `pods`, `po`;
 * `TYPE NAME...` or `TYPE/NAME...`.
 */
import { Either } from 'effect'

/** The kinds `jobctl` works with. */
export type ResourceKind = 'Job' | 'CronJob' | 'Pod'

/** How each kind is written in output (`job.batch/pi`, `jobs.batch "pi"`). */
export const resourceNames: Readonly<Record<ResourceKind, { readonly singular: string; readonly plural: string }>> = {
  Job: { singular: 'job.batch', plural: 'jobs.batch' },
  CronJob: { singular: 'cronjob.batch', plural: 'cronjobs.batch' },
  Pod: { singular: 'pod', plural: 'pods' },
}

const ALIASES: ReadonlyMap<string, ResourceKind> = new Map([
  ['job', 'Job'],
  ['jobs', 'Job'],
  ['job.batch', 'Job'],
  ['jobs.batch', 'Job'],
  ['job.v1.batch', 'Job'],
  ['jobs.v1.batch', 'Job'],
  ['cronjob', 'CronJob'],
  ['cronjobs', 'CronJob'],
  ['cj', 'CronJob'],
  ['cronjob.batch', 'CronJob'],
  ['cronjobs.batch', 'CronJob'],
  ['cronjob.v1.batch', 'CronJob'],
  ['cronjobs.v1.batch', 'CronJob'],
  ['pod', 'Pod'],
  ['pods', 'Pod'],
  ['po', 'Pod'],
  ['pod.v1.', 'Pod'],
])

/** The kind a resource type names, if `jobctl` knows it (case-insensitive, as kubectl). */
export function resourceKind(type: string): ResourceKind | undefined {
  return ALIASES.get(type.toLowerCase())
}

/** The message kubectl gives for a type it does not know. */
export const unknownResourceType = (type: string): string => `the server doesn't have a resource type "${type}"`

/** Which objects a command's arguments name. */
export interface ResourceSelection {
  readonly kind: ResourceKind
  /** Empty: every object of the kind (subject to a selector). */
  readonly names: ReadonlyArray<string>
}

/**
 * Reads `TYPE [NAME...]` or `TYPE/NAME [TYPE/NAME...]` (one kind at a time). Fails with a
 * usage message for an unknown type, a mix of forms or of kinds, or nothing at all.
 */
export function parseResourceArgs(args: ReadonlyArray<string>, verb: string): Either.Either<ResourceSelection, string> {
  const first = args[0]
  if (first === undefined) return Either.left(`you must specify the type of resource to ${verb}`)
  if (first.includes('/')) {
    let kind: ResourceKind | undefined
    const names: string[] = []
    for (const arg of args) {
      const slash = arg.indexOf('/')
      if (slash < 0) return Either.left('there is no need to specify a resource type as a separate argument when passing arguments in resource/name form')
      const type = arg.slice(0, slash)
      const name = arg.slice(slash + 1)
      const k = resourceKind(type)
      if (k === undefined) return Either.left(unknownResourceType(type))
      if (name === '') return Either.left(`arguments in resource/name form must have a single resource and name`)
      if (kind !== undefined && k !== kind) return Either.left('jobctl works on one resource type at a time')
      kind = k
      names.push(name)
    }
    return Either.right({ kind: kind!, names })
  }
  if (first.includes(',')) return Either.left('jobctl works on one resource type at a time')
  const kind = resourceKind(first)
  if (kind === undefined) return Either.left(unknownResourceType(first))
  const names = args.slice(1)
  const typed = names.find((n) => n.includes('/'))
  if (typed !== undefined) return Either.left('there is no need to specify a resource type as a separate argument when passing arguments in resource/name form')
  return Either.right({ kind, names })
}
