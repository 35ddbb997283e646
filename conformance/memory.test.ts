import * as MemoryStore from '../adapters/stores/memory/MemoryStore.js'
import { runConformance } from './index.js'

runConformance({ name: 'memory', layer: MemoryStore.layer, capabilities: { cronJobs: true } })
