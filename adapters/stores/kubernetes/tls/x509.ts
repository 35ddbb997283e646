/**
 * Just enough X.509 to issue certificates without openssl: ECDSA P-256 keys from Node's
 * `crypto`, ecdsa-with-SHA256 signatures, and the DER of a v3 certificate assembled by hand
 * (Node can verify certificates but has no builder). Used by the local node's log server and
 * by the test control plane's PKI.
 */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import { isIPv4 } from 'node:net'

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const

/** A DER-encoded extension, made by the functions below. */
export type Extension = Buffer & { readonly __extension: unique symbol }

/** A certificate to sign. */
export interface CertificateRequest {
  readonly issuerCommonName: string
  readonly subjectCommonName: string
  readonly publicKey: KeyObject
  /** The issuer's private key (the subject's own for a self-signed certificate). */
  readonly signer: KeyObject
  readonly extensions: ReadonlyArray<Extension>
  /** Default: ten years from an hour ago (clock skew). */
  readonly validDays?: number
}

/** A new ECDSA P-256 key pair. */
export const newKeyPair = (): { readonly publicKey: KeyObject; readonly privateKey: KeyObject } =>
  generateKeyPairSync('ec', { namedCurve: 'prime256v1' })

/** The DER of a signed v3 certificate. */
export function issueCertificate(request: CertificateRequest): Buffer {
  const now = Date.now()
  const validDays = request.validDays ?? 3650
  const signatureAlgorithm = seq(oid(OID.ecdsaWithSha256))
  const toBeSigned = seq(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serialNumber()),
    signatureAlgorithm,
    distinguishedName(request.issuerCommonName),
    seq(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + validDays * 86_400_000))),
    distinguishedName(request.subjectCommonName),
    request.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(...request.extensions)),
  )
  const signature = sign('sha256', toBeSigned, request.signer) // DER-encoded ECDSA-Sig-Value
  return seq(toBeSigned, signatureAlgorithm, bitString(signature))
}

/** A certificate authority (`CA:TRUE`, may sign certificates). */
export const caExtensions = (): ReadonlyArray<Extension> => [
  extension(OID.basicConstraints, true, seq(bool(true))),
  extension(OID.keyUsage, true, bitString(Buffer.from([0x86]), 1)), // digitalSignature, keyCertSign, cRLSign
]

/** A server (and client) leaf certificate for these names and IP addresses. */
export const leafExtensions = (names: { readonly dnsNames: ReadonlyArray<string>; readonly ipAddresses: ReadonlyArray<string> }): ReadonlyArray<Extension> => [
  extension(OID.basicConstraints, true, seq()),
  extension(OID.keyUsage, true, bitString(Buffer.from([0x80]), 7)), // digitalSignature
  extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth), oid(OID.clientAuth))),
  extension(
    OID.subjectAltName,
    false,
    seq(
      ...names.dnsNames.map((dns) => tlv(0x82, Buffer.from(dns, 'ascii'))), // [2] dNSName
      ...names.ipAddresses.map((ip) => tlv(0x87, ipBytes(ip))), // [7] iPAddress
    ),
  ),
]

/** A client-only leaf certificate (no names: its subject is the user name). */
export const clientExtensions = (): ReadonlyArray<Extension> => [
  extension(OID.basicConstraints, true, seq()),
  extension(OID.keyUsage, true, bitString(Buffer.from([0x80]), 7)), // digitalSignature
  extension(OID.extKeyUsage, false, seq(oid(OID.clientAuth))),
]

/** A self-signed serving certificate and its key, both PEM: enough for a loopback HTTPS server. */
export function selfSignedServingCertificate(commonName: string, names: { readonly dnsNames: ReadonlyArray<string>; readonly ipAddresses: ReadonlyArray<string> }): {
  readonly certificatePem: string
  readonly privateKeyPem: string
} {
  const keys = newKeyPair()
  const der = issueCertificate({
    issuerCommonName: commonName,
    subjectCommonName: commonName,
    publicKey: keys.publicKey,
    signer: keys.privateKey,
    extensions: leafExtensions(names),
  })
  return { certificatePem: pem('CERTIFICATE', der), privateKeyPem: privateKeyPem(keys.privateKey) }
}

/** PEM armour around DER bytes. */
export const pem = (label: string, der: Buffer): string =>
  `-----BEGIN ${label}-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`

/** A private key as PKCS#8 PEM. */
export const privateKeyPem = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }).toString()

/** A positive 16-byte serial with no leading zero byte. */
export function serialNumber(): Buffer {
  const bytes = randomBytes(16)
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40
  return bytes
}

// ---- minimal DER ------------------------------------------------------------------------------

function tlv(tag: number, body: Buffer): Buffer {
  const n = body.length
  let length: Buffer
  if (n < 0x80) length = Buffer.from([n])
  else {
    const bytes: number[] = []
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
    length = Buffer.from([0x80 | bytes.length, ...bytes])
  }
  return Buffer.concat([Buffer.from([tag]), length, body])
}
const seq = (...items: ReadonlyArray<Buffer>): Buffer => tlv(0x30, Buffer.concat(items))
const set = (...items: ReadonlyArray<Buffer>): Buffer => tlv(0x31, Buffer.concat(items))
const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0x00]))
const integer = (bytes: Buffer): Buffer => tlv(0x02, bytes)
const bitString = (bytes: Buffer, unusedBits = 0): Buffer => tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]))
const octetString = (bytes: Buffer): Buffer => tlv(0x04, bytes)
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'))
const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 + n, inner)
function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number)
  const out: number[] = [40 * (arcs[0] ?? 0) + (arcs[1] ?? 0)]
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f]
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f))
    out.push(...chunk)
  }
  return tlv(0x06, Buffer.from(out))
}
function utcTime(d: Date): Buffer {
  const p = (n: number): string => String(n).padStart(2, '0')
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`
  return tlv(0x17, Buffer.from(s, 'ascii'))
}
const distinguishedName = (commonName: string): Buffer => seq(set(seq(oid(OID.commonName), utf8(commonName))))
const extension = (id: string, critical: boolean, value: Buffer): Extension =>
  (critical ? seq(oid(id), bool(true), octetString(value)) : seq(oid(id), octetString(value))) as Extension
function ipBytes(ip: string): Buffer {
  if (!isIPv4(ip)) throw new Error(`only IPv4 addresses can be put in a certificate here, not ${ip}`)
  return Buffer.from(ip.split('.').map(Number))
}
