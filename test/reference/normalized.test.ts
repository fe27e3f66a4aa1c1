/**
 * parseImageReference = distribution/reference v0.6.0 ParseNormalizedNamed + TagNameOnly, i.e. what
 * the kubelet sees. Every case of distribution's normalize_test.go that concerns parsing is ported
 * here with Go's expectation (valid/invalid, domain, path, familiar name); the reason for invalid
 * inputs is pullguard's diagnosis (Go only says "invalid" for most of them).
 *
 * reference_test.go exercises the NON-normalising Parse; it is ported case for case in
 * parse-reference.test.ts through `parseReference`. Its inputs are ALSO listed here with their
 * normalised expectations (derived by hand from splitDockerDomain), because that is what the kubelet
 * would do with them — e.g. `test.com:5000` is the image docker.io/library/test.com with tag 5000.
 *
 * The table (normalised semantics) is also written to test/fixtures/reference-cases.json for the
 * end-to-end run through `pullguard check --output json`; this test fails if the file is stale
 * (regenerate with PULLGUARD_UPDATE_FIXTURES=1 npx tap test/reference/normalized.test.ts).
 */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { canonicalString, parseImageReference } from '../../src/reference/index.js';
import type { ReferenceErrorReason } from '../../src/reference/index.js';

interface Want {
  /** Full normalised name (what the keyring looks up). */
  readonly name: string;
  readonly domain?: string;
  readonly path?: string;
  /** The tag the kubelet pulls (`latest` when defaulted), or null. */
  readonly tag: string | null;
  readonly tagDefaulted?: boolean;
  readonly digest?: string | null;
  readonly familiar?: string;
}
interface ValidCase {
  readonly name: string;
  readonly input: string;
  readonly want: Want;
}
interface InvalidCase {
  readonly name: string;
  readonly input: string;
  readonly reason: ReferenceErrorReason;
}
type Case = ValidCase | InvalidCase;

const F64 = 'f'.repeat(64);
const F34 = 'f'.repeat(34);
const F128 = 'f'.repeat(128);
const HEX64 = '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a';
const DBCC = 'dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c';
const D86 = '86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa';
const E66 = 'e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582';
const SHA384 = 'd3fc7881460b7e22e3d172954463dddd7866d17597e7248453c48b3e9d26d9596bf9c4a9cf8072c9d5bad76e19af801d';
const SONG = 'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev';
const LONG_NS =
  'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255/docker';

const lib = (x: string): string => `docker.io/library/${x}`;
const hub = (x: string): string => `docker.io/${x}`;
/** A valid case pulled by the implicit :latest. */
const v = (name: string, input: string, full: string, extra: Partial<Want> = {}): ValidCase => ({
  name,
  input,
  want: { name: full, tag: 'latest', tagDefaulted: true, digest: null, ...extra },
});
const bad = (name: string, input: string, reason: ReferenceErrorReason): InvalidCase => ({ name, input, reason });

// ---------------------------------------------------------------------------------------------
// normalize_test.go
// ---------------------------------------------------------------------------------------------

const validateReferenceName: Case[] = [
  v('TestValidateReferenceName valid: docker/docker', 'docker/docker', hub('docker/docker')),
  v('TestValidateReferenceName valid: library/debian', 'library/debian', lib('debian'), { familiar: 'debian' }),
  v('TestValidateReferenceName valid: debian', 'debian', lib('debian'), { domain: 'docker.io', path: 'library/debian', familiar: 'debian' }),
  v('TestValidateReferenceName valid: docker.io/docker/docker', 'docker.io/docker/docker', hub('docker/docker'), { familiar: 'docker/docker' }),
  v('TestValidateReferenceName valid: docker.io/library/debian', 'docker.io/library/debian', lib('debian'), { familiar: 'debian' }),
  v('TestValidateReferenceName valid: docker.io/debian', 'docker.io/debian', lib('debian'), { familiar: 'debian' }),
  v('TestValidateReferenceName valid: index.docker.io/docker/docker', 'index.docker.io/docker/docker', hub('docker/docker'), { domain: 'docker.io' }),
  v('TestValidateReferenceName valid: index.docker.io/library/debian', 'index.docker.io/library/debian', lib('debian')),
  v('TestValidateReferenceName valid: index.docker.io/debian', 'index.docker.io/debian', lib('debian'), { familiar: 'debian' }),
  v('TestValidateReferenceName valid: 127.0.0.1:5000/docker/docker', '127.0.0.1:5000/docker/docker', '127.0.0.1:5000/docker/docker', { domain: '127.0.0.1:5000', path: 'docker/docker' }),
  v('TestValidateReferenceName valid: 127.0.0.1:5000/library/debian', '127.0.0.1:5000/library/debian', '127.0.0.1:5000/library/debian', { familiar: '127.0.0.1:5000/library/debian' }),
  v('TestValidateReferenceName valid: 127.0.0.1:5000/debian', '127.0.0.1:5000/debian', '127.0.0.1:5000/debian', { path: 'debian' }),
  v('TestValidateReferenceName valid: 192.168.0.1', '192.168.0.1', lib('192.168.0.1')),
  { name: 'TestValidateReferenceName valid: 192.168.0.1:80 (a tag, not a port)', input: '192.168.0.1:80', want: { name: lib('192.168.0.1'), tag: '80', tagDefaulted: false } },
  v('TestValidateReferenceName valid: 192.168.0.1:8/debian', '192.168.0.1:8/debian', '192.168.0.1:8/debian', { domain: '192.168.0.1:8' }),
  v('TestValidateReferenceName valid: 192.168.0.2:25000/debian', '192.168.0.2:25000/debian', '192.168.0.2:25000/debian'),
  v('TestValidateReferenceName valid: 64-char non-hex name', SONG, lib(SONG)),
  v('TestValidateReferenceName valid: [fc00::1]:5000/docker', '[fc00::1]:5000/docker', '[fc00::1]:5000/docker', { domain: '[fc00::1]:5000', path: 'docker' }),
  v('TestValidateReferenceName valid: [fc00::1]:5000/docker/docker', '[fc00::1]:5000/docker/docker', '[fc00::1]:5000/docker/docker'),
  v('TestValidateReferenceName valid: [fc00:1:2:3:4:5:6:7]:5000/library/debian', '[fc00:1:2:3:4:5:6:7]:5000/library/debian', '[fc00:1:2:3:4:5:6:7]:5000/library/debian'),
  v('TestValidateReferenceName valid: docker.io/<64 hex>', `docker.io/${HEX64}`, lib(HEX64), { familiar: HEX64 }),
  v('TestValidateReferenceName valid: Docker/docker (upper-case first component is a domain)', 'Docker/docker', 'Docker/docker', { domain: 'Docker', path: 'docker' }),
  v('TestValidateReferenceName valid: DOCKER/docker', 'DOCKER/docker', 'DOCKER/docker', { domain: 'DOCKER', path: 'docker' }),
  bad('TestValidateReferenceName invalid: https://github.com/docker/docker', 'https://github.com/docker/docker', 'INVALID_FORMAT'),
  bad('TestValidateReferenceName invalid: docker/Docker', 'docker/Docker', 'UPPERCASE'),
  bad('TestValidateReferenceName invalid: -docker', '-docker', 'INVALID_FORMAT'),
  bad('TestValidateReferenceName invalid: -docker/docker', '-docker/docker', 'INVALID_FORMAT'),
  bad('TestValidateReferenceName invalid: -docker.io/docker/docker', '-docker.io/docker/docker', 'INVALID_FORMAT'),
  bad('TestValidateReferenceName invalid: docker///docker', 'docker///docker', 'INVALID_FORMAT'),
  bad('TestValidateReferenceName invalid: docker.io/docker/Docker', 'docker.io/docker/Docker', 'UPPERCASE'),
  bad('TestValidateReferenceName invalid: docker.io/docker///docker', 'docker.io/docker///docker', 'INVALID_FORMAT'),
  bad('TestValidateReferenceName invalid: [fc00::1]', '[fc00::1]', 'INVALID_FORMAT'),
  bad('TestValidateReferenceName invalid: [fc00::1]:5000', '[fc00::1]:5000', 'INVALID_FORMAT'),
  bad('TestValidateReferenceName invalid: fc00::1:5000/debian', 'fc00::1:5000/debian', 'INVALID_FORMAT'),
  bad('TestValidateReferenceName invalid: [fe80::1%eth0]:5000/debian', '[fe80::1%eth0]:5000/debian', 'INVALID_FORMAT'),
  bad('TestValidateReferenceName invalid: [2001:db8:3:4::192.0.2.33]:5000/debian', '[2001:db8:3:4::192.0.2.33]:5000/debian', 'INVALID_FORMAT'),
  bad('TestValidateReferenceName invalid: 64 hex', HEX64, 'HEX_REPOSITORY'),
];

