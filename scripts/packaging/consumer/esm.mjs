// A plain Node ESM consumer of the installed package: decode the docs' pi Job, create it, reconcile it once.
import { readFileSync } from 'node:fs'
import { decodeJob, prepareJobForCreate, reconcile } from 'job-reconciler'

const manifest = decodeJob(JSON.parse(readFileSync(new URL('./piJob.json', import.meta.url), 'utf8')))
if (manifest._tag !== 'Right') throw new Error('the pi Job did not decode')
const createdAt = Date.parse('2026-01-01T00:00:00Z')
const job = prepareJobForCreate(manifest.right, { uid: 'pi-uid', now: createdAt })
const plan = reconcile(job, [], createdAt + 1000)
console.log(JSON.stringify(plan.actions))
