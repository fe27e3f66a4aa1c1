import t from 'tap';
import { goFilepathMatch, ErrBadPattern } from '../../src/credentials/go/match.js';
import { goParseURL, goSplitHostPort, GoURLError } from '../../src/credentials/go/url.js';
import { goBase64Decode, CorruptInputError } from '../../src/credentials/go/base64.js';
import { toBinary, fromBinary, decodeRune, goTrimSpace } from '../../src/credentials/go/bytes.js';
import { parseJSON, JSONSyntaxError, goFoldName, goJSONString } from '../../src/credentials/go/json.js';

function match(pattern: string, name: string): { match: boolean; err: boolean } {
  try {
    return { match: goFilepathMatch(toBinary(pattern), toBinary(name)), err: false };
  } catch (e) {
    if (e instanceof ErrBadPattern) return { match: false, err: true };
    throw e;
  }
}

// golang/go src/path/filepath/match_test.go matchTests, case for case (Unix: backslash escapes).
const matchTests: Array<{ pattern: string; s: string; match: boolean; err: boolean }> = [
  { pattern: 'abc', s: 'abc', match: true, err: false },
  { pattern: '*', s: 'abc', match: true, err: false },
  { pattern: '*c', s: 'abc', match: true, err: false },
  { pattern: 'a*', s: 'a', match: true, err: false },
  { pattern: 'a*', s: 'abc', match: true, err: false },
  { pattern: 'a*', s: 'ab/c', match: false, err: false },
  { pattern: 'a*/b', s: 'abc/b', match: true, err: false },
  { pattern: 'a*/b', s: 'a/c/b', match: false, err: false },
  { pattern: 'a*b*c*d*e*/f', s: 'axbxcxdxe/f', match: true, err: false },
  { pattern: 'a*b*c*d*e*/f', s: 'axbxcxdxexxx/f', match: true, err: false },
  { pattern: 'a*b*c*d*e*/f', s: 'axbxcxdxe/xxx/f', match: false, err: false },
  { pattern: 'a*b*c*d*e*/f', s: 'axbxcxdxexxx/fff', match: false, err: false },
  { pattern: 'a*b?c*x', s: 'abxbbxdbxebxczzx', match: true, err: false },
  { pattern: 'a*b?c*x', s: 'abxbbxdbxebxczzy', match: false, err: false },
  { pattern: 'ab[c]', s: 'abc', match: true, err: false },
  { pattern: 'ab[b-d]', s: 'abc', match: true, err: false },
  { pattern: 'ab[e-g]', s: 'abc', match: false, err: false },
  { pattern: 'ab[^c]', s: 'abc', match: false, err: false },
  { pattern: 'ab[^b-d]', s: 'abc', match: false, err: false },
  { pattern: 'ab[^e-g]', s: 'abc', match: true, err: false },
  { pattern: 'a\\*b', s: 'a*b', match: true, err: false },
  { pattern: 'a\\*b', s: 'ab', match: false, err: false },
  { pattern: 'a?b', s: 'a☺b', match: true, err: false },
  { pattern: 'a[^a]b', s: 'a☺b', match: true, err: false },
  { pattern: 'a???b', s: 'a☺b', match: false, err: false },
  { pattern: 'a[^a][^a][^a]b', s: 'a☺b', match: false, err: false },
  { pattern: '[a-ζ]*', s: 'α', match: true, err: false },
  { pattern: '*[a-ζ]', s: 'A', match: false, err: false },
  { pattern: 'a?b', s: 'a/b', match: false, err: false },
  { pattern: 'a*b', s: 'a/b', match: false, err: false },
  { pattern: '[\\]a]', s: ']', match: true, err: false },
  { pattern: '[\\-]', s: '-', match: true, err: false },
  { pattern: '[x\\-]', s: 'x', match: true, err: false },
  { pattern: '[x\\-]', s: '-', match: true, err: false },
  { pattern: '[x\\-]', s: 'z', match: false, err: false },
  { pattern: '[\\-x]', s: 'x', match: true, err: false },
  { pattern: '[\\-x]', s: '-', match: true, err: false },
  { pattern: '[\\-x]', s: 'a', match: false, err: false },
  { pattern: '[]a]', s: ']', match: false, err: true },
  { pattern: '[-]', s: '-', match: false, err: true },
  { pattern: '[x-]', s: 'x', match: false, err: true },
  { pattern: '[x-]', s: '-', match: false, err: true },
  { pattern: '[x-]', s: 'z', match: false, err: true },
  { pattern: '[-x]', s: 'x', match: false, err: true },
  { pattern: '[-x]', s: '-', match: false, err: true },
  { pattern: '[-x]', s: 'a', match: false, err: true },
  { pattern: '\\', s: 'a', match: false, err: true },
  { pattern: '[a-b-c]', s: 'a', match: false, err: true },
  { pattern: '[', s: 'a', match: false, err: true },
  { pattern: '[^', s: 'a', match: false, err: true },
  { pattern: '[^bc', s: 'a', match: false, err: true },
  { pattern: 'a[', s: 'a', match: false, err: true },
  { pattern: 'a[', s: 'ab', match: false, err: true },
  { pattern: 'a[', s: 'x', match: false, err: true },
  { pattern: 'a/b[', s: 'x', match: false, err: true },
  { pattern: '*x', s: 'xxx', match: true, err: false },
];

