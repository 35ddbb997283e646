/**
 * The model-based fault test in CI: random Jobs (every mode and policy), random pod outcomes
 * and random fault schedules through `FaultyStore`, with the real controller on the memory
 * store and the scripted runtime, on TestClock (conformance/testing/faultModel.ts). Every step
 * of every run is checked; each Job is run fault-free once and then through three schedules.
 * `npm run soak` runs thousands of schedules.
 */
import { describe, expect, it } from 'vitest'
import { FastCheck as fc } from 'effect'
import type { FaultCase, JobCase } from './testing/faultModel.js'
import { compare, faultCase, jobCase, runCaseNow } from './testing/faultModel.js'

/**
 * A fixed seed by default, so CI is reproducible; `FAULTS_SEED=<n>` replays another run and
 * `FAULTS_SEED=random` draws one (the soak explores far more).
 */
const seedSetting = process.env['FAULTS_SEED'] ?? '20261203'
const seed = seedSetting === 'random' ? Math.floor(Math.random() * 0x7fffffff) : Number(seedSetting)
const JOBS = 100
const SCHEDULES_PER_JOB = 3

describe('the controller under injected faults (model-based, fast-check)', () => {
  it(
    `R161 R159 R160 R108 R112 R95 R97 R100 R89 R145: ${JOBS * SCHEDULES_PER_JOB} fault schedules lose no completion, count none twice, keep active pods within the spec and, when the verdict cannot depend on timing (one pod at a time, a deadline, no failing attempt), end with the fault-free run's condition type and reason (seed ${seed})`,
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

  // Found by the soak (seed 4): a status write that landed but was answered with an error while
  // the Job watch was down left the controller deciding from an older copy, in which a pod whose
  // finalizer that write had released looked counted already, so it started one pod too many.
  it('R76 R159 R154: after a status write of unknown outcome the next sync reads the Job again and starts no pod beyond the remaining completions', async () => {
    const job = {"spec":{"parallelism":3,"completions":4,"backoffLimit":3,"podFailurePolicy":{"rules":[{"action":"FailJob","onExitCodes":{"operator":"In","values":[42]}},{"action":"Ignore","onPodConditions":[{"type":"DisruptionTarget","status":"True"}]}]},"podReplacementPolicy":"Failed"},"restartPolicy":"Never","outcomes":[{"result":"Succeeded","afterSeconds":14},{"result":"Succeeded","afterSeconds":26},{"result":"Succeeded","afterSeconds":24},{"result":"Failed","afterSeconds":30,"exitCode":1,"disrupted":true},{"result":"Succeeded","afterSeconds":23},{"result":"Failed","afterSeconds":24,"exitCode":42,"disrupted":false},{"result":"Failed","afterSeconds":30,"exitCode":42,"disrupted":false}],"deadline":false} as JobCase
    const faults = {"seed":139019611,"rates":{"conflict":0,"unavailable":0,"timeout":0.05,"lostAck":0.1,"forbidden":0.05,"invalid":0.05,"watch-delay":0,"watch-duplicate":0,"watch-dropThenGone":0.05},"crashAfterWrites":[60,16],"maxFaults":19} as FaultCase
    const result = await runCaseNow(job, faults)
    expect(result.stats.faults.lostAck).toBeGreaterThan(0)
    expect(result.violations.join('\n')).toBe('')
    expect(result.extraPodsAfterLostAck).toBe(0)
  }, 120_000)
})
