/**
 * The keyring cases of keyring_test.go / secrets_test.go / TestURLsMatch that can be expressed as
 * "one kubernetes.io/dockerconfigjson secret + one image", written to test/fixtures/keyring-cases.json
 * for end-to-end runs (`pullguard check --output json`). Each case: the secret's config, the image as
 * written in a pod, the repository name the kubelet looks up, and the expected credential keys in order.
 *
 * Cases whose Go lookup string is not a valid image reference are left out (`prefix.docker.io/path:1111/…`
 * and host-only lookups, which normalise to Docker Hub). Where the Go test looks up a raw string that
 * normalises differently (`google/docker-registry`), the case says so in `note`; its expectation is the
 * same either way, which this test checks.
 *
 * Regenerate with: UPDATE_KEYRING_FIXTURES=1 npx tap test/credentials/fixtures.test.ts
 */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BasicDockerKeyring } from '../../src/credentials/keyring.js';
import { parseDockerConfigJSON } from '../../src/credentials/dockerconfig.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/keyring-cases.json', import.meta.url));

interface Entry {
  auth?: string;
  email?: string;
  username?: string;
  password?: string;
}

interface Case {
  name: string;
  source: string;
  dockerconfigjson: { auths: Record<string, Entry> };
  image: string;
  lookup: string;
  want: Array<{ key: string }>;
  note?: string;
}

const fooAuth: Entry = { email: 'foo@bar.baz', auth: Buffer.from('foo:bar').toString('base64') };

/** Minimal docker/distribution normalisation for the plain names used here (no tag, no digest). */
function normalise(image: string): string {
  const i = image.indexOf('/');
  const first = i < 0 ? '' : image.slice(0, i);
  let domain = 'docker.io';
  let rest = image;
  if (i >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    domain = first;
    rest = image.slice(i + 1);
  }
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !rest.includes('/')) rest = `library/${rest}`;
  return `${domain}/${rest}`;
}

