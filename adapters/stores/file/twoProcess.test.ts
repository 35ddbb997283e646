/**
 * Two processes on one file store directory: a controller process (the Job controller and the
 * scripted kubelet) and a client process that creates a Job and waits for it by watching. The
 * Job runs to completion, and this (third) process then finds it all on disk.
 */
import type { ChildProcess } from 'node:child_process'
import { describe, expect, it } from '@effect/vitest'
import { Effect } from 'effect'
import { TRACKING_FINALIZER } from '../../../core/model/wellKnown.js'
import * as FileStore from './FileStore.js'
import { makeTempDir, onLines, spawnScript } from './testing/fixtures.js'
import * as fs from 'node:fs'

/** Resolves with the first line `predicate` accepts; rejects if the process ends first. */
function lineFrom(child: ChildProcess, predicate: (line: string) => boolean): Promise<string> {
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve, reject) => {
    onLines(child.stdout!, (line) => {
      if (predicate(line)) resolve(line)
    })
    child.on('close', (code, signal) => reject(new Error(`process ended (${code ?? signal}) before the expected line: ${stderr.trim()}`)))
  })
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.on('close', () => resolve())
    child.kill('SIGTERM')
  })
}

describe('FileStore shared by processes', () => {
  it('a controller process and a client process on one directory run a Job to completion', async () => {
    const dir = makeTempDir()
    const controller = spawnScript('controllerProcess.ts', [dir])
    let client: ChildProcess | undefined
    try {
      await lineFrom(controller, (line) => line === 'ready')
      client = spawnScript('clientProcess.ts', [dir, 'pi', '5', '2'])
      expect(await lineFrom(client, (line) => line.startsWith('Complete') || line.startsWith('Failed') || line === 'watch ended')).toBe('Complete 5')

      const { job, pods, events } = await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const store = yield* FileStore.make(dir, { follow: false })
            return {
              job: yield* store.getJob({ namespace: 'two', name: 'pi' }),
              pods: (yield* store.listPods({ namespace: 'two' })).items,
              events: yield* store.listEvents({ namespace: 'two', involvedObjectName: 'pi' }),
            }
          }),
        ),
      )
      expect(job.status?.succeeded).toBe(5)
      expect(job.status?.active ?? 0).toBe(0)
      expect(job.status?.conditions?.find((c) => c.type === 'Complete')?.status).toBe('True')
      expect(pods).toHaveLength(5)
      for (const pod of pods) {
        expect(pod.status?.phase).toBe('Succeeded')
        expect(pod.metadata.finalizers ?? []).not.toContain(TRACKING_FINALIZER)
      }
      expect(events.map((e) => e.reason)).toContain('Completed')
    } finally {
      if (client !== undefined) await stop(client)
      await stop(controller)
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
