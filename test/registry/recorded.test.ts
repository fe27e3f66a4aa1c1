// ECR, ACR and Docker Hub: their recorded answers (shared/notes/registries.md) replayed over HTTPS on
// 127.0.0.1, reached through the real host names via host overrides.
import t, { type Test } from 'tap';
import { imageRef } from '../helpers/registry.js';
import { makeTestPki } from '../helpers/registry-pki.js';
import { errorsBody, startReplayServer, type ReplayRequest, type ReplayResponse } from '../helpers/registry-replay.js';
import { RegistryChecker, type Credential, type OutcomeKind, type Platform, type RegistryOutcome } from '../../src/registry/index.js';

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const ACR = 'acme.azurecr.io';
const HUB = 'registry-1.docker.io';
const HUB_AUTH = 'auth.docker.io';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const DIGEST = `sha256:${'a'.repeat(64)}`;
const INDEX_DIGEST = `sha256:${'b'.repeat(64)}`;

const ECR_CHALLENGE = `Basic realm="https://${ECR}/",service="ecr.amazonaws.com"`;
const ECR_VALID = `Basic ${Buffer.from('AWS:valid-token').toString('base64')}`;
const ECR_EXPIRED = `Basic ${Buffer.from('AWS:expired-token').toString('base64')}`;
const ECR_NOPERM = `Basic ${Buffer.from('AWS:no-permission-token').toString('base64')}`;
const ECR_TEXT = {
  repoMissing: (name: string) => `The repository with name '${name}' does not exist in the registry with id '123456789012'`,
  tagMissing: 'Requested image not found',
  expired: 'Your authorization token has expired. Reauthenticate and try again.',
  noPermission:
    'User: arn:aws:sts::123456789012:assumed-role/eks-node/i-0abc is not authorized to perform: ecr:BatchGetImage on resource: arn:aws:ecr:us-east-1:123456789012:repository/app because no identity-based policy allows the ecr:BatchGetImage action',
  listDenied: 'User: arn:aws:sts::123456789012:assumed-role/eks-node/i-0abc is not authorized to perform: ecr:ListImages on resource: arn:aws:ecr:us-east-1:123456789012:repository/hidden',
  throttled: 'Rate exceeded',
};
const ACR_UNAUTHORIZED = 'authentication required, visit https://aka.ms/acr/authorization for more information.';
const HUB_RATE = 'You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit';

const ok = (mediaType: string, digest: string, body?: unknown, extra: Record<string, string> = {}): ReplayResponse => ({
  status: 200,
  headers: { 'content-type': mediaType, 'docker-content-digest': digest, ...extra },
  ...(body !== undefined ? { body } : {}),
});

function ecr(r: ReplayRequest): ReplayResponse {
  const challenge = { status: 401, headers: { 'www-authenticate': ECR_CHALLENGE }, body: errorsBody('UNAUTHORIZED', 'Not Authorized') };
  if (r.authorization === ECR_EXPIRED) return { status: 403, body: errorsBody('DENIED', ECR_TEXT.expired) };
  if (r.authorization === ECR_NOPERM) return { status: 403, body: errorsBody('DENIED', ECR_TEXT.noPermission) };
  if (r.authorization !== ECR_VALID) return challenge;
  const m = /^\/v2\/(.+)\/(manifests|tags)\/(.+)$/.exec(r.path);
  if (!m) return { status: 200, body: {} };
  const [, repo, what, ref] = m as unknown as [string, string, string, string];
  if (repo === 'busy') return { status: 429, body: errorsBody('TOOMANYREQUESTS', ECR_TEXT.throttled) };
  if (repo === 'app') {
    if (what === 'tags') return { status: 200, body: { name: 'app', tags: ['1.0', '1.1', '2.0'] } };
    if (ref === '1.0') return ok(OCI_MANIFEST, DIGEST, { schemaVersion: 2, mediaType: OCI_MANIFEST });
    return { status: 404, body: errorsBody('MANIFEST_UNKNOWN', ECR_TEXT.tagMissing) };
  }
  if (repo === 'hidden' && what === 'tags') return { status: 403, body: errorsBody('DENIED', ECR_TEXT.listDenied) };
  return { status: 404, body: errorsBody('NAME_UNKNOWN', ECR_TEXT.repoMissing(repo)) };
}

