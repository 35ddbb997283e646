/**
 * A container's environment and command line, resolved as the kubelet resolves them: `env`
 * in order, `valueFrom.fieldRef` read from the pod, `$(NAME)` references expanded.
 */
import type { Container, Json, Pod } from '../../../core/model/types.js'

/** The environment and argv of one container, or why it cannot be made. */
export type ResolvedContainer =
  | { readonly _tag: 'Resolved'; readonly argv: readonly [string, ...string[]]; readonly env: Readonly<Record<string, string>> }
  | { readonly _tag: 'Unresolvable'; readonly reason: string; readonly message: string }

/**
 * The `PATH` a container gets unless its spec sets one: the host's (the host stands in for the
 * image, whose `PATH` a container runtime would give), else the usual default of images.
 */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

/** Message of a container without `command`: the image's entrypoint is not known here. */
export const NO_COMMAND_MESSAGE = 'no command given: the local process runtime runs only containers with an explicit command'

/**
 * Expands `$(NAME)` from `variables` as Kubernetes does: `$$` is a literal `$`, an unknown
 * `$(NAME)` stays as written.
 */
export function expandReferences(input: string, variables: Readonly<Record<string, string>>): string {
  let out = ''
  let i = 0
  while (i < input.length) {
    const ch = input[i]
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch
      i += 1
      continue
    }
    const next = input[i + 1]
    if (next === '$') {
      out += '$'
      i += 2
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2)
      if (close < 0) {
        out += input.slice(i)
        break
      }
      const name = input.slice(i + 2, close)
      const value = Object.hasOwn(variables, name) ? variables[name] : undefined
      out += value ?? `$(${name})`
      i = close + 1
    } else {
      out += '$'
      i += 1
    }
  }
  return out
}

function asObject(value: Json | undefined): { readonly [key: string]: Json } | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as { readonly [key: string]: Json })
    : undefined
}

/** The value of a `fieldRef.fieldPath` the local runtime can answer, or `undefined`. */
export function fieldValue(pod: Pod, fieldPath: string): string | undefined {
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name ?? ''
    case 'metadata.namespace':
      return pod.metadata.namespace ?? 'default'
    case 'metadata.uid':
      return pod.metadata.uid ?? ''
    case 'spec.nodeName':
      return pod.spec.nodeName ?? ''
    case 'spec.serviceAccountName': {
      const account = pod.spec['serviceAccountName']
      return typeof account === 'string' ? account : 'default'
    }
    case 'status.podIP':
    case 'status.hostIP':
      return '127.0.0.1'
  }
  const match = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath)
  if (match === null) return undefined
  const map = match[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations
  return map?.[match[2] ?? ''] ?? ''
}

/**
 * The argv and environment of `container` in `pod`, as Kubernetes gives them: the container's
 * `env` in order, where `$(NAME)` sees only the variables defined before it in the spec (an
 * undefined reference stays as written), and command and args expanded from the spec's
 * variables alone; then what the runtime adds beneath them: `HOSTNAME` (the pod's hostname or
 * name) and `PATH` (`hostPath`, else `DEFAULT_PATH`). Nothing else of the host's environment.
 * Only `value` and `valueFrom.fieldRef` can be resolved locally.
 */
export function resolveContainer(pod: Pod, container: Container, hostPath: string | undefined): ResolvedContainer {
  const defined: Record<string, string> = {}
  for (const variable of container.env ?? []) {
    if (variable.valueFrom === undefined) {
      defined[variable.name] = expandReferences(variable.value ?? '', defined)
      continue
    }
    const fieldRef = asObject(asObject(variable.valueFrom)?.['fieldRef'])
    const fieldPath = fieldRef?.['fieldPath']
    const value = typeof fieldPath === 'string' ? fieldValue(pod, fieldPath) : undefined
    if (value === undefined) {
      const source = typeof fieldPath === 'string' ? `fieldRef ${fieldPath}` : Object.keys(variable.valueFrom).join(', ')
      return {
        _tag: 'Unresolvable',
        reason: 'CreateContainerConfigError',
        message: `env ${variable.name}: the local process runtime cannot resolve valueFrom ${source}`,
      }
    }
    defined[variable.name] = value
  }
  const env: Record<string, string> = {
    PATH: hostPath !== undefined && hostPath !== '' ? hostPath : DEFAULT_PATH,
    HOSTNAME: typeof pod.spec.hostname === 'string' ? pod.spec.hostname : (pod.metadata.name ?? ''),
    ...defined,
  }
  const command = container.command ?? []
  const [program, ...rest] = [...command, ...(container.args ?? [])].map((arg) => expandReferences(arg, defined))
  if (command.length === 0 || program === undefined || program === '') {
    return { _tag: 'Unresolvable', reason: 'RunContainerError', message: NO_COMMAND_MESSAGE }
  }
  return { _tag: 'Resolved', argv: [program, ...rest], env }
}
