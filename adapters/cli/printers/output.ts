/**
 * `-o` formats: the default table, `wide`, `json`, `yaml`, `name` and `jsonpath=TEMPLATE`.
 * A single named object prints as itself; anything else as kubectl's `List`.
 */
import { Either } from 'effect'
import { stringify } from 'yaml'
import type { CronJob } from '../../../core/index.js'
import type { Job, Pod } from '../../../core/model/types.js'
import type { ResourceKind } from '../resources.js'
import { resourceNames } from '../resources.js'
import { executeJsonPath, parseJsonPath, type JsonPathTemplate } from './jsonpath.js'
import { cronJobTable, jobTable, podTable, renderTable } from './tables.js'

/** A parsed `-o` value. */
export type OutputFormat =
  | { readonly _tag: 'Table'; readonly wide: boolean }
  | { readonly _tag: 'Json' }
  | { readonly _tag: 'Yaml' }
  | { readonly _tag: 'Name' }
  | { readonly _tag: 'JsonPath'; readonly template: JsonPathTemplate }

const ALLOWED = 'json, jsonpath, name, wide, yaml'

/** Reads `-o`; fails with kubectl's message for a format it cannot print. */
export function parseOutputFormat(text: string | undefined): Either.Either<OutputFormat, string> {
  if (text === undefined || text === '') return Either.right({ _tag: 'Table', wide: false })
  switch (text) {
    case 'wide':
      return Either.right({ _tag: 'Table', wide: true })
    case 'json':
      return Either.right({ _tag: 'Json' })
    case 'yaml':
      return Either.right({ _tag: 'Yaml' })
    case 'name':
      return Either.right({ _tag: 'Name' })
  }
  if (text.startsWith('jsonpath=')) {
    const template = text.slice('jsonpath='.length)
    if (template === '') return Either.left('template format specified but no template given')
    return Either.map(parseJsonPath(template), (parsed) => ({ _tag: 'JsonPath', template: parsed }) as const)
  }
  if (text === 'jsonpath') return Either.left('template format specified but no template given')
  return Either.left(`unable to match a printer suitable for the output format "${text}", allowed formats are: ${ALLOWED}`)
}

/** A Job, CronJob or Pod with `apiVersion` and `kind` first, as the API server returns it. */
export function asApiObject(kind: ResourceKind, object: Job | CronJob | Pod): Record<string, unknown> {
  return kind === 'Pod' ? { apiVersion: 'v1', kind: 'Pod', ...object } : { ...object, apiVersion: 'batch/v1', kind }
}

/** What a `get` prints. */
export interface PrintRequest {
  readonly kind: ResourceKind
  readonly objects: ReadonlyArray<Job | CronJob | Pod>
  /** One object asked for by name: printed as itself rather than as a List. */
  readonly single: boolean
  readonly format: OutputFormat
  readonly withNamespace: boolean
  readonly noHeaders: boolean
  readonly nowMs: number
}

/** Renders objects in the requested format. */
export function printObjects(request: PrintRequest): string {
  const { kind, objects, format } = request
  const api = objects.map((o) => asApiObject(kind, o))
  const document = request.single && api.length === 1 ? api[0] : { apiVersion: 'v1', items: api, kind: 'List', metadata: { resourceVersion: '' } }
  switch (format._tag) {
    case 'Table': {
      const options = { wide: format.wide, withNamespace: request.withNamespace, noHeaders: request.noHeaders, nowMs: request.nowMs }
      const table =
        kind === 'Job'
          ? jobTable(objects as ReadonlyArray<Job>, options)
          : kind === 'CronJob'
            ? cronJobTable(objects as ReadonlyArray<CronJob>, options)
            : podTable(objects as ReadonlyArray<Pod>, options)
      return renderTable(table, request.noHeaders)
    }
    case 'Json':
      return JSON.stringify(document, null, 4) + '\n'
    case 'Yaml':
      return yaml(document)
    case 'Name':
      return objects.map((o) => `${resourceNames[kind].singular}/${o.metadata.name ?? ''}\n`).join('')
    case 'JsonPath':
      return executeJsonPath(format.template, document)
  }
}

/** YAML as kubectl prints it: keys sorted, long strings never folded. */
export function yaml(value: unknown): string {
  return stringify(value, { sortMapEntries: true, lineWidth: 0, minContentWidth: 0 })
}