t.test('filepath.Match (Go matchTests)', async (t) => {
  for (const tc of matchTests) {
    t.same(match(tc.pattern, tc.s), { match: tc.match, err: tc.err }, `Match(${tc.pattern}, ${tc.s})`);
  }
});

t.test('net/url Parse: the parts the keyring uses', async (t) => {
  const cases: Array<{ name: string; raw: string; host?: string; path?: string; hasUser?: boolean; error?: boolean }> = [
    { name: 'host only', raw: 'https://quay.io', host: 'quay.io', path: '' },
    { name: 'host and /v1/', raw: 'https://index.docker.io/v1/', host: 'index.docker.io', path: '/v1/' },
    { name: 'port kept', raw: 'http://registry.local:8080/', host: 'registry.local:8080', path: '/' },
    { name: 'glob host kept', raw: 'https://*.docker.io/path', host: '*.docker.io', path: '/path' },
    { name: 'userinfo dropped', raw: 'https://user:pw@ghcr.io/org', host: 'ghcr.io', path: '/org', hasUser: true },
    { name: 'query dropped (? starts a query)', raw: 'https://registry?.example.com', host: 'registry', path: '' },
    { name: 'fragment dropped', raw: 'https://ghcr.io/a#frag', host: 'ghcr.io', path: '/a' },
    { name: 'empty port allowed', raw: 'https://foo:', host: 'foo:', path: '' },
    { name: 'non-numeric port is an error', raw: 'https://foo:bar', error: true },
    { name: 'space in host is an error', raw: 'https://my registry.io', error: true },
    { name: 'control character is an error', raw: 'https://ghcr.io/\u0001', error: true },
    { name: 'bad path escape is an error', raw: 'https://ghcr.io/%zz', error: true },
    { name: 'bad fragment escape is an error', raw: 'https://ghcr.io/a#%zz', error: true },
    { name: 'path percent-decoded', raw: 'https://ghcr.io/a%2Fb', host: 'ghcr.io', path: '/a/b' },
    { name: 'ASCII percent-escape in host is an error', raw: 'https://gh%63r.io', error: true },
    { name: 'non-ASCII percent-escape in host decoded', raw: 'https://%C3%A9.io', host: toBinary('é.io'), path: '' },
    { name: 'IPv6 with port', raw: 'https://[fc00::1]:5000/x', host: '[fc00::1]:5000', path: '/x' },
    { name: 'IPv6 without closing bracket', raw: 'https://[fc00::1/x', error: true },
    { name: 'bracket host followed by junk', raw: 'https://[abc].example.com', error: true },
    { name: 'invalid userinfo character', raw: 'https://us er@ghcr.io', error: true },
    { name: 'HTTPS:// inside https://', raw: 'https://HTTPS://foo', host: 'HTTPS:', path: '//foo' },
  ];
  for (const c of cases) {
    if (c.error) {
      let err: unknown = null;
      try {
        goParseURL(toBinary(c.raw));
      } catch (e) {
        err = e;
      }
      t.ok(err instanceof GoURLError, `${c.name}: error`);
      continue;
    }
    const u = goParseURL(toBinary(c.raw));
    t.equal(u.host, c.host, `${c.name}: host`);
    t.equal(u.path, c.path, `${c.name}: path`);
    t.equal(u.hasUser, c.hasUser ?? false, `${c.name}: userinfo`);
  }
});

