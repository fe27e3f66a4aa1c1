// Servers on 127.0.0.1 that misbehave: every check comes back `unreachable` with its sub-cause, and
// always by the caller's deadline (plus small slack) — never later.
import t from 'tap';
import type { LookupFunction } from 'node:net';
import { imageRef } from '../helpers/registry.js';
import { startFaultServer, type FaultKind } from '../helpers/registry-faults.js';
import { makeTestPki } from '../helpers/registry-pki.js';
import { RegistryChecker, type UnreachableCause } from '../../src/registry/index.js';

/** Slack on top of a deadline: timers and event-loop latency on a loaded 2-core machine. */
const SLACK_MS = 400;

interface Case {
  readonly name: string;
  readonly kind: FaultKind;
  readonly tls: boolean;
  readonly cause: UnreachableCause;
  readonly deadlineMs: number;
  readonly status?: number;
}

const cases: Case[] = [
  { name: 'accepts and never answers (HTTP)', kind: 'hang', tls: false, cause: 'timeout', deadlineMs: 500 },
  { name: 'accepts and never answers (TLS handshake hangs)', kind: 'hang', tls: true, cause: 'timeout', deadlineMs: 500 },
  { name: 'resets the connection (HTTP)', kind: 'reset', tls: false, cause: 'reset', deadlineMs: 3000 },
  { name: 'resets the connection (TLS)', kind: 'reset', tls: true, cause: 'reset', deadlineMs: 3000 },
  { name: 'answers garbage (HTTP)', kind: 'garbage', tls: false, cause: 'protocol', deadlineMs: 3000 },
  { name: 'answers garbage (TLS)', kind: 'garbage', tls: true, cause: 'tls', deadlineMs: 3000 },
  { name: 'answers 500', kind: 'status-500', tls: false, cause: 'server-error', deadlineMs: 3000, status: 500 },
  { name: 'answers with a 256 KiB header', kind: 'huge-headers', tls: false, cause: 'protocol', deadlineMs: 3000 },
  { name: 'refuses connections', kind: 'refused', tls: false, cause: 'connect-refused', deadlineMs: 3000 },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const server = await startFaultServer(c.kind, t);
    const checker = new RegistryChecker({
      registries: { [server.host]: { plainHttp: !c.tls } },
      breaker: { failureThreshold: 100 },
      requestTimeoutMs: 10_000,
    });
    t.teardown(() => checker.close());
    const started = Date.now();
    const o = await checker.check(imageRef(server.host, 'team/app', { tag: '1.0' }), { deadline: started + c.deadlineMs });
    const elapsed = Date.now() - started;
    t.equal(o.kind, 'unreachable', o.detail);
    if (o.kind !== 'unreachable') return;
    t.equal(o.cause, c.cause, o.detail);
    if (c.status !== undefined) t.equal(o.status, c.status);
    t.ok(elapsed <= c.deadlineMs + SLACK_MS, `answered in ${elapsed} ms (deadline ${c.deadlineMs} ms)`);
    t.equal(o.registry, server.host);
    t.equal(o.repository, 'team/app');
  });
}

t.test('per-registry request timeout cuts a hanging server before a long caller deadline', async (t) => {
  const server = await startFaultServer('hang', t);
  const checker = new RegistryChecker({ registries: { [server.host]: { plainHttp: true, timeoutMs: 300 } } });
  t.teardown(() => checker.close());
  const started = Date.now();
  const o = await checker.check(imageRef(server.host, 'a/b', { tag: '1' }), { deadline: started + 10_000 });
  const elapsed = Date.now() - started;
  t.equal(o.kind === 'unreachable' && o.cause, 'timeout', o.detail);
  t.ok(elapsed >= 250 && elapsed <= 300 + SLACK_MS, `answered in ${elapsed} ms`);
});

t.test('a TLS handshake that hangs is cut by the request timeout too (not the connect timeout)', async (t) => {
  const server = await startFaultServer('hang', t);
  const checker = new RegistryChecker({ registries: { [server.host]: { timeoutMs: 300 } }, connectTimeoutMs: 10_000 });
  t.teardown(() => checker.close());
  const started = Date.now();
  const o = await checker.check(imageRef(server.host, 'a/b', { tag: '1' }));
  t.equal(o.kind === 'unreachable' && o.cause, 'timeout', o.detail);
  t.ok(Date.now() - started <= 300 + SLACK_MS);
});

t.test('the caller AbortSignal ends the wait at once', async (t) => {
  const server = await startFaultServer('hang', t);
  const checker = new RegistryChecker({ registries: { [server.host]: { plainHttp: true } } });
  t.teardown(() => checker.close());
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const started = Date.now();
  const o = await checker.check(imageRef(server.host, 'a/b', { tag: '1' }), { signal: ac.signal });
  t.equal(o.kind === 'unreachable' && o.cause, 'timeout');
  t.ok(Date.now() - started <= 100 + SLACK_MS);
});

