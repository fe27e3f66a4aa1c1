/**
 * distribution/reference v0.6.0 reference_test.go, case for case, through `parseReference` — the port
 * of the NON-normalising `Parse` these tests call (no docker.io/library/ defaulting, domain "" when
 * there is none). Errors are checked against Go's own error value (`goError` carries Go's message
 * verbatim) and against pullguard's reason. The normalised (kubelet) view of the same inputs is in
 * normalized.test.ts.
 *
 * Not ported (they test constructors/serialisers, not parsing): TestWithTag, TestWithDigest,
 * TestWithNameFailure (WithName rejects tags that Parse accepts); TestSerialization's inputs are
 * parsed here because Field.UnmarshalText is Parse.
 */
import t from 'tap';
import { canonicalString, parseReference } from '../../src/reference/index.js';
import type { ReferenceErrorReason } from '../../src/reference/index.js';

/** Go error values (reference.go, go-digest digest.go). */
const ErrNameEmpty = 'repository name must have at least one component';
const ErrReferenceInvalidFormat = 'invalid reference format';
const ErrNameContainsUppercase = 'repository name must be lowercase';
const ErrNameTooLong = 'repository name must not be more than 255 characters';
const ErrDigestInvalidLength = 'invalid checksum digest length';
const ErrDigestUnsupported = 'unsupported digest algorithm';

interface Case {
  readonly name: string;
  readonly input: string;
  /** Go error message expected from Parse, with pullguard's reason. */
  readonly err?: { readonly go: string; readonly reason: ReferenceErrorReason };
  /** Name() ("repository" in the Go test). */
  readonly repository?: string;
  readonly domain?: string;
  readonly tag?: string;
  readonly digest?: string;
}

const F64 = 'f'.repeat(64);
const F128 = 'f'.repeat(128);

