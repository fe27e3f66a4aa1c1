// Outcome cache TTLs (injected clock) and the per-registry circuit breaker, against a REAL
// docker-registry behind a counting, switchable proxy.
import t, { type Test } from 'tap';
import { imageRef, requireRegistry, startRegistry } from '../helpers/registry.js';
import { startCountingProxy, type CountingProxy } from '../helpers/registry-proxy.js';
import {
  DEFAULT_NEGATIVE_TTL_MS,
  DEFAULT_POSITIVE_DIGEST_TTL_MS,
  DEFAULT_POSITIVE_TAG_TTL_MS,
  RegistryChecker,
  type RegistryCheckerOptions,
} from '../../src/registry/index.js';
import { CircuitBreaker } from '../../src/registry/breaker.js';

t.test('TTL constants: tag minutes, digest a day, negatives under a minute', async (t) => {
  t.ok(DEFAULT_POSITIVE_TAG_TTL_MS >= 60_000 && DEFAULT_POSITIVE_TAG_TTL_MS <= 15 * 60_000);
  t.equal(DEFAULT_POSITIVE_DIGEST_TTL_MS, 24 * 60 * 60_000);
  t.ok(DEFAULT_NEGATIVE_TTL_MS > 0 && DEFAULT_NEGATIVE_TTL_MS < 60_000);
});

t.test('CircuitBreaker unit: threshold, cool-down, one probe, re-open on failed probe', async (t) => {
  let now = 0;
  const transitions: string[] = [];
  const b = new CircuitBreaker({ failureThreshold: 2, coolDownMs: 1000, clock: () => now, onTransition: (k, s) => transitions.push(`${k}:${s}`) });
  t.equal(b.admit('r'), 'allow');
  b.record('r', false, false);
  t.equal(b.state('r'), 'closed', 'one failure is not enough');
  b.record('r', true, false);
  b.record('r', false, false);
  t.equal(b.state('r'), 'closed', 'a success resets the count');
  b.record('r', false, false);
  t.equal(b.state('r'), 'open');
  t.equal(b.admit('r'), 'reject');
  now = 999;
  t.equal(b.admit('r'), 'reject');
  now = 1000;
  t.equal(b.admit('r'), 'probe');
  t.equal(b.admit('r'), 'reject', 'only one probe at a time');
  b.record('r', false, true);
  t.equal(b.state('r'), 'open', 'failed probe re-opens');
  now = 2000;
  t.equal(b.admit('r'), 'probe');
  b.record('r', true, true);
  t.equal(b.state('r'), 'closed');
  t.equal(b.admit('other'), 'allow', 'per registry');
  t.same(transitions, ['r:open', 'r:half-open', 'r:open', 'r:half-open', 'r:closed']);
});

