/**
 * The crash test's writer: opens the file store in DIR and writes under load (8 concurrent
 * writers creating pods and Jobs, updating their status, deleting some, recording events) until
 * it is killed. Prints one line per *acknowledged* write, after the store answered:
 *
 *     ready
 *     pod <name> <resourceVersion> <step>     created (step 0) or status message = step
 *     job <name> <resourceVersion> <step>     created (step 0) or status.active = step
 *     deleted <name>                          the pod is gone (two pods in three go)
 *     event <name> <count>                    the count-th identical event about <name>
 *
 *     tsx adapters/stores/file/testing/crashWriter.ts DIR TAG [compactAfterBytes]
 *
 * Names start with TAG, which the parent makes unique per child.
 */
import * as fs from 'node:fs'
import { Effect } from 'effect'
import * as FileStore from '../FileStore.js'
import { jobManifest, pod } from './fixtures.js'

const [dir = '', tag = 'w', compactAfter = '65536'] = process.argv.slice(2)
const ns = 'crash'
/**
 * Writes a line to fd 1 before returning (a blocking `write`): an acknowledgement printed is an
 * acknowledgement the parent reads, even if this process is killed right after. (`process.stdout`
 * on a pipe queues writes in memory, and a SIGKILL loses the queue.)
 */
const say = (line: string): void => {
  const bytes = Buffer.from(`${line}\n`)
  for (let written = 0; written < bytes.length; ) {
    try {
      written += fs.writeSync(1, bytes, written)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error
    }
  }
}

const program = Effect.gen(function* () {
  const store = yield* FileStore.make(dir, { compactAfterBytes: Number(compactAfter) })
  say('ready')
  let counter = 0
  const writer = Effect.gen(function* () {
    for (;;) {
      const n = counter++
      const name = `${tag}-${n}`
      const key = { namespace: ns, name }
      const created = yield* store.createPod(pod(name, ns, { writer: tag }))
      say(`pod ${name} ${created.metadata.resourceVersion} 0`)
      for (let step = 1; step <= 2; step++) {
        const updated = yield* store.updatePodStatus(key, { phase: 'Running', message: String(step) })
        say(`pod ${name} ${updated.metadata.resourceVersion} ${step}`)
      }
      if (n % 4 === 0) {
        // Created, then counted again by a patch, as a recorder writes a repeat.
        const occurredAt = new Date().toISOString()
        const event = yield* store.createEvent({
          namespace: ns,
          involvedObject: { kind: 'Pod', name, uid: created.metadata.uid ?? '' },
          type: 'Normal',
          reason: 'Tested',
          message: 'crash test',
          source: 'crash-writer',
          firstTimestamp: occurredAt,
          lastTimestamp: occurredAt,
          count: 1,
        })
        say(`event ${name} 1`)
        yield* store.patchEvent({ namespace: ns, name: event.name }, { count: 2, lastTimestamp: new Date().toISOString(), message: 'crash test' })
        say(`event ${name} 2`)
      }
      if (n % 5 === 0) {
        const job = yield* store.createJob(jobManifest(name, ns))
        say(`job ${name} ${job.metadata.resourceVersion} 0`)
        const updated = yield* store.updateJobStatus(key, { active: 1 }, job.metadata.resourceVersion ?? '')
        say(`job ${name} ${updated.metadata.resourceVersion} 1`)
      }
      if (n % 3 !== 0) {
        yield* store.deletePod(key)
        say(`deleted ${name}`)
      }
    }
  })
  yield* Effect.all(Array.from({ length: 8 }, () => writer), { concurrency: 'unbounded' })
})

Effect.runPromise(Effect.scoped(program)).catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`)
  process.exit(1)
})