t.test('net.SplitHostPort', async (t) => {
  const cases: Array<{ in: string; want: { host: string; port: string } | null }> = [
    { in: 'host:80', want: { host: 'host', port: '80' } },
    { in: 'host:', want: { host: 'host', port: '' } },
    { in: 'host', want: null },
    { in: '[fc00::1]:5000', want: { host: 'fc00::1', port: '5000' } },
    { in: '[fc00::1]', want: null },
    { in: 'a:b:c', want: null },
    { in: '[a]b:1', want: null },
    { in: 'a]:1', want: null },
    { in: 'a[:1', want: null },
  ];
  for (const c of cases) t.same(goSplitHostPort(c.in), c.want, c.in);
});

t.test('base64 Std/RawStd decoding', async (t) => {
  const dec = (s: string, padded: boolean): string | 'error' => {
    try {
      return Buffer.from(goBase64Decode(Buffer.from(s, 'latin1'), padded)).toString('latin1');
    } catch (e) {
      if (e instanceof CorruptInputError) return 'error';
      throw e;
    }
  };
  const cases: Array<{ in: string; padded: boolean; want: string }> = [
    { in: 'Zm9vOmJhcg==', padded: true, want: 'foo:bar' },
    { in: 'Zm9vOmJhcg', padded: false, want: 'foo:bar' },
    { in: 'Zm9vOmJhcg', padded: true, want: 'error' },
    { in: 'Zm9vOmJhcg==', padded: false, want: 'error' },
    { in: 'Zm9vOm\nJhcg==\n', padded: true, want: 'foo:bar' },
    { in: 'Zm9v\r\nOmJh\r\ncg==', padded: true, want: 'foo:bar' },
    { in: 'Zm9vOmJhcg== ', padded: true, want: 'error' },
    { in: 'Zm9vOmJhcg=\n=', padded: true, want: 'foo:bar' },
    { in: 'Zm9vOmJhcg=', padded: true, want: 'error' },
    { in: 'Zm9vOmJhcg==Zm9v', padded: true, want: 'error' },
    { in: 'pants', padded: false, want: 'error' },
    { in: 'cGFudHM=', padded: true, want: 'pants' },
    { in: 'Zm9v YmFy', padded: false, want: 'error' },
    { in: 'Zg', padded: false, want: 'f' },
    { in: 'Zh', padded: false, want: 'f' }, // non-strict: trailing bits ignored
    { in: 'Z', padded: false, want: 'error' },
    { in: '', padded: true, want: '' },
    { in: '\n\n', padded: true, want: '' },
    { in: '=', padded: true, want: 'error' },
  ];
  for (const c of cases) t.equal(dec(c.in, c.padded), c.want, JSON.stringify(c));
});

t.test('UTF-8 rune decoding and TrimSpace', async (t) => {
  t.same(decodeRune(toBinary('☺x')), { r: 0x263a, n: 3 });
  t.same(decodeRune('\xff'), { r: 0xfffd, n: 1 });
  t.same(decodeRune('\xc3'), { r: 0xfffd, n: 1 });
  t.same(decodeRune('\xed\xa0\x80'), { r: 0xfffd, n: 1 }, 'surrogates are invalid');
  t.equal(fromBinary(toBinary('ζα☺')), 'ζα☺');
  t.equal(goTrimSpace('\u0085 abc\r\n'), 'abc');
  t.equal(goTrimSpace('\ufeffabc'), '\ufeffabc', 'BOM is not space in Go');
});

t.test('JSON parser keeps duplicates and hides input in errors', async (t) => {
  const v = parseJSON('{"a":1,"A":2,"a":3}');
  t.same(v.t === 'obj' ? v.members.map(([k]) => k) : [], ['a', 'A', 'a']);
  for (const bad of ['', '{', '{"a":}', '[1,]', '{"a":1}x', '"\\x"', '01', '\ufeff{}', "{'a':1}", '{"s3cr3t-value"']) {
    try {
      parseJSON(bad);
      t.fail(`should reject ${JSON.stringify(bad)}`);
    } catch (e) {
      t.type(e, JSONSyntaxError);
      t.notMatch((e as Error).message, /s3cr3t/);
    }
  }
  t.equal(goFoldName('uſername'), 'USERNAME');
  t.equal(goFoldName('\u212Aey'), 'KEY');
  t.equal(goJSONString('a<b>&"\u2028'), '"a\\u003cb\\u003e\\u0026\\"\\u2028"');
});
