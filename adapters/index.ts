/**
 * job-reconciler's effectful shell: the ports, the controller loop, the stores and the pod
 * runtimes, as effect layers.
 *
 *   import { Controller, MemoryStore, ProcessRuntime } from 'job-reconciler/adapters'
 */
export * from './ports/index.js'
export * as Controller from './controller/Controller.js'
export * as MemoryStore from './memory/MemoryStore.js'
export * as FileStore from './file/FileStore.js'
export * as ProcessRuntime from './process/ProcessRuntime.js'
export * as ScriptedRuntime from './scripted/ScriptedRuntime.js'
export * as FaultyStore from './faults/FaultyStore.js'
export * as FaultSchedule from './faults/schedule.js'