const referenceParse: Case[] = [
  { name: 'test_com', input: 'test_com', repository: 'test_com' },
  { name: 'test.com:tag', input: 'test.com:tag', repository: 'test.com', tag: 'tag' },
  { name: 'test.com:5000', input: 'test.com:5000', repository: 'test.com', tag: '5000' },
  { name: 'test.com/repo:tag', input: 'test.com/repo:tag', domain: 'test.com', repository: 'test.com/repo', tag: 'tag' },
  { name: 'test:5000/repo', input: 'test:5000/repo', domain: 'test:5000', repository: 'test:5000/repo' },
  { name: 'test:5000/repo:tag', input: 'test:5000/repo:tag', domain: 'test:5000', repository: 'test:5000/repo', tag: 'tag' },
  { name: 'test:5000/repo@sha256', input: `test:5000/repo@sha256:${F64}`, domain: 'test:5000', repository: 'test:5000/repo', digest: `sha256:${F64}` },
  { name: 'test:5000/repo:tag@sha256', input: `test:5000/repo:tag@sha256:${F64}`, domain: 'test:5000', repository: 'test:5000/repo', tag: 'tag', digest: `sha256:${F64}` },
  { name: 'test:5000/repo (again)', input: 'test:5000/repo', domain: 'test:5000', repository: 'test:5000/repo' },
  { name: 'empty', input: '', err: { go: ErrNameEmpty, reason: 'EMPTY' } },
  { name: ':justtag', input: ':justtag', err: { go: ErrReferenceInvalidFormat, reason: 'INVALID_FORMAT' } },
  { name: '@sha256 only', input: `@sha256:${F64}`, err: { go: ErrReferenceInvalidFormat, reason: 'INVALID_FORMAT' } },
  { name: 'short sha256', input: `repo@sha256:${'f'.repeat(34)}`, err: { go: ErrDigestInvalidLength, reason: 'DIGEST_INVALID' } },
  { name: 'unknown algorithm', input: `validname@invaliddigest:${F64}`, err: { go: ErrDigestUnsupported, reason: 'DIGEST_UNSUPPORTED' } },
  { name: 'Uppercase:tag', input: 'Uppercase:tag', err: { go: ErrNameContainsUppercase, reason: 'UPPERCASE' } },
  // FIXME upstream: "Uppercase/lowercase:tag" is handled as a domain-name and passes (test commented out in Go).
  { name: 'Uppercase/lowercase:tag (upstream FIXME: passes, "Uppercase" is a domain)', input: 'Uppercase/lowercase:tag', domain: 'Uppercase', repository: 'Uppercase/lowercase', tag: 'tag' },
  { name: 'test:5000/Uppercase/lowercase:tag', input: 'test:5000/Uppercase/lowercase:tag', err: { go: ErrNameContainsUppercase, reason: 'UPPERCASE' } },
  { name: 'lowercase:Uppercase', input: 'lowercase:Uppercase', repository: 'lowercase', tag: 'Uppercase' },
  { name: 'domain/<256>:tag', input: `domain/${'a'.repeat(256)}:tag`, err: { go: ErrNameTooLong, reason: 'NAME_TOO_LONG' } },
  {
    name: '255-char name with domain "a"',
    input: `${'a/'.repeat(127)}a:tag-puts-this-over-max`,
    domain: 'a',
    repository: `${'a/'.repeat(127)}a`,
    tag: 'tag-puts-this-over-max',
  },
  { name: 'aa/asdf$$^/aa', input: 'aa/asdf$$^/aa', err: { go: ErrReferenceInvalidFormat, reason: 'INVALID_FORMAT' } },
  { name: 'sub-dom1.foo.com/bar/baz/quux', input: 'sub-dom1.foo.com/bar/baz/quux', domain: 'sub-dom1.foo.com', repository: 'sub-dom1.foo.com/bar/baz/quux' },
  { name: 'sub-dom1.foo.com/bar/baz/quux:some-long-tag', input: 'sub-dom1.foo.com/bar/baz/quux:some-long-tag', domain: 'sub-dom1.foo.com', repository: 'sub-dom1.foo.com/bar/baz/quux', tag: 'some-long-tag' },
  { name: 'b.gcr.io/test.example.com/my-app:test.example.com', input: 'b.gcr.io/test.example.com/my-app:test.example.com', domain: 'b.gcr.io', repository: 'b.gcr.io/test.example.com/my-app', tag: 'test.example.com' },
  { name: '☃.com in punycode', input: 'xn--n3h.com/myimage:xn--n3h.com', domain: 'xn--n3h.com', repository: 'xn--n3h.com/myimage', tag: 'xn--n3h.com' },
  {
    name: '🐳.com in punycode, sha512',
    input: `xn--7o8h.com/myimage:xn--7o8h.com@sha512:${F128}`,
    domain: 'xn--7o8h.com',
    repository: 'xn--7o8h.com/myimage',
    tag: 'xn--7o8h.com',
    digest: `sha512:${F128}`,
  },
  { name: 'foo_bar.com:8080', input: 'foo_bar.com:8080', repository: 'foo_bar.com', tag: '8080' },
  { name: 'foo/foo_bar.com:8080', input: 'foo/foo_bar.com:8080', domain: 'foo', repository: 'foo/foo_bar.com', tag: '8080' },
  { name: '192.168.1.1', input: '192.168.1.1', repository: '192.168.1.1' },
  { name: '192.168.1.1:tag', input: '192.168.1.1:tag', repository: '192.168.1.1', tag: 'tag' },
  { name: '192.168.1.1:5000', input: '192.168.1.1:5000', repository: '192.168.1.1', tag: '5000' },
  { name: '192.168.1.1/repo', input: '192.168.1.1/repo', domain: '192.168.1.1', repository: '192.168.1.1/repo' },
  { name: '192.168.1.1:5000/repo', input: '192.168.1.1:5000/repo', domain: '192.168.1.1:5000', repository: '192.168.1.1:5000/repo' },
  { name: '192.168.1.1:5000/repo:5050', input: '192.168.1.1:5000/repo:5050', domain: '192.168.1.1:5000', repository: '192.168.1.1:5000/repo', tag: '5050' },
  { name: '[2001:db8::1]', input: '[2001:db8::1]', err: { go: ErrReferenceInvalidFormat, reason: 'INVALID_FORMAT' } },
  { name: '[2001:db8::1]:5000', input: '[2001:db8::1]:5000', err: { go: ErrReferenceInvalidFormat, reason: 'INVALID_FORMAT' } },
  { name: '[2001:db8::1]:tag', input: '[2001:db8::1]:tag', err: { go: ErrReferenceInvalidFormat, reason: 'INVALID_FORMAT' } },
  { name: '[2001:db8::1]/repo', input: '[2001:db8::1]/repo', domain: '[2001:db8::1]', repository: '[2001:db8::1]/repo' },
  { name: '[2001:db8:1:2:3:4:5:6]/repo:tag', input: '[2001:db8:1:2:3:4:5:6]/repo:tag', domain: '[2001:db8:1:2:3:4:5:6]', repository: '[2001:db8:1:2:3:4:5:6]/repo', tag: 'tag' },
  { name: '[2001:db8::1]:5000/repo', input: '[2001:db8::1]:5000/repo', domain: '[2001:db8::1]:5000', repository: '[2001:db8::1]:5000/repo' },
  { name: '[2001:db8::1]:5000/repo:tag', input: '[2001:db8::1]:5000/repo:tag', domain: '[2001:db8::1]:5000', repository: '[2001:db8::1]:5000/repo', tag: 'tag' },
  { name: '[2001:db8::1]:5000/repo@sha256', input: `[2001:db8::1]:5000/repo@sha256:${F64}`, domain: '[2001:db8::1]:5000', repository: '[2001:db8::1]:5000/repo', digest: `sha256:${F64}` },
  {
    name: '[2001:db8::1]:5000/repo:tag@sha256',
    input: `[2001:db8::1]:5000/repo:tag@sha256:${F64}`,
    domain: '[2001:db8::1]:5000',
    repository: '[2001:db8::1]:5000/repo',
    tag: 'tag',
    digest: `sha256:${F64}`,
  },
  { name: '[2001:db8::]:5000/repo', input: '[2001:db8::]:5000/repo', domain: '[2001:db8::]:5000', repository: '[2001:db8::]:5000/repo' },
  { name: '[::1]:5000/repo', input: '[::1]:5000/repo', domain: '[::1]:5000', repository: '[::1]:5000/repo' },
  { name: '[fe80::1%eth0]:5000/repo', input: '[fe80::1%eth0]:5000/repo', err: { go: ErrReferenceInvalidFormat, reason: 'INVALID_FORMAT' } },
  { name: '[fe80::1%@invalidzone]:5000/repo', input: '[fe80::1%@invalidzone]:5000/repo', err: { go: ErrReferenceInvalidFormat, reason: 'INVALID_FORMAT' } },
  { name: 'example.com/<255>:tag', input: `example.com/${'a'.repeat(255)}:tag`, domain: 'example.com', repository: `example.com/${'a'.repeat(255)}`, tag: 'tag' },
];

