/**
 * `jobctl controller` on a file store, stopped and restarted around running pods: a restart is
 * an operation, not a failure of anyone's pods (as a kubelet restart leaves containers running),
 * a pod whose containers really are gone is a disruption a pod failure policy can ignore, and a
 * pod sees nothing of the controller's environment.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Job, Pod } from '../../core/model/types.js'
import { finished, jobctl, spawnJobctl } from './testing/binary.js'
import { eventually, filesIn, getItems, parentOf, processIsAlive, startController, trueCondition } from './testing/controllerRuns.js'
import { jobManifest, tempDir, writeManifest } from './testing/manifests.js'

const TEST_TIMEOUT = 240_000

/** A Job whose pods run `sh SCRIPT RUNS` (RUNS: the directory where each pod's process writes its own file). */
function shellJob(name: string, script: string, runs: string, spec: Record<string, unknown>, podSpec: Record<string, unknown> = {}): Record<string, unknown> {
  const manifest = jobManifest(name, ['sh', script, runs], spec)
  const template = (manifest['spec'] as { template: { spec: Record<string, unknown> } }).template
  template.spec = { ...template.spec, ...podSpec }
  return manifest
}

/** The pids the pods' processes wrote as `start PID`, once `count` of them have. */
function startedPids(runs: string, count: number): Promise<ReadonlyArray<number>> {
  return eventually(`${count} pods started`, () => {
    const pids = [...filesIn(runs).values()].flatMap((lines) => lines.filter((l) => l.startsWith('start ')).map((l) => Number(l.split(' ')[1])))
    return pids.length >= count ? pids : undefined
  })
}

