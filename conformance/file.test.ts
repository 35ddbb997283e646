import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { Effect, Layer } from 'effect'
import * as FileStore from '../adapters/stores/file/FileStore.js'
import { runConformance } from './index.js'

/** A file store in a new temporary directory for each scenario, removed after it. */
const freshFileStore = Layer.unwrapScoped(
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), 'conformance-file-'))),
      (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })),
    ),
    (dir) => FileStore.layer(dir),
  ),
)

runConformance({ name: 'file', layer: freshFileStore, capabilities: { cronJobs: true } })
