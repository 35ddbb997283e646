/** Job manifests and temporary files for the CLI's tests. */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'

/** A Job manifest running `command` once, with `spec` merged into its spec. */
export function jobManifest(name: string, command: ReadonlyArray<string>, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, ...metadata },
    spec: {
      backoffLimit: 0,
      ...spec,
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command }] } },
    },
  }
}

/** A new temporary directory. */
export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'jobctl-test-'))

/** Writes YAML documents (or text as is) to `dir/name`; returns the path. */
export function writeManifest(dir: string, name: string, content: string | ReadonlyArray<Record<string, unknown>>): string {
  const path = join(dir, name)
  writeFileSync(path, typeof content === 'string' ? content : content.map((doc) => stringify(doc)).join('---\n'))
  return path
}
