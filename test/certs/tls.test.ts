import t, { type Test } from 'tap';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify from 'fastify';
import { generateCertificates } from '../../src/certs/generate.js';
import { CertificateReloader, type CertLogger } from '../../src/certs/reload.js';
import { certificateInfo } from '../../src/certs/pem.js';

// One CA, three serving pairs issued by it (re-issue = one keygen each, fast).
const A = generateCertificates();
const ca = { cert: A.caCert, key: A.caKey };
const B = generateCertificates({ ca });
const C = generateCertificates({ ca });
const fpA = certificateInfo(A.cert).fingerprint;
const fpB = certificateInfo(B.cert).fingerprint;
const fpC = certificateInfo(C.cert).fingerprint;

const WAIT_MS = 4000;

/** TLS handshake against 127.0.0.1:port; resolves the presented certificate's SHA-256 fingerprint. */
function handshake(port: number, servername?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = tls.connect(
      { host: '127.0.0.1', port, ca: A.caCert, rejectUnauthorized: true, ...(servername ? { servername } : {}) },
      () => {
        const fp = sock.getPeerCertificate().fingerprint256;
        sock.destroy();
        resolve(fp);
      },
    );
    sock.on('error', (err) => {
      sock.destroy();
      reject(err);
    });
  });
}

