/**
 * The bounds `jobctl` puts on what it reads (`-f` files, stdin, `patch -p`), so that no input
 * costs more than linear time or memory and every refusal is one short line. The two size limits
 * are the API server's and etcd's; the others are far beyond what any Job needs.
 */

/** The API server refuses a request body larger than this (`MaxRequestBodyBytes`, 3 MiB): `Request entity too large: limit is 3145728`. */
export const MAX_REQUEST_BYTES = 3 * 1024 * 1024

/** etcd refuses to store an object larger than this (`--max-request-bytes`, 1.5 MiB): `etcdserver: request is too large`. */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024

/** The largest file (or stdin) read: a few documents of the largest size a request may have. */
export const MAX_FILE_BYTES = 16 * MAX_REQUEST_BYTES

/** The deepest nesting of mappings and lists in a document (a Job needs about 15 levels). */
export const MAX_NESTING_DEPTH = 100

/** The most keys in one mapping. */
export const MAX_MAPPING_KEYS = 10_000

/** The most values that aliases (`*name`) may copy into a document, all aliases together. */
export const MAX_ALIAS_VALUES = 10_000
