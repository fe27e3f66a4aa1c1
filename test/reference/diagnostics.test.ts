/**
 * pullguard's diagnoses: exact cause/fix texts for representative failures, Go's own error text
 * (`goError`, what the kubelet would report), and general properties of every message.
 */
import t from 'tap';
import { describeChar, quote } from '../../src/reference/diagnose.js';
import { familiarName, familiarString, isValidImageReference, parseImageReference } from '../../src/reference/index.js';

const F64 = 'f'.repeat(64);

const table: Array<{ name: string; input: string; reason: string; cause: string; fix: string; goError?: string }> = [
  {
    name: 'upper-case path; the first component is a domain only because of its upper case',
    input: 'MyOrg/App',
    reason: 'UPPERCASE',
    cause: 'repository name "MyOrg/App" contains uppercase letters',
    fix: 'use "myorg/app"',
    goError: 'invalid reference format: repository name (App) must be lowercase',
  },
  {
    name: 'upper-case path with a real registry and tag: both kept as written',
    input: 'Registry.Example.com/Team/App:V1',
    reason: 'UPPERCASE',
    cause: 'repository name "Registry.Example.com/Team/App" contains uppercase letters',
    fix: 'use "Registry.Example.com/team/app:V1"',
  },
  {
    name: 'single upper-case name',
    input: 'Nginx:1.25',
    reason: 'UPPERCASE',
    cause: 'repository name "Nginx" contains uppercase letters',
    fix: 'use "nginx:1.25"',
    goError: 'invalid reference format: repository name (library/Nginx) must be lowercase',
  },
  {
    name: 'upper case in an invalid host that Go reads as part of the path',
    input: 'Foo_bar.com/x',
    reason: 'UPPERCASE',
    cause: 'repository name "Foo_bar.com/x" contains uppercase letters',
    fix: 'use "foo_bar.com/x"',
    goError: 'repository name must be lowercase',
  },
  {
    name: 'tag too long',
    input: `nginx:${'a'.repeat(129)}`,
    reason: 'TAG_INVALID',
    cause: 'tag "aaaaaaaaaaaaaaaaaaaaaaa…" is 129 characters, over the limit of 128',
    fix: 'shorten it to at most 128 characters',
    goError: 'invalid reference format',
  },
  {
    name: 'tag with a bad character',
    input: 'nginx:1.25~rc',
    reason: 'TAG_INVALID',
    cause: 'tag "1.25~rc" contains "~"',
    fix: 'use letters, digits, "_", "." and "-" (not first), at most 128 characters',
  },
  {
    name: 'tag starting with a dash',
    input: 'nginx:-rc',
    reason: 'TAG_INVALID',
    cause: 'tag "-rc" starts with "-"',
    fix: 'start the tag with a letter, digit or "_"',
  },
  { name: 'leading whitespace', input: ' nginx:1.25', reason: 'WHITESPACE', cause: 'the image reference has leading whitespace (a space)', fix: 'use "nginx:1.25"' },
  { name: 'trailing newline', input: 'nginx:1.25\n', reason: 'WHITESPACE', cause: 'the image reference has trailing whitespace (a newline)', fix: 'use "nginx:1.25"' },
  {
    name: 'both sides',
    input: '\tnginx ',
    reason: 'WHITESPACE',
    cause: 'the image reference has leading and trailing whitespace (a tab)',
    fix: 'use "nginx"',
  },
  {
    name: 'empty',
    input: '',
    reason: 'EMPTY',
    cause: 'the image reference is empty',
    fix: 'set an image such as "nginx:1.27" or "registry.example.com/team/app:1.0"',
    goError: 'invalid reference format',
  },
  {
    name: 'name too long (Docker Hub adds library/)',
    input: 'a'.repeat(248),
    reason: 'NAME_TOO_LONG',
    cause: 'repository path "library/aaaaaaaaaaa…" is 256 characters (max 255, with "library/")',
    fix: 'shorten it to at most 255 characters',
    goError: 'repository name must not be more than 255 characters',
  },
  {
    name: 'name too long with a registry',
    input: `example.com/${'b'.repeat(300)}:v1`,
    reason: 'NAME_TOO_LONG',
    cause: 'repository path "bbbbbbbbbbbbbbbbbbb…" is 300 characters (max 255)',
    fix: 'shorten it to at most 255 characters',
  },
  {
    name: '64 hex',
    input: F64,
    reason: 'HEX_REPOSITORY',
    cause: 'a 64-character hex string cannot be a repository name',
    fix: 'to pin a digest write "<repository>@sha256:<hex>"',
    goError: `invalid repository name (${F64}), cannot specify 64-byte hexadecimal strings`,
  },
  {
    name: 'short digest',
    input: 'nginx@sha256:abc123',
    reason: 'DIGEST_INVALID',
    cause: 'sha256 digest has 6 hex characters instead of 64',
    fix: 'copy the complete sha256 digest',
    goError: 'invalid reference format',
  },
  {
    name: 'sha384 of the wrong length',
    input: `nginx@sha384:${F64}`,
    reason: 'DIGEST_INVALID',
    cause: 'sha384 digest has 64 hex characters instead of 96',
    fix: 'copy the complete sha384 digest',
    goError: 'invalid checksum digest length',
  },
  {
    name: 'upper-case algorithm: Go blames the repository name, we blame the digest',
    input: `nginx@SHA256:${F64}`,
    reason: 'DIGEST_INVALID',
    cause: 'digest algorithm "SHA256" must be lowercase',
    fix: 'write it as "sha256:…"',
    goError: 'invalid reference format: repository name (library/nginx@SHA256) must be lowercase',
  },
  {
    name: 'unsupported algorithm',
    input: `nginx@sha1:${'a'.repeat(40)}`,
    reason: 'DIGEST_UNSUPPORTED',
    cause: 'digest algorithm "sha1" is not supported',
    fix: 'pin the image by its sha256 (or sha384, sha512) digest instead',
    goError: 'unsupported digest algorithm',
  },
  {
    name: 'URL scheme',
    input: 'https://ghcr.io/org/app:v1',
    reason: 'INVALID_FORMAT',
    cause: 'image references have no URL scheme ("https://")',
    fix: 'use "ghcr.io/org/app:v1"',
  },
  {
    name: 'IPv6 without brackets',
    input: 'fc00::1:5000/app',
    reason: 'INVALID_FORMAT',
    cause: 'registry "fc00::1:5000" has more than one ":"',
    fix: 'write IPv6 registry addresses in brackets, e.g. "[fc00::1]:5000"',
  },
  {
    name: 'IPv6 registry without a path',
    input: '[fc00::1]:5000',
    reason: 'INVALID_FORMAT',
    cause: 'IPv6 registry address "[fc00::1]:5000" is not followed by a repository path',
    fix: 'add one, e.g. "[fc00::1]:5000/app"',
  },
  {
    name: 'IPv6 zone',
    input: '[fe80::1%eth0]:5000/app',
    reason: 'INVALID_FORMAT',
    cause: 'IPv6 registry address "[fe80::1%eth0]:5000" has a zone ("%…"), which is not allowed',
    fix: 'use "[fe80::1]:5000/app"',
  },
  {
    name: 'a tag with "/" reads as a port',
    input: 'app:feature/x',
    reason: 'INVALID_FORMAT',
    cause: 'port "feature" of registry "app:feature" is not a number',
    fix: 'if it is a tag: tags cannot contain "/"',
  },
  {
    name: 'double slash',
    input: 'ghcr.io/org//app',
    reason: 'INVALID_FORMAT',
    cause: 'repository name "ghcr.io/org//app" contains "//"',
    fix: 'use "ghcr.io/org/app"',
  },
  {
    name: 'bad separator',
    input: 'org/my..app',
    reason: 'INVALID_FORMAT',
    cause: 'path component "my..app" has the separator ".."',
    fix: 'separate letters and digits with one ".", one or two "_", or dashes',
  },
  {
    name: 'non-ASCII',
    input: 'caf\u00e9/app',
    reason: 'INVALID_FORMAT',
    cause: 'repository name "café/app" contains "é" (U+00E9)',
    fix: 'use lowercase letters and digits, joined by ".", "_", "__" or "-"',
  },
  {
    name: 'zero-width space inside',
    input: 'ngi\u200bnx',
    reason: 'INVALID_FORMAT',
    cause: 'repository name "ngi\u200bnx" contains invisible character U+200B',
    fix: 'use lowercase letters and digits, joined by ".", "_", "__" or "-"',
  },
  {
    name: 'no name before the digest',
    input: `@sha256:${F64}`,
    reason: 'INVALID_FORMAT',
    cause: 'no repository name before "@"',
    fix: 'write the repository first, e.g. "nginx@sha256:ffffffffff…"',
  },
];