function build(): Case[] {
  const cases: Case[] = [];
  const one = (source: string, name: string, key: string, image: string, hit: boolean, note?: string, entry: Entry = fooAuth): void => {
    cases.push({
      name: `${source}: ${name}`,
      source,
      dockerconfigjson: { auths: { [key]: entry } },
      image,
      lookup: normalise(image),
      want: hit ? [{ key }] : [],
      ...(note ? { note } : {}),
    });
  };

  // TestDockerKeyringForGlob (lookup = target + "/foo/bar").
  const globs: Array<[string, string]> = [
    ['https://hello.kubernetes.io', 'hello.kubernetes.io'],
    ['https://*.docker.io', 'prefix.docker.io'],
    ['https://prefix.*.io', 'prefix.docker.io'],
    ['https://prefix.docker.*', 'prefix.docker.io'],
    ['https://*.docker.io/path', 'prefix.docker.io/path'],
    ['https://prefix.*.io/path', 'prefix.docker.io/path/subpath'],
    ['https://prefix.docker.*/path', 'prefix.docker.io/path'],
    ['https://*.docker.io:8888', 'prefix.docker.io:8888'],
    ['https://prefix.*.io:8888', 'prefix.docker.io:8888'],
    ['https://prefix.docker.*:8888', 'prefix.docker.io:8888'],
    // The four `/path:1111` targets are not valid image references.
    ['prefix.docker.io:1111', 'prefix.docker.io:1111/path'],
    ['*.docker.io:1111', 'prefix.docker.io:1111/path'],
  ];
  for (const [key, target] of globs) one('TestDockerKeyringForGlob', `${key} matches ${target}`, key, `${target}/foo/bar`, true);

  // TestKeyringMiss.
  const misses: Array<[string, string]> = [
    ['https://hello.kubernetes.io', 'world.mesos.org/foo/bar'],
    ['https://*.docker.com', 'prefix.docker.io'],
    ['https://suffix.*.io', 'prefix.docker.io'],
    ['https://prefix.docker.c*', 'prefix.docker.io'],
    // `prefix.docker.io/path/subpath:1111` is not a valid image reference.
    ['suffix.*.io', 'prefix.docker.io'],
  ];
  for (const [key, target] of misses) one('TestKeyringMiss', `${key} does not match ${target}`, key, `${target}/foo/bar`, false);

  const hub = 'https://index.docker.io/v1/';
  one('TestKeyringMissWithDockerHubCredentials', 'Docker Hub key does not serve world.mesos.org', hub, 'world.mesos.org/foo/bar', false);
  one('TestKeyringHitWithUnqualifiedDockerHub', 'Docker Hub key serves google/docker-registry', hub, 'google/docker-registry', true,
    'Go looks up the raw string "google/docker-registry"; the kubelet looks up the normalised name; both fall back to index.docker.io');
  one('TestKeyringHitWithUnqualifiedLibraryDockerHub', 'Docker Hub key serves jenkins', hub, 'jenkins', true,
    'Go looks up the raw string "jenkins"; the kubelet looks up docker.io/library/jenkins; both fall back to index.docker.io');
  one('TestKeyringHitWithQualifiedDockerHub', 'Docker Hub key serves index.docker.io/google/docker-registry', hub, 'index.docker.io/google/docker-registry', true,
    'Go looks up "index.docker.io/v1//google/docker-registry" (not a valid reference); written here as index.docker.io/google/docker-registry');

  // TestDockerKeyringLookup (two entries; host-only lookups normalise to Docker Hub and are left out).
  const ada: Entry = { username: 'ada', password: 'smash', email: 'ada@example.com' };
  const grace: Entry = { username: 'grace', password: 'squash', email: 'grace@example.com' };
  const two = { auths: { 'bar.example.com/pong': grace, 'bar.example.com': ada } };
  const lookups: Array<[string, string, string[]]> = [
    ['direct match deeper than other possible matches', 'bar.example.com/pong', ['bar.example.com/pong', 'bar.example.com']],
    ['no direct match, deeper path ignored', 'bar.example.com/ping', ['bar.example.com']],
    ['match first part of path token', 'bar.example.com/pongz', ['bar.example.com/pong', 'bar.example.com']],
    ['match regardless of sub-path', 'bar.example.com/pong/pang', ['bar.example.com/pong', 'bar.example.com']],
  ];
  for (const [name, image, keys] of lookups) {
    cases.push({ name: `TestDockerKeyringLookup: ${name}`, source: 'TestDockerKeyringLookup', dockerconfigjson: two, image, lookup: normalise(image), want: keys.map((key) => ({ key })) });
  }

  // TestIssue3797.
  const rex: Entry = { username: 'rex', password: 'tiny arms', email: 'rex@example.com' };
  one('TestIssue3797', 'partial match quay.io/foo', 'https://quay.io/v1/', 'quay.io/foo', true, undefined, rex);
  one('TestIssue3797', 'partial match quay.io/foo/bar', 'https://quay.io/v1/', 'quay.io/foo/bar', true, undefined, rex);

  // secrets_test.go Test_MakeDockerKeyring (dockerconfigjson cases; image given a path so it is not Docker Hub).
  const pathNote = 'the Go test looks up "test.registry.io"; written here with a repository path so it is not normalised to Docker Hub';
  one('Test_MakeDockerKeyring', 'with .dockerconfigjson and auth field', 'test.registry.io', 'test.registry.io/app', true, pathNote, { auth: 'dXNlcjpwYXNzd29yZA==' });
  one('Test_MakeDockerKeyring', 'with .dockerconfigjson and username/password fields', 'test.registry.io', 'test.registry.io/app', true, pathNote, { username: 'user', password: 'password' });
  one('Test_MakeDockerKeyring', 'with not matching .dockerconfigjson', 'foobar.io', 'test.registry.io/app', false, pathNote, { auth: 'dXNlcjpwYXNzd29yZA==' });

  // TestURLsMatch as keyring cases (host-only targets get "/app").
  const urls: Array<[string, string, boolean]> = [
    ['*.kubernetes.io', 'prefix.kubernetes.io', true],
    ['prefix.*.io', 'prefix.kubernetes.io', true],
    ['prefix.kubernetes.*', 'prefix.kubernetes.io', true],
    ['*-good.kubernetes.io', 'prefix-good.kubernetes.io', true],
    ['*.kubernetes.io/blah', 'prefix.kubernetes.io/blah', true],
    ['prefix.*.io/foo', 'prefix.kubernetes.io/foo/bar', true],
    ['*.kubernetes.io:1111/blah', 'prefix.kubernetes.io:1111/blah', true],
    ['prefix.*.io:1111/foo', 'prefix.kubernetes.io:1111/foo/bar', true],
    ['*.kubernetes.io', 'kubernetes.io', false],
    ['*.*.kubernetes.io', 'prefix.kubernetes.io', false],
    ['*.*.kubernetes.io', 'kubernetes.io', false],
    ['*kubernetes.io', 'a.kubernetes.io', false],
    ['*kubernetes.io', 'kubernetes.io', true],
    ['*.*.*.kubernetes.io', 'a.b.c.kubernetes.io', true],
    ['kubernetes.io', 'kubernetes.com', false],
    ['k*.io', 'quay.io', false],
    ['*.kubernetes.io:1234/blah', 'prefix.kubernetes.io:1111/blah', false],
    ['prefix.*.io/foo', 'prefix.kubernetes.io:1111/foo/bar', false],
  ];
  for (const [glob, target, hit] of urls) {
    const hasPath = target.includes('/');
    one('TestURLsMatch', `${glob} ${hit ? 'matches' : 'does not match'} ${target}`, glob, hasPath ? target : `${target}/app`, hit,
      hasPath ? undefined : 'the Go test matches the bare host; "/app" added to make an image reference (an empty key path matches any path)');
  }
  return cases;
}

