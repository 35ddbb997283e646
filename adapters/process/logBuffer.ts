/**
 * A container's output kept in memory: the last `limitBytes` bytes, in arrival order, with a
 * note in front once older output had to go.
 */

/** 10 MiB per container, the kubelet's default `containerLogMaxSize`. */
export const DEFAULT_LOG_LIMIT_BYTES = 10 * 1024 * 1024

export interface LogBuffer {
  /** Appends a chunk of output (stdout and stderr alike). */
  readonly append: (chunk: Buffer) => void
  /** The output kept so far, as UTF-8 text. */
  readonly text: () => string
}

/** An empty buffer that keeps at most `limitBytes` of the latest output. */
export function makeLogBuffer(limitBytes: number = DEFAULT_LOG_LIMIT_BYTES): LogBuffer {
  const chunks: Buffer[] = []
  let size = 0
  let dropped = 0
  return {
    append: (chunk) => {
      if (chunk.length === 0) return
      chunks.push(chunk)
      size += chunk.length
      while (size > limitBytes && chunks.length > 0) {
        const first = chunks[0] as Buffer
        const excess = size - limitBytes
        if (first.length <= excess) {
          chunks.shift()
          size -= first.length
          dropped += first.length
        } else {
          chunks[0] = first.subarray(excess)
          size -= excess
          dropped += excess
        }
      }
    },
    text: () => {
      const body = Buffer.concat(chunks).toString('utf8')
      return dropped === 0 ? body : `[job-reconciler: ${dropped} bytes of earlier output dropped]\n${body}`
    },
  }
}
