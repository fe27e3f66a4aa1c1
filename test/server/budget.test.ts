/**
 * The body budget (src/server/budget.ts, INFLIGHT_BODY_BUDGET_BYTES in src/server/app.ts): reviews
 * reserve their Content-Length before their body is read, wait their turn in arrival order when the
 * budget is spent, and are refused with 503 OVERLOADED when their deadline passes first. Without it,
 * 30 reviews of 6.4 MiB sent at once took `serve` past its 256 MiB limit (OOM-killed).
 */
import t from 'tap';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { ByteBudget } from '../../src/server/budget.js';
import { build, INFLIGHT_BODY_BUDGET_BYTES, BODY_LIMIT_BYTES } from '../../src/server/app.js';
import { defaultConfig } from '../../src/config/load.js';
import { makeTestPki } from '../helpers/registry-pki.js';
import { loadFixture } from '../helpers/fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
t.test('ByteBudget', async (t) => {
  await t.test('granted at once while there is room; released on cancel (once)', async (t) => {
    const b = new ByteBudget(100);
    const r1 = b.reserve(60, 1000);
    const r2 = b.reserve(40, 1000);
    t.ok(r1.granted && r2.granted);
    t.equal(b.inUse, 100);
    r1.cancel();
    r1.cancel();
    t.equal(b.inUse, 40, 'released once');
    r2.cancel();
    t.equal(b.inUse, 0);
  });

  await t.test('waits when spent, granted in arrival order; a large head is not overtaken', async (t) => {
    const b = new ByteBudget(100);
    const held = b.reserve(90, 1000);
    const big = b.reserve(80, 1000);
    const small = b.reserve(5, 1000);
    t.notOk(big.granted, 'the big one waits');
    t.notOk(small.granted, 'the small one waits behind it, though 10 bytes are free');
    t.equal(b.waiting, 2);
    held.cancel();
    t.equal(await big.ready, true);
    t.equal(await small.ready, true);
    t.equal(b.inUse, 85);
    big.cancel();
    small.cancel();
    t.equal(b.inUse, 0);
  });

  await t.test('refused after its wait; the one behind it then gets its turn', async (t) => {
    const b = new ByteBudget(100);
    const held = b.reserve(50, 1000);
    const head = b.reserve(80, 30);
    const next = b.reserve(40, 1000);
    t.equal(await head.ready, false, 'the head waited 30 ms and was refused');
    t.equal(await next.ready, true, 'the next one fits in what is left');
    t.equal(b.inUse, 90);
    head.cancel();
    t.equal(b.inUse, 90, 'cancelling a refused reservation changes nothing');
    held.cancel();
    next.cancel();
  });

  await t.test('cancelled while waiting: leaves the queue, holds nothing', async (t) => {
    const b = new ByteBudget(10);
    const held = b.reserve(10, 1000);
    const w = b.reserve(5, 1000);
    w.cancel();
    t.equal(await w.ready, false);
    t.equal(b.waiting, 0);
    held.cancel();
    t.equal(b.inUse, 0);
  });

  await t.test('a reservation larger than the whole budget is capped to it (it can always be granted)', async (t) => {
    const b = new ByteBudget(10);
    const r = b.reserve(1000, 1000);
    t.ok(r.granted);
    t.equal(b.inUse, 10);
    r.cancel();
  });

  t.throws(() => new ByteBudget(0), RangeError);
  t.ok(INFLIGHT_BODY_BUDGET_BYTES >= 2 * BODY_LIMIT_BYTES, 'the two largest reviews fit at once');
});

const pki = makeTestPki(['127.0.0.1']);

/** A raw TLS connection that sends `head` now; `send` writes more; `closed` resolves with all it received. */
function rawClient(port: number, head: string) {
  const socket = tls.connect({ host: '127.0.0.1', port, ca: pki.caPem, ALPNProtocols: ['http/1.1'] });
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (received += d));
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
  socket.write(head);
  return { send: (s: string) => socket.write(s), closed, received: () => received, destroy: () => socket.destroy() };
}

