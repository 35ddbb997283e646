/**
 * The kubectl verbs on CronJobs (`cronjob`, `cronjobs`, `cj`), in-process on one memory store:
 * the docs' `hello` CronJob applied, listed, described, instantiated by hand, suspended,
 * patched and deleted, with kubectl's output; a bad manifest refused in one line, storing nothing.
 */
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import type { Job } from '../../core/model/types.js'
import { startWorld, type World } from './testing/inProcess.js'
import { tempDir, writeManifest } from './testing/manifests.js'

const HELLO = fileURLToPath(new URL('../../examples/cronjob/hello.yaml', import.meta.url))

let world: World
beforeAll(async () => {
  world = await startWorld()
  expect(await world.jobctl(['apply', '-f', HELLO])).toEqual({ code: 0, stdout: 'cronjob.batch/hello created\n', stderr: '' })
})
afterAll(() => world.close())

describe('jobctl apply -f of a CronJob', () => {
  it('is unchanged when applied again, configured when changed (kubectl apply)', async () => {
    expect((await world.jobctl(['apply', '-f', HELLO])).stdout).toBe('cronjob.batch/hello unchanged\n')
    const other = writeManifest(tempDir(), 'other.yaml', [cronJobManifest('other', '*/5 * * * *')])
    expect((await world.jobctl(['create', '-f', other])).stdout).toBe('cronjob.batch/other created\n')
    const changed = writeManifest(tempDir(), 'other.yaml', [{ ...cronJobManifest('other', '0 * * * *'), spec: { ...cronJobManifest('other', '0 * * * *')['spec'] as object, timeZone: 'Europe/Berlin' } }])
    expect((await world.jobctl(['apply', '-f', changed])).stdout).toBe('cronjob.batch/other configured\n')
    expect((await world.jobctl(['delete', 'cj', 'other'])).stdout).toBe('cronjob.batch "other" deleted\n')
  })

  it('refuses a CronJob the API server refuses, in one line with the field paths, and stores nothing', async () => {
    const bad = cronJobManifest('bad', 'TZ=Europe/Berlin 0 * * * *', { concurrencyPolicy: 'Sometimes' })
    const result = await world.jobctl(['apply', '-f', writeManifest(tempDir(), 'bad.yaml', [cronJobManifest('fine', '@hourly'), bad])])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    // C5/C8: TZ= in the schedule is refused in favour of spec.timeZone; the policy is one of three.
    expect(result.stderr).toBe(
      'The CronJob "bad" is invalid: [spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace", ' +
        'spec.schedule: Invalid value: "TZ=Europe/Berlin 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead]\n',
    )
    // Every document is checked before anything is written: the valid one before it is not stored either.
    expect((await world.jobctl(['get', 'cronjobs', '-o', 'name'])).stdout).toBe('cronjob.batch/hello\n')
  })
})

describe('jobctl get cronjobs', () => {
  it("prints kubectl's columns: NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE", async () => {
    const { code, stdout } = await world.jobctl(['get', 'cronjobs'])
    expect(code).toBe(0)
    const [header, row, ...rest] = stdout.split('\n')
    expect(header).toBe('NAME    SCHEDULE    TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE')
    // The docs' first `kubectl get cronjob hello`: no Job scheduled yet.
    expect(row).toMatch(/^hello {3}\* \* \* \* \* {3}<none> {5}False {5}0 {8}<none> {10}\d+s$/)
    expect(rest).toEqual([''])
  })

  it('adds CONTAINERS IMAGES SELECTOR with -o wide, and answers to cj and cronjob.batch', async () => {
    const wide = (await world.jobctl(['get', 'cj', 'hello', '-o', 'wide'])).stdout
    expect(wide).toMatch(/^NAME +SCHEDULE +TIMEZONE +SUSPEND +ACTIVE +LAST SCHEDULE +AGE +CONTAINERS +IMAGES +SELECTOR\nhello +\* \* \* \* \* +<none> +False +0 +<none> +\d+s +hello +busybox:1\.28 +<none>\n$/)
    expect((await world.jobctl(['get', 'cronjob.batch/hello', '-o', 'name'])).stdout).toBe('cronjob.batch/hello\n')
  })

  it('prints JSON and YAML as the API server returns a CronJob, with its defaults', async () => {
    const one = JSON.parse((await world.jobctl(['get', 'cronjob', 'hello', '-o', 'json'])).stdout) as Record<string, Record<string, unknown>>
    expect(one['apiVersion']).toBe('batch/v1')
    expect(one['kind']).toBe('CronJob')
    // SetDefaults_CronJob: Allow, not suspended, history limits 3 and 1.
    expect(one['spec']).toMatchObject({ schedule: '* * * * *', concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 })
    const list = parse((await world.jobctl(['get', 'cronjobs', '-o', 'yaml'])).stdout) as { kind: string; items: unknown[] }
    expect(list.kind).toBe('List')
    expect(list.items).toHaveLength(1)
  })

  it('says when a CronJob does not exist', async () => {
    expect(await world.jobctl(['get', 'cj', 'nope'])).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): cronjobs.batch "nope" not found\n' })
    expect(await world.jobctl(['get', 'cronjobs', '-n', 'empty'])).toEqual({ code: 0, stdout: '', stderr: 'No resources found in empty namespace.\n' })
  })
})

