/**
 * Test helpers for the file store: temporary store directories, manifests and pods, and
 * spawning the scripts of this folder as separate processes.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Effect } from 'effect'
import type { Scope } from 'effect'
import type { Pod } from '../../../../core/model/types.js'

/** A new empty directory under the system's temporary directory, removed with the scope. */
export const tempDir: Effect.Effect<string, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), 'job-reconciler-file-'))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })),
)

/** A new empty directory (the caller removes it). */
export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'job-reconciler-file-'))
}

/** A Job manifest as `kubectl create -f` sends it. */
export function jobManifest(name: string, namespace = 'ns', spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace },
    spec: {
      template: { spec: { containers: [{ name: 'main', image: 'busybox:1.36', command: ['true'] }], restartPolicy: 'Never' } },
      ...spec,
    },
  }
}

/** A bare pod. */
export function pod(name: string, namespace = 'ns', labels: Record<string, string> = {}): Pod {
  return {
    metadata: { name, namespace, labels },
    spec: { containers: [{ name: 'main', image: 'busybox:1.36' }], restartPolicy: 'Never' },
  } as Pod
}

/** The repository root. */
export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')

/**
 * Node with tsx's loader and the script: one process. (The `tsx` command itself runs the script
 * in a child process of its own, so a SIGKILL sent to it would miss the writer.)
 */
export function scriptCommand(script: string, args: ReadonlyArray<string>): { readonly command: string; readonly args: ReadonlyArray<string> } {
  return { command: process.execPath, args: ['--import', 'tsx', path.join(repositoryRoot, 'adapters/stores/file/testing', script), ...args] }
}

/** Runs `adapters/stores/file/testing/<script>` with tsx in a new process; stdout and stderr are piped. */
export function spawnScript(script: string, args: ReadonlyArray<string>): ChildProcess {
  const { command, args: argv } = scriptCommand(script, args)
  return spawn(command, argv, { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Calls `onLine` for every complete line the stream gives. */
export function onLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let pending = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    pending += chunk
    for (;;) {
      const newline = pending.indexOf('\n')
      if (newline < 0) break
      onLine(pending.slice(0, newline))
      pending = pending.slice(newline + 1)
    }
  })
}