t.test('the webhook waits its turn for the body budget, then answers; refuses at its deadline', async (t) => {
  const BUDGET = 16 * 1024;
  const config = defaultConfig(); // admissionMarginMs: with ?timeout=2s the checks have 1 s
  const app = await build({ deps: () => ({ config }), https: { cert: pki.serverCertPem, key: pki.serverKeyPem }, limits: { inflightBodyBytes: BUDGET } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const port = (app.server.address() as AddressInfo).port;
  const review = (uid: string, padTo = 0) => {
    const r = loadFixture('pod-create-good-pod.json');
    r.request.uid = uid;
    const text = JSON.stringify(r);
    // Padding inside the object keeps it a valid review of exactly padTo bytes.
    return padTo > text.length ? text.replace('"metadata":{', `"metadata":{"x-pad":"${'p'.repeat(padTo - text.length - 11)}",`) : text;
  };
  const head = (body: string, timeout = '10s', declared = Buffer.byteLength(body)) =>
    `POST /validate?timeout=${timeout} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`;

  await t.test('sequential reviews never wait: every answer gives its share back', async (t) => {
    for (let i = 0; i < 40; i++) {
      const res = await app.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload: review(`seq-${i}`) });
      if (res.statusCode !== 200 || res.json().response.uid !== `seq-${i}`) t.fail(`review ${i}: ${res.statusCode} ${res.body}`);
    }
    t.pass('40 reviews of ~2.5 KB through a 16 KiB budget, one after another');
  });

  await t.test('the shortest timeouts still get an answer (the body is not cut before it arrives)', async (t) => {
    for (const timeout of ['1s', '0s', '500ms']) {
      const res = await app.inject({ method: 'POST', url: `/validate?timeout=${timeout}`, headers: { 'content-type': 'application/json' }, payload: review(`t-${timeout}`) });
      t.equal(res.statusCode, 200, `?timeout=${timeout}`);
      t.equal(res.json().response.uid, `t-${timeout}`);
    }
  });

  await t.test('a review waits while a large one holds the budget, and is answered when it is done', async (t) => {
    const bigBody = review('big', BUDGET - 1000);
    t.equal(Buffer.byteLength(bigBody), BUDGET - 1000);
    const big = rawClient(port, head(bigBody));
    big.send(bigBody.slice(0, 100)); // declared and granted; the rest comes later
    await sleep(100);
    const small = rawClient(port, head(review('small')) + review('small'));
    await sleep(300);
    t.equal(small.received(), '', 'the small review waits: 1,000 bytes are free, it needs ~2,500');
    big.send(`${bigBody.slice(100)}`);
    await sleep(300);
    t.match(big.received(), /^HTTP\/1\.1 200 [\s\S]*"uid":"big"/, 'the large review is answered');
    t.match(small.received(), /^HTTP\/1\.1 200 [\s\S]*"uid":"small"/, 'then the waiting one');
    big.destroy();
    small.destroy();
  });

  await t.test('a review that cannot get its share before its deadline gets 503 OVERLOADED; a stalled body loses its share at the API server\'s timeout', async (t) => {
    const stalledBody = review('stalled', BUDGET);
    const stalled = rawClient(port, head(stalledBody, '4s'));
    stalled.send(stalledBody.slice(0, 10));
    await sleep(100);
    const started = Date.now();
    const refused = rawClient(port, head(review('refused'), '2s') + review('refused'));
    const answer = await refused.closed;
    const waited = Date.now() - started;
    t.match(answer, /^HTTP\/1\.1 503 /, '503');
    t.match(answer, /"code":"OVERLOADED"/);
    t.match(answer, /already deciding 16 KiB of reviews \(its memory budget for review bodies is 16 KiB\); this 3 KiB review waited 1000 ms, its whole deadline/);
    t.match(answer, /[Cc]onnection: close/);
    t.ok(waited >= 800 && waited < 3000, `refused after its 1 s deadline (${waited} ms)`);

    // The stalled one was granted with ?timeout=4s: its connection is cut when the API server would
    // have given up, and its share comes back.
    await stalled.closed;
    t.ok(Date.now() - started >= 3500, 'the stalled body kept its share until the API server\'s timeout');
    const after = await app.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload: review('after') });
    t.equal(after.statusCode, 200);
    t.equal(after.json().response.uid, 'after', 'the budget is free again');
  });

  await t.test('a client that goes away while waiting leaves no trace', async (t) => {
    const holdBody = review('hold', BUDGET);
    const hold = rawClient(port, head(holdBody));
    hold.send(holdBody.slice(0, 10));
    await sleep(100);
    const gone = rawClient(port, head(review('gone')));
    await sleep(100);
    gone.destroy();
    await gone.closed;
    hold.send(holdBody.slice(10));
    t.match(await Promise.race([hold.closed, sleep(2000).then(() => hold.received())]), /"uid":"hold"/);
    hold.destroy();
    const next = await app.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload: review('next') });
    t.equal(next.statusCode, 200, 'answered at once');
  });
});
