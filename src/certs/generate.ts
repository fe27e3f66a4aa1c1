/**
 * Self-signed CA + serving certificate for the webhook.
 *
 * Key algorithm: RSA 2048. node-forge can only build and sign X.509 certificates with RSA keys
 * (its `pki` has no ECDSA signing; Ed25519 exists but forge cannot put it in a certificate, and Go's
 * TLS stack in the kube-apiserver is what has to accept the result). RSA 2048 with SHA-256 is
 * accepted by every Kubernetes version and every TLS client we care about.
 *
 * Key generation: forge's RSA keygen is pure JavaScript and takes from ~0.5 s to several seconds
 * per 2048-bit key (prime search is random, so the time varies a lot). Node's
 * `crypto.generateKeyPairSync` uses OpenSSL and takes tens of milliseconds, so we generate keys
 * there and convert the PEM to forge key objects only to sign. The private key PEM we return is
 * Node's PKCS#8 output unchanged.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { createRequire } from 'node:module';
import type forge from 'node-forge';

/**
 * node-forge costs ~12 MB of RSS to load and is needed only when certificates are built, which a
 * webhook with mounted certificates (cert-manager, `pullguard certs`) never does. It is CommonJS, so
 * it can be loaded synchronously on first use.
 */
let forgeModule: typeof forge | undefined;
function forgeLib(): typeof forge {
  forgeModule ??= createRequire(import.meta.url)('node-forge') as typeof forge;
  return forgeModule;
}
import { CertificateError, errorText } from './pem.js';

/** Defaults: the Service and Namespace the manifests deploy. */
export const DEFAULT_SERVICE = 'pullguard';
export const DEFAULT_NAMESPACE = 'pullguard';

/** CA lifetime. Long, because replacing it means updating caBundle in the webhook configuration. */
export const CA_VALIDITY_DAYS = 3650;
/** Serving certificate lifetime. Re-issue from the kept CA key (see files.ts) without touching caBundle. */
export const LEAF_VALIDITY_DAYS = 365;
/** not-before is backdated this much so a node or apiserver whose clock is slightly behind accepts the cert. */
export const CLOCK_SKEW_BACKDATE_MS = 5 * 60 * 1000;
export const RSA_KEY_BITS = 2048;

const DAY_MS = 24 * 60 * 60 * 1000;

/** PEM strings. `key` and `caKey` are unencrypted PKCS#8. */
export interface GeneratedCertificates {
  readonly caCert: string;
  readonly caKey: string;
  readonly cert: string;
  readonly key: string;
}

export interface GenerateOptions {
  /** Service name (default `pullguard`). Must be a DNS-1123 label. */
  readonly service?: string;
  /** Namespace (default `pullguard`). Must be a DNS-1123 label. */
  readonly namespace?: string;
  /** Extra SANs: DNS names (wildcards allowed) or IPv4/IPv6 literals; each classified with `net.isIP`. */
  readonly hosts?: readonly string[];
  /**
   * Issue the serving certificate from this existing CA instead of generating a new one
   * (returned unchanged as `caCert`/`caKey`). Must be an RSA CA (as generated here).
   */
  readonly ca?: { readonly cert: string; readonly key: string };
  /** Clock, for tests. */
  readonly now?: Date;
}

