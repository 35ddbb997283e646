import { Context } from 'effect'
import type { Effect, Stream } from 'effect'
import type { Job, JobStatus, LabelSelector, OwnerReference, Pod, PodStatus, Time } from '../../core/model/types.js'
import type { AlreadyExists, Conflict, Gone, Invalid, NotFound, StoreUnavailable, TooLarge } from './errors.js'

/** Names one namespaced object. */
export interface ObjectKey {
  readonly namespace: string
  readonly name: string
}

/** How a Job's dependents are treated when it is deleted (R167). */
export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan'

export interface ListOptions {
  /** Omit for every namespace. */
  readonly namespace?: string
  readonly labelSelector?: LabelSelector
}

/** A consistent snapshot and the resourceVersion to watch from. */
export interface ListResult<A> {
  readonly items: ReadonlyArray<A>
  readonly resourceVersion: string
}

export interface WatchOptions {
  readonly namespace?: string
  /**
   * Start after this resourceVersion (exclusive), replaying what happened since. Omitted:
   * only changes from now on. A version the store no longer remembers fails with `Gone`.
   */
  readonly resourceVersion?: string
}

/**
 * Pods a reader has no use for. A store may leave them out of a list and a watch, without
 * reading them; it does not have to (the memory and file stores deliver every pod).
 */
export interface PodInterest {
  /**
   * Whether pods whose controller is this owner can be left out. The answer may change over
   * time: a watch that leaves out a pod it may have delivered before (or the list before it
   * did) reports it `Deleted` first, with only its metadata, so a cache built from the list
   * and the watch forgets it; a pod whose owner the reader no longer ignores is delivered on
   * its next change.
   */
  readonly ignoresController?: (controller: Pick<OwnerReference, 'kind' | 'uid'>) => boolean
}

/** One change seen by a watch, in the store's order. */
export type WatchEvent<A> =
  | { readonly type: 'Added' | 'Modified' | 'Deleted'; readonly object: A }
  | { readonly type: 'Bookmark'; readonly resourceVersion: string }

export interface DeleteOptions {
  /** Jobs only; omitted means `Orphan`, the batch/v1 default for DELETE (R167). */
  readonly propagationPolicy?: PropagationPolicy
  /** Pods only; 0 deletes at once, omitted uses the pod's `terminationGracePeriodSeconds`. */
  readonly gracePeriodSeconds?: number
  /** Fail with `Conflict` unless the object still has this uid. */
  readonly preconditionUid?: string
}

/**
 * A merge of pod metadata that needs no resourceVersion (upstream uses patches for these):
 * the tracking finalizer, adoption and release. `expectUid` guards against a recreated pod.
 */
export interface PodMetadataPatch {
  readonly expectUid?: string
  readonly addFinalizers?: ReadonlyArray<string>
  readonly removeFinalizers?: ReadonlyArray<string>
  /** Adds this owner reference unless one with the same uid is there already. */
  readonly addOwnerReference?: OwnerReference
  /** Removes the owner reference with this uid. */
  readonly removeOwnerReferenceUid?: string
}

export type EventType = 'Normal' | 'Warning'

/** An event about an object, as `kubectl describe` lists them. */
export interface StoredEvent {
  /** The event's own name, assigned by the store (`<object>.<hex nanoseconds>`, as client-go names them). */
  readonly name: string
  readonly namespace: string
  readonly involvedObject: { readonly kind: 'Job' | 'CronJob' | 'Pod'; readonly name: string; readonly uid: string }
  readonly type: EventType
  readonly reason: string
  readonly message: string
  /** The component that reported it, e.g. `job-controller`. */
  readonly source: string
  readonly firstTimestamp: Time
  readonly lastTimestamp: Time
  /** How many times it happened: the recorder counts repeats (client-go's correlator) and patches them in. */
  readonly count: number
}

/** What an event is about and says, before a recorder times and counts it. */
export type NewEvent = Omit<StoredEvent, 'name' | 'firstTimestamp' | 'lastTimestamp' | 'count'>

/** An event as a recorder creates it: timed and counted, named by the store. */
export type EventToCreate = Omit<StoredEvent, 'name'>

/** What a recorder changes on an event it created before: client-go's PATCH of a repeated or aggregated event. */
export interface EventUpdate {
  readonly count: number
  readonly lastTimestamp: Time
  readonly message: string
}

