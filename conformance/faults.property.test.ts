/**
 * The model-based fault test in CI: random Jobs (every mode and policy), random pod outcomes
 * and random fault schedules through `FaultyStore`, with the real controller on the memory
 * store and the scripted runtime, on TestClock (conformance/testing/faultModel.ts). Every step
 * of every run is checked; each Job is run fault-free once and then through three schedules.
 * `FAULTS_SEED=<n>` replays a run; `npm run soak` runs thousands of schedules.
 */
import { describe, expect, it } from 'vitest'
import { FastCheck as fc } from 'effect'
import { compare, faultCase, jobCase, runCaseNow } from './testing/faultModel.js'

const seed = Number(process.env['FAULTS_SEED'] ?? Math.floor(Math.random() * 0x7fffffff))
const JOBS = 100
const SCHEDULES_PER_JOB = 3

describe('the controller under injected faults (model-based, fast-check)', () => {
  it(
    `R161 R159 R160 R108 R112 R95 R97 R100: ${JOBS * SCHEDULES_PER_JOB} fault schedules lose no completion, count none twice, keep active pods within the spec and, one pod at a time, end as the fault-free run ends (seed ${seed})`,
    async () => {
      console.log(`fault model: seed ${seed} (replay with FAULTS_SEED=${seed})`)
      await fc.assert(
        fc.asyncProperty(jobCase, fc.array(faultCase, { minLength: SCHEDULES_PER_JOB, maxLength: SCHEDULES_PER_JOB }), async (job, schedules) => {
          const reference = await runCaseNow(job, undefined)
          expect(reference.violations.join('\n'), 'the fault-free run').toBe('')
          for (const faults of schedules) {
            const faulty = await runCaseNow(job, faults)
            expect(compare(job, reference, faulty).problems.join('\n'), `faults ${JSON.stringify(faults)}`).toBe('')
          }
        }),
        { seed, numRuns: JOBS },
      )
    },
    600_000,
  )
})