function acr(r: ReplayRequest): ReplayResponse {
  const challenge = {
    status: 401,
    headers: { 'www-authenticate': `Bearer realm="https://${ACR}/oauth2/token",service="${ACR}"` },
    body: errorsBody('UNAUTHORIZED', ACR_UNAUTHORIZED),
  };
  if (r.path === '/oauth2/token') {
    if (r.authorization !== `Basic ${Buffer.from('sp-app:sp-secret').toString('base64')}`) return { status: 401, body: errorsBody('UNAUTHORIZED', ACR_UNAUTHORIZED) };
    return { status: 200, body: { access_token: `acr-token-${r.query.get('scope')}` } };
  }
  if (!r.authorization?.startsWith('Bearer acr-token-')) return challenge;
  const m = /^\/v2\/(.+)\/(manifests|tags)\/(.+)$/.exec(r.path);
  if (!m) return { status: 200, body: {} };
  const [, repo, what, ref] = m as unknown as [string, string, string, string];
  if (repo === 'app') {
    if (what === 'tags') return { status: 200, body: { name: 'app', tags: ['1.0', 'v1.0.1'] } };
    if (ref === '1.0' || ref === INDEX_DIGEST)
      return ok(DOCKER_LIST, INDEX_DIGEST, {
        schemaVersion: 2,
        mediaType: DOCKER_LIST,
        manifests: [{ mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: DIGEST, size: 1, platform: { os: 'linux', architecture: 'amd64' } }],
      });
    return { status: 404, body: errorsBody('MANIFEST_UNKNOWN', `manifest tagged by "${ref}" is not found`) };
  }
  return { status: 404, body: errorsBody('NAME_UNKNOWN', `repository "${repo}" is not found`) };
}

