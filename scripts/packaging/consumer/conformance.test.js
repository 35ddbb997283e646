// A backend author's test, in plain JavaScript: the conformance suite from the installed package
// against the custom-backend example's MapStore (copied beside this file).
import { runConformance } from 'job-reconciler/conformance'
import * as MapStore from './MapStore.js'

runConformance({ name: 'plain JavaScript MapStore', layer: MapStore.layer })
