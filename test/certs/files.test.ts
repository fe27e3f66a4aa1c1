import t, { type Test } from 'tap';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { chmod, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { generateCertificates } from '../../src/certs/generate.js';
import { caBundlePatch, ensureCertDir, startupMessage, writeDeploymentInputs } from '../../src/certs/files.js';
import { CertificateError, certificateInfo } from '../../src/certs/pem.js';

const A = generateCertificates();
const B = generateCertificates({ ca: { cert: A.caCert, key: A.caKey } });
const isRoot = process.getuid?.() === 0;

const mode = async (file: string) => (await stat(file)).mode & 0o777;

/** Assert `p` rejects with a CertificateError whose message matches `message`, and carries no stack text. */
async function rejectsWith(t: Test, p: Promise<unknown>, message: RegExp | string, file?: string) {
  try {
    await p;
    t.fail(`expected CertificateError ${String(message)}`);
  } catch (err) {
    t.type(err, CertificateError);
    const e = err as CertificateError;
    if (typeof message === 'string') t.equal(e.message, message);
    else t.match(e.message, message);
    t.notMatch(e.message, /\n\s+at /, 'no stack trace in the message');
    if (file !== undefined) t.equal(e.file, file, 'names the file');
  }
}

/** The kubelet's secret volume layout: tls.crt -> ..data/tls.crt, ..data -> ..<timestamp>/ */
async function kubeletDir(dir: string, files: Record<string, string>) {
  const ts = '..2030_01_01_00_00_00.000000001';
  await mkdir(join(dir, ts), { recursive: true });
  for (const [name, data] of Object.entries(files)) await writeFile(join(dir, ts, name), data);
  await symlink(ts, join(dir, '..data'));
  for (const name of Object.keys(files)) await symlink(join('..data', name), join(dir, name));
}

t.test('empty directory: generates CA + serving pair with private modes', async (t) => {
  const dir = join(t.testdir(), 'nested', 'certs');
  const r = await ensureCertDir(dir);
  t.equal(r.generated, true);
  t.equal(r.reusedCa, false);
  t.equal(r.certFile, join(dir, 'tls.crt'));
  t.equal(r.keyFile, join(dir, 'tls.key'));
  t.equal(r.caFile, join(dir, 'ca.crt'));
  t.same(r.warnings, []);
  t.equal(await mode(join(dir, 'tls.key')), 0o600);
  t.equal(await mode(join(dir, 'ca.key')), 0o600);
  t.equal(await mode(dir), 0o700);
  const ca = new X509Certificate(await readFile(join(dir, 'ca.crt')));
  const leaf = new X509Certificate(await readFile(join(dir, 'tls.crt')));
  t.ok(leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
  t.equal(r.info.fingerprint, leaf.fingerprint256);
  t.ok(r.info.sans.includes('pullguard.pullguard.svc'));
  t.match(startupMessage(r), `generated a self-signed CA at ${join(dir, 'ca.crt')}; use it as the webhook caBundle`);

  // Second start: uses what is there.
  const again = await ensureCertDir(dir);
  t.equal(again.generated, false);
  t.equal(again.info.fingerprint, r.info.fingerprint);
  t.equal(again.caFile, join(dir, 'ca.crt'));
  t.same(again.warnings, []);
  t.match(startupMessage(again), `using serving certificate ${join(dir, 'tls.crt')} (CN=pullguard.pullguard.svc)`);

  // Serving pair removed: re-issued from the kept CA, so caBundle stays valid.
  const caBefore = await readFile(join(dir, 'ca.crt'), 'utf8');
  await rm(join(dir, 'tls.crt'));
  await rm(join(dir, 'tls.key'));
  const reissued = await ensureCertDir(dir, { service: 'svc', namespace: 'ns', hosts: ['10.9.9.9'] });
  t.equal(reissued.generated, true);
  t.equal(reissued.reusedCa, true);
  t.equal(await readFile(join(dir, 'ca.crt'), 'utf8'), caBefore);
  const leaf2 = new X509Certificate(await readFile(join(dir, 'tls.crt')));
  t.ok(leaf2.checkIssued(ca) && leaf2.verify(ca.publicKey));
  t.not(reissued.info.fingerprint, r.info.fingerprint);
  t.ok(reissued.info.sans.includes('svc.ns.svc') && reissued.info.sans.includes('10.9.9.9'));
  t.match(startupMessage(reissued), /issued a new serving certificate .* \(caBundle unchanged\)/);
});

t.test('existing pair, plain files, no ca.crt', async (t) => {
  const dir = t.testdir({ 'tls.crt': A.cert, 'tls.key': A.key });
  const r = await ensureCertDir(dir);
  t.equal(r.generated, false);
  t.equal(r.caFile, undefined);
  t.equal(r.info.fingerprint, certificateInfo(A.cert).fingerprint);
});

t.test('existing pair mounted with the ..data symlink layout', async (t) => {
  const dir = t.testdir();
  await kubeletDir(dir, { 'tls.crt': A.cert, 'tls.key': A.key, 'ca.crt': A.caCert });
  const r = await ensureCertDir(dir);
  t.equal(r.generated, false);
  t.equal(r.caFile, join(dir, 'ca.crt'));
  t.same(r.warnings, []);
  t.equal(r.info.fingerprint, certificateInfo(A.cert).fingerprint);
});

t.test('warnings: expired certificate, unrelated or broken ca.crt', async (t) => {
  const old = generateCertificates({ now: new Date('2020-01-01T00:00:00Z') });
  const dir = t.testdir({ 'tls.crt': old.cert, 'tls.key': old.key, 'ca.crt': B.caCert });
  const r = await ensureCertDir(dir, { now: new Date('2022-01-01T00:00:00Z') });
  t.equal(r.generated, false);
  t.match(r.warnings[0], /tls\.crt: certificate expired on 2020-12-31T00:00:00\.000Z/);
  t.match(r.warnings[1], /ca\.crt: did not directly issue .*tls\.crt/);

  const soon = await ensureCertDir(dir, { now: new Date('2020-12-20T00:00:00Z') });
  t.match(soon.warnings[0], /expires in 11 day\(s\)/);

  const dir2 = t.testdir({ 'tls.crt': A.cert, 'tls.key': A.key, 'ca.crt': 'junk' });
  const r2 = await ensureCertDir(dir2);
  t.equal(r2.caFile, undefined);
  t.match(r2.warnings, [/ca\.crt: not a PEM certificate .*\(ignored\)/]);
});

t.test('only one of tls.crt / tls.key', async (t) => {
  const onlyCert = t.testdir({ 'tls.crt': A.cert });
  await rejectsWith(
    t,
    ensureCertDir(onlyCert),
    `${join(onlyCert, 'tls.key')} is missing but ${join(onlyCert, 'tls.crt')} exists: a TLS secret needs both ` +
      'tls.crt and tls.key. Provide tls.key, or remove tls.crt to let pullguard generate a self-signed pair.',
    join(onlyCert, 'tls.key'),
  );
  const onlyKey = t.testdir({ 'tls.key': A.key });
  await rejectsWith(t, ensureCertDir(onlyKey), /tls\.crt is missing but .*tls\.key exists/, join(onlyKey, 'tls.crt'));
});

t.test('invalid PEM and mismatched keys', async (t) => {
  const cases: [string, Record<string, string>, RegExp, string][] = [
    ['garbage cert', { 'tls.crt': 'hello', 'tls.key': A.key }, /tls\.crt: not a PEM certificate/, 'tls.crt'],
    ['empty cert', { 'tls.crt': '\n', 'tls.key': A.key }, /tls\.crt: file is empty/, 'tls.crt'],
    [
      'truncated cert',
      { 'tls.crt': A.cert.slice(0, 200), 'tls.key': A.key },
      /tls\.crt: invalid certificate PEM \(.+\)/,
      'tls.crt',
    ],
    ['garbage key', { 'tls.crt': A.cert, 'tls.key': 'hello' }, /tls\.key: not a PEM private key/, 'tls.key'],
    [
      'truncated key',
      { 'tls.crt': A.cert, 'tls.key': A.key.slice(0, 300) + '\n-----END PRIVATE KEY-----\n' },
      /tls\.key: invalid private key PEM \(.+\)/,
      'tls.key',
    ],
    ['swapped', { 'tls.crt': A.key, 'tls.key': A.cert }, /tls\.crt: contains a private key.*swapped/, 'tls.crt'],
    [
      'mismatched key',
      { 'tls.crt': A.cert, 'tls.key': B.key },
      /tls\.key: private key does not match the certificate in .*tls\.crt \(CN=pullguard\.pullguard\.svc\)/,
      'tls.key',
    ],
    [
      'encrypted key',
      {
        'tls.crt': A.cert,
        'tls.key': generateKeyPairSync('rsa', {
          modulusLength: 1024,
          publicKeyEncoding: { type: 'spki', format: 'pem' },
          privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' },
        }).privateKey,
      },
      /tls\.key: the private key is encrypted/,
      'tls.key',
    ],
  ];
  for (const [name, files, message, file] of cases) {
    const dir = t.testdir(files);
    await t.test(name, async (t) => rejectsWith(t, ensureCertDir(dir), message, join(dir, file)));
  }
});

t.test('dangling symlink is reported, not treated as missing', async (t) => {
  const dir = t.testdir({ 'tls.key': A.key });
  await symlink('..data/tls.crt', join(dir, 'tls.crt'));
  await rejectsWith(
    t,
    ensureCertDir(dir),
    /tls\.crt: is a symbolic link to \.\.data\/tls\.crt, which does not exist/,
    join(dir, 'tls.crt'),
  );
});

t.test('unreadable file and unwritable directory', { skip: isRoot && 'running as root' }, async (t) => {
  const dir = t.testdir({ 'tls.crt': A.cert, 'tls.key': A.key });
  await chmod(join(dir, 'tls.key'), 0o000);
  await rejectsWith(t, ensureCertDir(dir), /tls\.key: cannot read: permission denied \(EACCES\)/);
  await chmod(join(dir, 'tls.key'), 0o600);

  const ro = t.testdir();
  await chmod(ro, 0o500);
  t.teardown(() => chmod(ro, 0o700));
  await rejectsWith(t, ensureCertDir(ro), /ca\.key: cannot write: permission denied \(EACCES\)/);
});

t.test('file system problems (any user)', async (t) => {
  const dir = t.testdir({ 'tls.crt': A.cert, 'tls.key': {} });
  await rejectsWith(
    t,
    ensureCertDir(dir),
    `${join(dir, 'tls.key')}: cannot read: is a directory, not a file (EISDIR)`,
    join(dir, 'tls.key'),
  );
  const file = join(t.testdir({ f: 'x' }), 'f');
  await rejectsWith(t, ensureCertDir(file), /f\/tls\.crt: cannot access: a parent path is not a directory \(ENOTDIR\)/);
});

t.test('kept CA problems', async (t) => {
  const onlyCa = t.testdir({ 'ca.crt': A.caCert });
  await rejectsWith(t, ensureCertDir(onlyCa), /ca\.key is missing but .*ca\.crt exists/, join(onlyCa, 'ca.key'));
  const mismatched = t.testdir({ 'ca.crt': A.caCert, 'ca.key': B.key });
  await rejectsWith(t, ensureCertDir(mismatched), /ca\.key: private key does not match the certificate in .*ca\.crt/);
  const notCa = t.testdir({ 'ca.crt': A.cert, 'ca.key': A.key });
  await rejectsWith(t, ensureCertDir(notCa), /ca\.crt: not a CA certificate/);
});

t.test('writeDeploymentInputs: kustomize inputs', async (t) => {
  const dir = join(t.testdir(), 'out');
  const r = await writeDeploymentInputs(dir, { service: 'pg', namespace: 'infra' });
  t.equal(r.reusedCa, false);
  const [crt, key, caCrt, patchText] = await Promise.all(
    ['tls.crt', 'tls.key', 'ca.crt', 'caBundle-patch.yaml'].map((f) => readFile(join(dir, f), 'utf8')),
  );
  t.equal(await mode(join(dir, 'tls.key')), 0o600);
  t.equal(await mode(join(dir, 'ca.key')), 0o600);
  t.equal(r.patchFile, join(dir, 'caBundle-patch.yaml'));
  const ca = new X509Certificate(caCrt!);
  const leaf = new X509Certificate(crt!);
  t.ok(leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
  t.ok(leaf.checkHost('pg.infra.svc'));
  t.ok(key!.startsWith('-----BEGIN PRIVATE KEY-----'));

  const patch = parseYaml(patchText!) as Record<string, unknown>;
  const caBundle = Buffer.from(caCrt!).toString('base64');
  t.same(patch, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'pullguard' },
    webhooks: [{ name: 'pullguard.pullguard.io', clientConfig: { caBundle } }],
  });
  t.equal(Buffer.from(caBundle, 'base64').toString('utf8'), caCrt);
  t.equal(patchText, caBundlePatch(caCrt!));

  // Re-run: new serving cert from the same CA; patch unchanged.
  const again = await writeDeploymentInputs(dir, { service: 'pg', namespace: 'infra' });
  t.equal(again.reusedCa, true);
  t.equal(await readFile(join(dir, 'ca.crt'), 'utf8'), caCrt);
  t.equal(await readFile(join(dir, 'caBundle-patch.yaml'), 'utf8'), patchText);
  t.not(again.info.fingerprint, r.info.fingerprint);

  // newCa: a different CA and patch.
  const fresh = await writeDeploymentInputs(dir, { newCa: true });
  t.equal(fresh.reusedCa, false);
  t.not(await readFile(join(dir, 'ca.crt'), 'utf8'), caCrt);
  t.not(await readFile(join(dir, 'caBundle-patch.yaml'), 'utf8'), patchText);
  t.not(fresh.caInfo.fingerprint, again.caInfo.fingerprint);
});
