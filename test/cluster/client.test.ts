// The list/watch client (src/cluster/client.ts) against a local HTTPS server that plays the API
// server: paging, watch streams cut anywhere, Status errors, aborts and deadlines.
import t from 'tap';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KubeApiError, KubeClient, LIST_PAGE_SIZE, LineSplitter, listAll, type KubeClientOptions, type ListParams, type ListResult, type WatchEventType } from '../../src/cluster/client.js';
import { loadClusterConnection, type ClusterConnection } from '../../src/cluster/kubeconfig.js';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { makeTestPki } from '../helpers/registry-pki.js';

const pki = makeTestPki(['127.0.0.1']);

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

interface Seen {
  readonly path: string;
  readonly query: Record<string, string>;
  readonly authorization: string | undefined;
  readonly accept: string | undefined;
}

/** An HTTPS server on 127.0.0.1 answering by path; records every request. */
async function apiServer(t: { teardown(fn: () => unknown): void }, routes: Record<string, Handler>) {
  const seen: Seen[] = [];
  const open = new Set<ServerResponse>();
  const server = https.createServer({ cert: pki.serverCertPem, key: pki.serverKeyPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    seen.push({
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      accept: req.headers.accept,
    });
    open.add(res);
    res.on('close', () => open.delete(res));
    const route = routes[url.pathname];
    if (route) return route(req, res, url);
    res.writeHead(404, { 'content-type': 'application/json' }).end(status(404, 'NotFound', 'the server could not find the requested resource'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(
    () =>
      new Promise<void>((r) => {
        for (const res of open) res.destroy();
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function status(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

let tokenCalls = 0;
function connection(server: string, tls: Partial<ClusterConnection['tls']> = {}): ClusterConnection {
  return {
    server: new URL(server),
    tls: { ca: pki.caPem, rejectUnauthorized: true, ...tls },
    auth: 'token',
    // A new token for every request, as a rotated one would be.
    headers: async () => ({ authorization: `Bearer token-${++tokenCalls}` }),
  };
}

function client(t: { teardown(fn: () => unknown): void }, server: string, opts: KubeClientOptions = {}, tls: Partial<ClusterConnection['tls']> = {}): KubeClient {
  const c = new KubeClient(connection(server, tls), opts);
  t.teardown(() => c.close());
  return c;
}

const obj = (name: string, rv: string, extra: Record<string, unknown> = {}) => ({ metadata: { name, namespace: 'ns', resourceVersion: rv }, ...extra });
const json = (res: ServerResponse, code: number, body: unknown) => res.writeHead(code, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));

t.test('list pages with continue; auth headers asked for on every request', async (t) => {
  const pages: Record<string, { items: unknown[]; cont?: string }> = {
    '': { items: [obj('a', '1'), obj('b', '2')], cont: 'page2' },
    page2: { items: [obj('c', '3')] },
  };
  const api = await apiServer(t, {
    '/api/v1/secrets': (_req, res, url) => {
      const page = pages[url.searchParams.get('continue') ?? ''];
      if (!page) return json(res, 410, status(410, 'Expired', 'the continue token is too old'));
      json(res, 200, { kind: 'SecretList', apiVersion: 'v1', metadata: { resourceVersion: '42', ...(page.cont ? { continue: page.cont } : {}) }, items: page.items });
    },
  });
  const c = client(t, api.url);
  const first = await c.list('/api/v1/secrets', { fieldSelector: 'type=kubernetes.io/dockerconfigjson', limit: 2 });
  t.same(first, { items: [obj('a', '1'), obj('b', '2')], metadata: { resourceVersion: '42', continue: 'page2' } });
  const second = await c.list('/api/v1/secrets', { fieldSelector: 'type=kubernetes.io/dockerconfigjson', limit: 2, continue: 'page2' });
  t.same(second, { items: [obj('c', '3')], metadata: { resourceVersion: '42' } }, 'no continue on the last page');
  t.same(
    api.seen.map((s) => s.query),
    [
      { fieldSelector: 'type=kubernetes.io/dockerconfigjson', limit: '2' },
      { fieldSelector: 'type=kubernetes.io/dockerconfigjson', limit: '2', continue: 'page2' },
    ],
  );
  t.same(api.seen.map((s) => s.accept), ['application/json', 'application/json']);
  const tokens = api.seen.map((s) => s.authorization);
  t.equal(new Set(tokens).size, 2, `a fresh header for each request: ${tokens.join(', ')}`);
});

t.test('a server URL with a path prefixes every request', async (t) => {
  const api = await apiServer(t, {
    '/k8s/clusters/c-1/api/v1/nodes': (_req, res) => json(res, 200, { metadata: { resourceVersion: '7' }, items: [] }),
  });
  const c = client(t, `${api.url}/k8s/clusters/c-1/`);
  t.same(await c.list('/api/v1/nodes'), { items: [], metadata: { resourceVersion: '7' } });
});

t.test('error answers', async (t) => {
  const huge = 'x'.repeat(1024 * 1024);
  const api = await apiServer(t, {
    '/forbidden': (_req, res) =>
      json(res, 403, status(403, 'Forbidden', 'secrets is forbidden: User "system:serviceaccount:pullguard:pullguard" cannot list resource "secrets" in API group "" at the cluster scope')),
    '/expired': (_req, res) => json(res, 410, status(410, 'Expired', 'too old resource version: 1 (200)')),
    '/huge': (_req, res) => res.writeHead(502, { 'content-type': 'text/plain' }).end(huge),
    '/html': (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>'),
    '/not-a-list': (_req, res) => json(res, 200, { kind: 'Status' }),
  });
  const c = client(t, api.url);
  const cases: { name: string; path: string; statusCode: number | undefined; reason: string | undefined; message: string }[] = [
    {
      name: 'a Status 403: its message',
      path: '/forbidden',
      statusCode: 403,
      reason: 'Forbidden',
      message: 'list /forbidden: HTTP 403: secrets is forbidden: User "system:serviceaccount:pullguard:pullguard" cannot list resource "secrets" in API group "" at the cluster scope',
    },
    { name: 'a Status 410', path: '/expired', statusCode: 410, reason: 'Expired', message: 'list /expired: HTTP 410: too old resource version: 1 (200)' },
    { name: 'a huge body that is not a Status: never the whole body', path: '/huge', statusCode: 502, reason: undefined, message: `list /huge: HTTP 502: ${'x'.repeat(200)}…` },
    { name: 'not JSON', path: '/html', statusCode: 200, reason: undefined, message: 'list /html: the API server answered with content-type "text/html", not application/json' },
    { name: 'JSON but no items', path: '/not-a-list', statusCode: undefined, reason: undefined, message: 'list /not-a-list: the answer is not a list (no items)' },
  ];
  for (const cs of cases) {
    await t.test(cs.name, async (t) => {
      const err = await c.list(cs.path).then(
        () => null,
        (e: unknown) => e,
      );
      t.type(err, KubeApiError);
      const e = err as KubeApiError;
      t.equal(e.message, cs.message);
      t.equal(e.statusCode, cs.statusCode);
      t.equal(e.reason, cs.reason);
    });
  }
  await t.test('a watch refused with a Status rejects with its statusCode', async (t) => {
    const err = (await c.watch('/expired', { timeoutSeconds: 5 }, () => t.fail('no event'), new AbortController().signal).catch((e: unknown) => e)) as KubeApiError;
    t.equal(err.statusCode, 410);
    t.equal(err.message, 'watch /expired: HTTP 410: too old resource version: 1 (200)');
  });
});

t.test('watch streams', async (t) => {
  const events = [
    { type: 'ADDED', object: obj('ünïcödé-€', '10', { data: { k: 'v' } }) },
    { type: 'MODIFIED', object: obj('b', '11') },
    { type: 'BOOKMARK', object: { kind: 'Secret', apiVersion: 'v1', metadata: { resourceVersion: '12' } } },
    { type: 'DELETED', object: obj('b', '13') },
  ];
  const stream = Buffer.from(events.map((e) => `${JSON.stringify(e)}\n`).join(''));

  await t.test('split at every byte boundary (line splitter)', async (t) => {
    const expected = events.map((e) => JSON.stringify(e));
    let failures = 0;
    for (let a = 0; a <= stream.length; a++) {
      // Two cuts: every single boundary, and a second one further on.
      for (const b of [a, Math.min(stream.length, a + 7), Math.min(stream.length, a + 200)]) {
        const lines: string[] = [];
        const splitter = new LineSplitter(1 << 20);
        for (const part of [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)]) splitter.push(part, (l) => lines.push(l.toString('utf8')));
        splitter.end((l) => lines.push(l.toString('utf8')));
        if (JSON.stringify(lines) !== JSON.stringify(expected)) failures++;
      }
    }
    t.equal(failures, 0, `${stream.length + 1} cut positions, multi-byte characters included`);
  });

  await t.test('a line longer than the limit is refused', async (t) => {
    const splitter = new LineSplitter(10);
    t.throws(() => splitter.push(Buffer.from('01234567890123'), () => undefined), new KubeApiError('a watch event is longer than 10 bytes'));
  });

  const api = await apiServer(t, {
    // One byte per write, each in its own TLS record: lines (and characters) cut everywhere.
    '/bytewise': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      let i = 0;
      const next = () => {
        if (i >= stream.length) return res.end();
        res.write(stream.subarray(i, i + 1), () => setImmediate(next));
        i++;
      };
      next();
    },
    // Everything in one chunk.
    '/together': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(stream),
    '/error-event': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`${JSON.stringify(events[0])}\n`);
      res.end(`${JSON.stringify({ type: 'ERROR', object: JSON.parse(status(410, 'Expired', 'too old resource version: 10 (20)')) })}\n`);
    },
    '/garbage': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"type":"ADDED","object":{}}\nnot json\n'),
  });
  const c = client(t, api.url);
  const collect = async (path: string) => {
    const got: { type: WatchEventType; object: unknown }[] = [];
    await c.watch(path, { timeoutSeconds: 30, resourceVersion: '9', allowWatchBookmarks: true, fieldSelector: 'type=x' }, (type, object) => got.push({ type, object }), new AbortController().signal);
    return got;
  };

  await t.test('one byte per TLS record: every event, once, in order; resolves when the server ends', async (t) => {
    t.same(await collect('/bytewise'), events);
    t.same(api.seen.at(-1)?.query, { watch: '1', allowWatchBookmarks: 'true', resourceVersion: '9', timeoutSeconds: '30', fieldSelector: 'type=x' });
  });
  await t.test('several events in one chunk', async (t) => {
    t.same(await collect('/together'), events);
  });
  await t.test('an ERROR event is handed over with its Status', async (t) => {
    const got = await collect('/error-event');
    t.equal(got.length, 2);
    t.equal(got[1]?.type, 'ERROR');
    t.match(got[1]?.object, { kind: 'Status', code: 410, reason: 'Expired' });
  });
  await t.test('a line that is not JSON fails the watch', async (t) => {
    await t.rejects(collect('/garbage'), new KubeApiError('watch /garbage: the stream holds a line that is not JSON'));
  });
});

t.test('abort and deadlines', async (t) => {
  const api = await apiServer(t, {
    // Headers, then nothing, ever.
    '/silent-watch': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
    },
    // Not even headers.
    '/hang': () => undefined,
    // Headers and half a body.
    '/half-list': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"items":[');
    },
  });
  const c = client(t, api.url, { listTimeoutMs: 300, watchHeadersTimeoutMs: 300, watchIdleGraceMs: 300 });

  await t.test('a watch is ended at once by its signal', async (t) => {
    const ac = new AbortController();
    const started = Date.now();
    setTimeout(() => ac.abort(), 100);
    const err = (await c.watch('/silent-watch', { timeoutSeconds: 60 }, () => undefined, ac.signal).catch((e: unknown) => e)) as Error;
    t.equal(err.name, 'AbortError');
    t.ok(Date.now() - started < 1000, `ended after ${Date.now() - started} ms`);
  });
  await t.test('a list is ended by its signal', async (t) => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const err = (await c.list('/hang', {}, ac.signal).catch((e: unknown) => e)) as Error;
    t.equal(err.name, 'AbortError');
  });

  // undici checks its header and body timers on a coarse clock (about every 500 ms): "fired" is late by up to that.
  const cases: { name: string; run: () => Promise<unknown>; message: string }[] = [
    { name: 'a list that never answers', run: () => c.list('/hang'), message: 'list /hang: no complete answer from the API server within 0.3 s' },
    { name: 'a list whose body stops half-way', run: () => c.list('/half-list'), message: 'list /half-list: no complete answer from the API server within 0.3 s' },
    { name: 'a watch that never answers', run: () => c.watch('/hang', { timeoutSeconds: 0 }, () => undefined, new AbortController().signal), message: 'watch /hang: no answer from the API server within 0.3 s' },
    { name: 'a watch silent past timeoutSeconds + grace', run: () => c.watch('/silent-watch', { timeoutSeconds: 0 }, () => undefined, new AbortController().signal), message: 'watch /silent-watch: the API server sent nothing for 0.3 s' },
  ];
  for (const cs of cases) {
    await t.test(`deadline: ${cs.name}`, async (t) => {
      const started = Date.now();
      const err = (await cs.run().then(
        () => null,
        (e: unknown) => e,
      )) as KubeApiError;
      t.type(err, KubeApiError);
      t.equal(err.message, cs.message);
      t.equal(err.statusCode, undefined);
      const took = Date.now() - started;
      t.ok(took >= 250 && took < 3000, `fired after ${took} ms`);
    });
  }
});

t.test('TLS: the CA is checked; insecure-skip-tls-verify skips it', async (t) => {
  const api = await apiServer(t, { '/api/v1/nodes': (_req, res) => json(res, 200, { metadata: {}, items: [] }) });
  const other = makeTestPki(['127.0.0.1']);
  const wrongCa = client(t, api.url, {}, { ca: other.caPem });
  const err = (await wrongCa.list('/api/v1/nodes').catch((e: unknown) => e)) as KubeApiError;
  t.type(err, KubeApiError);
  t.match(err.message, /^list \/api\/v1\/nodes at https:\/\/127\.0\.0\.1:\d+: .*(certificate|self.signed|issuer)/i);
  const insecure = client(t, api.url, {}, { ca: other.caPem, rejectUnauthorized: false });
  t.same(await insecure.list('/api/v1/nodes'), { items: [], metadata: {} });
});

t.test('listAll: every page in order, continue tokens passed on, the last page\'s resourceVersion', async (t) => {
  const pages: Record<string, ListResult> = {
    '': { items: [{ n: 1 }, { n: 2 }], metadata: { resourceVersion: '10', continue: 'a' } },
    a: { items: [{ n: 3 }], metadata: { resourceVersion: '10', continue: 'b' } },
    b: { items: [{ n: 4 }], metadata: { resourceVersion: '11' } },
  };
  const calls: Array<{ path: string; params: ListParams; signal: AbortSignal | undefined }> = [];
  const fake = {
    async list(path: string, params: ListParams, signal?: AbortSignal): Promise<ListResult> {
      calls.push({ path, params, signal });
      return pages[params.continue ?? '']!;
    },
  };
  const signal = new AbortController().signal;
  const got = await listAll(fake, '/api/v1/secrets', { fieldSelector: 'type=kubernetes.io/dockerconfigjson' }, signal);
  t.same(got, { items: [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }], resourceVersion: '11' });
  t.same(
    calls.map((c) => c.params),
    [
      { fieldSelector: 'type=kubernetes.io/dockerconfigjson', limit: LIST_PAGE_SIZE },
      { fieldSelector: 'type=kubernetes.io/dockerconfigjson', limit: LIST_PAGE_SIZE, continue: 'a' },
      { fieldSelector: 'type=kubernetes.io/dockerconfigjson', limit: LIST_PAGE_SIZE, continue: 'b' },
    ],
  );
  t.ok(calls.every((c) => c.path === '/api/v1/secrets' && c.signal === signal), 'same path and signal on every page');
  t.equal(LIST_PAGE_SIZE, 500, "client-go's page size");
});

t.test('client certificate files: re-read, a changed pair reopens connections with it (client-go cert rotation)', async (t) => {
  const a = { cert: pki.serverCertPem, key: pki.serverKeyPem };
  const other = makeTestPki(['127.0.0.1']);
  const b = { cert: other.serverCertPem, key: other.serverKeyPem };
  const serialOf = (pem: string) => new X509Certificate(pem).serialNumber;
  // The API server stand-in asks for a client certificate and says which one it got; /watch holds the stream open.
  const watches = new Set<ServerResponse>();
  const server = https.createServer({ cert: pki.serverCertPem, key: pki.serverKeyPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    if (new URL(req.url ?? '/', 'https://x').searchParams.get('watch')) {
      watches.add(res);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`${JSON.stringify({ type: 'ADDED', object: obj('w', '1') })}\n`);
      return;
    }
    json(res, 200, { metadata: { resourceVersion: '1' }, items: [{ serial: peer.serialNumber ?? null }] });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => { for (const w of watches) w.destroy(); server.close(() => r()); server.closeAllConnections(); }));
  const dir = await mkdtemp(join(tmpdir(), 'pullguard-certrot-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'ca.crt'), pki.caPem);
  const put = async (pair: { cert: string; key: string }) => {
    await writeFile(join(dir, 'client.crt'), pair.cert);
    await writeFile(join(dir, 'client.key'), pair.key);
  };
  await put(a);
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'c',
    contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
    clusters: [{ name: 'k', cluster: { server: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, 'certificate-authority': 'ca.crt' } }],
    users: [{ name: 'u', user: { 'client-certificate': 'client.crt', 'client-key': 'client.key' } }],
  };
  await writeFile(join(dir, 'kubeconfig'), JSON.stringify(kubeconfig));
  const conn = await loadClusterConnection(join(dir, 'kubeconfig'));
  t.type(conn.tls.reloadClientCertificate, 'function', 'files: reloadable');
  const logs: string[] = [];
  const logger = { info: (_o: object, m: string) => logs.push(`info ${m}`), warn: (o: object, m: string) => logs.push(`warn ${m} ${JSON.stringify(o)}`) };
  const c = new KubeClient(conn, { certReloadMs: 60_000, logger });
  t.teardown(() => c.close());
  const serialSeen = async () => ((await c.list('/api/v1/secrets')).items[0] as { serial: string }).serial;

  t.equal(await serialSeen(), serialOf(a.cert), 'certificate A presented');
  t.equal(await c.reloadClientCertificate(), false, 'unchanged files: nothing happens');
  t.equal(await serialSeen(), serialOf(a.cert));

  // A watch on the old connection ends when the pair changes (its reflector resumes it).
  let watchEnded = false;
  const watch = c.watch('/api/v1/secrets', { timeoutSeconds: 300 }, () => undefined, new AbortController().signal).then(
    () => 'ended',
    (err: Error) => `failed: ${err.message}`,
  ).finally(() => (watchEnded = true));
  while (watches.size === 0) await new Promise((r) => setTimeout(r, 10));

  await put(b);
  t.equal(await c.reloadClientCertificate(), true, 'changed files: the new pair is used');
  t.equal(await serialSeen(), serialOf(b.cert), 'certificate B presented on the next request');
  t.match(await watch, /^(ended|failed: )/, 'the watch on the old connection was closed');
  t.ok(watchEnded);
  t.match(logs, ['info client certificate changed; connections to the API server reopened with it']);

  // Broken files (half-written, or a key that does not go with the certificate) keep the current pair.
  await writeFile(join(dir, 'client.crt'), 'garbage');
  t.equal(await c.reloadClientCertificate(), false, 'unreadable certificate: kept');
  await put({ cert: a.cert, key: b.key });
  t.equal(await c.reloadClientCertificate(), false, 'mismatched key: kept');
  t.equal(await serialSeen(), serialOf(b.cert), 'still certificate B');
  t.match(logs.slice(1), [/^warn cannot use the client certificate files again; keeping the current certificate .*holds no PEM certificate/, /^warn cannot use the client certificate files again/]);

  // The timer does it on its own.
  const quick = new KubeClient(conn, { certReloadMs: 50 });
  t.teardown(() => quick.close());
  await put(a);
  t.equal(((await quick.list('/api/v1/secrets')).items[0] as { serial: string }).serial, serialOf(a.cert));
  await put(b);
  const deadline = Date.now() + 5000;
  let serial = '';
  while (Date.now() < deadline && serial !== serialOf(b.cert)) {
    await new Promise((r) => setTimeout(r, 60));
    serial = ((await quick.list('/api/v1/secrets')).items[0] as { serial: string }).serial;
  }
  t.equal(serial, serialOf(b.cert), 'picked up by the periodic reload');
});

t.test('client certificate from -data: nothing to reload', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pullguard-certdata-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  await writeFile(join(dir, 'kubeconfig'), JSON.stringify({
    'current-context': 'c',
    contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
    clusters: [{ name: 'k', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': b64(pki.caPem) } }],
    users: [{ name: 'u', user: { 'client-certificate-data': b64(pki.serverCertPem), 'client-key-data': b64(pki.serverKeyPem) } }],
  }));
  const conn = await loadClusterConnection(join(dir, 'kubeconfig'));
  t.equal(conn.tls.reloadClientCertificate, undefined);
  const c = new KubeClient(conn);
  t.teardown(() => c.close());
  t.equal(await c.reloadClientCertificate(), false);
});
