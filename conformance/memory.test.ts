import * as MemoryStore from '../adapters/memory/MemoryStore.js'
import { runConformance } from './index.js'

runConformance({ name: 'memory', layer: MemoryStore.layer })