const validateRemoteName: Case[] = [
  v('TestValidateRemoteName valid: docker/docker', 'docker/docker', hub('docker/docker')),
  v('TestValidateRemoteName valid: 64-char non-hex', SONG, lib(SONG)),
  v('TestValidateRemoteName valid: embedded hyphen', 'docker-rules/docker', hub('docker-rules/docker')),
  v('TestValidateRemoteName valid: multiple hyphens', 'docker---rules/docker', hub('docker---rules/docker')),
  v('TestValidateRemoteName valid: doc/docker', 'doc/docker', hub('doc/docker')),
  v('TestValidateRemoteName valid: d/docker', 'd/docker', hub('d/docker')),
  v('TestValidateRemoteName valid: jess/t', 'jess/t', hub('jess/t')),
  v('TestValidateRemoteName valid: consecutive underscores', 'dock__er/docker', hub('dock__er/docker')),
  bad('TestValidateRemoteName invalid: capital letters', 'docker/Docker', 'UPPERCASE'),
  bad('TestValidateRemoteName invalid: docker///docker', 'docker///docker', 'INVALID_FORMAT'),
  bad('TestValidateRemoteName invalid: 64-char hex', HEX64, 'HEX_REPOSITORY'),
  bad('TestValidateRemoteName invalid: -docker/docker', '-docker/docker', 'INVALID_FORMAT'),
  bad('TestValidateRemoteName invalid: docker-/docker', 'docker-/docker', 'INVALID_FORMAT'),
  bad('TestValidateRemoteName invalid: -docker-/docker', '-docker-/docker', 'INVALID_FORMAT'),
  bad('TestValidateRemoteName invalid: ____/____', '____/____', 'INVALID_FORMAT'),
  bad('TestValidateRemoteName invalid: _docker/_docker', '_docker/_docker', 'INVALID_FORMAT'),
  bad('TestValidateRemoteName invalid: dock..er/docker', 'dock..er/docker', 'INVALID_FORMAT'),
  bad('TestValidateRemoteName invalid: dock_.er/docker', 'dock_.er/docker', 'INVALID_FORMAT'),
  bad('TestValidateRemoteName invalid: dock-.er/docker', 'dock-.er/docker', 'INVALID_FORMAT'),
  bad('TestValidateRemoteName invalid: docker/', 'docker/', 'INVALID_FORMAT'),
  bad('TestValidateRemoteName invalid: namespace too long', LONG_NS, 'NAME_TOO_LONG'),
];

