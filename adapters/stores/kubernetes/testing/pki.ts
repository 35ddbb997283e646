/**
 * Test PKI for the loopback control plane: a CA, a serving certificate for 127.0.0.1/localhost
 * signed by it, the API server's kubelet client certificate signed by it (what a node's log
 * server checks, as kubeadm's `apiserver-kubelet-client`), and a service-account signing key pair.
 *
 * With `openssl` on PATH the certificates are made by openssl; without it, by Node's `crypto`
 * (see `../tls/x509.ts`). The service-account key pair always comes from Node's `crypto`.
 */
import { execFileSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { caExtensions, clientExtensions, issueCertificate, leafExtensions, newKeyPair, pem, privateKeyPem, serialNumber } from '../tls/x509.js'

export interface PkiFiles {
  readonly caCert: string
  readonly caKey: string
  readonly servingCert: string
  readonly servingKey: string
  /** The client certificate the API server presents to kubelets (`--kubelet-client-certificate`). */
  readonly kubeletClientCert: string
  readonly kubeletClientKey: string
  readonly saKey: string
  readonly saPub: string
  /** Which tool made the certificates. */
  readonly madeBy: 'openssl' | 'node'
}

export type PkiTool = 'openssl' | 'node'

/** The user the API server's kubelet client certificate names (kubeadm's). */
export const KUBELET_CLIENT_USER = 'kube-apiserver-kubelet-client'

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
    kubeletClientCert: join(dir, 'kubelet-client.crt'),
    kubeletClientKey: join(dir, 'kubelet-client.key'),
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
  const leaf = (name: string, subject: string, key: string, cert: string, extensions: ReadonlyArray<string>): void => {
    const csr = join(dir, `${name}.csr`)
    const ext = join(dir, `${name}.ext`)
    run(['req', '-new', ...ec, '-subj', subject, '-keyout', key, '-out', csr])
    writeFileSync(ext, ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', ...extensions, ''].join('\n'))
    run(['x509', '-req', '-in', csr, '-CA', f.caCert, '-CAkey', f.caKey, '-set_serial', `0x${serialNumber().toString('hex')}`,
      '-days', '3650', '-extfile', ext, '-out', cert])
  }
  leaf('serving', '/CN=kube-apiserver', f.servingKey, f.servingCert,
    ['extendedKeyUsage=serverAuth,clientAuth', 'subjectAltName=IP:127.0.0.1,DNS:localhost'])
  leaf('kubelet-client', `/CN=${KUBELET_CLIENT_USER}`, f.kubeletClientKey, f.kubeletClientCert, ['extendedKeyUsage=clientAuth'])
}

const withNodeCrypto = (f: PkiFiles): void => {
  const ca = newKeyPair()
  const leaf = newKeyPair()
  const caName = 'job-reconciler-test-ca'
  const caDer = issueCertificate({ issuerCommonName: caName, subjectCommonName: caName, publicKey: ca.publicKey, signer: ca.privateKey, extensions: caExtensions() })
  const leafDer = issueCertificate({
    issuerCommonName: caName,
    subjectCommonName: 'kube-apiserver',
    publicKey: leaf.publicKey,
    signer: ca.privateKey,
    extensions: leafExtensions({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }),
  })
  writeFileSync(f.caCert, pem('CERTIFICATE', caDer))
  writeFileSync(f.caKey, privateKeyPem(ca.privateKey), { mode: 0o600 })
  writeFileSync(f.servingCert, pem('CERTIFICATE', leafDer))
  writeFileSync(f.servingKey, privateKeyPem(leaf.privateKey), { mode: 0o600 })
  const client = newKeyPair()
  const clientDer = issueCertificate({
    issuerCommonName: caName,
    subjectCommonName: KUBELET_CLIENT_USER,
    publicKey: client.publicKey,
    signer: ca.privateKey,
    extensions: clientExtensions(),
  })
  writeFileSync(f.kubeletClientCert, pem('CERTIFICATE', clientDer))
  writeFileSync(f.kubeletClientKey, privateKeyPem(client.privateKey), { mode: 0o600 })
}