describe('jobctl describe cronjob', () => {
  it("prints kubectl's describeCronJob layout", async () => {
    const { code, stdout } = await world.jobctl(['describe', 'cronjob', 'hello'])
    expect(code).toBe(0)
    // kubectl's labels, in describeCronJob's order; the job template's Job spec is not defaulted (<unset>).
    expect(stdout).toBe(
      [
        'Name:                          hello',
        'Namespace:                     default',
        'Labels:                        <none>',
        'Annotations:                   <none>',
        'Schedule:                      * * * * *',
        'Concurrency Policy:            Allow',
        'Suspend:                       False',
        'Successful Job History Limit:  3',
        'Failed Job History Limit:      1',
        'Starting Deadline Seconds:     <unset>',
        'Selector:                      <unset>',
        'Parallelism:                   <unset>',
        'Completions:                   <unset>',
        'Pod Template:',
        '  Labels:  <none>',
        '  Containers:',
        '   hello:',
        '    Image:      busybox:1.28',
        '    Port:       <none>',
        '    Host Port:  <none>',
        '    Command:',
        '      /bin/sh',
        '      -c',
        '      date; echo Hello from the Kubernetes cluster',
        '    Environment:     <none>',
        '    Mounts:          <none>',
        '  Volumes:           <none>',
        '  Node-Selectors:    <none>',
        '  Tolerations:       <none>',
        'Last Schedule Time:  <unset>',
        'Active Jobs:         <none>',
        'Events:              <none>',
        '',
      ].join('\n'),
    )
  })
})

describe('jobctl create job NAME --from=cronjob/NAME', () => {
  it("makes kubectl's Job: the template's spec, labels and annotations, instantiate: manual, a controller reference to the CronJob", async () => {
    const labelled = cronJobManifest('labelled', '@daily', {}, { metadata: { labels: { team: 'batch' }, annotations: { note: 'from the template' } } })
    await world.jobctl(['apply', '-f', writeManifest(tempDir(), 'labelled.yaml', [labelled])])
    expect(await world.jobctl(['create', 'job', 'by-hand', '--from=cronjob/labelled'])).toEqual({ code: 0, stdout: 'job.batch/by-hand created\n', stderr: '' })
    const job = JSON.parse((await world.jobctl(['get', 'job', 'by-hand', '-o', 'json'])).stdout) as Job
    const cronJob = JSON.parse((await world.jobctl(['get', 'cj', 'labelled', '-o', 'json'])).stdout) as Job
    expect(job.metadata.annotations).toMatchObject({ 'cronjob.kubernetes.io/instantiate': 'manual', note: 'from the template' })
    expect(job.metadata.labels).toMatchObject({ team: 'batch' })
    expect(job.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'labelled', uid: cronJob.metadata.uid, controller: true }])
    expect(job.spec.template.spec.containers[0]?.command).toEqual(['sh', '-c', 'echo made by hand'])
    // The engine runs it at once: it is a Job like any other.
    expect((await world.jobctl(['wait', '--for=condition=complete', 'job/by-hand', '--timeout=60s'])).code).toBe(0)
  })

  it('refuses a missing CronJob, another kind, and a missing name, as kubectl does', async () => {
    expect(await world.jobctl(['create', 'job', 'x', '--from=cronjob/nope'])).toEqual({ code: 1, stdout: '', stderr: 'Error from server (NotFound): cronjobs.batch "nope" not found\n' })
    expect((await world.jobctl(['create', 'job', 'x', '--from=job/by-hand'])).stderr).toBe('error: from must be an existing cronjob\n')
    expect((await world.jobctl(['create', 'job', '--from=cronjob/hello'])).stderr).toBe("error: exactly one NAME is required, got 0 (see 'jobctl create --help')\n")
    expect((await world.jobctl(['create', 'job', 'by-hand', '--from=cronjob/labelled'])).stderr).toBe('error: failed to create job: jobs.batch "by-hand" already exists\n')
  })
})

