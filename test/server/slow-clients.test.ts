/**
 * Clients that are slow on purpose (slowloris): headers or a body trickled byte by byte, or a body
 * announced and never sent. Each such connection is answered 408 and closed once its limit passes
 * (HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS; shortened here), and reviews on other connections are
 * answered meanwhile. Without the limits Fastify would hold such connections open forever.
 */
import t from 'tap';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { build, HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, TIMEOUT_CHECK_INTERVAL_MS } from '../../src/server/app.js';
import { defaultConfig } from '../../src/config/load.js';
import { buildMetricsApp, createMetrics } from '../../src/server/metrics.js';
import { makeTestPki } from '../helpers/registry-pki.js';
import { loadFixture } from '../helpers/fixtures.js';

const LIMITS = { requestMs: 1500, headersMs: 700, checkIntervalMs: 100 };
const TRICKLE_EVERY_MS = 150;
const pki = makeTestPki(['127.0.0.1']);

interface SlowResult {
  readonly closedAfterMs: number;
  readonly received: string;
}

/** A connection still open this long after its limit is given up on (and the case fails). */
const GIVE_UP_AFTER_MS = 4000;

/**
 * Open a TLS connection, send `head` at once, then `trickle` one byte at a time until the server
 * closes (or GIVE_UP_AFTER_MS past `limitMs`).
 */
function slowClient(port: number, head: string, trickle: string, limitMs: number): Promise<SlowResult> {
  return new Promise((resolve) => {
    const started = Date.now();
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => socket.destroy(), limitMs + GIVE_UP_AFTER_MS);
    const socket = tls.connect({ host: '127.0.0.1', port, ca: pki.caPem, ALPNProtocols: ['http/1.1'] }, () => {
      socket.write(head);
      let i = 0;
      timer = setInterval(() => {
        if (i < trickle.length && !socket.destroyed) socket.write(trickle[i++]!);
      }, TRICKLE_EVERY_MS);
    });
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (received += d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ closedAfterMs: Date.now() - started, received });
    });
  });
}

t.test('the limits are named, sane, and set on both servers', async (t) => {
  t.ok(REQUEST_TIMEOUT_MS > 30_000, 'longer than the longest webhook timeout the API server allows (30 s)');
  t.ok(HEADERS_TIMEOUT_MS < REQUEST_TIMEOUT_MS);
  t.ok(TIMEOUT_CHECK_INTERVAL_MS <= 1000);
  const config = defaultConfig();
  const webhook = await build({ deps: () => ({ config }), https: { cert: pki.serverCertPem, key: pki.serverKeyPem } });
  const metrics = await buildMetricsApp(createMetrics({ defaultMetrics: false }).registry);
  t.teardown(() => Promise.all([webhook.close(), metrics.close()]));
  for (const [name, app] of [['webhook', webhook], ['metrics', metrics]] as const) {
    await app.ready();
    t.equal(app.server.requestTimeout, REQUEST_TIMEOUT_MS, `${name}: requestTimeout`);
    t.equal(app.server.headersTimeout, HEADERS_TIMEOUT_MS, `${name}: headersTimeout`);
  }
});

t.test('slow clients are cut off at their limit; other reviews are answered meanwhile', async (t) => {
  const config = defaultConfig();
  const app = await build({ deps: () => ({ config }), https: { cert: pki.serverCertPem, key: pki.serverKeyPem }, limits: LIMITS });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const port = (app.server.address() as AddressInfo).port;

  const review = JSON.stringify(loadFixture('pod-create-good-pod.json'));
  const headers = (length: number) =>
    `POST /validate?timeout=10s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
  const cases: Array<{ name: string; head: string; trickle: string; limitMs: number }> = [
    { name: 'headers trickled', head: 'POST /validate HTTP/1.1\r\n', trickle: `Host: 127.0.0.1\r\n${'X-Slow: y\r\n'.repeat(50)}`, limitMs: LIMITS.headersMs },
    { name: 'body trickled', head: headers(review.length), trickle: review, limitMs: LIMITS.requestMs },
    { name: 'body announced, never sent', head: headers(review.length), trickle: '', limitMs: LIMITS.requestMs },
  ];
  // Many of each at once.
  const slow = cases.flatMap((c) => Array.from({ length: 10 }, () => slowClient(port, c.head, c.trickle, c.limitMs).then((r) => ({ c, r }))));

  // Meanwhile, a well-behaved client is answered at once, again and again.
  const agent = new https.Agent({ keepAlive: true, ca: pki.caPem });
  t.teardown(() => agent.destroy());
  const answers: number[] = [];
  for (let i = 0; i < 10; i++) {
    const started = Date.now();
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port, path: '/validate?timeout=10s', method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('error', reject);
      req.end(review);
    });
    t.equal(status, 200, `review ${i} answered while slow clients are connected`);
    answers.push(Date.now() - started);
    await new Promise((r) => setTimeout(r, 50));
  }
  t.ok(Math.max(...answers) < 1000, `answers took at most ${Math.max(...answers)} ms`);

  for (const { c, r } of await Promise.all(slow)) {
    if (!r.received.startsWith('HTTP/1.1 408')) t.fail(`${c.name}: got ${JSON.stringify(r.received.slice(0, 80))}`);
    const slack = LIMITS.checkIntervalMs + 1000;
    if (r.closedAfterMs < c.limitMs - 100 || r.closedAfterMs > c.limitMs + slack) t.fail(`${c.name}: closed after ${r.closedAfterMs} ms (limit ${c.limitMs} ms)`);
  }
  t.pass(`${slow.length} slow connections answered 408 and closed at their limit`);
});
