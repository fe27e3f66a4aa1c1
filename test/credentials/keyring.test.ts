/**
 * Port of kubernetes/kubernetes pkg/credentialprovider/keyring_test.go, case for case
 * (TestURLsMatch, TestDockerKeyringForGlob, TestKeyringMiss, TestKeyringMissWithDockerHubCredentials,
 * TestKeyringHitWith{Unqualified,UnqualifiedLibrary,Qualified}DockerHub, TestIsDefaultRegistryMatch,
 * TestDockerKeyringLookup, TestIssue3797), plus the rules of kubelet-credentials.md §3–§5.
 */
import t from 'tap';
import {
  BasicDockerKeyring,
  UnionDockerKeyring,
  indexKeyFor,
  isDefaultRegistryMatch,
  matchImagePattern,
  urlsMatchStr,
  type TrackedCredential,
} from '../../src/credentials/keyring.js';
import { AuthEntry, parseDockercfg, type DockerConfig } from '../../src/credentials/dockerconfig.js';

const origin = { source: 'secret' as const, secret: 'ns/s' };

function who(creds: readonly TrackedCredential[]): Array<{ username: string; password: string; email: string }> {
  return creds.map((c) => ({ username: c.auth.username, password: c.auth.password, email: c.auth.email }));
}

/** The Go tests' sampleDockerConfig: `{"<key>": {"email": "foo@bar.baz", "auth": base64("foo:bar")}}`. */
function sampleKeyring(key: string): BasicDockerKeyring {
  const auth = Buffer.from('foo:bar').toString('base64');
  const json = `{\n   ${JSON.stringify(key)}: {\n     "email": "foo@bar.baz",\n     "auth": ${JSON.stringify(auth)}\n   }\n}`;
  const cfg = parseDockercfg(json);
  if (!cfg.ok) throw new Error(cfg.error);
  const kr = new BasicDockerKeyring();
  kr.add(origin, cfg.config);
  return kr;
}

const foo = { username: 'foo', password: 'bar', email: 'foo@bar.baz' };

t.test('TestURLsMatch', async (t) => {
  const tests: Array<{ globURL: string; targetURL: string; matchExpected: boolean }> = [
    // match when there is no path component
    { globURL: '*.kubernetes.io', targetURL: 'prefix.kubernetes.io', matchExpected: true },
    { globURL: 'prefix.*.io', targetURL: 'prefix.kubernetes.io', matchExpected: true },
    { globURL: 'prefix.kubernetes.*', targetURL: 'prefix.kubernetes.io', matchExpected: true },
    { globURL: '*-good.kubernetes.io', targetURL: 'prefix-good.kubernetes.io', matchExpected: true },
    // match with path components
    { globURL: '*.kubernetes.io/blah', targetURL: 'prefix.kubernetes.io/blah', matchExpected: true },
    { globURL: 'prefix.*.io/foo', targetURL: 'prefix.kubernetes.io/foo/bar', matchExpected: true },
    // match with path components and ports
    { globURL: '*.kubernetes.io:1111/blah', targetURL: 'prefix.kubernetes.io:1111/blah', matchExpected: true },
    { globURL: 'prefix.*.io:1111/foo', targetURL: 'prefix.kubernetes.io:1111/foo/bar', matchExpected: true },
    // no match when number of parts mismatch
    { globURL: '*.kubernetes.io', targetURL: 'kubernetes.io', matchExpected: false },
    { globURL: '*.*.kubernetes.io', targetURL: 'prefix.kubernetes.io', matchExpected: false },
    { globURL: '*.*.kubernetes.io', targetURL: 'kubernetes.io', matchExpected: false },
    { globURL: '*kubernetes.io', targetURL: 'a.kubernetes.io', matchExpected: false },
    // match when number of parts match
    { globURL: '*kubernetes.io', targetURL: 'kubernetes.io', matchExpected: true },
    { globURL: '*.*.*.kubernetes.io', targetURL: 'a.b.c.kubernetes.io', matchExpected: true },
    // no match when some parts mismatch
    { globURL: 'kubernetes.io', targetURL: 'kubernetes.com', matchExpected: false },
    { globURL: 'k*.io', targetURL: 'quay.io', matchExpected: false },
    // no match when ports mismatch
    { globURL: '*.kubernetes.io:1234/blah', targetURL: 'prefix.kubernetes.io:1111/blah', matchExpected: false },
    { globURL: 'prefix.*.io/foo', targetURL: 'prefix.kubernetes.io:1111/foo/bar', matchExpected: false },
  ];
  for (const tc of tests) {
    t.equal(urlsMatchStr(tc.globURL, tc.targetURL), tc.matchExpected, `${tc.globURL} vs ${tc.targetURL}`);
  }
});