/** TestParseRepositoryInfo: every written form parses to the same familiar/full name, domain and path. */
const repositoryInfo: Array<{ remote: string; familiar: string; full: string; ambiguous?: string; domain: string }> = [
  { remote: 'fooo/bar', familiar: 'fooo/bar', full: 'docker.io/fooo/bar', ambiguous: 'index.docker.io/fooo/bar', domain: 'docker.io' },
  { remote: 'library/ubuntu', familiar: 'ubuntu', full: 'docker.io/library/ubuntu', ambiguous: 'library/ubuntu', domain: 'docker.io' },
  { remote: 'nonlibrary/ubuntu', familiar: 'nonlibrary/ubuntu', full: 'docker.io/nonlibrary/ubuntu', domain: 'docker.io' },
  { remote: 'other/library', familiar: 'other/library', full: 'docker.io/other/library', domain: 'docker.io' },
  { remote: 'private/moonbase', familiar: '127.0.0.1:8000/private/moonbase', full: '127.0.0.1:8000/private/moonbase', domain: '127.0.0.1:8000' },
  { remote: 'privatebase', familiar: '127.0.0.1:8000/privatebase', full: '127.0.0.1:8000/privatebase', domain: '127.0.0.1:8000' },
  { remote: 'private/moonbase', familiar: 'example.com/private/moonbase', full: 'example.com/private/moonbase', domain: 'example.com' },
  { remote: 'privatebase', familiar: 'example.com/privatebase', full: 'example.com/privatebase', domain: 'example.com' },
  { remote: 'private/moonbase', familiar: 'example.com:8000/private/moonbase', full: 'example.com:8000/private/moonbase', domain: 'example.com:8000' },
  { remote: 'privatebasee', familiar: 'example.com:8000/privatebasee', full: 'example.com:8000/privatebasee', domain: 'example.com:8000' },
  { remote: 'library/ubuntu-12.04-base', familiar: 'ubuntu-12.04-base', full: 'docker.io/library/ubuntu-12.04-base', ambiguous: 'index.docker.io/library/ubuntu-12.04-base', domain: 'docker.io' },
  { remote: 'library/foo', familiar: 'foo', full: 'docker.io/library/foo', ambiguous: 'docker.io/foo', domain: 'docker.io' },
  { remote: 'library/foo/bar', familiar: 'library/foo/bar', full: 'docker.io/library/foo/bar', domain: 'docker.io' },
  { remote: 'store/foo/bar', familiar: 'store/foo/bar', full: 'docker.io/store/foo/bar', domain: 'docker.io' },
  { remote: 'bar', familiar: 'Foo/bar', full: 'Foo/bar', domain: 'Foo' },
  { remote: 'bar', familiar: 'FOO/bar', full: 'FOO/bar', domain: 'FOO' },
];
const parseRepositoryInfo: Case[] = repositoryInfo.flatMap((tc, i) =>
  [tc.familiar, tc.full, ...(tc.ambiguous !== undefined ? [tc.ambiguous] : [])].map((input) =>
    v(`TestParseRepositoryInfo ${i}/${input}`, input, tc.full, { domain: tc.domain, path: tc.remote, familiar: tc.familiar }),
  ),
);

const otherNormalize: Case[] = [
  {
    name: 'TestParseReferenceWithTagAndDigest: tag and digest are both kept',
    input: `busybox:latest@sha256:${D86}`,
    want: { name: lib('busybox'), tag: 'latest', tagDefaulted: false, digest: `sha256:${D86}`, familiar: `busybox:latest@sha256:${D86}` },
  },
  bad('TestInvalidReferenceComponents: -foo', '-foo', 'INVALID_FORMAT'),
  v('TestInvalidReferenceComponents: busybox', 'busybox', lib('busybox')),
  // TestParseAnyReference inputs, through ParseNormalizedNamed (the kubelet never calls ParseAnyReference).
  v('TestParseAnyReference: redis', 'redis', lib('redis')),
  { name: 'TestParseAnyReference: redis:latest', input: 'redis:latest', want: { name: lib('redis'), tag: 'latest', tagDefaulted: false } },
  { name: 'TestParseAnyReference: docker.io/library/redis:latest', input: 'docker.io/library/redis:latest', want: { name: lib('redis'), tag: 'latest', tagDefaulted: false, familiar: 'redis:latest' } },
  { name: 'TestParseAnyReference: redis@sha256', input: `redis@sha256:${DBCC}`, want: { name: lib('redis'), tag: null, digest: `sha256:${DBCC}` } },
  { name: 'TestParseAnyReference: docker.io/library/redis@sha256', input: `docker.io/library/redis@sha256:${DBCC}`, want: { name: lib('redis'), tag: null, digest: `sha256:${DBCC}`, familiar: `redis@sha256:${DBCC}` } },
  v('TestParseAnyReference: dmcgowan/myapp', 'dmcgowan/myapp', hub('dmcgowan/myapp')),
  { name: 'TestParseAnyReference: dmcgowan/myapp:latest', input: 'dmcgowan/myapp:latest', want: { name: hub('dmcgowan/myapp'), tag: 'latest', tagDefaulted: false } },
  { name: 'TestParseAnyReference: docker.io/mcgowan/myapp:latest', input: 'docker.io/mcgowan/myapp:latest', want: { name: hub('mcgowan/myapp'), tag: 'latest', tagDefaulted: false } },
  { name: 'TestParseAnyReference: dmcgowan/myapp@sha256', input: `dmcgowan/myapp@sha256:${DBCC}`, want: { name: hub('dmcgowan/myapp'), tag: null, digest: `sha256:${DBCC}` } },
  { name: 'TestParseAnyReference: docker.io/dmcgowan/myapp@sha256', input: `docker.io/dmcgowan/myapp@sha256:${DBCC}`, want: { name: hub('dmcgowan/myapp'), tag: null, digest: `sha256:${DBCC}` } },
  // ParseAnyReference turns these two into digest references; ParseNormalizedNamed (the kubelet) does not:
  bad('TestParseAnyReference: bare 64-hex identifier is rejected by ParseNormalizedNamed', DBCC, 'HEX_REPOSITORY'),
  { name: 'TestParseAnyReference: "sha256:<hex>" is the image "sha256" with a 64-char tag', input: `sha256:${DBCC}`, want: { name: lib('sha256'), tag: DBCC, tagDefaulted: false } },
  v('TestParseAnyReference: 63 hex is a repository name', DBCC.slice(0, 63), lib(DBCC.slice(0, 63))),
  v('TestParseAnyReference: dbcc1', 'dbcc1', lib('dbcc1')),
  // TestNormalizedSplitHostname
  v('TestNormalizedSplitHostname: test.com/foo', 'test.com/foo', 'test.com/foo', { domain: 'test.com', path: 'foo' }),
  v('TestNormalizedSplitHostname: test_com/foo', 'test_com/foo', hub('test_com/foo'), { domain: 'docker.io', path: 'test_com/foo' }),
  v('TestNormalizedSplitHostname: docker/migrator', 'docker/migrator', hub('docker/migrator'), { domain: 'docker.io', path: 'docker/migrator' }),
  v('TestNormalizedSplitHostname: test.com:8080/foo', 'test.com:8080/foo', 'test.com:8080/foo', { domain: 'test.com:8080', path: 'foo' }),
  v('TestNormalizedSplitHostname: test-com:8080/foo', 'test-com:8080/foo', 'test-com:8080/foo', { domain: 'test-com:8080', path: 'foo' }),
  v('TestNormalizedSplitHostname: foo', 'foo', lib('foo'), { domain: 'docker.io', path: 'library/foo' }),
  v('TestNormalizedSplitHostname: xn--n3h.com/foo', 'xn--n3h.com/foo', 'xn--n3h.com/foo', { domain: 'xn--n3h.com', path: 'foo' }),
  v('TestNormalizedSplitHostname: xn--n3h.com:18080/foo', 'xn--n3h.com:18080/foo', 'xn--n3h.com:18080/foo', { domain: 'xn--n3h.com:18080', path: 'foo' }),
  v('TestNormalizedSplitHostname: docker.io/foo', 'docker.io/foo', lib('foo'), { domain: 'docker.io', path: 'library/foo' }),
  v('TestNormalizedSplitHostname: docker.io/library/foo', 'docker.io/library/foo', lib('foo'), { domain: 'docker.io', path: 'library/foo' }),
  v('TestNormalizedSplitHostname: docker.io/library/foo/bar', 'docker.io/library/foo/bar', lib('foo/bar'), { domain: 'docker.io', path: 'library/foo/bar', familiar: 'library/foo/bar' }),
  // TestParseDockerRef inputs (ParseDockerRef = ParseNormalizedNamed + TagNameOnly, except that it
  // drops the tag when a digest is present; the kubelet keeps both and pulls by digest).
  v('TestParseDockerRef: nothing', 'busybox', lib('busybox')),
  { name: 'TestParseDockerRef: tag only', input: 'busybox:latest', want: { name: lib('busybox'), tag: 'latest', tagDefaulted: false } },
  { name: 'TestParseDockerRef: digest only', input: `busybox@sha256:${E66}`, want: { name: lib('busybox'), tag: null, digest: `sha256:${E66}` } },
  v('TestParseDockerRef: path only', 'library/busybox', lib('busybox')),
  v('TestParseDockerRef: hostname only', 'docker.io/busybox', lib('busybox')),
  v('TestParseDockerRef: no tag', 'docker.io/library/busybox', lib('busybox')),
  { name: 'TestParseDockerRef: no path', input: 'docker.io/busybox:latest', want: { name: lib('busybox'), tag: 'latest', tagDefaulted: false } },
  { name: 'TestParseDockerRef: no hostname', input: 'library/busybox:latest', want: { name: lib('busybox'), tag: 'latest', tagDefaulted: false } },
  { name: 'TestParseDockerRef: full reference with tag', input: 'docker.io/library/busybox:latest', want: { name: lib('busybox'), tag: 'latest', tagDefaulted: false } },
  v('TestParseDockerRef: gcr reference without tag', 'gcr.io/library/busybox', 'gcr.io/library/busybox', { familiar: 'gcr.io/library/busybox' }),
  { name: 'TestParseDockerRef: both tag and digest', input: `gcr.io/library/busybox:latest@sha256:${E66}`, want: { name: 'gcr.io/library/busybox', tag: 'latest', tagDefaulted: false, digest: `sha256:${E66}` } },
  // TestMatch references (FamiliarMatch itself is not parsing; its inputs must parse and familiarise)
  v('TestMatch: foo', 'foo', lib('foo'), { familiar: 'foo' }),
  v('TestMatch: foo/any/bat', 'foo/any/bat', hub('foo/any/bat'), { familiar: 'foo/any/bat' }),
  v('TestMatch: foo/a/bar', 'foo/a/bar', hub('foo/a/bar')),
  v('TestMatch: foo/b/baz', 'foo/b/baz', hub('foo/b/baz')),
  { name: 'TestMatch: foo/c/baz:tag', input: 'foo/c/baz:tag', want: { name: hub('foo/c/baz'), tag: 'tag', tagDefaulted: false, familiar: 'foo/c/baz:tag' } },
  { name: 'TestMatch: example.com/foo/c/baz:tag', input: 'example.com/foo/c/baz:tag', want: { name: 'example.com/foo/c/baz', tag: 'tag', tagDefaulted: false, familiar: 'example.com/foo/c/baz:tag' } },
];

