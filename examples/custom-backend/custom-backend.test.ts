import { runConformance } from 'job-reconciler/conformance'
import * as MapStore from './MapStore.js'

runConformance({ name: 'custom backend: MapStore', layer: MapStore.layer })
