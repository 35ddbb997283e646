import { Either } from 'effect'
import { describe, expect, it } from 'vitest'
import { parseResourceArgs, resourceKind } from './resources.js'

describe('resource types', () => {
  it.each(['job', 'jobs', 'job.batch', 'jobs.batch', 'Job', 'JOBS'])('%s is a Job', (type) => expect(resourceKind(type)).toBe('Job'))
  // kubectl api-resources: cronjobs, short name cj, group batch.
  it.each(['cronjob', 'cronjobs', 'cj', 'CJ', 'cronjob.batch', 'cronjobs.batch', 'cronjobs.v1.batch'])('%s is a CronJob', (type) => expect(resourceKind(type)).toBe('CronJob'))
  it.each(['pod', 'pods', 'po', 'Pods'])('%s is a Pod', (type) => expect(resourceKind(type)).toBe('Pod'))
  it('does not know other types', () => expect(resourceKind('deployments')).toBeUndefined())
})

describe('parseResourceArgs', () => {
  it.each([
    [['jobs'], { kind: 'Job', names: [] }],
    [['job', 'pi', 'e'], { kind: 'Job', names: ['pi', 'e'] }],
    [['job/pi'], { kind: 'Job', names: ['pi'] }],
    [['jobs.batch/pi', 'job/e'], { kind: 'Job', names: ['pi', 'e'] }],
    [['po/pi-x2k9v'], { kind: 'Pod', names: ['pi-x2k9v'] }],
    [['cj', 'hello'], { kind: 'CronJob', names: ['hello'] }],
    [['cronjob/hello'], { kind: 'CronJob', names: ['hello'] }],
  ])('reads %j', (args, selection) => {
    expect(parseResourceArgs(args, 'get')).toEqual(Either.right(selection))
  })

  it.each([
    [[], 'you must specify the type of resource to get'],
    [['foos'], 'the server doesn\'t have a resource type "foos"'],
    [['foos/x'], 'the server doesn\'t have a resource type "foos"'],
    [['job/pi', 'pi'], 'there is no need to specify a resource type as a separate argument when passing arguments in resource/name form'],
    [['job', 'pod/x'], 'there is no need to specify a resource type as a separate argument when passing arguments in resource/name form'],
    [['job/pi', 'pod/x'], 'jobctl works on one resource type at a time'],
    [['job/pi', 'cronjob/hello'], 'jobctl works on one resource type at a time'],
    [['jobs,pods'], 'jobctl works on one resource type at a time'],
    [['job/'], 'arguments in resource/name form must have a single resource and name'],
  ])('refuses %j', (args, message) => {
    expect(parseResourceArgs(args, 'get')).toEqual(Either.left(message))
  })
})