// ---------------------------------------------------------------------------------------------
// reference_test.go TestReferenceParse inputs, normalised (what the kubelet does with them)
// ---------------------------------------------------------------------------------------------

const tg = (name: string, input: string, full: string, tag: string, extra: Partial<Want> = {}): ValidCase => ({
  name,
  input,
  want: { name: full, tag, tagDefaulted: false, digest: null, ...extra },
});
const referenceParseNormalized: Case[] = [
  v('TestReferenceParse/normalised: test_com', 'test_com', lib('test_com')),
  tg('TestReferenceParse/normalised: test.com:tag', 'test.com:tag', lib('test.com'), 'tag'),
  tg('TestReferenceParse/normalised: test.com:5000 (a tag)', 'test.com:5000', lib('test.com'), '5000'),
  tg('TestReferenceParse/normalised: test.com/repo:tag', 'test.com/repo:tag', 'test.com/repo', 'tag', { domain: 'test.com' }),
  v('TestReferenceParse/normalised: test:5000/repo', 'test:5000/repo', 'test:5000/repo', { domain: 'test:5000' }),
  tg('TestReferenceParse/normalised: test:5000/repo:tag', 'test:5000/repo:tag', 'test:5000/repo', 'tag'),
  { name: 'TestReferenceParse/normalised: test:5000/repo@sha256', input: `test:5000/repo@sha256:${F64}`, want: { name: 'test:5000/repo', tag: null, digest: `sha256:${F64}` } },
  tg('TestReferenceParse/normalised: test:5000/repo:tag@sha256', `test:5000/repo:tag@sha256:${F64}`, 'test:5000/repo', 'tag', { digest: `sha256:${F64}` }),
  bad('TestReferenceParse/normalised: empty', '', 'EMPTY'),
  bad('TestReferenceParse/normalised: :justtag', ':justtag', 'INVALID_FORMAT'),
  bad('TestReferenceParse/normalised: @sha256 without a name', `@sha256:${F64}`, 'INVALID_FORMAT'),
  bad('TestReferenceParse/normalised: short sha256 digest', `repo@sha256:${F34}`, 'DIGEST_INVALID'),
  bad('TestReferenceParse/normalised: unknown digest algorithm', `validname@invaliddigest:${F64}`, 'DIGEST_UNSUPPORTED'),
  bad('TestReferenceParse/normalised: Uppercase:tag', 'Uppercase:tag', 'UPPERCASE'),
  bad('TestReferenceParse/normalised: test:5000/Uppercase/lowercase:tag', 'test:5000/Uppercase/lowercase:tag', 'UPPERCASE'),
  tg('TestReferenceParse/normalised: lowercase:Uppercase (tags may be upper case)', 'lowercase:Uppercase', lib('lowercase'), 'Uppercase'),
  bad('TestReferenceParse/normalised: domain/<256 a>:tag', `domain/${'a'.repeat(256)}:tag`, 'NAME_TOO_LONG'),
  tg('TestReferenceParse/normalised: 255-char path (no domain: "a" is docker.io namespace)', `${'a/'.repeat(127)}a:tag-puts-this-over-max`, hub(`${'a/'.repeat(127)}a`), 'tag-puts-this-over-max', { domain: 'docker.io' }),
  bad('TestReferenceParse/normalised: aa/asdf$$^/aa', 'aa/asdf$$^/aa', 'INVALID_FORMAT'),
  v('TestReferenceParse/normalised: sub-dom1.foo.com/bar/baz/quux', 'sub-dom1.foo.com/bar/baz/quux', 'sub-dom1.foo.com/bar/baz/quux', { domain: 'sub-dom1.foo.com' }),
  tg('TestReferenceParse/normalised: sub-dom1.foo.com/bar/baz/quux:some-long-tag', 'sub-dom1.foo.com/bar/baz/quux:some-long-tag', 'sub-dom1.foo.com/bar/baz/quux', 'some-long-tag'),
  tg('TestReferenceParse/normalised: b.gcr.io/test.example.com/my-app:test.example.com', 'b.gcr.io/test.example.com/my-app:test.example.com', 'b.gcr.io/test.example.com/my-app', 'test.example.com', { domain: 'b.gcr.io' }),
  tg('TestReferenceParse/normalised: punycode domain and tag', 'xn--n3h.com/myimage:xn--n3h.com', 'xn--n3h.com/myimage', 'xn--n3h.com'),
  tg('TestReferenceParse/normalised: punycode + sha512', `xn--7o8h.com/myimage:xn--7o8h.com@sha512:${F128}`, 'xn--7o8h.com/myimage', 'xn--7o8h.com', { digest: `sha512:${F128}` }),
  tg('TestReferenceParse/normalised: foo_bar.com:8080 (a tag)', 'foo_bar.com:8080', lib('foo_bar.com'), '8080'),
  tg('TestReferenceParse/normalised: foo/foo_bar.com:8080', 'foo/foo_bar.com:8080', hub('foo/foo_bar.com'), '8080'),
  v('TestReferenceParse/normalised: 192.168.1.1', '192.168.1.1', lib('192.168.1.1')),
  tg('TestReferenceParse/normalised: 192.168.1.1:tag', '192.168.1.1:tag', lib('192.168.1.1'), 'tag'),
  tg('TestReferenceParse/normalised: 192.168.1.1:5000 (a tag)', '192.168.1.1:5000', lib('192.168.1.1'), '5000'),
  v('TestReferenceParse/normalised: 192.168.1.1/repo', '192.168.1.1/repo', '192.168.1.1/repo', { domain: '192.168.1.1' }),
  v('TestReferenceParse/normalised: 192.168.1.1:5000/repo', '192.168.1.1:5000/repo', '192.168.1.1:5000/repo', { domain: '192.168.1.1:5000' }),
  tg('TestReferenceParse/normalised: 192.168.1.1:5000/repo:5050', '192.168.1.1:5000/repo:5050', '192.168.1.1:5000/repo', '5050'),
  bad('TestReferenceParse/normalised: [2001:db8::1]', '[2001:db8::1]', 'INVALID_FORMAT'),
  bad('TestReferenceParse/normalised: [2001:db8::1]:5000', '[2001:db8::1]:5000', 'INVALID_FORMAT'),
  bad('TestReferenceParse/normalised: [2001:db8::1]:tag', '[2001:db8::1]:tag', 'INVALID_FORMAT'),
  v('TestReferenceParse/normalised: [2001:db8::1]/repo', '[2001:db8::1]/repo', '[2001:db8::1]/repo', { domain: '[2001:db8::1]' }),
  tg('TestReferenceParse/normalised: [2001:db8:1:2:3:4:5:6]/repo:tag', '[2001:db8:1:2:3:4:5:6]/repo:tag', '[2001:db8:1:2:3:4:5:6]/repo', 'tag'),
  v('TestReferenceParse/normalised: [2001:db8::1]:5000/repo', '[2001:db8::1]:5000/repo', '[2001:db8::1]:5000/repo', { domain: '[2001:db8::1]:5000' }),
  tg('TestReferenceParse/normalised: [2001:db8::1]:5000/repo:tag', '[2001:db8::1]:5000/repo:tag', '[2001:db8::1]:5000/repo', 'tag'),
  { name: 'TestReferenceParse/normalised: [2001:db8::1]:5000/repo@sha256', input: `[2001:db8::1]:5000/repo@sha256:${F64}`, want: { name: '[2001:db8::1]:5000/repo', tag: null, digest: `sha256:${F64}` } },
  tg('TestReferenceParse/normalised: [2001:db8::1]:5000/repo:tag@sha256', `[2001:db8::1]:5000/repo:tag@sha256:${F64}`, '[2001:db8::1]:5000/repo', 'tag', { digest: `sha256:${F64}` }),
  v('TestReferenceParse/normalised: [2001:db8::]:5000/repo', '[2001:db8::]:5000/repo', '[2001:db8::]:5000/repo'),
  v('TestReferenceParse/normalised: [::1]:5000/repo', '[::1]:5000/repo', '[::1]:5000/repo', { domain: '[::1]:5000' }),
  bad('TestReferenceParse/normalised: IPv6 zone', '[fe80::1%eth0]:5000/repo', 'INVALID_FORMAT'),
  bad('TestReferenceParse/normalised: IPv6 zone with @', '[fe80::1%@invalidzone]:5000/repo', 'INVALID_FORMAT'),
  tg('TestReferenceParse/normalised: example.com/<255 a>:tag', `example.com/${'a'.repeat(255)}:tag`, `example.com/${'a'.repeat(255)}`, 'tag'),
  // TestSerialization inputs (Field.UnmarshalText = Parse)
  v('TestSerialization/normalised: just a name', 'example.com:8000/named', 'example.com:8000/named'),
  tg('TestSerialization/normalised: name with a tag', 'example.com:8000/named:tagged', 'example.com:8000/named', 'tagged'),
  {
    name: 'TestSerialization/normalised: name with digest',
    input: 'other.com/named@sha256:1234567890098765432112345667890098765432112345667890098765432112',
    want: { name: 'other.com/named', tag: null, digest: 'sha256:1234567890098765432112345667890098765432112345667890098765432112' },
  },
];

