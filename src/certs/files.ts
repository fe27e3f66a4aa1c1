/**
 * Certificate files on disk.
 *
 * Layout (the keys of a `kubernetes.io/tls` Secret, so a mounted secret works unchanged):
 *   tls.crt   serving certificate (may hold a chain; the first certificate is the leaf)
 *   tls.key   its private key                                    (mode 0600 when we write it)
 *   ca.crt    the CA that signed tls.crt: the webhook's caBundle (optional when mounted)
 *   ca.key    that CA's private key                              (mode 0600; only when we generated the CA)
 *
 * Why ca.key is kept: the serving certificate is valid for LEAF_VALIDITY_DAYS, the CA for
 * CA_VALIDITY_DAYS. With ca.key, deleting tls.crt/tls.key (or re-running `pullguard certs --out`)
 * re-issues the serving certificate from the *same* CA, so the caBundle already in the
 * ValidatingWebhookConfiguration stays valid and nothing in the cluster has to change. Without it,
 * every re-issue would be a new CA and a caBundle update. The key's power is limited: the CA is only
 * trusted through this one webhook's caBundle. It is written 0600 and never needed at run time, nor
 * by kustomize; keep it out of version control and out of the Secret.
 */
import { lstat, mkdir, readFile, readlink, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { generateCertificates, type GenerateOptions, type GeneratedCertificates } from './generate.js';
import {
  CertificateError,
  type CertificateInfo,
  certificateInfo,
  errorText,
  fsErrorText,
  parseCertificate,
  validateKeyPair,
} from './pem.js';

export const CERT_FILE = 'tls.crt';
export const KEY_FILE = 'tls.key';
export const CA_CERT_FILE = 'ca.crt';
export const CA_KEY_FILE = 'ca.key';
export const CA_BUNDLE_PATCH_FILE = 'caBundle-patch.yaml';

/** metadata.name of the ValidatingWebhookConfiguration in manifests/. */
export const WEBHOOK_CONFIGURATION_NAME = 'pullguard';
/** webhooks[].name inside it (the strategic-merge key). */
export const WEBHOOK_NAME = 'pullguard.pullguard.io';

/** A serving certificate expiring sooner than this produces a warning. */
export const EXPIRY_WARNING_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;
const PRIVATE_MODE = 0o600;
const PUBLIC_MODE = 0o644;

export type EnsureCertDirOptions = Pick<GenerateOptions, 'service' | 'namespace' | 'hosts' | 'now'>;

export interface EnsureCertDirResult {
  /** True when tls.crt/tls.key were written by this call. */
  readonly generated: boolean;
  /** True when they were issued from an existing ca.crt/ca.key (caBundle unchanged). */
  readonly reusedCa: boolean;
  readonly certFile: string;
  readonly keyFile: string;
  /** `dir/ca.crt` when it exists (always after generating; cert-manager secrets have one too). */
  readonly caFile?: string;
  /** The serving certificate, for the start-up log. */
  readonly info: CertificateInfo;
  /** Non-fatal problems for the start-up log: expired, expiring soon, not yet valid. */
  readonly warnings: string[];
}

/**
 * Make sure `dir` holds a usable serving certificate and key.
 *
 * - `tls.crt` and `tls.key` both exist (a mounted TLS Secret, including the kubelet's `..data`
 *   symlink layout): validate them (parse, key matches) and use them.
 * - neither exists: issue a serving certificate, from `ca.crt`+`ca.key` when both exist, else
 *   from a newly generated CA, and write the files (keys 0600). Creates `dir` if needed.
 * - exactly one exists, a PEM is invalid, the key does not match, a file is unreadable, or the
 *   directory is read-only: throws `CertificateError` naming the file and the problem.
 */
export async function ensureCertDir(dir: string, opts: EnsureCertDirOptions = {}): Promise<EnsureCertDirResult> {
  const certFile = join(dir, CERT_FILE);
  const keyFile = join(dir, KEY_FILE);
  const caFile = join(dir, CA_CERT_FILE);
  const caKeyFile = join(dir, CA_KEY_FILE);
  const now = opts.now ?? new Date();

  // Sequential, not Promise.all: when both fail, the message should deterministically name tls.crt.
  const haveCert = await exists(certFile);
  const haveKey = await exists(keyFile);
  if (haveCert && haveKey) {
    const cert = await readText(certFile);
    const key = await readText(keyFile);
    const pair = validateKeyPair(cert, key, certFile, keyFile);
    const warnings = validityWarnings(certFile, pair.info, now);
    // ca.crt is optional here and not needed to serve: a bad one is a warning, not a failure.
    let haveCa = false;
    try {
      haveCa = await exists(caFile);
      if (haveCa) {
        const ca = parseCertificate(await readText(caFile), caFile);
        if (!parseCertificate(cert, certFile).checkIssued(ca)) {
          warnings.push(
            `${caFile}: did not directly issue ${certFile}; unless tls.crt chains up to it, it is the wrong caBundle`,
          );
        }
      }
    } catch (err) {
      haveCa = false;
      warnings.push(`${errorText(err)} (ignored)`);
    }
    return {
      generated: false,
      reusedCa: false,
      certFile,
      keyFile,
      ...(haveCa ? { caFile } : {}),
      info: pair.info,
      warnings,
    };
  }
  if (haveCert !== haveKey) {
    const [found, missing] = haveCert ? [certFile, keyFile] : [keyFile, certFile];
    throw new CertificateError(
      `${missing} is missing but ${found} exists: a TLS secret needs both ${CERT_FILE} and ${KEY_FILE}. ` +
        `Provide ${basename(missing)}, or remove ${basename(found)} to let pullguard generate a self-signed pair.`,
      missing,
    );
  }

  const ca = await loadKeptCa(caFile, caKeyFile);
  const generated = await issueInto(dir, opts, ca);
  return {
    generated: true,
    reusedCa: ca !== undefined,
    certFile,
    keyFile,
    caFile,
    info: certificateInfo(generated.cert),
    warnings: [],
  };
}

/**
 * One line for the start-up log describing what `ensureCertDir` did, e.g.
 * `generated a self-signed CA at certs/ca.crt; use it as the webhook caBundle …`.
 * Log `result.info` (subject, sans, notAfter, fingerprint) and `result.warnings` alongside.
 */
export function startupMessage(result: EnsureCertDirResult): string {
  const expires = result.info.notAfter.toISOString();
  if (result.generated && !result.reusedCa) {
    return (
      `generated a self-signed CA at ${result.caFile}; use it as the webhook caBundle ` +
      `(or run "pullguard certs --out DIR" for kustomize inputs). Serving certificate ${result.certFile} ` +
      `expires ${expires}`
    );
  }
  if (result.generated) {
    return `issued a new serving certificate ${result.certFile} from the CA at ${result.caFile} (caBundle unchanged); expires ${expires}`;
  }
  return `using serving certificate ${result.certFile} (${result.info.subject}); expires ${expires}`;
}

export interface DeploymentInputsOptions extends Pick<GenerateOptions, 'service' | 'namespace' | 'hosts' | 'now'> {
  /** Generate a new CA even when `dir` already has ca.crt + ca.key (default: re-use them). */
  readonly newCa?: boolean;
  readonly webhookConfigurationName?: string;
  readonly webhookName?: string;
}

export interface DeploymentInputsResult {
  readonly dir: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
  readonly caKeyFile: string;
  readonly patchFile: string;
  /** True when the serving certificate was issued from an existing ca.crt/ca.key in `dir`. */
  readonly reusedCa: boolean;
  readonly info: CertificateInfo;
  readonly caInfo: CertificateInfo;
}

/**
 * `pullguard certs --out DIR`: write kustomize inputs for an in-cluster install.
 *
 *   tls.crt, tls.key        for `secretGenerator` (type kubernetes.io/tls)
 *   ca.crt, ca.key          the CA (ca.key: re-running re-issues tls.* from the same CA, see top of file)
 *   caBundle-patch.yaml     strategic-merge patch setting the webhook's clientConfig.caBundle
 *
 * tls.crt/tls.key/caBundle-patch.yaml are always rewritten; ca.* only when new.
 */
export async function writeDeploymentInputs(
  dir: string,
  opts: DeploymentInputsOptions = {},
): Promise<DeploymentInputsResult> {
  const certFile = join(dir, CERT_FILE);
  const keyFile = join(dir, KEY_FILE);
  const caFile = join(dir, CA_CERT_FILE);
  const caKeyFile = join(dir, CA_KEY_FILE);
  const patchFile = join(dir, CA_BUNDLE_PATCH_FILE);

  const ca = opts.newCa ? undefined : await loadKeptCa(caFile, caKeyFile);
  const generated = await issueInto(dir, opts, ca);
  await writeAtomic(
    patchFile,
    caBundlePatch(generated.caCert, {
      webhookConfigurationName: opts.webhookConfigurationName,
      webhookName: opts.webhookName,
    }),
    PUBLIC_MODE,
  );
  return {
    dir,
    certFile,
    keyFile,
    caFile,
    caKeyFile,
    patchFile,
    reusedCa: ca !== undefined,
    info: certificateInfo(generated.cert),
    caInfo: certificateInfo(generated.caCert),
  };
}

/**
 * The caBundle patch (YAML text): a strategic-merge patch for the ValidatingWebhookConfiguration.
 * `webhooks` merges by `name` (patchMergeKey in the Kubernetes API), so only this webhook's
 * `clientConfig.caBundle` is set and everything else in the base manifest is kept.
 */
export function caBundlePatch(
  caCertPem: string,
  names: { webhookConfigurationName?: string | undefined; webhookName?: string | undefined } = {},
): string {
  const caBundle = Buffer.from(caCertPem, 'utf8').toString('base64');
  const config = names.webhookConfigurationName ?? WEBHOOK_CONFIGURATION_NAME;
  const webhook = names.webhookName ?? WEBHOOK_NAME;
  return [
    '# Generated by `pullguard certs`. Sets the CA that signed tls.crt as the webhook caBundle.',
    '# Strategic-merge patch: list it under `patches:` in kustomization.yaml.',
    'apiVersion: admissionregistration.k8s.io/v1',
    'kind: ValidatingWebhookConfiguration',
    'metadata:',
    `  name: ${JSON.stringify(config)}`,
    'webhooks:',
    `  - name: ${JSON.stringify(webhook)}`,
    '    clientConfig:',
    `      caBundle: ${caBundle}`,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------

interface KeptCa {
  readonly cert: string;
  readonly key: string;
  readonly certFile: string;
}

/** ca.crt + ca.key when both exist and match; undefined when neither exists; else an error. */
async function loadKeptCa(caFile: string, caKeyFile: string): Promise<KeptCa | undefined> {
  const haveCa = await exists(caFile);
  const haveCaKey = await exists(caKeyFile);
  if (!haveCa && !haveCaKey) return undefined;
  if (haveCa !== haveCaKey) {
    const [found, missing] = haveCa ? [caFile, caKeyFile] : [caKeyFile, caFile];
    throw new CertificateError(
      `${missing} is missing but ${found} exists: cannot issue a serving certificate from this CA. ` +
        `Restore ${basename(missing)}, or remove ${basename(found)} to generate a new CA ` +
        '(the webhook caBundle must then be updated).',
      missing,
    );
  }
  const cert = await readText(caFile);
  const key = await readText(caKeyFile);
  validateKeyPair(cert, key, caFile, caKeyFile);
  const x509 = parseCertificate(cert, caFile);
  if (!x509.ca) throw new CertificateError(`${caFile}: not a CA certificate (basicConstraints CA:FALSE)`, caFile);
  return { cert, key, certFile: caFile };
}

/**
 * Issue a serving pair (from `ca` when kept, else from a new CA) and write it into `dir`: the CA files
 * only when new, keys 0600. The one place both ensureCertDir and writeDeploymentInputs write certs.
 */
async function issueInto(dir: string, opts: GenerateOptions, ca: KeptCa | undefined): Promise<GeneratedCertificates> {
  const generated = issue(opts, ca);
  await makeDir(dir);
  if (!ca) {
    await writeAtomic(join(dir, CA_KEY_FILE), generated.caKey, PRIVATE_MODE);
    await writeAtomic(join(dir, CA_CERT_FILE), generated.caCert, PUBLIC_MODE);
  }
  await writeAtomic(join(dir, KEY_FILE), generated.key, PRIVATE_MODE);
  await writeAtomic(join(dir, CERT_FILE), generated.cert, PUBLIC_MODE);
  return generated;
}

function issue(opts: GenerateOptions, ca: KeptCa | undefined): GeneratedCertificates {
  try {
    return generateCertificates({
      ...(opts.service !== undefined ? { service: opts.service } : {}),
      ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
      ...(opts.hosts !== undefined ? { hosts: opts.hosts } : {}),
      ...(opts.now !== undefined ? { now: opts.now } : {}),
      ...(ca ? { ca: { cert: ca.cert, key: ca.key } } : {}),
    });
  } catch (err) {
    if (ca && err instanceof CertificateError && err.file === undefined) {
      throw new CertificateError(`${ca.certFile}: ${err.message}`, ca.certFile, { cause: err });
    }
    throw err;
  }
}

function validityWarnings(file: string, info: CertificateInfo, now: Date): string[] {
  const out: string[] = [];
  const left = info.notAfter.getTime() - now.getTime();
  if (left <= 0) {
    out.push(`${file}: certificate expired on ${info.notAfter.toISOString()}; the API server will reject it`);
  } else if (left < EXPIRY_WARNING_DAYS * DAY_MS) {
    out.push(`${file}: certificate expires in ${Math.ceil(left / DAY_MS)} day(s), on ${info.notAfter.toISOString()}`);
  }
  if (info.notBefore.getTime() > now.getTime()) {
    out.push(`${file}: certificate is not valid until ${info.notBefore.toISOString()} (clock skew?)`);
  }
  return out;
}

/**
 * Whether `file` exists, following symlinks (a mounted secret's `tls.crt -> ..data/tls.crt`).
 * A dangling symlink is an error, not "missing": it means a broken secret mount.
 */
async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new CertificateError(fsErrorText(file, 'access', err), file, { cause: err });
    }
  }
  try {
    const st = await lstat(file);
    if (st.isSymbolicLink()) {
      const target = await readlink(file).catch(() => '?');
      throw new CertificateError(`${file}: is a symbolic link to ${target}, which does not exist`, file);
    }
  } catch (err) {
    if (err instanceof CertificateError) throw err;
  }
  return false;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new CertificateError(fsErrorText(file, 'read', err), file, { cause: err });
  }
}

async function makeDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new CertificateError(fsErrorText(dir, 'create directory', err), dir, { cause: err });
  }
}

/**
 * Write via a temporary file in the same directory + rename, so a reader (the reloader, a
 * concurrently starting replica) never sees a half-written file, and the mode applies from creation.
 */
async function writeAtomic(file: string, data: string, mode: number): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, data, { mode, flag: 'wx' });
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new CertificateError(fsErrorText(file, 'write', err), file, { cause: err });
  }
}