t.test('TestDockerKeyringForGlob', async (t) => {
  const tests: Array<{ globURL: string; targetURL: string }> = [
    { globURL: 'https://hello.kubernetes.io', targetURL: 'hello.kubernetes.io' },
    { globURL: 'https://*.docker.io', targetURL: 'prefix.docker.io' },
    { globURL: 'https://prefix.*.io', targetURL: 'prefix.docker.io' },
    { globURL: 'https://prefix.docker.*', targetURL: 'prefix.docker.io' },
    { globURL: 'https://*.docker.io/path', targetURL: 'prefix.docker.io/path' },
    { globURL: 'https://prefix.*.io/path', targetURL: 'prefix.docker.io/path/subpath' },
    { globURL: 'https://prefix.docker.*/path', targetURL: 'prefix.docker.io/path' },
    { globURL: 'https://*.docker.io:8888', targetURL: 'prefix.docker.io:8888' },
    { globURL: 'https://prefix.*.io:8888', targetURL: 'prefix.docker.io:8888' },
    { globURL: 'https://prefix.docker.*:8888', targetURL: 'prefix.docker.io:8888' },
    { globURL: 'https://*.docker.io/path:1111', targetURL: 'prefix.docker.io/path:1111' },
    { globURL: 'https://*.docker.io/v1/', targetURL: 'prefix.docker.io/path:1111' },
    { globURL: 'https://*.docker.io/v2/', targetURL: 'prefix.docker.io/path:1111' },
    { globURL: 'https://prefix.docker.*/path:1111', targetURL: 'prefix.docker.io/path:1111' },
    { globURL: 'prefix.docker.io:1111', targetURL: 'prefix.docker.io:1111/path' },
    { globURL: '*.docker.io:1111', targetURL: 'prefix.docker.io:1111/path' },
  ];
  for (const [i, tc] of tests.entries()) {
    const { credentials, found } = sampleKeyring(tc.globURL).lookup(tc.targetURL + '/foo/bar');
    t.ok(found, `${i}: found ${tc.targetURL}`);
    t.same(who(credentials.slice(0, 1)), [foo], `${i}: first credential`);
  }
});

t.test('TestKeyringMiss', async (t) => {
  const tests: Array<{ globURL: string; lookupURL: string }> = [
    { globURL: 'https://hello.kubernetes.io', lookupURL: 'world.mesos.org/foo/bar' },
    { globURL: 'https://*.docker.com', lookupURL: 'prefix.docker.io' },
    { globURL: 'https://suffix.*.io', lookupURL: 'prefix.docker.io' },
    { globURL: 'https://prefix.docker.c*', lookupURL: 'prefix.docker.io' },
    { globURL: 'https://prefix.*.io/path:1111', lookupURL: 'prefix.docker.io/path/subpath:1111' },
    { globURL: 'suffix.*.io', lookupURL: 'prefix.docker.io' },
  ];
  for (const tc of tests) {
    const { credentials, found } = sampleKeyring(tc.globURL).lookup(tc.lookupURL + '/foo/bar');
    t.notOk(found, `${tc.globURL} must not match ${tc.lookupURL}`);
    t.same(credentials, []);
  }
});

const defaultRegistryKey = 'index.docker.io/v1/';

t.test('TestKeyringMissWithDockerHubCredentials', async (t) => {
  const { found } = sampleKeyring(`https://${defaultRegistryKey}`).lookup('world.mesos.org/foo/bar');
  t.notOk(found);
});

t.test('TestKeyringHitWithUnqualifiedDockerHub', async (t) => {
  const { credentials, found } = sampleKeyring(`https://${defaultRegistryKey}`).lookup('google/docker-registry');
  t.ok(found);
  t.equal(credentials.length, 1, 'not more hits than expected');
  t.same(who(credentials), [foo]);
});

