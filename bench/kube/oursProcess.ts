/**
 * Our engine alone in a process, so that its CPU time (/proc/PID/stat) compares with
 * kube-controller-manager's: the library's Job controller on the Kubernetes store, at the
 * engine's defaults except the client limits, which the bench passes as kube-controller-manager's
 * `--kube-api-qps` and `--kube-api-burst`.
 *
 *   node --import tsx bench/kube/oursProcess.ts KUBECONFIG QPS BURST USER_AGENT
 *
 * Prints `ready` once its caches are filled; ends when its standard input closes (the bench
 * ended, however it ended) or on SIGTERM.
 */
import { Effect, LogLevel, Logger } from 'effect'
import * as Controller from '../../adapters/shell/controller/Controller.js'
import * as KubernetesStore from '../../adapters/stores/kubernetes/KubernetesStore.js'
import { READY_LINE } from './engines.js'


const [kubeconfigPath, qps, burst, userAgent] = process.argv.slice(2)
if (kubeconfigPath === undefined || qps === undefined || burst === undefined || userAgent === undefined) {
  console.error('usage: oursProcess.ts KUBECONFIG QPS BURST USER_AGENT')
  process.exit(2)
}

process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
process.once('SIGTERM', () => process.exit(0))

const engine = Effect.gen(function* () {
  yield* Controller.start({ settings: { controllerName: KubernetesStore.DEFAULT_CONTROLLER_NAME, ttlForEveryJob: false } })
  process.stdout.write(`${READY_LINE}\n`)
  return yield* Effect.never
})

Effect.runPromise(
  engine.pipe(
    Effect.scoped,
    Effect.provide(KubernetesStore.layer({ kubeconfigPath, qps: Number(qps), burst: Number(burst), userAgent })),
    Logger.withMinimumLogLevel(LogLevel.Warning),
  ),
).catch((error: unknown) => {
  console.error(`our engine: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
