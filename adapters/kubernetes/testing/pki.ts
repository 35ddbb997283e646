/**
 * Test PKI for the loopback control plane: a CA, a serving certificate for 127.0.0.1/localhost
 * signed by it, and a service-account signing key pair.
 *
 * With `openssl` on PATH the certificates are made by openssl; without it, by Node's `crypto`
 * (which has no certificate builder, so the X.509 DER is assembled here: ECDSA P-256 keys,
 * ecdsa-with-SHA256 signatures). The service-account key pair always comes from Node's `crypto`.
 */
import { execFileSync } from 'node:child_process'
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface PkiFiles {
  readonly caCert: string
  readonly caKey: string
  readonly servingCert: string
  readonly servingKey: string
  readonly saKey: string
  readonly saPub: string
  /** Which tool made the certificates. */
  readonly madeBy: 'openssl' | 'node'
}

export type PkiTool = 'openssl' | 'node'

/** `openssl` when it runs, else `node`. `K8S_TEST_PKI=node|openssl` forces one. */
export const choosePkiTool = (): PkiTool => {
  const forced = process.env['K8S_TEST_PKI']
  if (forced === 'node' || forced === 'openssl') return forced
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return 'openssl'
  } catch {
    return 'node'
  }
}

/** Writes the PKI into `dir` (which must exist). */
export const generatePki = (dir: string, tool: PkiTool = choosePkiTool()): PkiFiles => {
  const files = {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    servingCert: join(dir, 'serving.crt'),
    servingKey: join(dir, 'serving.key'),
    saKey: join(dir, 'sa.key'),
    saPub: join(dir, 'sa.pub'),
    madeBy: tool,
  } as const
  if (tool === 'openssl') withOpenssl(dir, files)
  else withNodeCrypto(files)
  const sa = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  writeFileSync(files.saKey, sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
  writeFileSync(files.saPub, sa.publicKey.export({ type: 'spki', format: 'pem' }))
  return files
}

const withOpenssl = (dir: string, f: PkiFiles): void => {
  const run = (args: ReadonlyArray<string>): void => {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  }
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  run(['req', '-x509', ...ec, '-days', '3650', '-subj', '/CN=job-reconciler-test-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,digitalSignature,keyCertSign,cRLSign',
    '-keyout', f.caKey, '-out', f.caCert])
  const csr = join(dir, 'serving.csr')
  const ext = join(dir, 'serving.ext')
  run(['req', '-new', ...ec, '-subj', '/CN=kube-apiserver', '-keyout', f.servingKey, '-out', csr])
  writeFileSync(ext, [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth,clientAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '',
  ].join('\n'))
  run(['x509', '-req', '-in', csr, '-CA', f.caCert, '-CAkey', f.caKey, '-set_serial', `0x${serialBytes().toString('hex')}`,
    '-days', '3650', '-extfile', ext, '-out', f.servingCert])
}

const withNodeCrypto = (f: PkiFiles): void => {
  const ca = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const leaf = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const caName = name('job-reconciler-test-ca')
  const caDer = certificate({
    issuer: caName, subject: caName, publicKey: ca.publicKey, signer: ca.privateKey,
    extensions: [
      extension(OID.basicConstraints, true, seq(bool(true))),
      extension(OID.keyUsage, true, bitString(Buffer.from([0x86]), 1)), // digitalSignature, keyCertSign, cRLSign
    ],
  })
  const leafDer = certificate({
    issuer: caName, subject: name('kube-apiserver'), publicKey: leaf.publicKey, signer: ca.privateKey,
    extensions: [
      extension(OID.basicConstraints, true, seq()),
      extension(OID.keyUsage, true, bitString(Buffer.from([0x80]), 7)), // digitalSignature
      extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth), oid(OID.clientAuth))),
      extension(OID.subjectAltName, false, seq(
        tlv(0x82, Buffer.from('localhost', 'ascii')), // [2] dNSName
        tlv(0x87, Buffer.from([127, 0, 0, 1])), // [7] iPAddress
      )),
    ],
  })
  writeFileSync(f.caCert, pem('CERTIFICATE', caDer))
  writeFileSync(f.caKey, ca.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
  writeFileSync(f.servingCert, pem('CERTIFICATE', leafDer))
  writeFileSync(f.servingKey, leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
}

// ---- minimal DER ------------------------------------------------------------------------------

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

const tlv = (tag: number, body: Buffer): Buffer => {
  const n = body.length
  let len: Buffer
  if (n < 0x80) len = Buffer.from([n])
  else {
    const bytes: number[] = []
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
    len = Buffer.from([0x80 | bytes.length, ...bytes])
  }
  return Buffer.concat([Buffer.from([tag]), len, body])
}
const seq = (...items: ReadonlyArray<Buffer>): Buffer => tlv(0x30, Buffer.concat(items))
const set = (...items: ReadonlyArray<Buffer>): Buffer => tlv(0x31, Buffer.concat(items))
const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0x00]))
const integer = (bytes: Buffer): Buffer => tlv(0x02, bytes)
const bitString = (bytes: Buffer, unusedBits = 0): Buffer => tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]))
const octetString = (bytes: Buffer): Buffer => tlv(0x04, bytes)
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'))
const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 + n, inner)
const oid = (dotted: string): Buffer => {
  const arcs = dotted.split('.').map(Number)
  const out: number[] = [40 * (arcs[0] ?? 0) + (arcs[1] ?? 0)]
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f]
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f))
    out.push(...chunk)
  }
  return tlv(0x06, Buffer.from(out))
}
const utcTime = (d: Date): Buffer => {
  const p = (n: number): string => String(n).padStart(2, '0')
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}` +
    `${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`
  return tlv(0x17, Buffer.from(s, 'ascii'))
}
const name = (cn: string): Buffer => seq(set(seq(oid(OID.commonName), utf8(cn))))
const extension = (id: string, critical: boolean, value: Buffer): Buffer =>
  critical ? seq(oid(id), bool(true), octetString(value)) : seq(oid(id), octetString(value))
/** A positive 16-byte serial with no leading zero byte. */
const serialBytes = (): Buffer => {
  const b = randomBytes(16)
  b[0] = ((b[0] ?? 0) & 0x7f) | 0x40
  return b
}
const pem = (label: string, der: Buffer): string =>
  `-----BEGIN ${label}-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`

const certificate = (c: {
  issuer: Buffer; subject: Buffer; publicKey: KeyObject; signer: KeyObject; extensions: ReadonlyArray<Buffer>
}): Buffer => {
  const now = Date.now()
  const sigAlg = seq(oid(OID.ecdsaWithSha256))
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serialBytes()),
    sigAlg,
    c.issuer,
    seq(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 3650 * 86_400_000))),
    c.subject,
    c.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(...c.extensions)),
  )
  const signature = sign('sha256', tbs, c.signer) // DER-encoded ECDSA-Sig-Value
  return seq(tbs, sigAlg, bitString(signature))
}
