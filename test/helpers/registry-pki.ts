/**
 * Throw-away PKI for registry tests: a CA, a TLS server certificate for the given names/IPs, and a
 * self-signed token-signing certificate (the registry trusts it through `rootcertbundle`).
 * Keys are made with node:crypto (native, fast); certificates with node-forge.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

export interface TestPki {
  readonly caPem: string;
  readonly serverCertPem: string;
  readonly serverKeyPem: string;
  readonly tokenCertPem: string;
  readonly tokenKeyPem: string;
}

function rsaKey(): { pub: string; priv: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { pub: publicKey, priv: privateKey };
}

function serial(): string {
  // Positive (leading 0x01), 16 bytes: Go's x509 rejects negative serials.
  return `01${randomBytes(15).toString('hex')}`;
}

function baseCert(pubPem: string, cn: string): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(pubPem);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(Date.now() + 2 * 24 * 60 * 60 * 1000);
  cert.setSubject([{ name: 'commonName', value: cn }, { name: 'organizationName', value: 'pullguard tests' }]);
  return cert;
}

/** `names`: DNS names and IP addresses the server certificate must be valid for. */
export function makeTestPki(names: readonly string[]): TestPki {
  const caKey = rsaKey();
  const ca = baseCert(caKey.pub, 'pullguard test CA');
  ca.setIssuer(ca.subject.attributes);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  const caPriv = forge.pki.privateKeyFromPem(caKey.priv);
  ca.sign(caPriv, forge.md.sha256.create());

  const serverKey = rsaKey();
  const server = baseCert(serverKey.pub, names[0] ?? 'localhost');
  server.setIssuer(ca.subject.attributes);
  const altNames = [...new Set(['localhost', '127.0.0.1', ...names])].map((n) =>
    isIP(n) ? { type: 7, ip: n } : { type: 2, value: n },
  );
  server.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  server.sign(caPriv, forge.md.sha256.create());

  const tokenKey = rsaKey();
  const token = baseCert(tokenKey.pub, 'pullguard test token issuer');
  token.setIssuer(token.subject.attributes);
  token.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
  ]);
  token.sign(forge.pki.privateKeyFromPem(tokenKey.priv), forge.md.sha256.create());

  return {
    caPem: forge.pki.certificateToPem(ca),
    serverCertPem: forge.pki.certificateToPem(server),
    serverKeyPem: serverKey.priv,
    tokenCertPem: forge.pki.certificateToPem(token),
    tokenKeyPem: tokenKey.priv,
  };
}