const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// A DNS name or a wildcard DNS name; labels of letters, digits and hyphens (upper case tolerated).
const DNS_NAME_RE =
  /^(\*\.)?([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*\.?$/;

/** The SANs the serving certificate gets, in order, deduplicated. Exposed for callers and tests. */
export function servingSans(opts: Pick<GenerateOptions, 'service' | 'namespace' | 'hosts'> = {}): {
  dns: string[];
  ips: string[];
} {
  const service = opts.service ?? DEFAULT_SERVICE;
  const namespace = opts.namespace ?? DEFAULT_NAMESPACE;
  checkLabel('service', service);
  checkLabel('namespace', namespace);
  const dns = [
    'localhost',
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
  // The kube-apiserver's Go TLS client ignores the subject CN entirely and matches only SANs, so
  // connecting to https://127.0.0.1:… (local development, `url:` webhooks) needs an IP SAN.
  const ips = ['127.0.0.1'];
  for (const raw of opts.hosts ?? []) {
    const host = raw.trim();
    if (isIP(host)) {
      if (!ips.includes(host)) ips.push(host);
    } else if (host.length <= 253 && DNS_NAME_RE.test(host)) {
      const name = host.toLowerCase().replace(/\.$/, '');
      if (!dns.includes(name)) dns.push(name);
    } else {
      throw new CertificateError(`extra host ${JSON.stringify(raw)} is neither a DNS name nor an IP address`);
    }
  }
  return { dns, ips };
}

function checkLabel(what: string, value: string): void {
  if (value.length > 63 || !DNS_LABEL_RE.test(value)) {
    throw new CertificateError(
      `${what} ${JSON.stringify(value)} is not a valid DNS-1123 label ` +
        '(lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)',
    );
  }
}

/**
 * Generate a CA (or reuse `opts.ca`) and a serving certificate signed by it.
 * Synchronous; about 0.1 s (two OpenSSL keygens + two forge signatures).
 */
export function generateCertificates(opts: GenerateOptions = {}): GeneratedCertificates {
  const now = opts.now ?? new Date();
  const service = opts.service ?? DEFAULT_SERVICE;
  const namespace = opts.namespace ?? DEFAULT_NAMESPACE;
  const sans = servingSans(opts);

  let caCert: forge.pki.Certificate;
  let caKey: forge.pki.rsa.PrivateKey;
  let caCertPem: string;
  let caKeyPem: string;
  if (opts.ca) {
    ({ caCert, caKey } = loadCa(opts.ca.cert, opts.ca.key));
    caCertPem = opts.ca.cert;
    caKeyPem = opts.ca.key;
  } else {
    const pair = rsaKeyPair();
    caKey = pair.privateKey;
    caKeyPem = pair.privateKeyPem;
    caCert = forgeLib().pki.createCertificate();
    caCert.publicKey = pair.publicKey;
    caCert.serialNumber = randomSerial();
    caCert.validity.notBefore = new Date(now.getTime() - CLOCK_SKEW_BACKDATE_MS);
    caCert.validity.notAfter = new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS);
    // Unique per generation (like kube-apiserver's "localhost-ca@<unix>"), so two generated CAs are
    // distinguishable in logs and `openssl x509 -text`.
    const subject = dn(`pullguard-ca@${Math.floor(now.getTime() / 1000)}`);
    caCert.setSubject(subject);
    caCert.setIssuer(subject);
    caCert.setExtensions([
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ]);
    caCert.sign(caKey, forgeLib().md.sha256.create());
    caCertPem = forgeLib().pki.certificateToPem(caCert);
  }

  const leafPair = rsaKeyPair();
  const leaf = forgeLib().pki.createCertificate();
  leaf.publicKey = leafPair.publicKey;
  leaf.serialNumber = randomSerial();
  leaf.validity.notBefore = new Date(now.getTime() - CLOCK_SKEW_BACKDATE_MS);
  const leafNotAfter = new Date(now.getTime() + LEAF_VALIDITY_DAYS * DAY_MS);
  // Never outlive the issuing CA (matters when re-issuing from an older kept CA).
  leaf.validity.notAfter =
    leafNotAfter.getTime() > caCert.validity.notAfter.getTime() ? caCert.validity.notAfter : leafNotAfter;
  leaf.setSubject(dn(`${service}.${namespace}.svc`));
  leaf.setIssuer(caCert.subject.attributes);
  leaf.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        ...sans.dns.map((value) => ({ type: 2, value })),
        ...sans.ips.map((ip) => ({ type: 7, ip })),
      ],
    },
    { name: 'subjectKeyIdentifier' },
    // forge's `keyIdentifier: true` would use the *leaf's* own key; the AKI must be the CA's SKI.
    { name: 'authorityKeyIdentifier', keyIdentifier: caSubjectKeyId(caCert) },
  ]);
  leaf.sign(caKey, forgeLib().md.sha256.create());

  return {
    caCert: caCertPem,
    caKey: caKeyPem,
    cert: forgeLib().pki.certificateToPem(leaf),
    key: leafPair.privateKeyPem,
  };
}

function dn(commonName: string): forge.pki.CertificateField[] {
  return [
    // UTF8String: PrintableString (forge's default) does not allow "@".
    { name: 'commonName', value: commonName, valueTagClass: forgeLib().asn1.Type.UTF8 as unknown as forge.asn1.Class },
  ];
}

function rsaKeyPair(): {
  publicKey: forge.pki.rsa.PublicKey;
  privateKey: forge.pki.rsa.PrivateKey;
  privateKeyPem: string;
} {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: RSA_KEY_BITS,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    publicKey: forgeLib().pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
    privateKey: forgeLib().pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey,
    privateKeyPem: privateKey,
  };
}

/**
 * A random positive serial: 16 bytes (128 bits, above the CA/B Forum's 64-bit minimum). The top bit
 * is cleared so the DER INTEGER is positive, and the next one set so the first byte is never zero:
 * a leading zero byte would be a non-minimal encoding, which Go's x509 parser rejects.
 */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}

function caSubjectKeyId(caCert: forge.pki.Certificate): string {
  const ext = caCert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null;
  if (ext?.subjectKeyIdentifier) return forgeLib().util.hexToBytes(ext.subjectKeyIdentifier);
  // Same method forge used when it wrote our CA's SKI (SHA-1 of the public key).
  return caCert.generateSubjectKeyIdentifier().getBytes();
}

function loadCa(certPem: string, keyPem: string): {
  caCert: forge.pki.Certificate;
  caKey: forge.pki.rsa.PrivateKey;
} {
  let caCert: forge.pki.Certificate;
  let caKey: forge.pki.rsa.PrivateKey;
  try {
    caCert = forgeLib().pki.certificateFromPem(certPem);
  } catch (err) {
    throw new CertificateError(`CA certificate cannot be used to issue (${errorText(err)}); it must be an RSA CA`);
  }
  try {
    caKey = forgeLib().pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  } catch (err) {
    throw new CertificateError(`CA private key cannot be used to issue (${errorText(err)}); it must be an RSA key`);
  }
  const pub = caCert.publicKey as forge.pki.rsa.PublicKey;
  if (!pub.n || !caKey.n || pub.n.compareTo(caKey.n) !== 0) {
    throw new CertificateError('CA private key does not match the CA certificate');
  }
  return { caCert, caKey };
}
