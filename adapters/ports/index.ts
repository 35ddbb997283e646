export * from './errors.js'
export * from './JobStore.js'
export * from './CronJobStore.js'
export * from './PodRuntime.js'
