import { runConformance } from '../../conformance/index.js'
import * as MapStore from './MapStore.js'

runConformance({ name: 'custom backend: MapStore', layer: MapStore.layer })
