/**
 * job-reconciler's effectful shell: the ports, the controller loop, the stores and the pod
 * runtimes, as effect layers.
 *
 *   import { Controller, MemoryStore, ProcessRuntime } from 'job-reconciler/adapters'
 */
export * from './ports/index.js'
export * as Controller from './shell/controller/Controller.js'
export * as MemoryStore from './stores/memory/MemoryStore.js'
export * as FileStore from './stores/file/FileStore.js'
export * as ProcessRuntime from './runtimes/process/ProcessRuntime.js'
export * as ScriptedRuntime from './runtimes/scripted/ScriptedRuntime.js'
export * as FaultyStore from './stores/faults/FaultyStore.js'
export * as FaultSchedule from './stores/faults/schedule.js'
/** The API server's and etcd's size limits, for custom backends to refuse what a cluster refuses. */
export * as SizeLimits from './stores/store-kit/sizeLimits.js'