if (requireRegistry(t)) {
  const reg = await startRegistry(t, { auth: 'htpasswd' });
  const alice = reg.users.alice;

  const setup = async (
    t: Test,
    extra: Partial<RegistryCheckerOptions> = {},
  ): Promise<{ proxy: CountingProxy; c: RegistryChecker; clock: { now: number }; heads: (re?: RegExp) => number }> => {
    const proxy = await startCountingProxy(reg, t);
    const clock = { now: 5_000_000 };
    const c = new RegistryChecker({ registries: { [proxy.host]: { caBundle: reg.caPem } }, clock: () => clock.now, ...extra });
    t.teardown(() => c.close());
    return { proxy, c, clock, heads: (re = /\/manifests\//) => proxy.count('HEAD', re) };
  };

  t.test('manifest HEADs keep their connection: later uncached lookups open no new one', async (t) => {
    const { proxy, c, heads } = await setup(t);
    const check = async (path: string, tag: string) => (await c.check(imageRef(proxy.host, path, { tag }), { credentials: [alice] })).kind;
    t.equal(await check('team/app', '1.2.0'), 'available');
    const afterFirst = proxy.connections;
    t.equal(await check('team/app', '7.7.7'), 'tag-missing');
    t.equal(await check('team/app', '1.3.0'), 'available');
    t.equal(await check('team/gone', '1'), 'repository-missing');
    t.equal(heads(), 4, 'four manifest HEADs reached the registry');
    t.equal(proxy.connections, afterFirst, 'no connection opened after the first lookup (undici would close one after every HEAD)');
  });

  t.test('cache: positive by tag for minutes', async (t) => {
    const { proxy, c, clock, heads } = await setup(t);
    const ref = imageRef(proxy.host, 'team/app', { tag: '1.2.0' });
    t.equal((await c.check(ref, { credentials: [alice] })).kind, 'available');
    t.equal(heads(), 1);
    clock.now += DEFAULT_POSITIVE_TAG_TTL_MS - 1;
    t.equal((await c.check(ref, { credentials: [alice] })).kind, 'available');
    t.equal(heads(), 1, 'cached until the tag TTL');
    clock.now += 1;
    t.equal((await c.check(ref, { credentials: [alice] })).kind, 'available');
    t.equal(heads(), 2, 'asked again after the tag TTL');
    t.equal((await c.check(ref, { credentials: [{ username: 'alice', password: 'other' }] })).kind, 'credentials-rejected', 'other credentials: other cache entry');
  });

  t.test('cache: positive by digest for a day', async (t) => {
    const { proxy, c, clock, heads } = await setup(t);
    const ref = imageRef(proxy.host, 'team/app', { digest: reg.images['team/app:1.2.0']!.digest });
    t.equal((await c.check(ref, { credentials: [alice] })).kind, 'available');
    clock.now += DEFAULT_POSITIVE_TAG_TTL_MS * 10;
    await c.check(ref, { credentials: [alice] });
    t.equal(heads(), 1, 'a digest outlives the tag TTL');
    clock.now += DEFAULT_POSITIVE_DIGEST_TTL_MS;
    await c.check(ref, { credentials: [alice] });
    t.equal(heads(), 2, 'asked again after a day');
  });

  t.test('cache: definite not-found for under a minute', async (t) => {
    const { proxy, c, clock, heads } = await setup(t);
    const ref = imageRef(proxy.host, 'team/app', { tag: '7.7.7' });
    t.equal((await c.check(ref, { credentials: [alice] })).kind, 'tag-missing');
    clock.now += DEFAULT_NEGATIVE_TTL_MS - 1;
    t.equal((await c.check(ref, { credentials: [alice] })).kind, 'tag-missing');
    t.equal(heads(), 1);
    clock.now += 1;
    await c.check(ref, { credentials: [alice] });
    t.equal(heads(), 2);
    const missingRepo = imageRef(proxy.host, 'team/gone', { tag: '1' });
    t.equal((await c.check(missingRepo, { credentials: [alice] })).kind, 'repository-missing');
    t.equal((await c.check(missingRepo, { credentials: [alice] })).kind, 'repository-missing');
    t.equal(heads(/team\/gone/), 1);
  });

  t.test('cache: transient failures are never cached', async (t) => {
    const { proxy, c, heads } = await setup(t, { breaker: { failureThreshold: 100 } });
    const ref = imageRef(proxy.host, 'team/app', { tag: '1.2.1' });
    proxy.mode = 'reset';
    const o = await c.check(ref, { credentials: [alice] });
    t.equal(o.kind, 'unreachable');
    t.equal(o.kind === 'unreachable' && o.cause, 'reset', o.detail);
    proxy.mode = 'pass';
    t.equal((await c.check(ref, { credentials: [alice] })).kind, 'available', 'next check asks again');
    t.equal(heads(), 1);
    t.equal(c.cached(ref, { credentials: [alice] })?.kind, 'available', 'cached() peeks without asking');
    t.equal(c.cached(imageRef(proxy.host, 'team/app', { tag: 'never' }), { credentials: [alice] }), null);
  });

  t.test('cache: TTLs and size are configurable; LRU evicts', async (t) => {
    const { proxy, c, clock, heads } = await setup(t, { cache: { positiveTagMs: 1000, maxEntries: 2 } });
    const a = imageRef(proxy.host, 'team/app', { tag: '1.2.0' });
    const b = imageRef(proxy.host, 'team/app', { tag: '1.2.1' });
    const d = imageRef(proxy.host, 'team/app', { tag: '1.3.0' });
    await c.check(a, { credentials: [alice] });
    clock.now += 1000;
    await c.check(a, { credentials: [alice] });
    t.equal(heads(), 2, 'custom tag TTL of 1 s');
    await c.check(b, { credentials: [alice] });
    await c.check(d, { credentials: [alice] });
    await c.check(a, { credentials: [alice] });
    t.equal(heads(), 5, 'a was evicted by b and d (max 2 entries)');
    await c.check(d, { credentials: [alice] });
    t.equal(heads(), 5, 'd still cached');
  });

  t.test('circuit breaker opens after repeated unreachable outcomes, fails fast, then recovers through a probe', async (t) => {
    const { proxy, c, clock } = await setup(t, { breaker: { failureThreshold: 3, coolDownMs: 30_000 } });
    const ref = (tag: string) => imageRef(proxy.host, 'team/app', { tag });
    // warm the /v2/ ping so the failures below are manifest requests
    t.equal((await c.check(ref('1.2.0'), { credentials: [alice] })).kind, 'available');
    proxy.mode = 'reset';
    for (const tag of ['1.2.1', '1.3.0', 'latest']) {
      const o = await c.check(ref(tag), { credentials: [alice] });
      t.equal(o.kind === 'unreachable' && o.cause, 'reset', `${tag}: ${o.detail}`);
    }
    t.equal(c.circuitState(proxy.host), 'open');
    const connections = proxy.connections;
    const started = Date.now();
    const fast = await c.check(ref('1.2.1'), { credentials: [alice] });
    t.equal(fast.kind === 'unreachable' && fast.cause, 'circuit-open', fast.detail);
    t.ok(Date.now() - started < 50, 'fails fast');
    t.equal(proxy.connections, connections, 'no connection attempted while open');
    t.equal((await c.check(ref('1.2.0'), { credentials: [alice] })).kind, 'available', 'cached answers are still served');

    proxy.mode = 'pass';
    clock.now += 29_999;
    t.equal((await c.check(ref('1.2.1'), { credentials: [alice] })).kind, 'unreachable', 'still open during the cool-down');
    clock.now += 1;
    const probe = await c.check(ref('1.2.1'), { credentials: [alice] });
    t.equal(probe.kind, 'available', 'half-open probe goes through');
    t.equal(c.circuitState(proxy.host), 'closed');
    t.equal((await c.check(ref('1.3.0'), { credentials: [alice] })).kind, 'available');

    // trip again; a failing probe re-opens
    proxy.mode = 'reset';
    for (const tag of ['a1', 'a2', 'a3']) await c.check(ref(tag), { credentials: [alice] });
    t.equal(c.circuitState(proxy.host), 'open');
    clock.now += 30_000;
    const failedProbe = await c.check(ref('a4'), { credentials: [alice] });
    t.equal(failedProbe.kind === 'unreachable' && failedProbe.cause, 'reset');
    t.equal(c.circuitState(proxy.host), 'open', 'failed probe re-opens the circuit');
    const after = await c.check(ref('a5'), { credentials: [alice] });
    t.equal(after.kind === 'unreachable' && after.cause, 'circuit-open');
  });

  t.test('circuit breaker: while a probe hangs, other lookups fail fast; the probe ends by its deadline', async (t) => {
    const { proxy, c, clock } = await setup(t, { breaker: { failureThreshold: 1, coolDownMs: 1000 } });
    proxy.mode = 'reset';
    await c.check(imageRef(proxy.host, 'team/app', { tag: 'x' }), { credentials: [alice] });
    t.equal(c.circuitState(proxy.host), 'open');
    proxy.mode = 'hang';
    clock.now += 1000;
    const started = Date.now();
    const probe = c.check(imageRef(proxy.host, 'team/app', { tag: 'y' }), { credentials: [alice], deadline: Date.now() + 400 });
    const other = await c.check(imageRef(proxy.host, 'team/app', { tag: 'z' }), { credentials: [alice], deadline: Date.now() + 400 });
    t.equal(other.kind === 'unreachable' && other.cause, 'circuit-open', 'rejected while the probe is in flight');
    const p = await probe;
    t.equal(p.kind === 'unreachable' && p.cause, 'timeout', p.detail);
    t.ok(Date.now() - started < 400 + 300, 'probe answered by its deadline');
    // the abandoned probe is aborted and counted as a failure
    await new Promise((r) => setTimeout(r, 50));
    t.equal(c.circuitState(proxy.host), 'open');
  });
}
