// Existence checks against a REAL docker-registry with token auth (`auth: token`, our own issuer),
// token caching, and 1,000 concurrent checks through a counting proxy.
import t, { type Test } from 'tap';
import { imageRef, requireRegistry, startRegistry } from '../helpers/registry.js';
import { startCountingProxy } from '../helpers/registry-proxy.js';
import { RegistryChecker, type Credential, type OutcomeKind, type RegistryMetrics, type RegistryOutcome } from '../../src/registry/index.js';

if (requireRegistry(t)) {
  const reg = await startRegistry(t, { auth: 'token', tokenExpiresIn: 120 });
  const issuer = reg.issuer!;
  const { alice, bob } = reg.users;
  const wrong: Credential = { username: 'alice', password: 'wrong' };

  interface Case {
    readonly name: string;
    readonly path: string;
    readonly tag: string;
    readonly credentials: readonly Credential[];
    readonly kind: OutcomeKind;
    readonly expect?: (t: Test, o: RegistryOutcome) => void;
  }
  const cases: Case[] = [
    { name: 'anonymous pull of a public repository', path: 'public/hello', tag: '1.0', credentials: [], kind: 'available', expect: (t, o) => t.equal(o.kind === 'available' && o.credential, null) },
    { name: 'anonymous pull of a private repository: auth required', path: 'team/app', tag: '1.2.0', credentials: [], kind: 'auth-required', expect: (t, o) => t.equal(o.kind === 'auth-required' && o.scheme, 'bearer') },
    {
      name: 'index with credentials',
      path: 'team/multi',
      tag: '1.0',
      credentials: [alice],
      kind: 'available',
      expect: (t, o) => t.same(o.kind === 'available' && o.platforms?.map((p) => p.architecture), ['amd64', 'arm64']),
    },
    { name: 'valid user without access: denied (insufficient_scope)', path: 'team/app', tag: '1.2.0', credentials: [bob], kind: 'access-denied', expect: (t, o) => t.equal(o.kind === 'access-denied' && o.reason, 'insufficient-scope') },
    { name: 'wrong password: the token service rejects it', path: 'team/app', tag: '1.2.0', credentials: [wrong], kind: 'credentials-rejected', expect: (t, o) => t.match(o.detail, /token service/) },
    { name: 'kubelet order: wrong, then right', path: 'team/app', tag: '1.2.0', credentials: [wrong, alice], kind: 'available', expect: (t, o) => t.equal(o.kind === 'available' && o.credential, 1) },
    { name: 'kubelet order: no access, then access', path: 'team/app', tag: '1.3.0', credentials: [bob, alice], kind: 'available', expect: (t, o) => t.equal(o.kind === 'available' && o.credential, 1) },
    { name: 'kubelet order: rejected and denied → denied is reported', path: 'team/app', tag: '1.3.0', credentials: [wrong, bob], kind: 'access-denied' },
    { name: 'repository missing', path: 'team/ghost', tag: '1', credentials: [alice], kind: 'repository-missing' },
    { name: 'anonymous, public namespace, repository missing', path: 'public/ghost', tag: '1', credentials: [], kind: 'repository-missing' },
    {
      name: 'tag missing with suggestions',
      path: 'team/app',
      tag: '1.3',
      credentials: [alice],
      kind: 'tag-missing',
      expect: (t, o) => t.same(o.kind === 'tag-missing' && o.suggestions[0], '1.3.0'),
    },
  ];

  const checker = new RegistryChecker({ registries: { [reg.host]: { caBundle: reg.caPem } } });
  t.teardown(() => checker.close());
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const o = await checker.check(imageRef(reg.host, c.path, { tag: c.tag }), { credentials: c.credentials, deadline: Date.now() + 10_000 });
      t.equal(o.kind, c.kind, o.detail);
      c.expect?.(t, o);
    });
  }

  t.test('tokens are cached per registry, scope and credential until expires_in minus a margin', async (t) => {
    let now = 1_000_000;
    const c = new RegistryChecker({ registries: { [reg.host]: { caBundle: reg.caPem } }, clock: () => now });
    t.teardown(() => c.close());
    const count = (): number => issuer.requests.length;
    const check = (tag: string, creds: readonly Credential[], path = 'team/app') => c.check(imageRef(reg.host, path, { tag }), { credentials: creds });

    const before = count();
    t.equal((await check('1.2.0', [alice])).kind, 'available');
    t.equal(count() - before, 1, 'first check fetches a token');
    t.equal((await check('1.2.1', [alice])).kind, 'available');
    t.equal(count() - before, 1, 'same repository scope, same credential: token reused');
    t.equal((await check('9.9.9', [alice])).kind, 'tag-missing');
    t.equal(count() - before, 1, 'explaining a 404 (tags/list) reuses the token too');
    t.equal((await check('1.0', [alice], 'team/multi')).kind, 'available');
    t.equal(count() - before, 2, 'another repository is another scope');
    t.equal((await check('1.3.0', [bob, alice])).kind, 'available');
    t.equal(count() - before, 3, 'another credential gets its own token (bob), alice reuses hers');

    now += 120_000 - 10_000 - 1; // expires_in 120 s, margin 10 s
    t.equal((await check('latest', [alice])).kind, 'available');
    t.equal(count() - before, 3, 'still valid just before expires_in - margin');
    now += 2;
    t.equal((await check('1.3.0', [alice])).kind, 'available', 'a tag not yet cached for alice alone');
    t.equal(count() - before, 4, 'a new token after expires_in - margin');
  });

  t.test('1,000 concurrent checks of one never-seen image: one manifest request, at most one token request', async (t) => {
    const proxy = await startCountingProxy(reg, t);
    const tokens: string[] = [];
    const metrics: Partial<RegistryMetrics> = { tokenRequest: (e) => tokens.push(e.result) };
    const c = new RegistryChecker({ registries: { [proxy.host]: { caBundle: reg.caPem } }, metrics });
    t.teardown(() => c.close());
    const ref = imageRef(proxy.host, 'team/app', { tag: '1.3.0' });
    const issuedBefore = issuer.requests.length;
    const deadline = Date.now() + 20_000;
    const outcomes = await Promise.all(Array.from({ length: 1000 }, () => c.check(ref, { credentials: [alice], deadline })));
    t.equal(outcomes.filter((o) => o.kind === 'available').length, 1000, 'all available');
    t.equal(new Set(outcomes.map((o) => (o.kind === 'available' ? o.digest : ''))).size, 1);
    const manifestRequests = proxy.requests.filter((r) => /\/manifests\//.test(r.path));
    t.equal(manifestRequests.length, 1, 'exactly one manifest request reached the registry');
    t.equal(manifestRequests[0]?.method, 'HEAD');
    t.ok(issuer.requests.length - issuedBefore <= 1, 'at most one token request at the issuer');
    t.equal(tokens.filter((x) => x === 'issued').length, 1, 'metrics saw one token issued');
    t.equal(proxy.count('GET', /^\/v2\/$/), 1, 'one /v2/ ping');

    const again = await Promise.all(Array.from({ length: 1000 }, () => c.check(ref, { credentials: [alice], deadline })));
    t.equal(again.filter((o) => o.kind === 'available').length, 1000);
    t.equal(proxy.requests.filter((r) => /\/manifests\//.test(r.path)).length, 1, 'second wave answered from the cache');
  });

  t.test('concurrent checks of a missing tag share one lookup (HEAD + tags/list once)', async (t) => {
    const proxy = await startCountingProxy(reg, t);
    const c = new RegistryChecker({ registries: { [proxy.host]: { caBundle: reg.caPem } } });
    t.teardown(() => c.close());
    const ref = imageRef(proxy.host, 'team/app', { tag: '1.2.9' });
    const outcomes = await Promise.all(Array.from({ length: 200 }, () => c.check(ref, { credentials: [alice] })));
    t.ok(outcomes.every((o) => o.kind === 'tag-missing'));
    t.equal(proxy.count('HEAD', /\/manifests\/1\.2\.9$/), 1);
    t.equal(proxy.count('GET', /\/tags\/list/), 1);
  });
}