/** Poll `fn` until it returns true; fails after WAIT_MS. */
async function waitFor(what: string, fn: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const servedIs = (port: number, fp: string) => async () => (await handshake(port, 'pullguard.pullguard.svc')) === fp;

/** Records log calls. */
function recorder() {
  const entries: { level: 'info' | 'warn'; obj: Record<string, unknown>; msg: string }[] = [];
  const logger: CertLogger = {
    info: (obj, msg) => entries.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
    warn: (obj, msg) => entries.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
  };
  return { logger, entries, warnings: () => entries.filter((e) => e.level === 'warn') };
}

/** Replace a file the way most tools and `kubectl cp`-style updates do: temp file + rename. */
async function replace(file: string, data: string): Promise<void> {
  await writeFile(`${file}.tmp`, data);
  await rename(`${file}.tmp`, file);
}

/** The kubelet's AtomicWriter: new timestamped dir, `..data_tmp` symlink renamed over `..data`. */
let generation = 0;
async function kubeletWrite(dir: string, files: Record<string, string>): Promise<void> {
  const ts = `..2030_01_01_00_00_00.${String(++generation).padStart(9, '0')}`;
  await mkdir(join(dir, ts));
  for (const [name, data] of Object.entries(files)) await writeFile(join(dir, ts, name), data, { mode: 0o600 });
  let old: string | undefined;
  try {
    const { readlink } = await import('node:fs/promises');
    old = await readlink(join(dir, '..data'));
  } catch {
    old = undefined;
  }
  await symlink(ts, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  if (old === undefined) {
    for (const name of Object.keys(files)) await symlink(join('..data', name), join(dir, name));
  } else {
    await rm(join(dir, old), { recursive: true });
  }
}

async function startHttps(t: Test, reloader: CertificateReloader): Promise<number> {
  const server = https.createServer(reloader.tlsOptions(), (_req, res) => res.end('ok'));
  reloader.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    reloader.close();
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as AddressInfo).port;
}

t.test('TLS handshake with the generated certificate', async (t) => {
  const dir = t.testdir({ 'tls.crt': A.cert, 'tls.key': A.key });
  const reloader = await CertificateReloader.load({ certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') });
  const port = await startHttps(t, reloader);

  t.equal(await handshake(port, 'pullguard.pullguard.svc'), fpA, 'by service DNS name (SNI)');
  t.equal(await handshake(port, 'pullguard.pullguard.svc.cluster.local'), fpA);
  t.equal(await handshake(port), fpA, 'by IP 127.0.0.1 (no SNI; IP SAN)');
  await t.rejects(handshake(port, 'wrong.example.com'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, 'verification is on');

  const body = await new Promise<string>((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path: '/', ca: A.caCert, agent: false }, (res) => {
        let s = '';
        res.on('data', (d: Buffer) => (s += d.toString()));
        res.on('end', () => resolve(s));
      })
      .on('error', reject);
  });
  t.equal(body, 'ok', 'HTTPS request by IP');
});

t.test('rotation on a Fastify server: temp+rename, key before cert, broken pair', async (t) => {
  const dir = t.testdir({ 'tls.crt': A.cert, 'tls.key': A.key });
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  const log = recorder();
  const reloads: string[] = [];
  const reloader = await CertificateReloader.load({
    certFile,
    keyFile,
    tlsOptions: { minVersion: 'TLSv1.2' },
    onReload: (info) => reloads.push(info.fingerprint),
  });
  const app = Fastify({ https: reloader.tlsOptions() });
  reloader.setLogger(app.log); // type check: Fastify's logger satisfies CertLogger
  reloader.setLogger(log.logger); // …but record, for the assertions
  app.get('/', async () => 'ok');
  reloader.attach(app.server); // typed http.Server by Fastify, an https.Server at run time
  app.addHook('onClose', async () => reloader.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const port = (app.server.address() as AddressInfo).port;
  t.equal(await handshake(port), fpA);

  // Key written before cert: the intermediate (cert A, key B) is rejected and logged, A keeps serving.
  await replace(keyFile, B.key);
  await waitFor('a warning about the mismatched pair', () => log.warnings().length >= 1);
  t.match(log.warnings()[0]!.obj.err, /tls\.key: private key does not match the certificate in .*tls\.crt/);
  t.equal(await handshake(port), fpA, 'still serving A');
  t.equal(reloader.info.fingerprint, fpA);

  // Cert arrives: retried on that event, B now served.
  await replace(certFile, B.cert);
  await waitFor('B to be served', servedIs(port, fpB));
  t.equal(await handshake(port), fpB, 'by IP too');
  t.equal(reloader.info.fingerprint, fpB);
  t.same(reloads, [fpB]);
  const info = log.entries.find((e) => e.level === 'info');
  t.match(info, { msg: 'reloaded TLS certificate', obj: { fingerprint: fpB, previousFingerprint: fpA } });

  // Garbage: logged, B kept.
  const before = log.warnings().length;
  await replace(certFile, 'not a certificate');
  await waitFor('a warning about the broken certificate', () => log.warnings().length > before);
  t.match(log.warnings().at(-1)!.obj.err, /tls\.crt: not a PEM certificate/);
  t.equal(await handshake(port), fpB, 'still serving B');

  // Fixed again: C.
  await replace(keyFile, C.key);
  await replace(certFile, C.cert);
  await waitFor('C to be served', servedIs(port, fpC));
  const res = await app.inject({ method: 'GET', url: '/' });
  t.equal(res.body, 'ok');
});

t.test('rotation via the kubelet ..data symlink swap', async (t) => {
  const dir = t.testdir();
  await kubeletWrite(dir, { 'tls.crt': A.cert, 'tls.key': A.key, 'ca.crt': A.caCert });
  const log = recorder();
  const reloader = await CertificateReloader.load({
    certFile: join(dir, 'tls.crt'),
    keyFile: join(dir, 'tls.key'),
    logger: log.logger,
  });
  const port = await startHttps(t, reloader);
  t.equal(await handshake(port), fpA);

  await kubeletWrite(dir, { 'tls.crt': B.cert, 'tls.key': B.key, 'ca.crt': A.caCert });
  await waitFor('B to be served', servedIs(port, fpB));
  t.equal(await handshake(port), fpB);

  // A broken secret (cert C with key B): B kept.
  await kubeletWrite(dir, { 'tls.crt': C.cert, 'tls.key': B.key, 'ca.crt': A.caCert });
  await waitFor('a warning', () => log.warnings().length >= 1);
  t.match(log.warnings()[0]!.obj.err, /does not match/);
  t.equal(await handshake(port), fpB, 'still serving B');
  const warned = log.warnings().length;
  t.equal(await reloader.reload(), false);
  t.equal(await reloader.reload(), false);
  t.equal(log.warnings().length, warned, 'one warning per bad pair, not per retry');

  await kubeletWrite(dir, { 'tls.crt': C.cert, 'tls.key': C.key, 'ca.crt': A.caCert });
  await waitFor('C to be served', servedIs(port, fpC));
});

t.test('poll fallback without fs.watch', async (t) => {
  const dir = t.testdir({ 'tls.crt': A.cert, 'tls.key': A.key });
  const reloader = await CertificateReloader.load({
    certFile: join(dir, 'tls.crt'),
    keyFile: join(dir, 'tls.key'),
    watch: false,
    pollIntervalMs: 50,
  });
  const port = await startHttps(t, reloader);
  await replace(join(dir, 'tls.key'), B.key);
  await replace(join(dir, 'tls.crt'), B.cert);
  await waitFor('B to be served', servedIs(port, fpB));
  t.pass('polled');
});

t.test('secureContext() for an SNICallback follows reloads', async (t) => {
  const dir = t.testdir({ 'tls.crt': A.cert, 'tls.key': A.key });
  const reloader = await CertificateReloader.load({ certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') });
  t.teardown(() => reloader.close());
  const server = tls.createServer({
    ...reloader.tlsOptions(),
    SNICallback: (_name, cb) => cb(null, reloader.secureContext()),
  });
  server.on('secureConnection', (s) => s.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as AddressInfo).port;
  t.equal(await handshake(port, 'pullguard'), fpA);
  await replace(join(dir, 'tls.key'), B.key);
  await replace(join(dir, 'tls.crt'), B.cert);
  t.equal(await reloader.reload(), true, 'explicit reload installs B');
  t.equal(await handshake(port, 'pullguard'), fpB, 'SNI clients get B');
  t.equal(await handshake(port), fpA, 'clients without SNI (IP) do not: why attach() is the way');
});

t.test('load errors and close()', async (t) => {
  const dir = t.testdir({ 'tls.crt': A.cert, 'tls.key': B.key, 'ok.crt': A.cert, 'ok.key': A.key });
  await t.rejects(
    CertificateReloader.load({ certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') }),
    { name: 'CertificateError', message: /tls\.key: private key does not match/ },
  );
  await t.rejects(
    CertificateReloader.load({ certFile: join(dir, 'missing.crt'), keyFile: join(dir, 'tls.key') }),
    { name: 'CertificateError', message: /missing\.crt: cannot read: no such file \(ENOENT\)/ },
  );

  const reloader = await CertificateReloader.load({ certFile: join(dir, 'ok.crt'), keyFile: join(dir, 'ok.key') });
  t.equal(reloader.active, true);
  t.throws(() => reloader.attach(http.createServer()), TypeError, 'plain HTTP server');
  reloader.close();
  reloader.close();
  t.equal(reloader.active, false, 'no watchers or timers left');
  await replace(join(dir, 'ok.key'), B.key);
  await replace(join(dir, 'ok.crt'), B.cert);
  t.equal(await reloader.reload(), false, 'closed: no reload');
  t.equal(reloader.info.fingerprint, fpA);
});
