export * from './errors.js'
export * from './JobStore.js'
export * from './PodRuntime.js'
