/**
 * Parsing and validation of PEM certificates and keys, shared by `files.ts` (start-up) and
 * `reload.ts` (rotation).
 *
 * Everything here uses Node's `crypto` (OpenSSL), not node-forge: certificates mounted from a
 * Kubernetes TLS secret may come from cert-manager or a corporate CA and use ECDSA or Ed25519 keys,
 * which forge cannot parse. forge is only used to *build* certificates (`generate.ts`).
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';

/**
 * An error with a message fit for a user (names the file and the problem; no stack needed).
 * The CLI and server should print `err.message` only.
 */
export class CertificateError extends Error {
  /** The file the problem is about, when there is one. */
  readonly file: string | undefined;

  constructor(message: string, file?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CertificateError';
    this.file = file;
  }
}

/** What start-up logs and `pullguard certs` print about a certificate. */
export interface CertificateInfo {
  /** Subject DN, one line (`CN=pullguard.pullguard.svc`). */
  readonly subject: string;
  /** Issuer DN, one line. Equal to `subject` for a self-signed certificate. */
  readonly issuer: string;
  /** Subject alternative names, values only, in certificate order (`['localhost', '127.0.0.1', …]`). */
  readonly sans: string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SHA-256 fingerprint, colon-separated upper-case hex (as `openssl x509 -fingerprint -sha256`). */
  readonly fingerprint: string;
}

const CERT_BEGIN = '-----BEGIN CERTIFICATE-----';
const KEY_BEGIN_RE = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----/;

/**
 * Summarise a certificate (the first one when `pem` holds a chain).
 * Throws `CertificateError` when `pem` is not a certificate.
 */
export function certificateInfo(pem: string | Buffer): CertificateInfo {
  const x509 = parseCertificate(pem, 'certificate');
  return infoOf(x509);
}

function infoOf(x509: X509Certificate): CertificateInfo {
  return {
    subject: oneLineDn(x509.subject),
    issuer: oneLineDn(x509.issuer),
    sans: parseSubjectAltName(x509.subjectAltName).map((s) => s.value),
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    fingerprint: x509.fingerprint256,
  };
}

/** Node prints multi-RDN names one per line; logs want one line. */
function oneLineDn(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ');
}

/** One subjectAltName entry as Node prints it: `DNS:x`, `IP Address:1.2.3.4`, `URI:…`, `email:…`. */
export interface SubjectAltName {
  readonly type: string;
  readonly value: string;
}

/**
 * Parse `X509Certificate.subjectAltName` (`DNS:a, IP Address:127.0.0.1`). Since the fix for
 * CVE-2021-44532 Node JSON-quotes values that contain `,`, `"` or other specials
 * (`DNS:"a,b"`), so this splits on `, ` outside quotes and unquotes.
 */
export function parseSubjectAltName(text: string | undefined): SubjectAltName[] {
  if (!text) return [];
  const out: SubjectAltName[] = [];
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) break;
    const type = text.slice(i, colon).trim();
    let j = colon + 1;
    let value: string;
    if (text[j] === '"') {
      // JSON string: find the closing quote, honouring backslash escapes.
      let k = j + 1;
      while (k < text.length && text[k] !== '"') k += text[k] === '\\' ? 2 : 1;
      const quoted = text.slice(j, k + 1);
      try {
        value = JSON.parse(quoted) as string;
      } catch {
        value = quoted;
      }
      j = k + 1;
    } else {
      const comma = text.indexOf(', ', j);
      const end = comma < 0 ? text.length : comma;
      value = text.slice(j, end);
      j = end;
    }
    out.push({ type, value });
    // skip the ", " separator
    while (j < text.length && (text[j] === ',' || text[j] === ' ')) j++;
    i = j;
  }
  return out;
}

/**
 * Parse a PEM certificate. `label` names the source in messages (a file path, or 'certificate').
 * Throws `CertificateError` with a specific message: empty, a private key in the certificate
 * file, no PEM block, or OpenSSL's parse error.
 */