describe('jobctl suspend / resume / patch of a CronJob', () => {
  const suspended = async () => (await world.jobctl(['get', 'cj', 'hello', '-o', 'jsonpath={.spec.suspend}'])).stdout

  it('sets spec.suspend, and says when it is set already', async () => {
    expect(await world.jobctl(['suspend', 'cronjob', 'hello'])).toEqual({ code: 0, stdout: 'cronjob.batch/hello suspended\n', stderr: '' })
    expect(await suspended()).toBe('true')
    expect((await world.jobctl(['get', 'cj', 'hello', '--no-headers'])).stdout).toMatch(/^hello +\* \* \* \* \* +<none> +True +0 /)
    expect((await world.jobctl(['suspend', 'cj/hello'])).stdout).toBe('cronjob.batch/hello already suspended\n')
    expect((await world.jobctl(['resume', 'cj', 'hello'])).stdout).toBe('cronjob.batch/hello resumed\n')
    expect(await suspended()).toBe('false')
  })

  it("takes the docs' kubectl patch cronjob -p '{\"spec\":{\"suspend\":true}}'", async () => {
    expect(await world.jobctl(['patch', 'cronjob', 'hello', '-p', '{"spec":{"suspend":true}}'])).toEqual({ code: 0, stdout: 'cronjob.batch/hello patched\n', stderr: '' })
    expect(await suspended()).toBe('true')
    expect((await world.jobctl(['patch', 'cj', 'hello', '-p', '{"spec":{"suspend":false}}'])).stdout).toBe('cronjob.batch/hello patched\n')
  })

  it('refuses a patch that makes the CronJob invalid, changing nothing', async () => {
    const refused = await world.jobctl(['patch', 'cj', 'hello', '-p', '{"spec":{"schedule":"every minute"}}'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^The CronJob "hello" is invalid: spec\.schedule: Invalid value: "every minute": .+\n$/)
    expect((await world.jobctl(['get', 'cj', 'hello', '-o', 'jsonpath={.spec.schedule}'])).stdout).toBe('* * * * *')
  })
})

describe('jobctl delete cronjob', () => {
  it('deletes it, by name or from its manifest', async () => {
    const file = writeManifest(tempDir(), 'gone.yaml', [cronJobManifest('gone', '@weekly')])
    await world.jobctl(['apply', '-f', file])
    expect(await world.jobctl(['delete', '-f', file])).toEqual({ code: 0, stdout: 'cronjob.batch "gone" deleted\n', stderr: '' })
    expect((await world.jobctl(['delete', 'cronjob', 'gone'])).stderr).toBe('Error from server (NotFound): cronjobs.batch "gone" not found\n')
    expect((await world.jobctl(['delete', 'cronjob', 'gone', '--ignore-not-found'])).code).toBe(0)
  })
})

/** A CronJob running `echo made by hand`, with `spec` merged into its spec and `template` into its job template. */
function cronJobManifest(name: string, schedule: string, spec: Record<string, unknown> = {}, template: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule,
      ...spec,
      jobTemplate: {
        ...template,
        spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo made by hand'] }] } } },
      },
    },
  }
}