t.test('causes and fixes', async (t) => {
  for (const tc of table) {
    const r = parseImageReference(tc.input);
    if (r.ok) {
      t.fail(`${tc.name}: parsed`);
      continue;
    }
    const got: Record<string, string> = { reason: r.error.reason, cause: r.error.cause, fix: r.error.fix };
    const want: Record<string, string> = { reason: tc.reason, cause: tc.cause, fix: tc.fix };
    if (tc.goError !== undefined) {
      got['goError'] = r.error.goError;
      want['goError'] = tc.goError;
    }
    t.same(got, want, tc.name);
  }
});

t.test('message properties', async (t) => {
  for (const tc of table) {
    const r = parseImageReference(tc.input);
    if (r.ok) continue;
    const { cause, fix } = r.error;
    t.notMatch(cause, /\.$/, `${tc.name}: cause has no trailing period`);
    t.notMatch(fix, /\.$/, `${tc.name}: fix has no trailing period`);
    t.ok(cause.length <= 100, `${tc.name}: cause is short (${cause.length})`);
    t.ok(`${cause}; ${fix}`.length <= 130, `${tc.name}: cause; fix fits a warning line (${cause.length + fix.length + 2})`);
    const m = /use "((?:[^"\\]|\\.)*)"/.exec(fix);
    if (m !== null && !fix.includes('e.g.')) t.ok(isValidImageReference(JSON.parse(`"${m[1]}"`) as string), `${tc.name}: suggestion is valid`);
  }
});

