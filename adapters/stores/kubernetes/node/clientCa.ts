/**
 * The client CA of a local node, as a kubelet's `--client-ca-file`: the log server answers only
 * clients whose certificate one of these CAs signed (the API server's
 * `--kubelet-client-certificate`).
 */
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Effect } from 'effect'

/**
 * The client CA bundle in `file` (PEM, one or more certificates), checked: the log server lets
 * in only clients whose certificate one of them signed.
 */
export function readClientCaFile(file: string): Effect.Effect<string, Error> {
  return Effect.try({
    try: () => readFileSync(file, 'utf8'),
    catch: (error) => new Error(`cannot read the node's client CA file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`),
  }).pipe(
    Effect.filterOrFail(
      (text) => {
        const blocks = text.match(PEM_CERTIFICATE) ?? []
        return blocks.length > 0 && blocks.every(isCertificate)
      },
      () => new Error(`the node's client CA file ${file} holds no CA certificate in PEM (-----BEGIN CERTIFICATE-----, basicConstraints CA:TRUE), or a malformed one`),
    ),
  )
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g

const isCertificate = (pem: string): boolean => {
  try {
    return new X509Certificate(pem).ca
  } catch {
    return false
  }
}
