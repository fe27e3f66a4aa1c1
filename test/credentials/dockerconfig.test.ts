/**
 * Port of kubernetes/kubernetes pkg/credentialprovider/config_test.go (TestReadDockerConfigFile's data,
 * TestDockerConfigJsonJSONDecode, TestDockerConfigJSONDecode, TestDockerConfigEntryJSONDecode,
 * TestDecodeDockerConfigFieldAuth, TestDockerConfigEntryJSONCompatibleEncode) plus the Go
 * encoding/json and encoding/base64 rules of kubelet-credentials.md §6.
 */
import t from 'tap';
import {
  AuthEntry,
  decodeDockerConfigEntry,
  decodeDockerConfigFieldAuth,
  encodeDockerConfigEntry,
  parseDockercfg,
  parseDockerConfigJSON,
  redactConfigKey,
  type DockerConfigParse,
} from '../../src/credentials/dockerconfig.js';

type Plain = Record<string, { username: string; password: string; email: string }>;

/** A parse result as a plain map (Go compares maps with DeepEqual: order does not matter). */
function plain(r: DockerConfigParse): Plain | { error: string } {
  if (!r.ok) return { error: r.error };
  const out: Plain = {};
  for (const { key, entry } of r.config) out[key] = { username: entry.username, password: entry.password, email: entry.email };
  return out;
}

t.test('TestReadDockerConfigFile (its config.json content)', async (t) => {
  const input = '{ "auths": { "http://foo.example.com":{"auth":"Zm9vOmJhcgo=","email":"foo@example.com"}}}';
  t.same(plain(parseDockerConfigJSON(input)), {
    'http://foo.example.com': { username: 'foo', password: 'bar\n', email: 'foo@example.com' },
  });
});

t.test('TestDockerConfigJsonJSONDecode', async (t) => {
  const input =
    '{"auths": {"http://foo.example.com":{"username": "foo", "password": "bar", "email": "foo@example.com"}, "http://bar.example.com":{"username": "bar", "password": "baz", "email": "bar@example.com"}}}';
  t.same(plain(parseDockerConfigJSON(input)), {
    'http://foo.example.com': { username: 'foo', password: 'bar', email: 'foo@example.com' },
    'http://bar.example.com': { username: 'bar', password: 'baz', email: 'bar@example.com' },
  });
});

t.test('TestDockerConfigJSONDecode', async (t) => {
  const input =
    '{"http://foo.example.com":{"username": "foo", "password": "bar", "email": "foo@example.com"}, "http://bar.example.com":{"username": "bar", "password": "baz", "email": "bar@example.com"}}';
  t.same(plain(parseDockercfg(input)), {
    'http://foo.example.com': { username: 'foo', password: 'bar', email: 'foo@example.com' },
    'http://bar.example.com': { username: 'bar', password: 'baz', email: 'bar@example.com' },
  });
});

t.test('TestDockerConfigEntryJSONDecode', async (t) => {
  const tests: Array<{ name: string; input: string; expect: { username: string; password: string; email: string }; fail: boolean }> = [
    {
      name: 'simple case, just decode the fields',
      input: '{"username": "foo", "password": "bar", "email": "foo@example.com"}',
      expect: { username: 'foo', password: 'bar', email: 'foo@example.com' },
      fail: false,
    },
    {
      name: 'auth field decodes to username & password',
      input: '{"auth": "Zm9vOmJhcg==", "email": "foo@example.com"}',
      expect: { username: 'foo', password: 'bar', email: 'foo@example.com' },
      fail: false,
    },
    {
      name: 'auth field overrides username & password',
      input: '{"username": "foo", "password": "bar", "auth": "cGluZzpwb25n", "email": "foo@example.com"}',
      expect: { username: 'ping', password: 'pong', email: 'foo@example.com' },
      fail: false,
    },
    {
      name: 'poorly-formatted auth causes failure',
      input: '{"auth": "pants", "email": "foo@example.com"}',
      expect: { username: '', password: '', email: 'foo@example.com' },
      fail: true,
    },
    {
      name: 'invalid JSON causes failure',
      input: '{"email": false}',
      expect: { username: '', password: '', email: '' },
      fail: true,
    },
  ];
  for (const tc of tests) {
    const { entry, error } = decodeDockerConfigEntry(tc.input);
    t.equal(error !== null, tc.fail, `${tc.name}: fail`);
    t.same({ username: entry.username, password: entry.password, email: entry.email }, tc.expect, `${tc.name}: output`);
  }
});