t.test('TestKeyringHitWithUnqualifiedLibraryDockerHub', async (t) => {
  const { credentials, found } = sampleKeyring(`https://${defaultRegistryKey}`).lookup('jenkins');
  t.ok(found);
  t.equal(credentials.length, 1);
  t.same(who(credentials), [foo]);
});

t.test('TestKeyringHitWithQualifiedDockerHub', async (t) => {
  const { credentials, found } = sampleKeyring(`https://${defaultRegistryKey}`).lookup(defaultRegistryKey + '/google/docker-registry');
  t.ok(found);
  t.ok(credentials.length <= 2, 'not more hits than expected');
  t.same(who(credentials.slice(0, 1)), [foo]);
});

t.test('TestIsDefaultRegistryMatch', async (t) => {
  const samples: Array<{ image: string; expected: boolean }> = [
    { image: 'foo/bar', expected: true },
    { image: 'docker.io/foo/bar', expected: true },
    { image: 'index.docker.io/foo/bar', expected: true },
    { image: 'foo', expected: true },
    { image: '', expected: false },
    { image: 'registry.tld/foo/bar', expected: false },
    { image: 'registry:5000/foo/bar', expected: false },
    { image: 'myhostdocker.io/foo/bar', expected: false },
  ];
  for (const s of samples) t.equal(isDefaultRegistryMatch(s.image), s.expected, JSON.stringify(s.image));
});

function cfg(entries: Record<string, { username: string; password: string; email: string }>): DockerConfig {
  return Object.entries(entries).map(([key, e]) => ({ key, entry: new AuthEntry(e.username, e.password, e.email) }));
}

t.test('TestDockerKeyringLookup', async (t) => {
  const ada = { username: 'ada', password: 'smash', email: 'ada@example.com' };
  const grace = { username: 'grace', password: 'squash', email: 'grace@example.com' };
  const dk = new BasicDockerKeyring();
  dk.add(origin, cfg({ 'bar.example.com/pong': grace, 'bar.example.com': ada }));
  const tests: Array<{ name: string; image: string; match: (typeof ada)[]; ok: boolean }> = [
    { name: 'direct match', image: 'bar.example.com', match: [ada], ok: true },
    { name: 'direct match deeper than other possible matches', image: 'bar.example.com/pong', match: [grace, ada], ok: true },
    { name: 'no direct match, deeper path ignored', image: 'bar.example.com/ping', match: [ada], ok: true },
    { name: 'match first part of path token', image: 'bar.example.com/pongz', match: [grace, ada], ok: true },
    { name: 'match regardless of sub-path', image: 'bar.example.com/pong/pang', match: [grace, ada], ok: true },
    { name: 'no host match (example.com)', image: 'example.com', match: [], ok: false },
    { name: 'no host match (foo.example.com)', image: 'foo.example.com', match: [], ok: false },
  ];
  for (const tc of tests) {
    const { credentials, found } = dk.lookup(tc.image);
    t.equal(found, tc.ok, `${tc.name}: ok`);
    t.same(who(credentials), tc.match, `${tc.name}: match`);
  }
});

t.test('TestIssue3797', async (t) => {
  const rex = { username: 'rex', password: 'tiny arms', email: 'rex@example.com' };
  const dk = new BasicDockerKeyring();
  dk.add(origin, cfg({ 'https://quay.io/v1/': rex }));
  const tests: Array<{ name: string; image: string; match: (typeof rex)[]; ok: boolean }> = [
    { name: 'direct match', image: 'quay.io', match: [rex], ok: true },
    { name: 'partial match', image: 'quay.io/foo', match: [rex], ok: true },
    { name: 'partial match (deeper)', image: 'quay.io/foo/bar', match: [rex], ok: true },
  ];
  for (const tc of tests) {
    const { credentials, found } = dk.lookup(tc.image);
    t.equal(found, tc.ok, tc.name);
    t.same(who(credentials), tc.match, tc.name);
  }
});

// ---------------------------------------------------------------------------------------------------
// The rules in kubelet-credentials.md beyond the Go tests.