export function parseCertificate(pem: string | Buffer, label: string): X509Certificate {
  const text = typeof pem === 'string' ? pem : pem.toString('utf8');
  if (text.trim() === '') throw new CertificateError(`${label}: file is empty`, label);
  if (!text.includes(CERT_BEGIN)) {
    if (KEY_BEGIN_RE.test(text)) {
      throw new CertificateError(
        `${label}: contains a private key, not a certificate (are tls.crt and tls.key swapped?)`,
        label,
      );
    }
    throw new CertificateError(`${label}: not a PEM certificate (no "${CERT_BEGIN}" line)`, label);
  }
  try {
    return new X509Certificate(text);
  } catch (err) {
    throw new CertificateError(`${label}: invalid certificate PEM (${errorText(err)})`, label, {
      cause: err,
    });
  }
}

/**
 * Parse an unencrypted PEM private key (PKCS#1, PKCS#8 or SEC1). Throws `CertificateError`.
 */
export function parsePrivateKey(pem: string | Buffer, label: string): KeyObject {
  const text = typeof pem === 'string' ? pem : pem.toString('utf8');
  if (text.trim() === '') throw new CertificateError(`${label}: file is empty`, label);
  const m = KEY_BEGIN_RE.exec(text);
  if (!m) {
    if (text.includes(CERT_BEGIN)) {
      throw new CertificateError(
        `${label}: contains a certificate, not a private key (are tls.crt and tls.key swapped?)`,
        label,
      );
    }
    throw new CertificateError(
      `${label}: not a PEM private key (no "-----BEGIN PRIVATE KEY-----" line)`,
      label,
    );
  }
  if (m[1] === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,ENCRYPTED/.test(text)) {
    throw new CertificateError(
      `${label}: the private key is encrypted; pullguard needs an unencrypted key`,
      label,
    );
  }
  try {
    return createPrivateKey({ key: text, format: 'pem' });
  } catch (err) {
    throw new CertificateError(`${label}: invalid private key PEM (${errorText(err)})`, label, {
      cause: err,
    });
  }
}

/** A certificate and key that parse and belong together. */
export interface ValidatedKeyPair {
  readonly cert: string;
  readonly key: string;
  readonly info: CertificateInfo;
}

/**
 * Check that `cert` and `key` parse and that the key is the certificate's private key.
 * `certLabel`/`keyLabel` are the file paths used in messages.
 */
export function validateKeyPair(
  cert: string | Buffer,
  key: string | Buffer,
  certLabel = 'certificate',
  keyLabel = 'private key',
): ValidatedKeyPair {
  const x509 = parseCertificate(cert, certLabel);
  const keyObject = parsePrivateKey(key, keyLabel);
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(keyObject);
  } catch {
    // e.g. key type differs from the certificate's key type
    matches = false;
  }
  if (!matches) {
    throw new CertificateError(
      `${keyLabel}: private key does not match the certificate in ${certLabel} ` +
        `(${x509.subject.split('\n').join(', ')}); the pair may be mid-rotation or from different secrets`,
      keyLabel,
    );
  }
  return {
    cert: typeof cert === 'string' ? cert : cert.toString('utf8'),
    key: typeof key === 'string' ? key : key.toString('utf8'),
    info: infoOf(x509),
  };
}

/** A one-line description of a thrown value (no stack). */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Describe a failed fs call on `file` in one line: `tls.key: permission denied (EACCES)`. */
export function fsErrorText(file: string, action: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'is a directory, not a file',
    ENOTDIR: 'a parent path is not a directory',
    EROFS: 'read-only file system',
    ELOOP: 'too many levels of symbolic links',
    ENOSPC: 'no space left on device',
  };
  const why = (code && reason[code]) ?? errorText(err);
  return `${file}: cannot ${action}: ${why}${code ? ` (${code})` : ''}`;
}