function hub(r: ReplayRequest): ReplayResponse {
  if (r.host === HUB_AUTH) {
    if (r.path !== '/token' || r.query.get('service') !== 'registry.docker.io') return { status: 404 };
    const scope = r.query.get('scope') ?? '';
    if (!r.authorization) return { status: 200, body: { token: `anon|${scope}`, access_token: `anon|${scope}`, expires_in: 300, issued_at: new Date().toISOString() } };
    if (r.authorization === `Basic ${Buffer.from('hubuser:hubpass').toString('base64')}`) return { status: 200, body: { token: `user|${scope}`, expires_in: 300 } };
    return { status: 401, body: { details: 'incorrect username or password' } };
  }
  const challenge = (extra = ''): ReplayResponse => ({
    status: 401,
    headers: { 'www-authenticate': `Bearer realm="https://${HUB_AUTH}/token",service="registry.docker.io"${extra}` },
    body: errorsBody('UNAUTHORIZED', 'authentication required'),
  });
  if (r.path === '/v2/') return challenge();
  const m = /^\/v2\/(.+)\/(manifests|tags)\/(.+)$/.exec(r.path);
  const bearer = r.authorization?.startsWith('Bearer ') ? r.authorization.slice(7) : null;
  if (!m || !bearer) return challenge();
  const [, repo, what, ref] = m as unknown as [string, string, string, string];
  const [who] = bearer.split('|');
  const rate = { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '99;w=21600', 'docker-ratelimit-source': '192.0.2.1' };
  if (repo === 'library/nginx') {
    if (what === 'tags') return { status: 200, body: { name: 'library/nginx', tags: ['1.25', '1.25.3', '1.26', 'latest'] } };
    if (ref === '1.25' || ref === INDEX_DIGEST)
      return ok(
        OCI_INDEX,
        INDEX_DIGEST,
        {
          schemaVersion: 2,
          mediaType: OCI_INDEX,
          manifests: [
            { mediaType: OCI_MANIFEST, digest: DIGEST, size: 1, platform: { os: 'linux', architecture: 'amd64' } },
            { mediaType: OCI_MANIFEST, digest: DIGEST, size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
            { mediaType: OCI_MANIFEST, digest: DIGEST, size: 1, platform: { os: 'unknown', architecture: 'unknown' } },
          ],
        },
        rate,
      );
    return { status: 404, headers: rate, body: errorsBody('MANIFEST_UNKNOWN', 'manifest unknown') };
  }
  if (repo === 'library/busy') return { status: 429, headers: { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '0;w=21600' }, body: errorsBody('TOOMANYREQUESTS', HUB_RATE) };
  if (repo === 'acme/private' && who === 'user') return ok(OCI_MANIFEST, DIGEST, { schemaVersion: 2 }, rate);
  // Missing and private answer the same: insufficient_scope.
  return challenge(`,scope="repository:${repo}:pull",error="insufficient_scope"`);
}

const pki = makeTestPki([ECR, ACR, HUB, HUB_AUTH]);
const replay = await startReplayServer(t, pki, (r) => (r.host === ECR ? ecr(r) : r.host === ACR ? acr(r) : hub(r)));
const target = `127.0.0.1:${replay.port}`;
const checker = new RegistryChecker({
  registries: {
    [ECR]: { caBundle: pki.caPem, pullThroughCachePrefixes: ['docker-hub', 'ghcr/'] },
    [ACR]: { caBundle: pki.caPem },
    'docker.io': { caBundle: pki.caPem },
  },
  hostOverrides: { [ECR]: target, [ACR]: target, [HUB]: target, [HUB_AUTH]: target },
});
t.teardown(() => checker.close());

interface Case {
  readonly name: string;
  readonly domain: string;
  readonly path: string;
  readonly tag: string;
  readonly credentials?: readonly Credential[];
  readonly platforms?: readonly Platform[];
  readonly kind: OutcomeKind;
  readonly expect?: (t: Test, o: RegistryOutcome) => void;
}

const aws = (password: string): Credential => ({ username: 'AWS', password });
const cases: Case[] = [
  // ECR
  { name: 'ECR: available', domain: ECR, path: 'app', tag: '1.0', credentials: [aws('valid-token')], kind: 'available' },
  {
    name: 'ECR: missing repository (NAME_UNKNOWN text)',
    domain: ECR,
    path: 'missing',
    tag: '1.0',
    credentials: [aws('valid-token')],
    kind: 'repository-missing',
    expect: (t, o) => t.equal(o.kind === 'repository-missing' && o.pullThroughCache, false),
  },
  {
    name: 'ECR: missing tag ("Requested image not found"), with suggestions',
    domain: ECR,
    path: 'app',
    tag: '1.2',
    credentials: [aws('valid-token')],
    kind: 'tag-missing',
    expect: (t, o) => t.same(o.kind === 'tag-missing' && o.suggestions, ['1.1', '1.0']),
  },
  {
    name: 'ECR: tags/list denied → GET manifest says NAME_UNKNOWN',
    domain: ECR,
    path: 'hidden',
    tag: '1.0',
    credentials: [aws('valid-token')],
    kind: 'repository-missing',
    expect: (t, o) => t.match(o.detail, /does not exist in the registry with id/),
  },
  {
    name: 'ECR: expired token (DENIED text)',
    domain: ECR,
    path: 'app',
    tag: '1.0',
    credentials: [aws('expired-token')],
    kind: 'access-denied',
    expect: (t, o) => t.equal(o.kind === 'access-denied' && o.reason, 'token-expired'),
  },
  {
    name: 'ECR: missing ecr:BatchGetImage permission (DENIED text)',
    domain: ECR,
    path: 'app',
    tag: '1.0',
    credentials: [aws('no-permission-token')],
    kind: 'access-denied',
    expect: (t, o) => {
      t.equal(o.kind === 'access-denied' && o.reason, 'permission');
      t.match(o.detail, /ecr:BatchGetImage/);
    },
  },
  { name: 'ECR: expired token first, valid second (kubelet order)', domain: ECR, path: 'app', tag: '1.0', credentials: [aws('expired-token'), aws('valid-token')], kind: 'available' },
  { name: 'ECR: throttled (429 "Rate exceeded")', domain: ECR, path: 'busy', tag: '1.0', credentials: [aws('valid-token')], kind: 'rate-limited' },
  { name: 'ECR: no credentials → auth required (Basic)', domain: ECR, path: 'app', tag: '1.0', kind: 'auth-required', expect: (t, o) => t.equal(o.kind === 'auth-required' && o.scheme, 'basic') },
  { name: 'ECR: garbage password → rejected', domain: ECR, path: 'app', tag: '1.0', credentials: [aws('garbage')], kind: 'credentials-rejected' },
  {
    name: 'ECR: pull-through-cache prefix → repository missing is not final',
    domain: ECR,
    path: 'docker-hub/library/nginx',
    tag: '1.25',
    credentials: [aws('valid-token')],
    kind: 'repository-missing',
    expect: (t, o) => t.equal(o.kind === 'repository-missing' && o.pullThroughCache, true),
  },
  // ACR
  { name: 'ACR: available (token via /oauth2/token with service principal)', domain: ACR, path: 'app', tag: '1.0', credentials: [{ username: 'sp-app', password: 'sp-secret' }], kind: 'available' },
  {
    name: 'ACR: no credentials → token service refuses → auth required',
    domain: ACR,
    path: 'app',
    tag: '1.0',
    kind: 'auth-required',
    expect: (t, o) => t.match(o.detail, /aka\.ms\/acr\/authorization/),
  },
  { name: 'ACR: wrong secret → rejected', domain: ACR, path: 'app', tag: '1.0', credentials: [{ username: 'sp-app', password: 'nope' }], kind: 'credentials-rejected' },
  { name: 'ACR: missing repository (`repository "x" is not found`)', domain: ACR, path: 'missing', tag: '1.0', credentials: [{ username: 'sp-app', password: 'sp-secret' }], kind: 'repository-missing' },
  {
    name: 'ACR: missing tag (`manifest tagged by "x" is not found`)',
    domain: ACR,
    path: 'app',
    tag: 'v1.0.2',
    credentials: [{ username: 'sp-app', password: 'sp-secret' }],
    kind: 'tag-missing',
    expect: (t, o) => t.same(o.kind === 'tag-missing' && o.suggestions, ['v1.0.1']),
  },
  {
    name: 'ACR: manifest list lacks arm64 → platform missing',
    domain: ACR,
    path: 'app',
    tag: '1.0',
    credentials: [{ username: 'sp-app', password: 'sp-secret' }],
    platforms: [{ os: 'linux', architecture: 'arm64' }],
    kind: 'platform-missing',
  },
  // Docker Hub
  { name: 'Docker Hub: docker.io → registry-1.docker.io, anonymous token', domain: 'docker.io', path: 'library/nginx', tag: '1.25', kind: 'available' },
  {
    name: 'Docker Hub: anonymous missing-or-private (insufficient_scope)',
    domain: 'docker.io',
    path: 'acme/private',
    tag: 'latest',
    kind: 'private-or-missing',
    expect: (t, o) => t.equal(o.kind === 'private-or-missing' && o.authenticated, false),
  },
  { name: 'Docker Hub: private repository with credentials', domain: 'docker.io', path: 'acme/private', tag: 'latest', credentials: [{ username: 'hubuser', password: 'hubpass' }], kind: 'available' },
  {
    name: 'Docker Hub: authenticated but still insufficient_scope',
    domain: 'docker.io',
    path: 'acme/typo',
    tag: 'latest',
    credentials: [{ username: 'hubuser', password: 'hubpass' }],
    kind: 'private-or-missing',
    expect: (t, o) => t.equal(o.kind === 'private-or-missing' && o.authenticated, true),
  },
  { name: 'Docker Hub: wrong password at auth.docker.io → rejected', domain: 'docker.io', path: 'library/nginx', tag: '1.25', credentials: [{ username: 'hubuser', password: 'x' }], kind: 'credentials-rejected' },
  {
    name: 'Docker Hub: pull rate limit (429 TOOMANYREQUESTS)',
    domain: 'docker.io',
    path: 'library/busy',
    tag: '1',
    kind: 'rate-limited',
    expect: (t, o) => t.match(o.detail, /limit 100;w=21600, remaining 0/),
  },
  { name: 'Docker Hub: missing tag in an official image', domain: 'docker.io', path: 'library/nginx', tag: '1.25.99', kind: 'tag-missing', expect: (t, o) => t.same(o.kind === 'tag-missing' && o.suggestions[0], '1.25.3') },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const o = await checker.check(imageRef(c.domain, c.path, { tag: c.tag }), {
      ...(c.credentials ? { credentials: c.credentials } : {}),
      ...(c.platforms ? { platforms: c.platforms } : {}),
      deadline: Date.now() + 5000,
    });
    t.equal(o.kind, c.kind, o.detail);
    t.equal(o.registry, c.domain);
    c.expect?.(t, o);
  });
}

