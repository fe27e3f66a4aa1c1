// WWW-Authenticate parsing: Basic and Bearer, quoted strings with commas and escapes, several challenges.
import t from 'tap';
import { parseWwwAuthenticate, pickChallenge } from '../../src/registry/wwwauth.js';

const cases: Array<{ name: string; header: string | string[]; want: Array<{ scheme: string; params: Record<string, string>; token68?: string }> }> = [
  { name: 'Basic with realm', header: 'Basic realm="Registry Realm"', want: [{ scheme: 'basic', params: { realm: 'Registry Realm' } }] },
  {
    name: 'Bearer as distribution sends it',
    header: 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
    want: [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' } }],
  },
  {
    name: 'comma inside a quoted scope, error param',
    header: 'Bearer realm="https://r/token",service="r",scope="repository:a/b:pull,push",error="insufficient_scope"',
    want: [{ scheme: 'bearer', params: { realm: 'https://r/token', service: 'r', scope: 'repository:a/b:pull,push', error: 'insufficient_scope' } }],
  },
  { name: 'escaped quote and backslash', header: 'Basic realm="say \\"hi\\" \\\\ there"', want: [{ scheme: 'basic', params: { realm: 'say "hi" \\ there' } }] },
  { name: 'scheme case and spacing', header: 'BEARER   Realm = "x" ,  Service=y', want: [{ scheme: 'bearer', params: { realm: 'x', service: 'y' } }] },
  {
    name: 'two challenges in one header',
    header: 'Basic realm="a", Bearer realm="https://b/token",service="b"',
    want: [
      { scheme: 'basic', params: { realm: 'a' } },
      { scheme: 'bearer', params: { realm: 'https://b/token', service: 'b' } },
    ],
  },
  {
    name: 'two header values',
    header: ['Basic realm="a"', 'Bearer realm="b"'],
    want: [
      { scheme: 'basic', params: { realm: 'a' } },
      { scheme: 'bearer', params: { realm: 'b' } },
    ],
  },
  { name: 'token68', header: 'Negotiate YWJjZA==', want: [{ scheme: 'negotiate', params: {}, token68: 'YWJjZA==' }] },
  { name: 'bare scheme', header: 'Bearer', want: [{ scheme: 'bearer', params: {} }] },
  { name: 'unterminated quote keeps the rest', header: 'Basic realm="abc', want: [{ scheme: 'basic', params: { realm: 'abc' } }] },
  { name: 'first duplicate wins', header: 'Basic realm="one", realm="two"', want: [{ scheme: 'basic', params: { realm: 'one' } }] },
  { name: 'empty', header: '', want: [] },
];

for (const c of cases) t.test(c.name, async (t) => t.same(parseWwwAuthenticate(c.header), c.want));

t.test('null/undefined', async (t) => {
  t.same(parseWwwAuthenticate(undefined), []);
  t.same(parseWwwAuthenticate(null), []);
});

t.test('garbage never throws', async (t) => {
  for (const g of [',,,', '=', '"', '==,"x"', 'Basic ,,, realm', '\u0000\u0001', 'a=b=c']) t.doesNotThrow(() => parseWwwAuthenticate(g), JSON.stringify(g));
});

t.test('pickChallenge prefers Bearer over Basic', async (t) => {
  t.equal(pickChallenge(parseWwwAuthenticate('Basic realm="a", Bearer realm="b"'))?.scheme, 'bearer');
  t.equal(pickChallenge(parseWwwAuthenticate('Basic realm="a"'))?.scheme, 'basic');
  t.equal(pickChallenge([]), null);
});
