/**
 * The bounds `jobctl` puts on what it reads (`-f` files, stdin, `patch -p`), so that no input
 * costs more than linear time or memory and every refusal is one short line. The two size limits
 * are the API server's and etcd's; the others are far beyond what any Job needs.
 */

/** The API server's request limit (3 MiB) and etcd's object limit (1.5 MiB), as every store enforces them. */
export { MAX_OBJECT_BYTES, MAX_REQUEST_BYTES } from '../stores/store-kit/sizeLimits.js'
import { MAX_REQUEST_BYTES } from '../stores/store-kit/sizeLimits.js'

/** The largest file (or stdin) read: a few documents of the largest size a request may have. */
export const MAX_FILE_BYTES = 16 * MAX_REQUEST_BYTES

/** The deepest nesting of mappings and lists in a document (a Job needs about 15 levels). */
export const MAX_NESTING_DEPTH = 100

/** The most keys in one mapping. */
export const MAX_MAPPING_KEYS = 10_000

/** The most values that aliases (`*name`) may copy into a document, all aliases together. */
export const MAX_ALIAS_VALUES = 10_000