t.test('Docker Hub: requests go to registry-1.docker.io and auth.docker.io', async (t) => {
  const hosts = new Set(replay.requests.map((r) => r.host));
  t.ok(hosts.has(HUB));
  t.ok(hosts.has(HUB_AUTH));
  t.notOk(hosts.has('docker.io'));
});

t.test('Docker Hub: a HEAD only (GET counts as a pull) unless platforms are wanted', async (t) => {
  const c = new RegistryChecker({ registries: { 'docker.io': { caBundle: pki.caPem } }, hostOverrides: { [HUB]: target, [HUB_AUTH]: target } });
  t.teardown(() => c.close());
  const gets = (): number => replay.requests.filter((r) => r.host === HUB && r.method === 'GET' && r.path.includes('/manifests/')).length;
  const before = gets();
  const plain = await c.check(imageRef('docker.io', 'library/nginx', { tag: '1.25' }));
  t.equal(plain.kind, 'available');
  t.equal(plain.kind === 'available' && plain.platforms, null, 'index not read');
  t.equal(gets(), before, 'no manifest GET');
  const withPlatforms = await c.check(imageRef('docker.io', 'library/nginx', { tag: '1.25' }), { platforms: [{ os: 'linux', architecture: 'arm64' }] });
  t.equal(withPlatforms.kind, 'available');
  t.same(withPlatforms.kind === 'available' && withPlatforms.platforms, [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
  ], 'attestation entries (unknown/unknown) left out');
  t.equal(gets(), before + 1, 'one GET of the index, by digest');
  t.ok(replay.requests.some((r) => r.method === 'GET' && r.path === `/v2/library/nginx/manifests/${INDEX_DIGEST}`));
  const s390 = await c.check(imageRef('docker.io', 'library/nginx', { tag: '1.25' }), { platforms: [{ os: 'linux', architecture: 's390x' }] });
  t.equal(s390.kind, 'platform-missing', 'platform evaluated on the cached index');
  t.equal(gets(), before + 1);
});

t.test('every manifest request carried the complete Accept list', async (t) => {
  const manifestRequests = replay.requests.filter((r) => r.path.includes('/manifests/'));
  t.ok(manifestRequests.length > 10);
  for (const mt of [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, 'application/vnd.docker.distribution.manifest.v2+json'])
    t.ok(manifestRequests.every((r) => r.accept?.split(',').map((x) => x.trim()).includes(mt)), mt);
});