// ---------------------------------------------------------------------------------------------
// pullguard: the ugly cases
// ---------------------------------------------------------------------------------------------

const ugly: Case[] = [
  // registries: localhost, Docker Hub aliases, ports, IPv6, upper case
  v('localhost:5000/x', 'localhost:5000/x', 'localhost:5000/x', { domain: 'localhost:5000', path: 'x', familiar: 'localhost:5000/x' }),
  v('localhost/x is a registry', 'localhost/x', 'localhost/x', { domain: 'localhost', path: 'x' }),
  v('bare localhost is a Docker Hub image', 'localhost', lib('localhost')),
  tg('localhost:5000 alone is image "localhost" with tag 5000', 'localhost:5000', lib('localhost'), '5000', { familiar: 'localhost:5000' }),
  v('LOCALHOST/x: upper case makes it a domain', 'LOCALHOST/x', 'LOCALHOST/x', { domain: 'LOCALHOST', path: 'x' }),
  v('index.docker.io/x → docker.io/library/x', 'index.docker.io/x', lib('x'), { domain: 'docker.io', path: 'library/x', familiar: 'x' }),
  v('index.docker.io/library/x', 'index.docker.io/library/x', lib('x'), { familiar: 'x' }),
  v('index.docker.io/org/x', 'index.docker.io/org/x', hub('org/x'), { familiar: 'org/x' }),
  v('INDEX.DOCKER.IO/x is not normalised', 'INDEX.DOCKER.IO/x', 'INDEX.DOCKER.IO/x', { domain: 'INDEX.DOCKER.IO', path: 'x' }),
  v('Docker.io/x is another registry (no library/)', 'Docker.io/x', 'Docker.io/x', { domain: 'Docker.io', path: 'x', familiar: 'Docker.io/x' }),
  v('docker.io/x gets library/', 'docker.io/x', lib('x'), { familiar: 'x' }),
  v('registry-1.docker.io/x is not normalised', 'registry-1.docker.io/x', 'registry-1.docker.io/x', { domain: 'registry-1.docker.io', path: 'x' }),
  v('Example.COM/app: upper-case domain is fine', 'Example.COM/app', 'Example.COM/app', { domain: 'Example.COM' }),
  v('MyOrg/app is valid: "MyOrg" is read as a registry host', 'MyOrg/app', 'MyOrg/app', { domain: 'MyOrg', path: 'app' }),
  v('[fc00::1]:5000/x', '[fc00::1]:5000/x', '[fc00::1]:5000/x', { domain: '[fc00::1]:5000', path: 'x' }),
  v('[fc00::1]/x without port', '[fc00::1]/x', '[fc00::1]/x', { domain: '[fc00::1]' }),
  v('[FC00::1]:5000/x upper-case IPv6', '[FC00::1]:5000/x', '[FC00::1]:5000/x', { domain: '[FC00::1]:5000' }),
  v('[::]:5000/x', '[::]:5000/x', '[::]:5000/x'),
  tg('[fc00::1]:5000/x:v1@sha256', `[fc00::1]:5000/x:v1@sha256:${F64}`, '[fc00::1]:5000/x', 'v1', { digest: `sha256:${F64}` }),
  bad('[fc00::1]:/x empty port', '[fc00::1]:/x', 'INVALID_FORMAT'),
  bad('[fc00::1]:abc/x non-numeric port', '[fc00::1]:abc/x', 'INVALID_FORMAT'),
  bad('[fc00::1 missing bracket', '[fc00::1/x', 'INVALID_FORMAT'),
  bad('[] empty IPv6', '[]:5000/x', 'INVALID_FORMAT'),
  bad('[fc00::g]/x', '[fc00::g]/x', 'INVALID_FORMAT'),
  v('port 0', 'example.com:0/x', 'example.com:0/x'),
  v('port with many digits (Go does not bound it)', 'example.com:99999999999/x', 'example.com:99999999999/x'),
  bad('example.com:/x empty port', 'example.com:/x', 'INVALID_FORMAT'),
  bad('example.com:http/x', 'example.com:http/x', 'INVALID_FORMAT'),
  bad('foo:bar/baz (tags cannot contain "/")', 'foo:bar/baz', 'INVALID_FORMAT'),
  bad('-registry.com/x', '-registry.com/x', 'INVALID_FORMAT'),
  bad('registry-.com/x', 'registry-.com/x', 'INVALID_FORMAT'),
  bad('.registry.com/x', '.registry.com/x', 'INVALID_FORMAT'),
  v('foo_bar.com/x: invalid host, but a valid path (domain "")', 'foo_bar.com/x', 'foo_bar.com/x', { domain: '', path: 'foo_bar.com/x', familiar: 'foo_bar.com/x' }),
  bad('foo_bar.com:5000/x', 'foo_bar.com:5000/x', 'INVALID_FORMAT'),
  bad('Foo_bar.com/x: upper case in what Go reads as a path', 'Foo_bar.com/x', 'UPPERCASE'),
  v('long domain is not counted in the 255 limit', `${'a'.repeat(300)}.com/x`, `${'a'.repeat(300)}.com/x`, { path: 'x' }),
  // upper case
  bad('MyOrg/App', 'MyOrg/App', 'UPPERCASE'),
  bad('registry.example.com/MyOrg/App:v1', 'registry.example.com/MyOrg/App:v1', 'UPPERCASE'),
  bad('Example.COM/App', 'Example.COM/App', 'UPPERCASE'),
  bad('NGINX', 'NGINX', 'UPPERCASE'),
  bad('upper-case 64 hex', HEX64.toUpperCase(), 'UPPERCASE'),
  bad('Kelvin sign lower-cases to ASCII in Go', '\u212Aube', 'INVALID_FORMAT'),
  // 64-hex repository
  bad('64 hex', HEX64, 'HEX_REPOSITORY'),
  tg('64 hex with a tag is a repository', `${HEX64}:v1`, lib(HEX64), 'v1'),
  { name: '64 hex with a digest is a repository', input: `${HEX64}@sha256:${F64}`, want: { name: lib(HEX64), tag: null, digest: `sha256:${F64}` } },
  v('63 hex', HEX64.slice(0, 63), lib(HEX64.slice(0, 63))),
  v('65 hex', `${HEX64}a`, lib(`${HEX64}a`)),
  v('docker.io/library/<64 hex>', `docker.io/library/${HEX64}`, lib(HEX64)),
  v('org/<64 hex>', `org/${HEX64}`, hub(`org/${HEX64}`)),
  // digests
  { name: 'digest only', input: `nginx@sha256:${F64}`, want: { name: lib('nginx'), tag: null, tagDefaulted: false, digest: `sha256:${F64}`, familiar: `nginx@sha256:${F64}` } },
  tg('tag and digest', `nginx:1.25@sha256:${F64}`, lib('nginx'), '1.25', { digest: `sha256:${F64}`, familiar: `nginx:1.25@sha256:${F64}` }),
  { name: 'sha384', input: `nginx@sha384:${SHA384}`, want: { name: lib('nginx'), tag: null, digest: `sha384:${SHA384}` } },
  { name: 'sha512', input: `nginx@sha512:${F128}`, want: { name: lib('nginx'), tag: null, digest: `sha512:${F128}` } },
  bad('sha256 with 63 hex', `nginx@sha256:${F64.slice(1)}`, 'DIGEST_INVALID'),
  bad('sha256 with 65 hex', `nginx@sha256:${F64}f`, 'DIGEST_INVALID'),
  bad('sha256 with 3 hex', 'nginx@sha256:abc', 'DIGEST_INVALID'),
  bad('sha256 with 128 hex', `nginx@sha256:${F128}`, 'DIGEST_INVALID'),
  bad('sha384 with 64 hex', `nginx@sha384:${F64}`, 'DIGEST_INVALID'),
  bad('sha384 with 95 hex', `nginx@sha384:${SHA384.slice(1)}`, 'DIGEST_INVALID'),
  bad('sha512 with 64 hex', `nginx@sha512:${F64}`, 'DIGEST_INVALID'),
  bad('sha512 with 127 hex', `nginx@sha512:${F128.slice(1)}`, 'DIGEST_INVALID'),
  bad('upper-case hex', `nginx@sha256:${F64.toUpperCase()}`, 'DIGEST_INVALID'),
  bad('non-hex in sha256', `nginx@sha256:${F64.slice(1)}g`, 'DIGEST_INVALID'),
  bad('upper-case algorithm (Go: "must be lowercase" via the remote check)', `nginx@SHA256:${F64}`, 'DIGEST_INVALID'),
  bad('upper-case algorithm after a tag (Go: digest format)', `nginx:v1@SHA256:${F64}`, 'DIGEST_INVALID'),
  bad('sha1 is unsupported', `nginx@sha1:${'f'.repeat(40)}`, 'DIGEST_UNSUPPORTED'),
  bad('md5 is unsupported', `nginx@md5:${'f'.repeat(32)}`, 'DIGEST_UNSUPPORTED'),
  bad('blake3 is unsupported by the kubelet', `nginx@blake3:${F64}`, 'DIGEST_UNSUPPORTED'),
  bad('sha256+b64 is unsupported', `nginx@sha256+b64:${F64}`, 'DIGEST_UNSUPPORTED'),
  bad('digest without hex', 'nginx@sha256', 'DIGEST_INVALID'),
  bad('digest without algorithm', `nginx@:${F64}`, 'DIGEST_INVALID'),
  bad('bare hex after @', `nginx@${F64}`, 'DIGEST_INVALID'),
  bad('empty digest', 'nginx@', 'DIGEST_INVALID'),
  bad('two digests', `nginx@sha256:${F64}@sha256:${F64}`, 'DIGEST_INVALID'),
  bad('malformed algorithm', `nginx@2sha:${F64}`, 'DIGEST_INVALID'),
  // whitespace and empty
  bad('empty', '', 'EMPTY'),
  bad('leading space', ' nginx', 'WHITESPACE'),
  bad('trailing space', 'nginx ', 'WHITESPACE'),
  bad('trailing newline', 'nginx:1.25\n', 'WHITESPACE'),
  bad('tab and newline', '\tnginx\n', 'WHITESPACE'),
  bad('only spaces', '   ', 'WHITESPACE'),
  bad('trailing NBSP (Go unicode.IsSpace)', 'nginx\u00a0', 'WHITESPACE'),
  bad('leading ideographic space', '\u3000nginx', 'WHITESPACE'),
  bad('trailing BOM is not Go whitespace', 'nginx\ufeff', 'INVALID_FORMAT'),
  bad('inner space', 'ngi nx', 'INVALID_FORMAT'),
  bad('space before tag', 'nginx :1.25', 'INVALID_FORMAT'),
  // lengths
  v('247-char single name (path 255 with library/)', 'a'.repeat(247), lib('a'.repeat(247))),
  bad('248-char single name (path 256 with library/)', 'a'.repeat(248), 'NAME_TOO_LONG'),
  v('example.com/<255>', `example.com/${'a'.repeat(255)}`, `example.com/${'a'.repeat(255)}`),
  bad('example.com/<256>', `example.com/${'a'.repeat(256)}`, 'NAME_TOO_LONG'),
  v('x/<253> on Docker Hub (path 255)', `x/${'a'.repeat(253)}`, hub(`x/${'a'.repeat(253)}`)),
  bad('x/<254> on Docker Hub (path 256)', `x/${'a'.repeat(254)}`, 'NAME_TOO_LONG'),
  tg('tag of 128 characters', `nginx:${'a'.repeat(128)}`, lib('nginx'), 'a'.repeat(128)),
  bad('tag of 129 characters', `nginx:${'a'.repeat(129)}`, 'TAG_INVALID'),
  // tags
  tg('tag starting with _', 'nginx:_x', lib('nginx'), '_x'),
  tg('tag with dots and dashes', 'nginx:1.25.3-alpine_v2', lib('nginx'), '1.25.3-alpine_v2'),
  bad('tag starting with .', 'nginx:.x', 'TAG_INVALID'),
  bad('tag starting with -', 'nginx:-x', 'TAG_INVALID'),
  bad('tag with ~', 'nginx:x~y', 'TAG_INVALID'),
  bad('tag with +', 'nginx:1.0+build', 'TAG_INVALID'),
  bad('empty tag', 'nginx:', 'TAG_INVALID'),
  bad('non-ASCII tag', 'nginx:t\u00e2g', 'TAG_INVALID'),
  bad('two tags', 'nginx:1.25:extra', 'INVALID_FORMAT'),
  // paths
  bad('non-ASCII name', 'ng\u00efnx', 'INVALID_FORMAT'),
  bad('URL scheme', 'https://registry.example.com/app', 'INVALID_FORMAT'),
  bad('registry without path', 'docker.io/', 'INVALID_FORMAT'),
  bad('leading slash', '/nginx', 'INVALID_FORMAT'),
  bad('trailing slash', 'nginx/', 'INVALID_FORMAT'),
  bad('triple underscore', 'a___b', 'INVALID_FORMAT'),
  bad('dot dash', 'a.-b/c', 'INVALID_FORMAT'),
  v('many dashes', 'a----b', lib('a----b')),
  v('deep path', 'a/b/c/d/e/f', hub('a/b/c/d/e/f'), { familiar: 'a/b/c/d/e/f' }),
  v('library/nginx familiarises to nginx', 'library/nginx', lib('nginx'), { familiar: 'nginx' }),
];