const cases = build();

t.test('every fixture case holds for the keyring', async (t) => {
  for (const c of cases) {
    const parsed = parseDockerConfigJSON(JSON.stringify(c.dockerconfigjson));
    t.ok(parsed.ok, `${c.name}: parses`);
    if (!parsed.ok) continue;
    const kr = new BasicDockerKeyring();
    kr.add({ source: 'secret', secret: 'default/fixture' }, parsed.config);
    t.same(
      kr.lookup(c.lookup).credentials.map((cr) => ({ key: cr.provenance.key })),
      c.want,
      c.name,
    );
  }
});

t.test('adapted cases give the Go expectation for the Go lookup string too', async (t) => {
  const goLookups: Record<string, string> = {
    'TestKeyringHitWithUnqualifiedDockerHub': 'google/docker-registry',
    'TestKeyringHitWithUnqualifiedLibraryDockerHub': 'jenkins',
    'TestKeyringHitWithQualifiedDockerHub': 'index.docker.io/v1//google/docker-registry',
  };
  for (const c of cases) {
    const raw = goLookups[c.source] ?? (c.source === 'Test_MakeDockerKeyring' ? 'test.registry.io' : null);
    if (!raw) continue;
    const parsed = parseDockerConfigJSON(JSON.stringify(c.dockerconfigjson));
    if (!parsed.ok) continue;
    const kr = new BasicDockerKeyring();
    kr.add({ source: 'secret', secret: 'default/fixture' }, parsed.config);
    t.same(kr.lookup(raw).credentials.map((cr) => ({ key: cr.provenance.key })), c.want, `${c.name} (Go lookup ${raw})`);
  }
});

t.test('test/fixtures/keyring-cases.json is up to date', async (t) => {
  const text = JSON.stringify(cases, null, 2) + '\n';
  if (process.env['UPDATE_KEYRING_FIXTURES'] === '1') writeFileSync(FIXTURE, text);
  t.equal(readFileSync(FIXTURE, 'utf8'), text, 'regenerate with UPDATE_KEYRING_FIXTURES=1');
  t.ok(cases.length >= 40, `${cases.length} cases`);
});
