/**
 * Docker Hub's `ratelimit-remaining` honoured by the audit's per-registry budget, through the real
 * registry client against a stand-in registry that states its budget the way Docker Hub does
 * (`ratelimit-limit: 100;w=21600`, `ratelimit-remaining: N;w=21600` on manifest answers).
 */
import t from 'tap';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuditLookup, RATELIMIT_RESERVE_FRACTION, RATELIMIT_RESERVE_MIN, RegistryBudget } from '../../src/audit/lookup.js';
import { makeRegistryChecker } from '../../src/cli/wiring.js';
import { defaultConfig } from '../../src/config/load.js';
import { parseImageReference } from '../../src/reference/index.js';
import { parseRateLimitValue, rateLimitOf } from '../../src/registry/outcome.js';

t.test('RateLimit header values (table)', async (t) => {
  const rows: { value: string | undefined; want: ReturnType<typeof parseRateLimitValue> }[] = [
    { value: '76;w=21600', want: { count: 76, windowSeconds: 21600 } },
    { value: '0;w=21600', want: { count: 0, windowSeconds: 21600 } },
    { value: '100', want: { count: 100, windowSeconds: null } },
    { value: ' 5 ; w = 60 ', want: { count: 5, windowSeconds: 60 } },
    { value: '10;comment="x";w=3600', want: { count: 10, windowSeconds: 3600 } },
    { value: '-1;w=60', want: null },
    { value: 'many', want: null },
    { value: '', want: null },
    { value: '12345678901', want: null },
    { value: undefined, want: null },
  ];
  for (const row of rows) t.same(parseRateLimitValue(row.value), row.want, JSON.stringify(row.value));
  t.same(rateLimitOf({ 'ratelimit-remaining': '7;w=21600', 'ratelimit-limit': '100;w=21600' }), { remaining: 7, limit: 100, windowSeconds: 21600 });
  t.same(rateLimitOf({ 'ratelimit-remaining': '7', 'ratelimit-limit': '100;w=3600' }), { remaining: 7, limit: 100, windowSeconds: 3600 }, 'the window from the limit header when only it has one');
  t.equal(rateLimitOf({ 'ratelimit-limit': '100;w=21600' }), null, 'no remaining: nothing stated');
});

t.test('the budget keeps a reserve of what the registry says remains', async (t) => {
  let now = 0;
  const slept: number[] = [];
  const budget = new RegistryBudget(1000, () => now, async (ms) => {
    slept.push(ms);
    now += ms;
  });
  const reserve = Math.ceil(100 * RATELIMIT_RESERVE_FRACTION);
  t.equal(budget.observe('hub', { remaining: reserve + 3, limit: 100, windowSeconds: 21600 }), 0, 'above the reserve: no pause');
  for (let i = 0; i < 3; i++) await budget.acquire('hub');
  t.same(slept, [], 'the three requests above the reserve at once');
  await budget.acquire('hub');
  t.equal(slept.length, 1, 'then no burst into the reserve: the next waits for the bucket');
  const pause = budget.observe('hub', { remaining: reserve - 1, limit: 100, windowSeconds: 21600 });
  t.equal(pause, Math.ceil((21600_000 / 100) * 2), 'at the reserve: paused as long as an evenly used window takes to free enough');
  t.equal(budget.observe('hub', { remaining: 0, limit: 1, windowSeconds: 3600 }), 3600_000, 'never longer than the window');
  t.ok(budget.observe('other', { remaining: RATELIMIT_RESERVE_MIN, limit: null, windowSeconds: null }) > 0, 'no limit given: a fixed reserve, Docker Hub\'s window');
  t.equal(budget.observe('other2', { remaining: RATELIMIT_RESERVE_MIN + 1, limit: null, windowSeconds: null }), 0);
});

interface StandIn {
  host: string;
  remaining: number;
  manifestRequests: string[];
  close(): Promise<void>;
}

async function standIn(): Promise<StandIn> {
  const state = { remaining: 80, manifestRequests: [] as string[] };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/v2/') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    const m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(req.url ?? '');
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    state.manifestRequests.push(`${req.method} ${m[2]}`);
    const body = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [] });
    res.writeHead(200, {
      'content-type': 'application/vnd.oci.image.manifest.v1+json',
      'docker-content-digest': `sha256:${'a'.repeat(64)}`,
      'content-length': String(Buffer.byteLength(body)),
      'ratelimit-limit': '100;w=21600',
      'ratelimit-remaining': `${state.remaining};w=21600`,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    host,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as StandIn;
}

t.test('through the real client: a low ratelimit-remaining pauses audit lookups to that registry, not admission', async (t) => {
  const hub = await standIn();
  t.teardown(() => hub.close());
  const config = { ...defaultConfig(), registries: { [hub.host]: { insecureHttp: true } } };
  let now = 1_000_000;
  const slept: number[] = [];
  const budget = new RegistryBudget(1000, () => now, async (ms) => {
    slept.push(ms);
    now += ms;
  });
  const observed: number[] = [];
  const auditChecker = await makeRegistryChecker(config, {
    extra: { cache: { maxEntries: 100, positiveTagMs: 0, positiveDigestMs: 0, negativeMs: 0 } },
    onRateLimit: (registry, state) => {
      t.equal(registry, hub.host);
      observed.push(state.remaining);
      budget.observe(registry, state);
    },
  });
  const admission = await makeRegistryChecker(config);
  t.teardown(() => Promise.all([auditChecker.close(), admission.close()]));
  const lookup = new AuditLookup(auditChecker, budget);
  const ref = (tag: string) => {
    const r = parseImageReference(`${hub.host}/team/app:${tag}`);
    if (!r.ok) throw new Error('bad reference');
    return r.ref;
  };

  t.equal((await lookup.check(ref('1'))).kind, 'available');
  t.same(observed, [80], 'the stated budget reached the audit');
  t.same(slept, [], 'plenty left: no wait');

  hub.remaining = 20; // below the reserve (25 of 100)
  t.equal((await lookup.check(ref('2'))).kind, 'available');
  const pausedFor = budget.pausedUntil(hub.host) - now;
  t.equal(pausedFor, Math.ceil((21600_000 / 100) * 6), 'paused: (25 - 20 + 1) requests freed at 216 s each');

  const before = hub.manifestRequests.length;
  const admitted = await admission.check(ref('3'));
  t.equal(admitted.kind, 'available', 'admission asks at once');
  t.equal(hub.manifestRequests.length, before + 1);
  t.same(slept, [], 'admission never waits on the audit budget');

  hub.remaining = 90;
  t.equal((await lookup.check(ref('4'))).kind, 'available');
  t.same(slept, [pausedFor], 'the next audit lookup waited for the pause first');
  t.equal(hub.manifestRequests.filter((r) => r.endsWith(' 4')).length, 1);
});

t.test('a new per-minute budget (configuration reload) applies to the next lookups', async (t) => {
  let now = 0;
  const slept: number[] = [];
  const budget = new RegistryBudget(60, () => now, async (ms) => {
    slept.push(ms);
    now += ms;
  });
  for (let i = 0; i < 60; i++) await budget.acquire('r');
  budget.setPerMinute(6);
  await budget.acquire('r');
  t.same(slept, [10_000], 'six a minute: one every ten seconds');
  budget.setPerMinute(600);
  now += 60_000;
  for (let i = 0; i < 600; i++) await budget.acquire('r');
  t.same(slept, [10_000], 'a larger budget: a minute holds 600');
});