describe('jobctl controller restarted on a file store', () => {
  it(
    'a graceful stop (SIGTERM) leaves the pods running, unsignalled and Running in the store; the next controller completes the Job with no failure (backoffLimit 0)',
    async () => {
      const cwd = tempDir()
      const runs = join(cwd, 'runs')
      mkdirSync(runs)
      const script = writeManifest(
        cwd,
        'wait.sh',
        'f=$1/$HOSTNAME\necho "start $$" >> $f\ntrap \'echo term >> $f; exit 143\' TERM\nwhile [ ! -e $1/go ]; do sleep 0.05; done\necho end >> $f\n',
      )
      const job = shellJob('graceful', script, runs, { completions: 3, parallelism: 3, backoffLimit: 0 }, { terminationGracePeriodSeconds: 20 })
      const first = startController(cwd, ['--event-batch', '100'])
      await first.ready
      expect((await jobctl(['apply', '-f', writeManifest(cwd, 'job.yaml', [job])], { cwd })).code).toBe(0)
      const pids = await startedPids(runs, 3)
      await eventually('3 pods Running', async () => ((await getItems<Pod>(cwd, 'pods')).filter((p) => p.status?.phase === 'Running').length === 3 ? true : undefined))

      first.child.kill('SIGTERM')
      expect((await first.exited).code).toBe(0)
      for (const pid of pids) expect(processIsAlive(pid)).toBe(true)
      expect([...filesIn(runs).values()].flat()).not.toContain('term')
      expect((await getItems<Pod>(cwd, 'pods')).map((p) => p.status?.phase)).toEqual(['Running', 'Running', 'Running'])

      const second = startController(cwd, ['--event-batch', '100'])
      await second.ready
      writeFileSync(join(runs, 'go'), '')
      const waited = await jobctl(['wait', '--for=condition=complete', '--timeout=120s', 'job/graceful'], { cwd })
      expect(waited.stdout).toBe('job.batch/graceful condition met\n')
      const [done] = await getItems<Job>(cwd, 'jobs')
      expect(done?.status?.succeeded).toBe(3)
      expect(done?.status?.failed ?? 0).toBe(0)
      expect([...filesIn(runs).values()].flat().filter((line) => line === 'end')).toHaveLength(3)
      second.child.kill('SIGTERM')
      expect((await second.exited).code).toBe(0)
    },
    TEST_TIMEOUT,
  )

  it(
    "a pod whose containers are gone (supervisor killed with the controller) fails with DisruptionTarget (DeletionByPodGC), which a podFailurePolicy Ignore rule ignores (R135): the Job completes with backoffLimit 0",
    async () => {
      const cwd = tempDir()
      const runs = join(cwd, 'runs')
      mkdirSync(runs)
      // The first pod runs until it is lost; the replacement succeeds.
      const script = writeManifest(
        cwd,
        'once.sh',
        'f=$1/$HOSTNAME\necho "start $$" >> $f\nif [ -e $1/first ]; then echo end >> $f; exit 0; fi\ntouch $1/first\nwhile :; do sleep 0.05; done\n',
      )
      const job = shellJob('disrupted', script, runs, {
        completions: 1,
        backoffLimit: 0,
        podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] },
      })
      const first = startController(cwd, ['--event-batch', '100'])
      await first.ready
      expect((await jobctl(['apply', '-f', writeManifest(cwd, 'job.yaml', [job])], { cwd })).code).toBe(0)
      const [pid] = await startedPids(runs, 1)
      // The machine loses the pod: the controller crashes and the pod's supervisor goes with it.
      const supervisor = parentOf(pid!)
      first.child.kill('SIGKILL')
      process.kill(supervisor, 'SIGKILL')
      await first.exited

      const second = startController(cwd, ['--event-batch', '100'])
      await second.ready
      const waited = await jobctl(['wait', '--for=condition=complete', '--timeout=120s', 'job/disrupted'], { cwd })
      expect(waited.stdout).toBe('job.batch/disrupted condition met\n')
      const [done] = await getItems<Job>(cwd, 'jobs')
      expect(done?.status?.succeeded).toBe(1)
      expect(done?.status?.failed ?? 0).toBe(0)
      expect(trueCondition(done!, 'Failed')).toBeUndefined()
      const lost = (await getItems<Pod>(cwd, 'pods')).find((p) => p.status?.phase === 'Failed')
      expect(lost?.status?.conditions).toContainEqual(expect.objectContaining({ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC' }))
      expect(lost?.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 137, reason: 'ContainerStatusUnknown' })
      // Its orphaned container was found and killed: nothing of it runs unseen.
      await eventually(`the lost container ${pid} is killed`, () => (processIsAlive(pid!) ? undefined : true))
      second.child.kill('SIGTERM')
      expect((await second.exited).code).toBe(0)
    },
    TEST_TIMEOUT,
  )

  it(
    "a pod's process sees only its spec's environment: not the controller's variables, neither in its own environment nor through /proc/$PPID/environ, and $(HOME) stays literal",
    async () => {
      const cwd = tempDir()
      const out = join(cwd, 'out')
      const script = writeManifest(cwd, 'env.sh', 'env > $1.env\ncat /proc/$PPID/environ > $1.parent\necho "$2" > $1.args\n')
      const job = jobManifest('isolated', ['sh', script, out, '$(HOME) $(GREETING)'], { completions: 1 })
      const template = (job['spec'] as { template: { spec: { containers: Array<Record<string, unknown>> } } }).template
      template.spec.containers[0]!['env'] = [{ name: 'GREETING', value: 'hello' }]
      const controller = startController(cwd, ['--event-batch', '100'], { JOBCTL_TEST_CREDENTIAL: 'hunter2' })
      await controller.ready
      expect((await jobctl(['apply', '-f', writeManifest(cwd, 'job.yaml', [job])], { cwd })).code).toBe(0)
      expect((await jobctl(['wait', '--for=condition=complete', '--timeout=120s', 'job/isolated'], { cwd })).code).toBe(0)
      const env = readFileSync(`${out}.env`, 'utf8')
      expect(env).toContain('GREETING=hello\n')
      expect(env).toMatch(/^HOSTNAME=isolated-/m)
      expect(env).not.toContain('hunter2')
      expect(env).not.toMatch(/^HOME=/m)
      expect(readFileSync(`${out}.parent`, 'utf8')).toBe('')
      expect(readFileSync(`${out}.args`, 'utf8')).toBe('$(HOME) hello\n')
      controller.child.kill('SIGTERM')
      expect((await controller.exited).code).toBe(0)
    },
    TEST_TIMEOUT,
  )

  it(
    'without a pod state directory (jobctl run, memory store) a SIGKILLed jobctl takes its containers with it: no orphan runs on',
    async () => {
      const cwd = tempDir()
      const runs = join(cwd, 'runs')
      mkdirSync(runs)
      const script = writeManifest(cwd, 'forever.sh', 'echo "start $$" >> $1/$HOSTNAME\nwhile :; do sleep 0.05; done\n')
      const run = spawnJobctl(['run', '-f', writeManifest(cwd, 'job.yaml', [shellJob('forever', script, runs, { completions: 1 })])], { cwd })
      const exited = finished(run)
      const [pid] = await startedPids(runs, 1)
      expect(processIsAlive(pid!)).toBe(true)
      run.kill('SIGKILL')
      await exited
      await eventually(`the container ${pid} dies with jobctl`, () => (processIsAlive(pid!) ? undefined : true), 60_000)
    },
    TEST_TIMEOUT,
  )
})