t.test('valid results', async (t) => {
  const r = parseImageReference(`registry.example.com:5000/team/app:1.2@sha256:${F64}`);
  t.ok(r.ok);
  if (r.ok) {
    t.same(r.ref, {
      raw: `registry.example.com:5000/team/app:1.2@sha256:${F64}`,
      domain: 'registry.example.com:5000',
      path: 'team/app',
      name: 'registry.example.com:5000/team/app',
      tag: '1.2',
      tagDefaulted: false,
      digest: `sha256:${F64}`,
      familiar: `registry.example.com:5000/team/app:1.2@sha256:${F64}`,
    });
  }
  const n = parseImageReference('nginx');
  t.ok(n.ok);
  if (n.ok) t.same({ tag: n.ref.tag, tagDefaulted: n.ref.tagDefaulted, familiar: n.ref.familiar }, { tag: 'latest', tagDefaulted: true, familiar: 'nginx' });
  t.equal(familiarName('docker.io', 'library/nginx'), 'nginx');
  t.equal(familiarName('docker.io', 'library/a/b'), 'library/a/b');
  t.equal(familiarName('docker.io', 'org/app'), 'org/app');
  t.equal(familiarName('ghcr.io', 'library/app'), 'ghcr.io/library/app');
  t.equal(familiarName('', 'foo_bar.com/x'), 'foo_bar.com/x');
  t.equal(familiarString({ domain: 'docker.io', path: 'library/nginx', tag: 'latest', tagDefaulted: true, digest: null }), 'nginx');
  t.equal(familiarString({ domain: 'docker.io', path: 'library/nginx', tag: 'latest', digest: `sha256:${F64}` }), `nginx:latest@sha256:${F64}`);
});

t.test('non-string input does not throw', async (t) => {
  const r = parseImageReference(undefined as unknown as string);
  t.equal(r.ok ? 'ok' : r.error.reason, 'EMPTY');
});

t.test('quote and describeChar', async (t) => {
  t.equal(quote('abc', 3), '"abc"', 'fits exactly');
  t.equal(quote('abcd', 3), '"ab…"', 'truncated to max-1 plus ellipsis');
  t.equal(quote('a\u0000b', 8), '"a\\u0000b"', 'control characters are escaped');
  t.equal(quote('\ud800'.repeat(100), 20), '"\\ud800\\ud800\\ud800…"', 'escapes count towards the limit');
  t.equal(quote('x'.repeat(1_000_000), 10), '"xxxxxxxxx…"', 'long input');
  t.equal(describeChar('$'), '"$"');
  t.equal(describeChar(' '), 'a space');
  t.equal(describeChar('\u00e9'), '"é" (U+00E9)');
  t.equal(describeChar('\u200b'), 'invisible character U+200B');
  t.equal(describeChar('\u0007'), 'control character U+0007');
  t.equal(describeChar('\u{1f433}'), '"\u{1f433}" (U+1F433)');
});