/** What a read can fail with, on every store port. */
export type ReadError = StoreUnavailable
/** What a write can fail with besides NotFound/AlreadyExists, on every store port. */
export type WriteError = Conflict | Invalid | TooLarge | StoreUnavailable

/**
 * The API server's side of Jobs, Pods and Events: what every backend (memory, file,
 * Kubernetes) provides. It behaves as the API server does: it decodes, defaults and validates
 * Jobs, assigns uids, names from `generateName`, resourceVersions and timestamps, honours
 * finalizers on delete, and reports stale writes as `Conflict`.
 */
export interface JobStoreService {
  readonly getJob: (key: ObjectKey) => Effect.Effect<Job, NotFound | ReadError>
  readonly listJobs: (options?: ListOptions) => Effect.Effect<ListResult<Job>, ReadError>
  /** Creates a Job from a manifest as `kubectl create` sends it (decoded and validated here). */
  readonly createJob: (manifest: unknown) => Effect.Effect<Job, AlreadyExists | WriteError>
  /** Replaces spec and metadata; `job.metadata.resourceVersion` must be current. */
  readonly updateJob: (job: Job) => Effect.Effect<Job, NotFound | WriteError>
  /** Replaces the status through the status subresource; `resourceVersion` must be current. */
  readonly updateJobStatus: (
    key: ObjectKey,
    status: JobStatus,
    resourceVersion: string,
  ) => Effect.Effect<Job, NotFound | WriteError>
  /** Removes finalizers from a Job (the garbage collector's foreground/orphan bookkeeping). */
  readonly removeJobFinalizer: (key: ObjectKey, finalizer: string) => Effect.Effect<void, NotFound | WriteError>
  readonly deleteJob: (key: ObjectKey, options?: DeleteOptions) => Effect.Effect<void, NotFound | WriteError>
  readonly watchJobs: (options?: WatchOptions) => Stream.Stream<WatchEvent<Job>, Gone | ReadError>

  readonly getPod: (key: ObjectKey) => Effect.Effect<Pod, NotFound | ReadError>
  readonly listPods: (options?: ListOptions & PodInterest) => Effect.Effect<ListResult<Pod>, ReadError>
  /** Creates a pod; `metadata.generateName` gets a random 5-character suffix. */
  readonly createPod: (pod: Pod) => Effect.Effect<Pod, AlreadyExists | WriteError>
  readonly patchPodMetadata: (key: ObjectKey, patch: PodMetadataPatch) => Effect.Effect<Pod, NotFound | WriteError>
  /** Binds a pod to a node (`spec.nodeName`), as the scheduler does. */
  readonly bindPod: (key: ObjectKey, nodeName: string) => Effect.Effect<Pod, NotFound | WriteError>
  /** Replaces a pod's status (the kubelet's write); `resourceVersion`, when given, must be current. */
  readonly updatePodStatus: (
    key: ObjectKey,
    status: PodStatus,
    resourceVersion?: string,
  ) => Effect.Effect<Pod, NotFound | WriteError>
  /**
   * Deletes a pod. A pod bound to a node gets a `deletionTimestamp` first and goes once the
   * kubelet deletes it again with grace period 0; a pod with finalizers stays until they are
   * removed.
   */
  readonly deletePod: (key: ObjectKey, options?: DeleteOptions) => Effect.Effect<void, NotFound | WriteError>
  readonly watchPods: (options?: WatchOptions & PodInterest) => Stream.Stream<WatchEvent<Pod>, Gone | ReadError>

  /** Creates an event (client-go's `EventSink.Create`); the store names it. */
  readonly createEvent: (event: EventToCreate) => Effect.Effect<StoredEvent, ReadError>
  /** Updates an event created before (client-go's `EventSink.Patch`); `NotFound` once it expired. */
  readonly patchEvent: (key: ObjectKey, update: EventUpdate) => Effect.Effect<StoredEvent, NotFound | ReadError>
  readonly listEvents: (options: {
    readonly namespace: string
    readonly involvedObjectName?: string
  }) => Effect.Effect<ReadonlyArray<StoredEvent>, ReadError>
}

/** The store port. Provide it with `MemoryStore.layer`, `FileStore.layer(dir)` or `KubernetesStore.layer(config)`. */
export class JobStore extends Context.Tag('job-reconciler/JobStore')<JobStore, JobStoreService>() {}
