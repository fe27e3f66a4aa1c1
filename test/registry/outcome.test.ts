// outcome.ts: the one place answers become outcomes — transport errors, token answers, manifest
// statuses with recorded error texts, several credentials, platforms.
import t from 'tap';
import {
  applyWantedPlatforms,
  combineCredentialFailures,
  decideManifest,
  decidePing,
  decideTagsList,
  decideToken,
  isIndexMediaType,
  outcomeClass,
  outcomeFromError,
  parseErrorBody,
  parseIndexPlatforms,
  platformMatches,
  type AuthContext,
  type RegistryOutcome,
} from '../../src/registry/outcome.js';
import { parseWwwAuthenticate } from '../../src/registry/wwwauth.js';
import { apiHost, registryKind } from '../../src/registry/hosts.js';

const subject = { registry: 'r.example', repository: 'team/app', reference: '1.0' };
const err = (code: string, message = code, name = 'Error'): Error => Object.assign(new Error(message), { code, name });

t.test('transport errors → unreachable sub-causes', async (t) => {
  const cases: Array<{ name: string; error: unknown; cause: string }> = [
    { name: 'ENOTFOUND', error: err('ENOTFOUND', 'getaddrinfo ENOTFOUND r.example'), cause: 'dns' },
    { name: 'EAI_AGAIN', error: err('EAI_AGAIN'), cause: 'dns' },
    { name: 'ECONNREFUSED', error: err('ECONNREFUSED'), cause: 'connect-refused' },
    { name: 'EHOSTUNREACH', error: err('EHOSTUNREACH'), cause: 'connect-refused' },
    { name: 'undici connect timeout', error: err('UND_ERR_CONNECT_TIMEOUT', 'Connect Timeout Error', 'ConnectTimeoutError'), cause: 'connect-timeout' },
    { name: 'self-signed', error: err('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), cause: 'tls' },
    { name: 'unknown CA', error: err('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'), cause: 'tls' },
    { name: 'expired cert', error: err('CERT_HAS_EXPIRED'), cause: 'tls' },
    { name: 'name mismatch', error: err('ERR_TLS_CERT_ALTNAME_INVALID'), cause: 'tls' },
    { name: 'AbortSignal.timeout', error: new DOMException('The operation was aborted due to timeout', 'TimeoutError'), cause: 'timeout' },
    { name: 'abort', error: new DOMException('aborted', 'AbortError'), cause: 'timeout' },
    { name: 'headers timeout', error: err('UND_ERR_HEADERS_TIMEOUT'), cause: 'timeout' },
    { name: 'reset', error: err('ECONNRESET', 'read ECONNRESET'), cause: 'reset' },
    { name: 'TLS socket closed before handshake', error: err('ECONNRESET', 'Client network socket disconnected before secure TLS connection was established'), cause: 'reset' },
    { name: 'undici other side closed', error: err('UND_ERR_SOCKET', 'other side closed', 'SocketError'), cause: 'reset' },
    { name: 'header overflow', error: err('UND_ERR_HEADERS_OVERFLOW', 'Headers Overflow Error'), cause: 'protocol' },
    { name: 'parser', error: err('HPE_INVALID_CONSTANT', 'Expected HTTP/', 'HTTPParserError'), cause: 'protocol' },
    { name: 'wrapped cause', error: Object.assign(new TypeError('fetch failed'), { cause: err('ECONNREFUSED') }), cause: 'connect-refused' },
    { name: 'a string', error: 'boom', cause: 'protocol' },
  ];
  for (const c of cases) {
    const o = outcomeFromError(subject, c.error, 'manifest', 'r.example');
    t.equal(o.cause, c.cause, `${c.name}: ${o.detail}`);
    t.equal(o.kind, 'unreachable');
    t.match(o.detail, /while looking up the manifest at r\.example/);
  }
});

t.test('error bodies', async (t) => {
  t.same(parseErrorBody('{"errors":[{"code":"manifest_unknown","message":"m","detail":{"Tag":"x"}}]}'), [{ code: 'MANIFEST_UNKNOWN', message: 'm', detail: { Tag: 'x' } }]);
  for (const g of ['', 'not json', '[]', '{"errors":"x"}', '{"errors":[1,null]}', 'null']) t.same(parseErrorBody(g), [], JSON.stringify(g));
  t.same(parseErrorBody(null), []);
});

t.test('ping', async (t) => {
  t.same(decidePing(subject, 200, {}, [], 'https://h'), { next: 'ok', challenge: null });
  const d = decidePing(subject, 401, {}, parseWwwAuthenticate('Basic realm="x"'), 'https://h');
  t.equal(d.next === 'ok' && d.challenge?.scheme, 'basic');
  const none = decidePing(subject, 401, {}, [], 'https://h');
  t.equal(none.next === 'outcome' && none.outcome.kind, 'unexpected');
  const e5 = decidePing(subject, 503, {}, [], 'https://h');
  t.equal(e5.next === 'outcome' && e5.outcome.kind === 'unreachable' && e5.outcome.cause, 'server-error');
  const nf = decidePing(subject, 404, {}, [], 'https://h');
  t.equal(nf.next === 'outcome' && nf.outcome.kind === 'unreachable' && nf.outcome.cause, 'protocol');
  const rl = decidePing(subject, 429, { 'retry-after': '7' }, [], 'https://h');
  t.equal(rl.next === 'outcome' && rl.outcome.kind === 'rate-limited' && rl.outcome.retryAfterSeconds, 7);
});

t.test('token answers', async (t) => {
  const ctx = { anonymous: false, realmHost: 'auth' };
  const tok = decideToken(subject, 200, {}, Buffer.from('{"access_token":"abc"}'), ctx);
  t.same(tok, { next: 'token', token: 'abc', expiresInSeconds: 60, issuedAt: null }, 'expires_in defaults to 60 s (token spec)');
  const both = decideToken(subject, 200, {}, Buffer.from('{"token":"t1","access_token":"t2","expires_in":300,"issued_at":"2024-01-01T00:00:00Z"}'), ctx);
  t.equal(both.next === 'token' && both.token, 't1', '`token` wins over `access_token`');
  t.equal(both.next === 'token' && both.expiresInSeconds, 300);
  const empty = decideToken(subject, 200, {}, Buffer.from('{}'), ctx);
  t.equal(empty.next === 'outcome' && empty.outcome.kind, 'unexpected');
  const garbage = decideToken(subject, 200, {}, Buffer.from('<html>'), ctx);
  t.equal(garbage.next === 'outcome' && garbage.outcome.kind, 'unexpected');
  const rejected = decideToken(subject, 401, {}, Buffer.from('{"details":"incorrect username or password"}'), ctx);
  t.equal(rejected.next === 'outcome' && rejected.outcome.kind, 'credentials-rejected');
  const anon = decideToken(subject, 401, {}, null, { anonymous: true, realmHost: 'auth' });
  t.equal(anon.next === 'outcome' && anon.outcome.kind, 'auth-required');
  const rl = decideToken(subject, 429, {}, null, ctx);
  t.equal(rl.next === 'outcome' && rl.outcome.kind, 'rate-limited');
  const e5 = decideToken(subject, 502, {}, null, ctx);
  t.equal(e5.next === 'outcome' && e5.outcome.kind === 'unreachable' && e5.outcome.cause, 'server-error');
});

t.test('manifest answers', async (t) => {
  const basicCreds: AuthContext = { kind: 'generic', scheme: 'basic', anonymous: false, tokenFromCache: false };
  const bearerCreds: AuthContext = { kind: 'generic', scheme: 'bearer', anonymous: false, tokenFromCache: false };
  const hubAnon: AuthContext = { kind: 'dockerhub', scheme: 'bearer', anonymous: true, tokenFromCache: false };
  const cases: Array<{ name: string; status: number; headers?: Record<string, string>; www?: string; body?: string | null; auth: AuthContext; next: string; kind?: string; check?: (o: RegistryOutcome) => unknown }> = [
    { name: '200', status: 200, headers: { 'docker-content-digest': 'sha256:x', 'content-type': 'application/vnd.oci.image.index.v1+json; charset=utf-8' }, auth: basicCreds, next: 'available' },
    { name: '404 → explain', status: 404, auth: basicCreds, next: 'explain-not-found' },
    { name: '403 without body → read it', status: 403, body: null, auth: basicCreds, next: 'read-error-body' },
    { name: 'ECR expired token', status: 403, body: '{"errors":[{"code":"DENIED","message":"Your authorization token has expired. Reauthenticate and try again."}]}', auth: basicCreds, next: 'outcome', kind: 'access-denied', check: (o) => o.kind === 'access-denied' && o.reason === 'token-expired' },
    {
      name: 'ECR missing permission',
      status: 403,
      body: '{"errors":[{"code":"DENIED","message":"User: arn:aws:iam::1:user/x is not authorized to perform: ecr:BatchGetImage on resource: y"}]}',
      auth: basicCreds,
      next: 'outcome',
      kind: 'access-denied',
      check: (o) => o.kind === 'access-denied' && o.reason === 'permission',
    },
    { name: 'generic DENIED', status: 403, body: '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}', auth: basicCreds, next: 'outcome', kind: 'access-denied', check: (o) => o.kind === 'access-denied' && o.reason === 'denied' },
    { name: '401 basic with creds → rejected', status: 401, www: 'Basic realm="x"', auth: basicCreds, next: 'outcome', kind: 'credentials-rejected' },
    { name: '401 basic anonymous → auth required', status: 401, www: 'Basic realm="x"', auth: { ...basicCreds, anonymous: true }, next: 'outcome', kind: 'auth-required' },
    { name: '401 bearer when ping said none → reauthenticate', status: 401, www: 'Bearer realm="https://a/t"', auth: { ...basicCreds, scheme: null }, next: 'reauthenticate' },
    { name: '401 basic when ping said none, with creds → reauthenticate', status: 401, www: 'Basic realm="x"', auth: { ...basicCreds, scheme: null }, next: 'reauthenticate' },
    { name: 'cached token now invalid → reauthenticate', status: 401, www: 'Bearer realm="https://a/t",error="invalid_token"', auth: { ...bearerCreds, tokenFromCache: true }, next: 'reauthenticate' },
    { name: 'fresh token invalid → unexpected', status: 401, www: 'Bearer realm="https://a/t",error="invalid_token"', auth: bearerCreds, next: 'outcome', kind: 'unexpected' },
    { name: 'insufficient scope with creds → denied', status: 401, www: 'Bearer realm="https://a/t",error="insufficient_scope"', auth: bearerCreds, next: 'outcome', kind: 'access-denied' },
    { name: 'Docker Hub anonymous insufficient_scope → private or missing', status: 401, www: 'Bearer realm="https://auth.docker.io/token",error="insufficient_scope"', auth: hubAnon, next: 'outcome', kind: 'private-or-missing' },
    { name: '429', status: 429, auth: basicCreds, next: 'outcome', kind: 'rate-limited' },
    { name: '500', status: 500, auth: basicCreds, next: 'outcome', kind: 'unreachable' },
    { name: '400 without body → read it', status: 400, body: null, auth: basicCreds, next: 'read-error-body' },
    { name: '400 NAME_INVALID', status: 400, body: '{"errors":[{"code":"NAME_INVALID","message":"invalid repository name"}]}', auth: basicCreds, next: 'outcome', kind: 'unexpected' },
    { name: '302', status: 302, body: '', auth: basicCreds, next: 'outcome', kind: 'unexpected' },
  ];
  for (const c of cases) {
    const d = decideManifest(subject, c.status, c.headers ?? {}, parseWwwAuthenticate(c.www), c.body === undefined ? null : c.body === null ? null : parseErrorBody(c.body), c.auth, 'r.example');
    t.equal(d.next, c.next, c.name);
    if (d.next === 'outcome') {
      t.equal(d.outcome.kind, c.kind, `${c.name}: ${d.outcome.detail}`);
      if (c.check) t.ok(c.check(d.outcome), `${c.name}: detail`);
    }
    if (d.next === 'available') t.equal(d.mediaType, 'application/vnd.oci.image.index.v1+json', 'parameters stripped');
  }
});

t.test('tags/list answers', async (t) => {
  t.same(decideTagsList(200, Buffer.from('{"name":"a","tags":["1","2"]}')), { exists: true, tags: ['1', '2'] });
  t.same(decideTagsList(200, Buffer.from('{"name":"a","tags":null}')), { exists: true, tags: [] });
  t.same(decideTagsList(404, Buffer.from('{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}')), { exists: false });
  t.equal(decideTagsList(404, Buffer.from('')), null, '404 without NAME_UNKNOWN cannot tell');
  t.equal(decideTagsList(403, null), null);
  t.equal(decideTagsList(200, Buffer.from('nope')), null);
});

t.test('several credentials: the most informative failure wins', async (t) => {
  const rej = { ...subject, kind: 'credentials-rejected', tried: 1, detail: 'r' } as const;
  const den = { ...subject, kind: 'access-denied', reason: 'denied', detail: 'd' } as const;
  const tag = { ...subject, kind: 'tag-missing', tag: '1.0', suggestions: [], pullThroughCache: false, detail: 't' } as const;
  t.equal(combineCredentialFailures([rej, den]).kind, 'access-denied');
  t.equal(combineCredentialFailures([den, tag, rej]).kind, 'tag-missing');
  const all = combineCredentialFailures([rej, rej, rej]);
  t.equal(all.kind === 'credentials-rejected' && all.tried, 3);
  t.throws(() => combineCredentialFailures([]));
});

t.test('classes: positives, negatives, transient (never cached)', async (t) => {
  const base = { ...subject, detail: '' };
  t.equal(outcomeClass({ ...base, kind: 'available', digest: 'd', mediaType: 'm', platforms: null, credential: null }), 'positive');
  t.equal(outcomeClass({ ...base, kind: 'repository-missing', pullThroughCache: false }), 'negative');
  t.equal(outcomeClass({ ...base, kind: 'rate-limited', retryAfterSeconds: null }), 'transient');
  t.equal(outcomeClass({ ...base, kind: 'unreachable', cause: 'dns', status: null }), 'transient');
  t.equal(outcomeClass({ ...base, kind: 'unexpected', status: 418, code: null }), 'transient');
});

t.test('platforms', async (t) => {
  t.ok(platformMatches({ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }));
  t.ok(platformMatches({ os: 'linux', architecture: 'arm64', variant: 'v8' }, { os: 'linux', architecture: 'arm64' }), 'arm64 defaults to v8');
  t.ok(platformMatches({ os: 'windows', architecture: '' }, { os: 'windows', architecture: 'arm64' }), 'an OS-only pin takes any architecture of that OS');
  t.notOk(platformMatches({ os: 'windows', architecture: '' }, { os: 'linux', architecture: 'amd64' }), 'but not another OS');
  t.ok(platformMatches({ os: 'linux', architecture: 'arm', variant: 'v7' }, { os: 'linux', architecture: 'arm' }), 'arm defaults to v7');
  t.notOk(platformMatches({ os: 'linux', architecture: 'arm', variant: 'v6' }, { os: 'linux', architecture: 'arm', variant: 'v7' }));
  t.notOk(platformMatches({ os: 'windows', architecture: 'amd64' }, { os: 'linux', architecture: 'amd64' }));
  t.same(parseIndexPlatforms(Buffer.from('{"manifests":[{"platform":{"os":"linux","architecture":"amd64"}},{"platform":{"os":"linux","architecture":"amd64"}},{"platform":{"os":"unknown","architecture":"unknown"}},{}]}')), [{ os: 'linux', architecture: 'amd64' }]);
  t.equal(parseIndexPlatforms(Buffer.from('{"layers":[]}')), null);
  t.equal(parseIndexPlatforms(Buffer.from('x')), null);
  t.ok(isIndexMediaType('application/vnd.docker.distribution.manifest.list.v2+json'));
  t.notOk(isIndexMediaType('application/vnd.oci.image.manifest.v1+json'));
  const avail = { ...subject, detail: '', kind: 'available', digest: 'sha256:d', mediaType: 'x', platforms: [{ os: 'linux', architecture: 'amd64' }], credential: null } as const;
  t.equal(applyWantedPlatforms(avail, []).kind, 'available');
  t.equal(applyWantedPlatforms(avail, [{ os: 'linux', architecture: 'amd64' }]).kind, 'available');
  const miss = applyWantedPlatforms(avail, [{ os: 'linux', architecture: 'arm64' }]);
  t.equal(miss.kind, 'platform-missing');
  t.equal(applyWantedPlatforms({ ...avail, platforms: null }, [{ os: 'linux', architecture: 'arm64' }]).kind, 'available', 'single manifests are not judged');
});

t.test('hosts', async (t) => {
  t.equal(apiHost('docker.io'), 'registry-1.docker.io');
  t.equal(apiHost('index.docker.io'), 'registry-1.docker.io');
  t.equal(apiHost('ghcr.io'), 'ghcr.io');
  t.equal(apiHost('localhost:5000'), 'localhost:5000');
  // Cloud registries are the cloud table's (src/cloud CLOUDS; test/cloud/descriptors.test.ts): plain registries here.
  t.equal(registryKind('123456789012.dkr.ecr.eu-west-1.amazonaws.com'), 'generic');
  t.equal(registryKind('public.ecr.aws'), 'ecr-public');
  t.equal(registryKind('acme.azurecr.io'), 'generic');
  t.equal(registryKind('ghcr.io'), 'ghcr');
  t.equal(registryKind('registry.example.com:5000'), 'generic');
});
