/**
 * opencontainers/go-digest digest_test.go TestParseDigest against the port of Digest.Validate (v1.0.0,
 * the version the kubelet vendors), and the same digests inside a reference (where the reference
 * grammar runs first: it needs a well-formed algorithm and at least 32 hex characters).
 *
 * Provenance: the cases are upstream's current table (which kept v1.0.0's check order: length before
 * hex, so "not hex" of the wrong length is ErrDigestInvalidLength — the stale copy under
 * kubernetes/vendor says InvalidFormat, contradicting the v1.0.0 code it sits next to). Two upstream
 * rows differ for v1.0.0 and are adapted: blake3 is not registered in v1.0.0 (Unsupported), and
 * v1.0.0 registers sha384 by default (upstream now registers it explicitly in the test).
 */
import t from 'tap';
import { validateDigest } from '../../src/reference/go.js';
import { parseImageReference } from '../../src/reference/index.js';
import type { ReferenceErrorReason } from '../../src/reference/index.js';

type GoDigestErr = 'DIGEST_INVALID_FORMAT' | 'DIGEST_INVALID_LENGTH' | 'DIGEST_UNSUPPORTED' | null;

const cases: Array<{ name: string; input: string; err: GoDigestErr; inReference: ReferenceErrorReason | 'ok' }> = [
  { name: 'sha256', input: 'sha256:e58fcf7418d4390dec8e8fb69d88c06ec07039d651fedd3aa72af9972e7d046b', err: null, inReference: 'ok' },
  {
    name: 'sha384',
    input: 'sha384:d3fc7881460b7e22e3d172954463dddd7866d17597e7248453c48b3e9d26d9596bf9c4a9cf8072c9d5bad76e19af801d',
    err: null,
    inReference: 'ok',
  },
  { name: 'blake3 (not registered in v1.0.0)', input: 'blake3:af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262', err: 'DIGEST_UNSUPPORTED', inReference: 'DIGEST_UNSUPPORTED' },
  { name: 'empty', input: '', err: 'DIGEST_INVALID_FORMAT', inReference: 'DIGEST_INVALID' },
  { name: 'whitespace only', input: '     ', err: 'DIGEST_INVALID_FORMAT', inReference: 'WHITESPACE' },
  { name: 'empty hex', input: 'sha256:', err: 'DIGEST_INVALID_FORMAT', inReference: 'DIGEST_INVALID' },
  { name: 'hex with correct length, but whitespace only', input: `sha256:${' '.repeat(64)}`, err: 'DIGEST_INVALID_FORMAT', inReference: 'WHITESPACE' },
  { name: 'empty hex and algorithm', input: ':', err: 'DIGEST_INVALID_FORMAT', inReference: 'DIGEST_INVALID' },
  { name: 'just hex', input: 'd41d8cd98f00b204e9800998ecf8427e', err: 'DIGEST_INVALID_FORMAT', inReference: 'DIGEST_INVALID' },
  { name: 'not hex (and the wrong length, which is checked first)', input: 'sha256:d41d8cd98f00b204e9800m98ecf8427e', err: 'DIGEST_INVALID_LENGTH', inReference: 'DIGEST_INVALID' },
  { name: 'too short', input: 'sha256:abcdef0123456789', err: 'DIGEST_INVALID_LENGTH', inReference: 'DIGEST_INVALID' },
  {
    name: 'too short (from different algorithm)',
    input: 'sha512:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789',
    err: 'DIGEST_INVALID_LENGTH',
    inReference: 'DIGEST_INVALID',
  },
  { name: 'too short (blake3)', input: 'blake3:abcdef0123456789abcdef0123456789abcdef01234', err: 'DIGEST_UNSUPPORTED', inReference: 'DIGEST_UNSUPPORTED' },
  { name: 'unsupported', input: 'foo:d41d8cd98f00b204e9800998ecf8427e', err: 'DIGEST_UNSUPPORTED', inReference: 'DIGEST_UNSUPPORTED' },
  { name: 'repeated separators', input: `sha384__foo+bar:${'d3fc7881460b7e22e3d172954463dddd7866d17597e7248453c48b3e9d26d9596bf9c4a9cf8072c9d5bad76e19af801d'}`, err: 'DIGEST_INVALID_FORMAT', inReference: 'DIGEST_INVALID' },
  { name: 'parses, algorithm unsupported (.+)', input: 'sha384.foo+bar:d3fc7881460b7e22e3d172954463dddd7866d17597e7248453c48b3e9d26d9596bf9c4a9cf8072c9d5bad76e19af801d', err: 'DIGEST_UNSUPPORTED', inReference: 'DIGEST_UNSUPPORTED' },
  { name: 'parses, algorithm unsupported (_+)', input: 'sha384_foo+bar:d3fc7881460b7e22e3d172954463dddd7866d17597e7248453c48b3e9d26d9596bf9c4a9cf8072c9d5bad76e19af801d', err: 'DIGEST_UNSUPPORTED', inReference: 'DIGEST_UNSUPPORTED' },
  { name: 'base64 encoding, unsupported', input: 'sha256+b64:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564', err: 'DIGEST_UNSUPPORTED', inReference: 'DIGEST_UNSUPPORTED' },
  { name: 'upper-case hex', input: 'sha256:E58FCF7418D4390DEC8E8FB69D88C06EC07039D651FEDD3AA72AF9972E7D046B', err: 'DIGEST_INVALID_FORMAT', inReference: 'DIGEST_INVALID' },
  // beyond go-digest's table
  { name: 'sha512', input: `sha512:${'0'.repeat(128)}`, err: null, inReference: 'ok' },
  { name: 'upper-case algorithm (not in DigestRegexpAnchored)', input: `SHA256:${'a'.repeat(64)}`, err: 'DIGEST_INVALID_FORMAT', inReference: 'DIGEST_INVALID' },
  { name: 'multi-part algorithm', input: `sha256+b64u:${'a'.repeat(64)}`, err: 'DIGEST_UNSUPPORTED', inReference: 'DIGEST_UNSUPPORTED' },
  { name: 'sha384 with sha256 length', input: `sha384:${'a'.repeat(64)}`, err: 'DIGEST_INVALID_LENGTH', inReference: 'DIGEST_INVALID' },
];

t.test('go-digest TestParseDigest (Digest.Validate)', async (t) => {
  for (const tc of cases) t.equal(validateDigest(tc.input), tc.err, tc.name);
});

t.test('the same digests after "repo@"', async (t) => {
  for (const tc of cases) {
    const r = parseImageReference(`repo@${tc.input}`);
    if (tc.inReference === 'ok') {
      t.ok(r.ok, tc.name);
      if (r.ok) t.same({ digest: r.ref.digest, tag: r.ref.tag, tagDefaulted: r.ref.tagDefaulted }, { digest: tc.input, tag: null, tagDefaulted: false }, tc.name);
    } else {
      t.equal(r.ok ? 'ok' : r.error.reason, tc.inReference, tc.name);
    }
  }
});
