// A CommonJS consumer: Node 20.19+ loads the ES module package through require(esm).
const { decodeJob, prepareJobForCreate, reconcile } = require('job-reconciler')
const manifest = decodeJob(require('./piJob.json'))
const createdAt = Date.parse('2026-01-01T00:00:00Z')
const plan = reconcile(prepareJobForCreate(manifest.right, { uid: 'pi-uid', now: createdAt }), [], createdAt + 1000)
console.log(JSON.stringify(plan.actions.map((action) => action._tag)))
