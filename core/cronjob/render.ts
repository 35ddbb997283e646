/** The API server's messages for a refused CronJob write. */
import type { FieldError } from '../model/fieldErrors.js'
import { renderInvalidObject, renderUndecodableObject } from '../model/fieldErrors.js'

/** `CronJob.batch "hello" is invalid: <err>` or `… is invalid: [<err1>, <err2>]` (422). */
export const renderInvalidCronJob = (name: string, errors: ReadonlyArray<FieldError>): string => renderInvalidObject('CronJob.batch', name, errors)

/** `CronJob in version "v1" cannot be handled as a CronJob: …` (400). */
export const renderUndecodableCronJob = (errors: ReadonlyArray<FieldError>): string => renderUndecodableObject('CronJob', errors)
