// Existence checks against a REAL docker-registry (distribution 2.8) with TLS + htpasswd (bcrypt).
import t, { type Test } from 'tap';
import { imageRef, requireRegistry, startRegistry } from '../helpers/registry.js';
import { RegistryChecker, type Credential, type OutcomeKind, type Platform, type RegistryOutcome } from '../../src/registry/index.js';

if (requireRegistry(t)) {
  const reg = await startRegistry(t, { auth: 'htpasswd', names: ['registry.acme.test'] });
  const alice = reg.users.alice;
  const wrong: Credential = { username: 'alice', password: 'not-her-password' };
  const stranger: Credential = { username: 'mallory', password: 'guess' };

  const newChecker = (): RegistryChecker => {
    const c = new RegistryChecker({ registries: { [reg.host]: { caBundle: reg.caPem } } });
    t.teardown(() => c.close());
    return c;
  };

  interface Case {
    readonly name: string;
    readonly path: string;
    readonly tag?: string;
    readonly digest?: string;
    readonly credentials: readonly Credential[];
    readonly platforms?: readonly Platform[];
    readonly kind: OutcomeKind;
    readonly expect?: (t: Test, o: RegistryOutcome) => void;
  }

  const cases: Case[] = [
    {
      name: 'available by tag (OCI manifest)',
      path: 'team/app',
      tag: '1.2.0',
      credentials: [alice],
      kind: 'available',
      expect: (t, o) => {
        if (o.kind !== 'available') return;
        t.equal(o.digest, reg.images['team/app:1.2.0']!.digest, 'digest from Docker-Content-Digest');
        t.equal(o.mediaType, 'application/vnd.oci.image.manifest.v1+json');
        t.equal(o.platforms, null, 'single-platform manifest lists no platforms');
        t.equal(o.credential, 0);
      },
    },
    {
      name: 'available by tag (Docker v2 manifest)',
      path: 'team/legacy',
      tag: 'v1',
      credentials: [alice],
      kind: 'available',
      expect: (t, o) => {
        if (o.kind !== 'available') return;
        t.equal(o.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
        t.equal(o.digest, reg.images['team/legacy:v1']!.digest, 'no schema1 down-conversion: same digest');
      },
    },
    {
      name: 'available by digest',
      path: 'team/app',
      digest: reg.images['team/app:1.3.0']!.digest,
      credentials: [alice],
      kind: 'available',
      expect: (t, o) => t.equal(o.kind === 'available' && o.digest, reg.images['team/app:1.3.0']!.digest),
    },
    {
      name: 'available: OCI index lists its platforms',
      path: 'team/multi',
      tag: '1.0',
      credentials: [alice],
      platforms: [{ os: 'linux', architecture: 'arm64' }],
      kind: 'available',
      expect: (t, o) => {
        if (o.kind !== 'available') return;
        t.equal(o.mediaType, 'application/vnd.oci.image.index.v1+json');
        t.same(o.platforms, [
          { os: 'linux', architecture: 'amd64' },
          { os: 'linux', architecture: 'arm64', variant: 'v8' },
        ]);
      },
    },
    {
      name: 'available: Docker manifest list with both platforms wanted',
      path: 'team/multi-docker',
      tag: '1.0',
      credentials: [alice],
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
      kind: 'available',
      expect: (t, o) => t.equal(o.kind === 'available' && o.mediaType, 'application/vnd.docker.distribution.manifest.list.v2+json'),
    },
    {
      name: 'platform missing from the index',
      path: 'team/multi',
      tag: '1.0',
      credentials: [alice],
      platforms: [{ os: 'linux', architecture: 's390x' }, { os: 'linux', architecture: 'amd64' }],
      kind: 'platform-missing',
      expect: (t, o) => {
        if (o.kind !== 'platform-missing') return;
        t.same(o.missing, [{ os: 'linux', architecture: 's390x' }]);
        t.equal(o.available.length, 2);
        t.equal(o.digest, reg.images['team/multi:1.0']!.digest);
      },
    },
    {
      name: 'platform missing: wrong arm variant',
      path: 'team/multi',
      tag: '1.0',
      credentials: [alice],
      platforms: [{ os: 'linux', architecture: 'arm', variant: 'v7' }],
      kind: 'platform-missing',
    },
    {
      name: 'tag missing, with the nearest existing tags',
      path: 'team/app',
      tag: '1.2.O',
      credentials: [alice],
      kind: 'tag-missing',
      expect: (t, o) => {
        if (o.kind !== 'tag-missing') return;
        t.equal(o.tag, '1.2.O');
        t.equal(o.suggestions[0], '1.2.0', 'look-alike O/0 ranks first');
        t.notOk(o.suggestions.includes('latest'));
      },
    },
    {
      name: 'tag missing, nothing close',
      path: 'team/app',
      tag: 'completely-different',
      credentials: [alice],
      kind: 'tag-missing',
      expect: (t, o) => t.same(o.kind === 'tag-missing' && o.suggestions, []),
    },
    {
      name: 'repository missing (registry says MANIFEST_UNKNOWN; tags/list tells NAME_UNKNOWN)',
      path: 'team/does-not-exist',
      tag: '1.0',
      credentials: [alice],
      kind: 'repository-missing',
      expect: (t, o) => t.match(o.detail, /NAME_UNKNOWN/),
    },
    {
      name: 'digest missing in an existing repository',
      path: 'team/app',
      digest: `sha256:${'0'.repeat(64)}`,
      credentials: [alice],
      kind: 'digest-missing',
      expect: (t, o) => t.equal(o.kind === 'digest-missing' && o.digest, `sha256:${'0'.repeat(64)}`),
    },
    {
      name: 'digest in a missing repository: repository missing',
      path: 'team/nothing-here',
      digest: `sha256:${'1'.repeat(64)}`,
      credentials: [alice],
      kind: 'repository-missing',
    },
    { name: 'no credentials: auth required', path: 'team/app', tag: '1.2.0', credentials: [], kind: 'auth-required', expect: (t, o) => t.equal(o.kind === 'auth-required' && o.scheme, 'basic') },
    { name: 'wrong password: rejected', path: 'team/app', tag: '1.2.0', credentials: [wrong], kind: 'credentials-rejected' },
    {
      name: 'two wrong credentials: rejected, both tried',
      path: 'team/app',
      tag: '1.2.0',
      credentials: [wrong, stranger],
      kind: 'credentials-rejected',
      expect: (t, o) => t.equal(o.kind === 'credentials-rejected' && o.tried, 2),
    },
    {
      name: 'kubelet order: a wrong credential, then the right one → available',
      path: 'team/app',
      tag: '1.2.1',
      credentials: [wrong, stranger, alice],
      kind: 'available',
      expect: (t, o) => t.equal(o.kind === 'available' && o.credential, 2, 'the third credential worked'),
    },
    {
      name: 'kubelet order: wrong then right, tag missing → tag missing (not rejected)',
      path: 'team/app',
      tag: '9.9.9',
      credentials: [wrong, alice],
      kind: 'tag-missing',
    },
    { name: 'default tag latest', path: 'team/app', credentials: [alice], kind: 'available' },
  ];

  const checker = newChecker();
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const ref = imageRef(reg.host, c.path, { ...(c.tag ? { tag: c.tag } : {}), ...(c.digest ? { digest: c.digest } : {}) });
      const o = await checker.check(ref, { credentials: c.credentials, ...(c.platforms ? { platforms: c.platforms } : {}), deadline: Date.now() + 10_000 });
      t.equal(o.kind, c.kind, `${c.name}: ${o.detail}`);
      t.equal(o.registry, reg.host);
      t.equal(o.repository, c.path);
      c.expect?.(t, o);
    });
  }

  t.test('host override: a cloud-like name served from 127.0.0.1 with TLS checked against that name', async (t) => {
    const domain = `registry.acme.test:${reg.port}`;
    const c = new RegistryChecker({
      registries: { [domain]: { caBundle: reg.caPem } },
      hostOverrides: { 'registry.acme.test': '127.0.0.1' },
    });
    t.teardown(() => c.close());
    const o = await c.check(imageRef(domain, 'team/app', { tag: '1.2.0' }), { credentials: [alice] });
    t.equal(o.kind, 'available', o.detail);
  });

  t.test('TLS: a registry whose CA is not configured is unreachable (tls)', async (t) => {
    const c = new RegistryChecker();
    t.teardown(() => c.close());
    const o = await c.check(imageRef(reg.host, 'team/app', { tag: '1.2.0' }), { credentials: [alice] });
    t.equal(o.kind, 'unreachable');
    t.equal(o.kind === 'unreachable' && o.cause, 'tls', o.detail);
  });

  t.test('TLS: certificate name mismatch is unreachable (tls)', async (t) => {
    const domain = `other.example.test:${reg.port}`;
    const c = new RegistryChecker({ registries: { [domain]: { caBundle: reg.caPem } }, hostOverrides: { 'other.example.test': '127.0.0.1' } });
    t.teardown(() => c.close());
    const o = await c.check(imageRef(domain, 'team/app', { tag: '1.2.0' }), { credentials: [alice] });
    t.equal(o.kind === 'unreachable' && o.cause, 'tls', o.detail);
  });

  t.test('plain HTTP to a TLS registry is a protocol failure, not a hang', async (t) => {
    const c = new RegistryChecker({ registries: { [reg.host]: { plainHttp: true } } });
    t.teardown(() => c.close());
    const started = Date.now();
    const o = await c.check(imageRef(reg.host, 'team/app', { tag: '1.2.0' }), { deadline: Date.now() + 3000 });
    t.equal(o.kind, 'unreachable', o.detail);
    t.ok(Date.now() - started < 3500);
  });
}