const cases: Case[] = [...validateReferenceName, ...validateRemoteName, ...parseRepositoryInfo, ...otherNormalize, ...referenceParseNormalized, ...ugly];

function isValid(c: Case): c is ValidCase {
  return 'want' in c;
}

t.test('normalised cases (ParseNormalizedNamed + TagNameOnly)', async (t) => {
  for (const c of cases) {
    const r = parseImageReference(c.input);
    if (isValid(c)) {
      if (!r.ok) {
        t.fail(`${c.name}: unexpected error ${r.error.reason}: ${r.error.cause}`);
        continue;
      }
      const w = c.want;
      const got: Record<string, unknown> = { name: r.ref.name, tag: r.ref.tag, digest: r.ref.digest };
      const want: Record<string, unknown> = { name: w.name, tag: w.tag, digest: w.digest ?? null };
      for (const k of ['domain', 'path', 'tagDefaulted', 'familiar'] as const) {
        if (w[k] !== undefined) {
          got[k] = r.ref[k];
          want[k] = w[k];
        }
      }
      t.same(got, want, c.name);
      t.equal(r.ref.raw, c.input, `${c.name}: raw`);
      t.equal(r.ref.name, r.ref.domain === '' ? r.ref.path : `${r.ref.domain}/${r.ref.path}`, `${c.name}: name = domain/path`);
    } else {
      if (r.ok) {
        t.fail(`${c.name}: expected ${c.reason}, parsed as ${r.ref.name}`);
        continue;
      }
      t.equal(r.error.reason, c.reason, `${c.name}: ${r.error.cause}; ${r.error.fix}`);
    }
  }
});