t.test('Add: index keys (§3)', async (t) => {
  const cases: Array<{ key: string; index: string | null }> = [
    { key: 'https://index.docker.io/v1/', index: 'index.docker.io' },
    { key: 'https://quay.io/v1/', index: 'quay.io' },
    { key: 'http://registry.local:8080/', index: 'registry.local:8080' },
    { key: 'bar.example.com/pong', index: 'bar.example.com/pong' },
    { key: 'index.docker.io', index: 'index.docker.io' },
    { key: 'index.docker.io/v2/', index: 'index.docker.io' },
    { key: 'http://index.docker.io/v1/', index: 'index.docker.io' },
    { key: 'https://ghcr.io/v2/foo', index: 'ghcr.io/foo' },
    { key: 'ghcr.io/v1', index: 'ghcr.io/v1' },
    { key: 'ghcr.io/', index: 'ghcr.io' },
    { key: 'HTTPS://ghcr.io', index: 'HTTPS://ghcr.io' }, // prefix is case-sensitive: https://HTTPS://… → host 'HTTPS:', path '//ghcr.io'
    { key: 'user:secret@ghcr.io/org', index: 'ghcr.io/org' },
    { key: 'registry?.example.com', index: 'registry' },
    { key: 'ghcr.io#frag', index: 'ghcr.io' },
    { key: 'GHCR.IO', index: 'GHCR.IO' },
    { key: 'registry.local:abc', index: null },
    { key: 'my registry.io', index: null },
    { key: '', index: '' },
  ];
  for (const c of cases) t.equal(indexKeyFor(c.key), c.index, JSON.stringify(c.key));
});

t.test('Add: reverse byte-wise sort, de-duplication, all matching keys returned (§3.6, §5.1)', async (t) => {
  const e = (u: string) => ({ username: u, password: 'p', email: '' });
  const dk = new BasicDockerKeyring();
  dk.add(origin, cfg({ 'quay.io': e('host'), '*.quay.io': e('glob'), 'quay.io/coreos': e('coreos') }));
  dk.add(origin, cfg({ 'https://quay.io/v1/': e('host2') }));
  t.same(dk.index, ['quay.io/coreos', 'quay.io', '*.quay.io']);
  t.same(
    dk.lookup('quay.io/coreos/etcd').credentials.map((c) => c.auth.username),
    ['coreos', 'host', 'host2'],
    'longer key first, then its prefix; same index key keeps add order',
  );
  t.same(dk.lookup('x.quay.io/a').credentials.map((c) => c.auth.username), ['glob']);
  t.same(
    dk.lookup('quay.io/coreos/etcd').credentials.map((c) => c.provenance.key),
    ['quay.io/coreos', 'quay.io', 'https://quay.io/v1/'],
    'provenance keeps the key as written',
  );
});

t.test('Lookup: ports, labels, paths, globs (§4)', async (t) => {
  const cases: Array<{ key: string; image: string; match: boolean }> = [
    { key: 'registry:5000', image: 'registry:5000/x', match: true },
    { key: 'registry', image: 'registry:5000/x', match: false },
    { key: 'registry:5000', image: 'registry/x', match: false },
    { key: 'registry:*', image: 'registry:5000/x', match: false },
    { key: 'foo:', image: 'foo/x', match: true },
    { key: 'ghcr.io/foo/', image: 'ghcr.io/foo', match: false },
    { key: 'ghcr.io/foo', image: 'ghcr.io/foobar/x', match: true },
    { key: 'ghcr.io/*', image: 'ghcr.io/foo', match: false },
    { key: 'GHCR.io', image: 'ghcr.io/x', match: false },
    { key: 'reg?stry.io', image: 'registry.io/x', match: false },
    { key: 'r[a-d]gistry.io', image: 'registry.io/x', match: false },
    // Go 1.26 net/url rejects a '[' anywhere but at the start of the host (CVE-2025-47912 fix), so a
    // character class in a key no longer parses: the key is dropped (older kubelets matched these).
    { key: 'r[a-f]gistry.io', image: 'registry.io/x', match: false },
    { key: 'r[e]gistry.io', image: 'registry.io/x', match: false },
    // '^' and '\\' are not valid host characters for Go's URL parser: the key is ignored.
    { key: 'r[^a]gistry.io', image: 'registry.io/x', match: false },
    { key: 're\\gistry.io', image: 'registry.io/x', match: false },
    { key: 'r[gistry.io', image: 'r[gistry.io/x', match: false },
    { key: '*kubernetes.io', image: 'kubernetes.io/x', match: true },
    { key: '*.docker.io', image: 'docker.io/library/nginx', match: false },
    { key: '[fc00::1]', image: '[fc00::1]/x', match: false },
    { key: '[fc00::1]:5000', image: '[fc00::1]:5000/x', match: true },
    { key: 'docker.io', image: 'docker.io/library/nginx', match: true },
  ];
  for (const c of cases) {
    const dk = new BasicDockerKeyring();
    dk.add(origin, cfg({ [c.key]: { username: 'u', password: 'p', email: '' } }));
    t.equal(dk.lookup(c.image).found, c.match, `${c.key} vs ${c.image}`);
  }
});