t.test('TestDecodeDockerConfigFieldAuth', async (t) => {
  const tests: Array<{ name: string; input: string; username?: string; password?: string; fail?: boolean }> = [
    { name: 'auth field decodes to username & password', input: 'Zm9vOmJhcg==', username: 'foo', password: 'bar' },
    { name: 'good base64 data, but no colon separating username & password', input: 'cGFudHM=', fail: true },
    { name: 'bad base64 data', input: 'pants', fail: true },
    // Newer upstream cases (padded / unpadded / newlines), and §6 of kubelet-credentials.md.
    { name: 'field not padded', input: 'Zm9vOmJhcg', username: 'foo', password: 'bar' },
    { name: 'new line characters are ignored', input: 'Zm9vOm\nJhcg==\n', username: 'foo', password: 'bar' },
    { name: 'carriage returns are ignored', input: 'Zm9v\r\nOmJhcg', username: 'foo', password: 'bar' },
    { name: 'only new line characters are ignored (space fails)', input: 'Zm9vOmJhcg== ', fail: true },
    { name: 'leading space fails', input: ' Zm9vOmJhcg==', fail: true },
    { name: 'split at the first colon', input: Buffer.from('user:pa:ss').toString('base64'), username: 'user', password: 'pa:ss' },
    { name: 'password may end in a newline', input: 'Zm9vOmJhcgo=', username: 'foo', password: 'bar\n' },
    { name: 'empty username and password', input: Buffer.from(':').toString('base64'), username: '', password: '' },
    { name: 'URL-safe alphabet is not accepted', input: Buffer.from('u:>>>?').toString('base64url'), fail: true },
    { name: 'padding on an unpadded-looking value fails', input: 'Zm9vOmJhcg=', fail: true },
  ];
  for (const tc of tests) {
    const r = decodeDockerConfigFieldAuth(tc.input);
    if (tc.fail) {
      t.notOk(r.ok, `${tc.name}: fails`);
      continue;
    }
    t.same(r, { ok: true, username: tc.username, password: tc.password }, tc.name);
  }
});

t.test('TestDockerConfigEntryJSONCompatibleEncode', async (t) => {
  t.equal(
    encodeDockerConfigEntry(new AuthEntry('foo', 'bar', 'foo@example.com')),
    '{"username":"foo","password":"bar","email":"foo@example.com","auth":"Zm9vOmJhcg=="}',
  );
});

t.test('Go encoding/json semantics (§6)', async (t) => {
  const cases: Array<{ name: string; parse: 'json' | 'cfg'; input: string; want: Plain | 'error' }> = [
    { name: 'field names are case-insensitive', parse: 'json', input: '{"AUTHS":{"r":{"UserName":"u","PASSWORD":"p","Email":"e"}}}', want: { r: { username: 'u', password: 'p', email: 'e' } } },
    { name: 'Go folds ſ to s in field names', parse: 'json', input: '{"auths":{"r":{"uſername":"u","paſſword":"p"}}}', want: { r: { username: 'u', password: 'p', email: '' } } },
    { name: 'later duplicate field wins', parse: 'json', input: '{"auths":{"r":{"username":"a","Username":"b","username":"c"}}}', want: { r: { username: 'c', password: '', email: '' } } },
    { name: 'null field keeps the earlier value', parse: 'json', input: '{"auths":{"r":{"username":"a","username":null}}}', want: { r: { username: 'a', password: '', email: '' } } },
    { name: 'empty auth does not override', parse: 'json', input: '{"auths":{"r":{"username":"u","password":"p","auth":""}}}', want: { r: { username: 'u', password: 'p', email: '' } } },
    { name: 'identitytoken and registrytoken are not read', parse: 'json', input: '{"auths":{"r":{"identitytoken":"x","registrytoken":"y"}}}', want: { r: { username: '', password: '', email: '' } } },
    { name: 'null entry is an empty credential', parse: 'json', input: '{"auths":{"r":null}}', want: { r: { username: '', password: '', email: '' } } },
    { name: 'missing auths is empty', parse: 'json', input: '{"credsStore":"desktop"}', want: {} },
    { name: 'null document is empty', parse: 'json', input: 'null', want: {} },
    { name: 'auths null is empty', parse: 'json', input: '{"auths":null}', want: {} },
    { name: 'auths null after auths empties it', parse: 'json', input: '{"auths":{"r":{}},"auths":null}', want: {} },
    { name: 'two auths members merge', parse: 'json', input: '{"auths":{"a":{"username":"1"}},"Auths":{"b":{"username":"2"}}}', want: { a: { username: '1', password: '', email: '' }, b: { username: '2', password: '', email: '' } } },
    { name: 'duplicate server key: last wins', parse: 'json', input: '{"auths":{"r":{"username":"1"},"r":{"username":"2"}}}', want: { r: { username: '2', password: '', email: '' } } },
    { name: 'duplicate server key: a bad first one still fails', parse: 'json', input: '{"auths":{"r":{"auth":"!"},"r":{"username":"2"}}}', want: 'error' },
    { name: 'HttpHeaders of strings is fine', parse: 'json', input: '{"auths":{},"HttpHeaders":{"User-Agent":"x","X":null}}', want: {} },
    { name: 'HttpHeaders with a non-string fails', parse: 'json', input: '{"auths":{},"HttpHeaders":{"X":1}}', want: 'error' },
    { name: 'HttpHeaders not an object fails', parse: 'json', input: '{"auths":{},"httpheaders":"x"}', want: 'error' },
    { name: 'auths not an object fails', parse: 'json', input: '{"auths":[]}', want: 'error' },
    { name: 'top-level array fails', parse: 'json', input: '[]', want: 'error' },
    { name: 'entry not an object fails', parse: 'json', input: '{"auths":{"r":"x"}}', want: 'error' },
    { name: 'non-string field fails', parse: 'json', input: '{"auths":{"r":{"password":1}}}', want: 'error' },
    { name: 'one bad entry fails the whole file', parse: 'json', input: '{"auths":{"good":{"username":"u"},"bad":{"auth":"x y"}}}', want: 'error' },
    { name: 'invalid JSON fails', parse: 'json', input: '{"auths":', want: 'error' },
    { name: 'legacy: top-level map', parse: 'cfg', input: '{"r":{"auth":"dXNlcjpwYXNzd29yZA=="}}', want: { r: { username: 'user', password: 'password', email: '' } } },
    { name: 'legacy: auths is just a server named "auths"', parse: 'cfg', input: '{"auths":{}}', want: { auths: { username: '', password: '', email: '' } } },
    { name: 'legacy: null document is empty', parse: 'cfg', input: 'null', want: {} },
    { name: 'legacy: string document fails', parse: 'cfg', input: '"x"', want: 'error' },
    { name: 'bytes input', parse: 'json', input: '{"auths":{"r":{"username":"ü"}}}', want: { r: { username: 'ü', password: '', email: '' } } },
  ];
  for (const c of cases) {
    const r = c.parse === 'json' ? parseDockerConfigJSON(c.input) : parseDockercfg(c.input);
    if (c.want === 'error') t.notOk(r.ok, `${c.name}: error`);
    else t.same(plain(r), c.want, c.name);
  }
  t.same(plain(parseDockerConfigJSON(Buffer.from('{"auths":{"r":{"username":"ü"}}}'))), { r: { username: 'ü', password: '', email: '' } }, 'Uint8Array input');
});