t.test('TestParseNamed: canonical form (ParseNamed = ParseNormalizedNamed + String() == input)', async (t) => {
  const tests: Array<{ name: string; input: string; domain?: string; path?: string; notCanonical?: true }> = [
    { name: 'test.com/foo', input: 'test.com/foo', domain: 'test.com', path: 'foo' },
    { name: 'test:8080/foo', input: 'test:8080/foo', domain: 'test:8080', path: 'foo' },
    { name: 'test_com/foo', input: 'test_com/foo', notCanonical: true },
    { name: 'test.com', input: 'test.com', notCanonical: true },
    { name: 'foo', input: 'foo', notCanonical: true },
    { name: 'library/foo', input: 'library/foo', notCanonical: true },
    { name: 'docker.io/library/foo', input: 'docker.io/library/foo', domain: 'docker.io', path: 'library/foo' },
    { name: 'docker.io/foo (ambiguous: the parser adds library/)', input: 'docker.io/foo', notCanonical: true },
  ];
  for (const tc of tests) {
    const r = parseImageReference(tc.input);
    if (!r.ok) {
      t.fail(`${tc.name}: ${r.error.cause}`);
      continue;
    }
    const canonical = canonicalString(r.ref) === tc.input;
    t.equal(canonical, tc.notCanonical !== true, `${tc.name}: canonical`);
    if (tc.notCanonical !== true) t.same({ domain: r.ref.domain, path: r.ref.path }, { domain: tc.domain, path: tc.path }, tc.name);
  }
});

t.test('test/fixtures/reference-cases.json matches the table', async (t) => {
  const seen = new Set<string>();
  const unique = cases.filter((c) => !seen.has(c.input) && seen.add(c.input) !== undefined);
  const fixture = unique.map((c) => {
    if (!isValid(c)) return { input: c.input, valid: false, reason: c.reason };
    return {
      input: c.input,
      valid: true,
      name: c.want.name,
      ...(c.want.tag !== null ? { tag: c.want.tag } : {}),
      ...(c.want.digest != null ? { digest: c.want.digest } : {}),
    };
  });
  const text = `${JSON.stringify(fixture, null, 1)}\n`;
  const file = new URL('../fixtures/reference-cases.json', import.meta.url);
  if (process.env['PULLGUARD_UPDATE_FIXTURES'] === '1') writeFileSync(file, text);
  t.equal(readFileSync(file, 'utf8'), text, 'fixture is up to date (PULLGUARD_UPDATE_FIXTURES=1 regenerates it)');
  t.ok(fixture.length >= 200, `fixture has ${fixture.length} cases`);
});
