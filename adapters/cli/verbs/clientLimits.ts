/**
 * kube-controller-manager's client and worker flags on `jobctl controller`: `--kube-api-qps`
 * and `--kube-api-burst` (the Kubernetes store's client-side rate limit, default 20 and 30) and
 * `--concurrent-job-syncs` (Jobs synced in parallel, default 5). Bad values are one-line
 * usage errors, in pflag's wording, before anything connects.
 */
import { Either } from 'effect'
import type { FlagSpec, ParsedArgs } from '../args.js'
import { stringFlag } from '../args.js'
import type { StoreSpec } from '../store.js'
import { DEFAULT_BURST, DEFAULT_QPS } from '../../stores/kubernetes/limits.js'

/** Jobs synced in parallel by default (kube-controller-manager's `--concurrent-job-syncs`). */
export const DEFAULT_CONCURRENT_JOB_SYNCS = 5

export const CLIENT_LIMIT_FLAGS: ReadonlyArray<FlagSpec> = [
  { name: 'kube-api-qps', kind: 'string', placeholder: 'QPS', help: 'With --store kube: requests per second to the API server once the burst is spent', defaultValue: String(DEFAULT_QPS) },
  { name: 'kube-api-burst', kind: 'string', placeholder: 'N', help: 'With --store kube: requests that may go at once before --kube-api-qps applies', defaultValue: String(DEFAULT_BURST) },
  { name: 'concurrent-job-syncs', kind: 'string', placeholder: 'N', help: 'Jobs synced in parallel', defaultValue: String(DEFAULT_CONCURRENT_JOB_SYNCS) },
]

/** The store with `--kube-api-qps` and `--kube-api-burst` applied; a bad value is the usage error's text. */
export function withClientLimits(args: ParsedArgs, store: StoreSpec): Either.Either<StoreSpec, string> {
  return Either.gen(function* () {
    const qps = yield* numberFlag(args, 'kube-api-qps', 'a number above 0', (value) => value > 0)
    const burst = yield* numberFlag(args, 'kube-api-burst', 'a whole number of at least 1', (value) => Number.isInteger(value) && value >= 1)
    if (store._tag !== 'Kube') return store
    return { ...store, ...(qps === undefined ? {} : { qps }), ...(burst === undefined ? {} : { burst }) }
  })
}

/** `--concurrent-job-syncs` (or its older name `--workers`, which wins when given). */
export function concurrentJobSyncsOf(args: ParsedArgs): Either.Either<number, string> {
  const valid = (value: number) => Number.isInteger(value) && value >= 1
  return Either.gen(function* () {
    const workers = yield* numberFlag(args, 'workers', 'a whole number of at least 1', valid)
    const syncs = yield* numberFlag(args, 'concurrent-job-syncs', 'a whole number of at least 1', valid)
    return workers ?? syncs ?? DEFAULT_CONCURRENT_JOB_SYNCS
  })
}

function numberFlag(args: ParsedArgs, name: string, expected: string, valid: (value: number) => boolean): Either.Either<number | undefined, string> {
  const text = stringFlag(args, name)
  if (text === undefined) return Either.right(undefined)
  const value = text.trim() === '' ? Number.NaN : Number(text)
  return Number.isFinite(value) && valid(value) ? Either.right(value) : Either.left(`invalid argument "${text}" for "--${name}" flag: must be ${expected}`)
}