t.test('Lookup: the index.docker.io fallback (§5.3)', async (t) => {
  const cases: Array<{ key: string; image: string; found: boolean }> = [
    { key: 'https://index.docker.io/v1/', image: 'docker.io/library/nginx', found: true },
    { key: 'index.docker.io', image: 'docker.io/library/nginx', found: true },
    { key: 'index.docker.io/v2/', image: 'docker.io/library/nginx', found: true },
    { key: 'http://index.docker.io/v1/', image: 'docker.io/library/nginx', found: true },
    { key: 'https://index.docker.io/v1/', image: 'example.com', found: true },
    { key: 'https://index.docker.io/v1/', image: 'registry:5000/x', found: false },
    { key: 'https://index.docker.io/v1/', image: 'myhostdocker.io/x', found: false },
    { key: 'registry-1.docker.io', image: 'docker.io/library/nginx', found: false },
    { key: 'docker.io', image: 'docker.io/library/nginx', found: true },
    { key: 'docker.io', image: 'jenkins', found: false },
    { key: 'index.docker.io/foo', image: 'docker.io/library/nginx', found: false },
  ];
  for (const c of cases) {
    const dk = new BasicDockerKeyring();
    dk.add(origin, cfg({ [c.key]: { username: 'u', password: 'p', email: '' } }));
    t.equal(dk.lookup(c.image).found, c.found, `${c.key} for ${c.image}`);
  }
  const dk = new BasicDockerKeyring();
  dk.add(origin, cfg({ 'https://index.docker.io/v1/': { username: 'hub', password: 'p', email: '' }, 'docker.io/team': { username: 'team', password: 'p', email: '' } }));
  t.same(dk.lookup('docker.io/team/app').credentials.map((c) => c.auth.username), ['team'], 'the fallback applies only when nothing matched');
  t.same(dk.lookup('docker.io/other/app').credentials.map((c) => c.auth.username), ['hub']);
});

t.test('Union keyrings concatenate in member order (§1.4)', async (t) => {
  const a = new BasicDockerKeyring();
  a.add({ source: 'secret', secret: 'ns/a' }, cfg({ 'ghcr.io': { username: 'a', password: 'p', email: '' } }));
  const b = new BasicDockerKeyring();
  b.add({ source: 'docker-config', secret: null }, cfg({ 'ghcr.io': { username: 'b', password: 'p', email: '' } }));
  const u = new UnionDockerKeyring([a, null, b]);
  const r = u.lookup('ghcr.io/x');
  t.ok(r.found);
  t.same(r.credentials.map((c) => c.provenance), [
    { source: 'secret', secret: 'ns/a', key: 'ghcr.io' },
    { source: 'docker-config', secret: null, key: 'ghcr.io' },
  ]);
  t.notOk(u.lookup('quay.io/x').found);
});

t.test('matchImages patterns use the same matcher (§8)', async (t) => {
  const cases: Array<{ pattern: string; image: string; match: boolean }> = [
    { pattern: '*.dkr.ecr.*.amazonaws.com', image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/app', match: true },
    { pattern: '*.dkr.ecr.*.amazonaws.com', image: '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app', match: false },
    { pattern: '*.dkr.ecr.*.amazonaws.com.cn', image: '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app', match: true },
    { pattern: '*.azurecr.io', image: 'myreg.azurecr.io/app', match: true },
    { pattern: '*.azurecr.io', image: 'azurecr.io/app', match: false },
    { pattern: '*.azurecr.io', image: 'a.b.azurecr.io/app', match: false },
    { pattern: 'registry.example.com/team', image: 'registry.example.com/team/app', match: true },
    { pattern: 'registry.example.com/team', image: 'registry.example.com/other/app', match: false },
  ];
  for (const c of cases) t.equal(matchImagePattern(c.pattern, c.image), c.match, `${c.pattern} vs ${c.image}`);
});