t.test('errors describe the problem without secret material', async (t) => {
  const secret = 'c3VwZXJzZWNyZXQ6aHVudGVyMg'; // "supersecret:hunter2", unpadded
  const cases: Array<{ name: string; input: string; want: RegExp }> = [
    { name: 'bad base64', input: `{"auths":{"ghcr.io":{"auth":"${secret}!"}}}`, want: /^entry "ghcr\.io": field "auth" is not valid base64/ },
    { name: 'no colon', input: `{"auths":{"ghcr.io":{"auth":"${Buffer.from('supersecrethunter2').toString('base64')}"}}}`, want: /^entry "ghcr\.io": field "auth" does not decode to "username:password"/ },
    { name: 'type error', input: '{"auths":{"ghcr.io":{"password":["supersecret"]}}}', want: /^entry "ghcr\.io": field "password" must be a string, not array/ },
    { name: 'syntax error', input: '{"auths":{"ghcr.io":{"password":"supersecret"', want: /^invalid JSON at offset \d+/ },
    { name: 'userinfo in key redacted', input: '{"auths":{"https://bob:supersecret@ghcr.io/x":{"auth":"%"}}}', want: /^entry "https:\/\/\*\*\*@ghcr\.io\/x":/ },
  ];
  for (const c of cases) {
    const r = parseDockerConfigJSON(c.input);
    t.notOk(r.ok, c.name);
    if (r.ok) continue;
    t.match(r.error, c.want, c.name);
    t.notMatch(r.error, /supersecret|hunter2|c3VwZXJ/, `${c.name}: no secret in error`);
  }
});

t.test('AuthEntry never serialises its values', async (t) => {
  const e = new AuthEntry('alice', 'Pa55w0rd!', 'a@example.com');
  t.equal(e.username, 'alice');
  t.equal(e.password, 'Pa55w0rd!');
  t.equal(JSON.stringify({ e }), '{"e":"[redacted]"}');
  t.equal(`${e}`, '[redacted]');
  t.notMatch((await import('node:util')).inspect({ e }, { depth: 5, showHidden: true }), /Pa55w0rd|alice/);
  t.same(Object.keys(e), []);
  t.same({ ...e }, {});
});

t.test('redactConfigKey', async (t) => {
  const cases: Array<[string, string]> = [
    ['ghcr.io', 'ghcr.io'],
    ['https://index.docker.io/v1/', 'https://index.docker.io/v1/'],
    ['https://bob:pw@ghcr.io/x', 'https://***@ghcr.io/x'],
    ['bob:pw@ghcr.io', '***@ghcr.io'],
    ['a@b@ghcr.io', '***@ghcr.io'],
    ['ghcr.io/x@y', 'ghcr.io/x@y'],
    ['ghcr.io?x@y', 'ghcr.io?x@y'],
  ];
  for (const [k, want] of cases) t.equal(redactConfigKey(k), want, k);
});