/** TestSerialization: Field.UnmarshalText is Parse. */
const serialization: Case[] = [
  { name: 'TestSerialization: empty value', input: '', err: { go: ErrNameEmpty, reason: 'EMPTY' } },
  { name: 'TestSerialization: just a name', input: 'example.com:8000/named', domain: 'example.com:8000', repository: 'example.com:8000/named' },
  { name: 'TestSerialization: name with a tag', input: 'example.com:8000/named:tagged', domain: 'example.com:8000', repository: 'example.com:8000/named', tag: 'tagged' },
  {
    name: 'TestSerialization: name with digest',
    input: 'other.com/named@sha256:1234567890098765432112345667890098765432112345667890098765432112',
    domain: 'other.com',
    repository: 'other.com/named',
    digest: 'sha256:1234567890098765432112345667890098765432112345667890098765432112',
  },
];

t.test('TestReferenceParse (Parse, not normalised)', async (t) => {
  for (const tc of [...referenceParse, ...serialization]) {
    const r = parseReference(tc.input);
    if (tc.err !== undefined) {
      if (r.ok) {
        t.fail(`${tc.name}: missing expected error ${tc.err.go}`);
        continue;
      }
      t.same({ go: r.error.goError, reason: r.error.reason }, tc.err, `${tc.name}: ${r.error.cause}`);
      continue;
    }
    if (!r.ok) {
      t.fail(`${tc.name}: unexpected parse error: ${r.error.goError} (${r.error.cause})`);
      continue;
    }
    // repo.String() == input
    t.equal(canonicalString(r.ref), tc.input, `${tc.name}: String()`);
    t.same(
      { repository: r.ref.name, domain: r.ref.domain, tag: r.ref.tag, digest: r.ref.digest },
      { repository: tc.repository, domain: tc.domain ?? '', tag: tc.tag ?? null, digest: tc.digest ?? null },
      tc.name,
    );
  }
});

t.test('TestDomainAndPath (WithName successes: same split as Parse for names without tags)', async (t) => {
  const tests = [
    { input: 'test.com/foo', domain: 'test.com', path: 'foo' },
    { input: 'test_com/foo', domain: '', path: 'test_com/foo' },
    { input: 'test:8080/foo', domain: 'test:8080', path: 'foo' },
    { input: 'test.com:8080/foo', domain: 'test.com:8080', path: 'foo' },
    { input: 'test-com:8080/foo', domain: 'test-com:8080', path: 'foo' },
    { input: 'xn--n3h.com:18080/foo', domain: 'xn--n3h.com:18080', path: 'foo' },
  ];
  for (const tc of tests) {
    const r = parseReference(tc.input);
    t.ok(r.ok, tc.input);
    if (r.ok) t.same({ domain: r.ref.domain, path: r.ref.path }, { domain: tc.domain, path: tc.path }, tc.input);
  }
});