t.test('many concurrent callers with different deadlines each get their answer by their own deadline', async (t) => {
  const server = await startFaultServer('hang', t);
  const checker = new RegistryChecker({ registries: { [server.host]: { plainHttp: true } }, requestTimeoutMs: 5000 });
  t.teardown(() => checker.close());
  const ref = imageRef(server.host, 'a/b', { tag: '1' });
  const started = Date.now();
  const deadlines = [200, 400, 600, 800];
  const results = await Promise.all(
    deadlines.map(async (d) => {
      const o = await checker.check(ref, { deadline: started + d });
      return { d, o, at: Date.now() - started };
    }),
  );
  for (const r of results) {
    t.equal(r.o.kind === 'unreachable' && r.o.cause, 'timeout');
    t.ok(r.at >= r.d - 20 && r.at <= r.d + SLACK_MS, `deadline ${r.d}: answered at ${r.at}`);
  }
  t.ok(server.connections <= 2, `one shared lookup (${server.connections} connection(s))`);
});

t.test('DNS failure is unreachable (dns)', async (t) => {
  const lookup: LookupFunction = (hostname, _options, callback) => {
    const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
    process.nextTick(() => (callback as (e: Error) => void)(err));
  };
  const checker = new RegistryChecker({ lookup });
  t.teardown(() => checker.close());
  const o = await checker.check(imageRef('registry.does-not-exist.test', 'a/b', { tag: '1' }), { deadline: Date.now() + 3000 });
  t.equal(o.kind === 'unreachable' && o.cause, 'dns', o.detail);
});

t.test('a token realm that hangs: unreachable (timeout) by the deadline', async (t) => {
  // A tiny fake: /v2/ answers a Bearer challenge pointing at a realm that never answers.
  const realm = await startFaultServer('hang', t);
  const { createServer } = await import('node:http');
  const api = createServer((req, res) => {
    res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${realm.host}/token",service="svc"`, 'content-type': 'application/json' });
    res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => new Promise<void>((r) => api.close(() => r())));
  const host = `127.0.0.1:${(api.address() as { port: number }).port}`;
  const checker = new RegistryChecker({ registries: { [host]: { plainHttp: true } } });
  t.teardown(() => checker.close());
  const started = Date.now();
  const o = await checker.check(imageRef(host, 'a/b', { tag: '1' }), { deadline: started + 500 });
  t.equal(o.kind === 'unreachable' && o.cause, 'timeout');
  t.ok(Date.now() - started <= 500 + SLACK_MS);
});

t.test('a token realm over plain HTTP is refused for an HTTPS registry (no credentials sent in clear)', async (t) => {
  const pki = makeTestPki(['127.0.0.1']);
  const { createServer } = await import('node:https');
  let tokenCalls = 0;
  const api = createServer({ cert: pki.serverCertPem, key: pki.serverKeyPem }, (req, res) => {
    if (req.url?.startsWith('/token')) tokenCalls++;
    res.writeHead(401, { 'www-authenticate': 'Bearer realm="http://127.0.0.1:1/token",service="svc"' });
    res.end();
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => new Promise<void>((r) => api.close(() => r())));
  const host = `127.0.0.1:${(api.address() as { port: number }).port}`;
  const checker = new RegistryChecker({ registries: { [host]: { caBundle: pki.caPem } } });
  t.teardown(() => checker.close());
  const o = await checker.check(imageRef(host, 'a/b', { tag: '1' }), { credentials: [{ username: 'u', password: 'p' }] });
  t.equal(o.kind, 'unexpected', o.detail);
  t.match(o.detail, /not HTTPS/);
  t.equal(tokenCalls, 0);
});

t.test('a caller leaving early does not cancel the shared /v2/ ping another image is waiting on', async (t) => {
  // A slow but working endpoint: /v2/ answers after 300 ms, manifests at once.
  const { createServer } = await import('node:http');
  const api = createServer((req, res) => {
    if (req.url === '/v2/') {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      }, 300);
      return;
    }
    res.writeHead(200, { 'docker-content-digest': `sha256:${'c'.repeat(64)}`, 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
    res.end();
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => new Promise<void>((r) => { api.closeAllConnections(); api.close(() => r()); }));
  const host = `127.0.0.1:${(api.address() as { port: number }).port}`;
  const checker = new RegistryChecker({ registries: { [host]: { plainHttp: true } } });
  t.teardown(() => checker.close());
  const [early, patient] = await Promise.all([
    checker.check(imageRef(host, 'a/one', { tag: '1' }), { deadline: Date.now() + 100 }),
    checker.check(imageRef(host, 'a/two', { tag: '1' }), { deadline: Date.now() + 3000 }),
  ]);
  t.equal(early.kind === 'unreachable' && early.cause, 'timeout');
  t.equal(patient.kind, 'available', patient.detail);
});
