/**
 * Fuzzing the webhook with mutated real reviews (the kube-apiserver v1.20.2 recordings), from a seeded
 * PRNG so every failure can be replayed (PULLGUARD_FUZZ_SEED=<seed> npx tap test/server/fuzz.test.ts).
 *
 * Mutations: dropped, replaced, duplicated and mistyped fields, huge strings, deep nesting, unicode
 * (surrogates, NUL, RTL, emoji), prototype-poisoning keys, escaped keys, truncation, random bytes,
 * odd content types and bodies over the limit. Thousands go through inject(); a few hundred over a
 * real TLS socket with keep-alive, plus raw malformed HTTP.
 *
 * Every answer must be either an AdmissionReview (exact shape, uid echoed whenever the body was
 * accepted JSON with a string uid) or a 4xx with the stable error body of src/server/errors.ts; never
 * a 5xx, never an internal error inside the engine, and the server keeps answering afterwards.
 */
import t, { type Test } from 'tap';
import https from 'node:https';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { build } from '../../src/server/app.js';
import { HTTP_ERRORS } from '../../src/server/errors.js';
import { configFromValue } from '../../src/config/load.js';
import { engineDeps } from '../../src/cli/wiring.js';
import { ClusterStore } from '../../src/cluster/store.js';
import { generateCertificates } from '../../src/certs/generate.js';
import { FIXTURE_NAMES, loadFixture } from '../helpers/fixtures.js';

const SEED = Number(process.env['PULLGUARD_FUZZ_SEED'] ?? 0x5eed_2026);
const INJECT_CASES = Number(process.env['PULLGUARD_FUZZ_CASES'] ?? 2500);
const TLS_CASES = 300;

// ------------------------------------------------------------------------------------------------
// seeded randomness

/** mulberry32: small, fast, good enough to drive mutations reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

class Fuzzer {
  readonly rnd: () => number;
  constructor(seed: number) {
    this.rnd = prng(seed);
  }
  int(n: number): number {
    return Math.floor(this.rnd() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
  chance(p: number): boolean {
    return this.rnd() < p;
  }

  unicode(): string {
    const pieces = ['é', '中文', '\u0000', '\u202e', '😀', '\ud800', '\udfff', '\ufeff', 'a\u0301', '\n', '"', '\\', '/', ' ', '\u2028', 'İ', 'ß', 'ǅ'];
    let s = '';
    for (let i = this.int(12); i >= 0; i--) s += this.pick(pieces);
    return s;
  }

  hugeString(): string {
    return this.pick(['a', 'A', '/', ':', '@', '.', 'é', '😀']).repeat(20_000 + this.int(80_000));
  }

  deep(): Json {
    const depth = 100 + this.int(900);
    let v: Json = this.pick<Json>([1, 'x', null, []]);
    const asArray = this.chance(0.5);
    for (let i = 0; i < depth; i++) v = asArray ? [v] : { d: v };
    return v;
  }

  value(): Json {
    switch (this.int(14)) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.pick([0, -1, 1e308, -1e-308, 42.5, 2 ** 53 + 1]);
      case 3:
        return '';
      case 4:
        return this.unicode();
      case 5:
        return this.hugeString();
      case 6:
        return [];
      case 7:
        return {};
      case 8:
        return this.deep();
      case 9:
        return [this.unicode(), 7, null, { image: this.unicode() }];
      case 10:
        return { image: this.pick(['nginx', 'NGINX', ' nginx', 'a/b@sha256:00', 'ghcr.io/' + 'x'.repeat(300), '']) };
      case 11:
        return this.pick(['nginx:1.25', 'registry.example.invalid/team/app:1.0', 'CREATE', 'UPDATE', 'DELETE', 'Pod', 'Deployment', 'apps']);
      case 12:
        return { containers: [{ name: this.unicode(), image: this.unicode() }] };
      default:
        return this.pick(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']);
    }
  }
}

// ------------------------------------------------------------------------------------------------
// mutations over the parsed review (paths into the object tree)

type Container = Record<string, Json> | Json[];

/** Every (parent, key) pair in the tree, up to a cap, for choosing a mutation site. */
function sites(root: Json, cap = 4000): Array<{ parent: Container; key: string | number }> {
  const out: Array<{ parent: Container; key: string | number }> = [];
  const stack: Json[] = [root];
  while (stack.length > 0 && out.length < cap) {
    const node = stack.pop() as Json;
    if (Array.isArray(node)) {
      node.forEach((v, i) => {
        out.push({ parent: node, key: i });
        if (v !== null && typeof v === 'object') stack.push(v);
      });
    } else if (node !== null && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        out.push({ parent: node, key: k });
        if (v !== null && typeof v === 'object') stack.push(v);
      }
    }
  }
  return out;
}

/** Paths the code reads: hit them more often than random ones. */
const HOT_PATHS = [
  ['request', 'uid'],
  ['request', 'kind'],
  ['request', 'kind', 'kind'],
  ['request', 'kind', 'group'],
  ['request', 'operation'],
  ['request', 'namespace'],
  ['request', 'name'],
  ['request', 'dryRun'],
  ['request', 'object'],
  ['request', 'oldObject'],
  ['request', 'object', 'metadata'],
  ['request', 'object', 'metadata', 'ownerReferences'],
  ['request', 'object', 'spec'],
  ['request', 'object', 'spec', 'containers'],
  ['request', 'object', 'spec', 'initContainers'],
  ['request', 'object', 'spec', 'ephemeralContainers'],
  ['request', 'object', 'spec', 'volumes'],
  ['request', 'object', 'spec', 'imagePullSecrets'],
  ['request', 'object', 'spec', 'serviceAccountName'],
  ['request', 'object', 'spec', 'template'],
  ['request', 'object', 'spec', 'template', 'spec', 'containers'],
  ['request', 'object', 'spec', 'containers', '0', 'image'],
  ['request', 'object', 'spec', 'template', 'spec', 'containers', '0', 'image'],
  ['apiVersion'],
  ['kind'],
  ['request'],
];

function setPath(root: Record<string, Json>, path: readonly string[], value: Json | undefined): void {
  let node: Json = root;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return;
    const next: Json | undefined = Array.isArray(node) ? node[Number(key)] : node[key];
    if (next === undefined) return;
    node = next;
  }
  if (node === null || typeof node !== 'object') return;
  const last = path[path.length - 1] as string;
  if (Array.isArray(node)) {
    if (value === undefined) node.splice(Number(last), 1);
    else node[Number(last)] = value;
  } else if (value === undefined) delete node[last];
  else node[last] = value;
}

interface Case {
  readonly name: string;
  readonly payload: string | Buffer;
  readonly contentType: string | null;
}

function mutate(f: Fuzzer, base: Record<string, Json>): Case {
  const review = structuredClone(base);
  const ct = 'application/json';
  const mutations = 1 + f.int(3);
  const names: string[] = [];
  for (let m = 0; m < mutations; m++) {
    const kind = f.int(10);
    if (kind <= 2) {
      const path = f.pick(HOT_PATHS);
      const v = f.chance(0.3) ? undefined : f.value();
      setPath(review, path, v);
      names.push(`${v === undefined ? 'drop' : 'set'} ${path.join('.')}`);
    } else if (kind <= 4) {
      const all = sites(review);
      if (all.length === 0) continue;
      const s = f.pick(all);
      if (Array.isArray(s.parent)) {
        if (f.chance(0.3)) s.parent.splice(Number(s.key), 1);
        else s.parent[Number(s.key)] = f.value();
      } else if (f.chance(0.3)) delete s.parent[s.key as string];
      else s.parent[s.key as string] = f.value();
      names.push(`random site ${String(s.key)}`);
    } else if (kind === 5) {
      // Many containers, duplicated from the first.
      const spec = (review['request'] as any)?.object?.spec?.template?.spec ?? (review['request'] as any)?.object?.spec;
      if (spec && Array.isArray(spec.containers) && spec.containers.length > 0) {
        const n = 1 + f.int(300);
        spec.containers = Array.from({ length: n }, (_, i) => ({ ...spec.containers[0], name: `c${i}`, image: f.chance(0.5) ? spec.containers[0].image : f.value() }));
        names.push(`${n} containers`);
      }
    } else if (kind === 6) {
      const req = review['request'];
      if (req !== null && typeof req === 'object' && !Array.isArray(req)) {
        req['operation'] = 'UPDATE';
        req['oldObject'] = f.chance(0.5) ? (JSON.parse(JSON.stringify(req['object'] ?? null)) as Json) : f.value();
        names.push('UPDATE with oldObject');
      }
    } else if (kind === 7) {
      // Prototype-poisoning keys, literal or escaped, somewhere in the tree.
      const all = sites(review, 500).filter((s) => !Array.isArray(s.parent));
      if (all.length > 0) {
        const s = f.pick(all);
        const key = f.pick(['__proto__', 'constructor', 'prototype']);
        (s.parent as Record<string, Json>)[key] = f.chance(0.5) ? { prototype: { polluted: true } } : { polluted: true };
        names.push(`poison ${key}`);
      }
    } else {
      const all = sites(review, 500);
      if (all.length > 0) {
        const s = f.pick(all);
        const v = f.pick<Json>([f.unicode(), f.hugeString(), f.deep()]);
        if (Array.isArray(s.parent)) s.parent[Number(s.key)] = v;
        else s.parent[s.key as string] = v;
        names.push(`unicode/huge/deep at ${String(s.key)}`);
      }
    }
  }
  let text = JSON.stringify(review);
  // Text-level mutations: duplicate keys, escapes, truncation, random bytes.
  const textKind = f.int(12);
  if (textKind === 0) {
    text = text.replace('"uid":', `"uid":${JSON.stringify(f.unicode())},"uid":`);
    names.push('duplicate uid key');
  } else if (textKind === 1) {
    text = text.replace('"request":{', '"request":{"\\u005f_proto__":{"x":1},');
    names.push('escaped __proto__ key');
  } else if (textKind === 2) {
    text = text.replace('"kind":', '"\\u006bind":');
    names.push('escaped key');
  } else if (textKind === 3) {
    text = text.slice(0, f.int(text.length));
    names.push('truncated');
  } else if (textKind === 4) {
    const bytes = Buffer.from(text, 'utf8');
    for (let i = 1 + f.int(8); i > 0; i--) bytes[f.int(bytes.length)] = f.int(256);
    names.push('random bytes');
    return { name: names.join(', '), payload: bytes, contentType: ct };
  } else if (textKind === 5) {
    names.push('random buffer');
    return { name: names.join(', '), payload: Buffer.from(Array.from({ length: f.int(4096) }, () => f.int(256))), contentType: ct };
  } else if (textKind === 6) {
    const contentType = f.pick([null, 'text/plain', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/yaml', 'application/json-patch+json', 'multipart/form-data; boundary=x']);
    names.push(`content-type ${String(contentType)}`);
    return { name: names.join(', '), payload: text, contentType };
  } else if (textKind === 7) {
    text = `\ufeff${text}`;
    names.push('BOM');
  } else if (textKind === 8) {
    text = f.pick(['', ' ', 'null', '[]', '"x"', '1', '{}', '{"request":{"uid":"u"}}', 'true', '{"apiVersion":"admission.k8s.io/v1"}']);
    names.push(`tiny body ${text}`);
  }
  return { name: names.join(', ') || 'unchanged', payload: text, contentType: ct };
}

// ------------------------------------------------------------------------------------------------
// the oracle

/** The uid that must be echoed: the body is JSON the server accepts, with a non-empty string request.uid. */
function expectedUid(c: Case): string | null {
  if (c.contentType === null || !/^application\/json\s*(;|$)/i.test(c.contentType)) return null;
  const text = typeof c.payload === 'string' ? c.payload : c.payload.toString('utf8');
  let body: any;
  try {
    body = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return null;
  }
  // Bodies with prototype-poisoning keys are refused as a whole (400 REVIEW_NOT_JSON), like Fastify's parser.
  if (/__proto__|constructor|\\u00[5-7]/i.test(text)) return null;
  const uid = body?.request?.uid;
  return typeof uid === 'string' && uid !== '' && body !== null && typeof body === 'object' && !Array.isArray(body) ? uid : null;
}

const RESPONSE_KEYS = new Set(['uid', 'allowed', 'status', 'warnings', 'auditAnnotations']);

/** Problems with one answer (empty when it is acceptable). */
function judge(c: Case, status: number, headers: Record<string, unknown>, text: string): string[] {
  const problems: string[] = [];
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    return [`answer is not JSON (${status}): ${text.slice(0, 200)}`];
  }
  if (!String(headers['content-type'] ?? '').startsWith('application/json')) problems.push(`content-type ${String(headers['content-type'])}`);
  const uid = expectedUid(c);
  if (status === 200) {
    const keys = Object.keys(body).sort().join(',');
    if (keys !== 'apiVersion,kind,response') problems.push(`top-level keys ${keys}`);
    if (body.apiVersion !== 'admission.k8s.io/v1' || body.kind !== 'AdmissionReview') problems.push('not an AdmissionReview v1');
    const r = body.response ?? {};
    for (const k of Object.keys(r)) if (!RESPONSE_KEYS.has(k)) problems.push(`unexpected response.${k}`);
    if (typeof r.uid !== 'string' || r.uid === '') problems.push('response.uid missing');
    if (typeof r.allowed !== 'boolean') problems.push('response.allowed not a boolean');
    if (uid !== null && r.uid !== uid) problems.push(`uid not echoed: sent ${JSON.stringify(uid).slice(0, 80)}, got ${JSON.stringify(r.uid).slice(0, 80)}`);
    if (r.status !== undefined) {
      if (!Number.isInteger(r.status.code) || typeof r.status.message !== 'string') problems.push('bad status');
      if (r.allowed) problems.push('allowed with a status');
      if (r.status.code >= 500) problems.push(`errored ${r.status.code}: ${String(r.status.message).slice(0, 300)}`);
    } else if (!r.allowed) problems.push('denied without a status');
    if (r.warnings !== undefined) {
      if (!Array.isArray(r.warnings) || r.warnings.length === 0 || r.warnings.some((w: unknown) => typeof w !== 'string')) problems.push('bad warnings');
      else {
        const long = r.warnings.find((w: string) => w.length > 256);
        if (long) problems.push(`warning over 256 characters (${long.length}): ${long.slice(0, 120)}…`);
        if (r.warnings.some((w: string) => w.startsWith('Warning:'))) problems.push('warning starts with "Warning:"');
      }
    }
    if (r.auditAnnotations !== undefined && Object.values(r.auditAnnotations).some((v) => typeof v !== 'string')) problems.push('bad auditAnnotations');
    if (r.auditAnnotations?.verdict === 'error') problems.push(`internal error in the engine: ${JSON.stringify(r.warnings ?? r.status).slice(0, 300)}`);
  } else if (status >= 400 && status < 500) {
    const spec = HTTP_ERRORS[body.code as keyof typeof HTTP_ERRORS];
    if (!spec) problems.push(`unknown error code ${String(body.code)}`);
    else if (spec.statusCode !== status || body.statusCode !== status || body.error !== spec.error) problems.push(`error body does not match ${status}: ${text.slice(0, 200)}`);
    if (typeof body.message !== 'string') problems.push('error without message');
    if (Object.keys(body).sort().join(',') !== 'code,error,message,statusCode') problems.push(`error keys ${Object.keys(body).join(',')}`);
    // 413: a body over the limit is never parsed, so there is no uid to echo.
    if (uid !== null && status !== 413) problems.push(`${status} although the body had uid ${JSON.stringify(uid).slice(0, 80)}: ${text.slice(0, 200)}`);
  } else problems.push(`status ${status}: ${text.slice(0, 300)}`);
  return problems;
}

// ------------------------------------------------------------------------------------------------

async function fuzzApp(https?: { cert: string; key: string }) {
  const config = configFromValue({ registryChecks: false }, 'fuzz');
  const deps = engineDeps(config, { state: new ClusterStore({ available: false }), registry: null });
  return build({ deps: () => deps, ...(https ? { https } : {}) });
}

const bases = FIXTURE_NAMES.map((n) => loadFixture(n) as unknown as Record<string, Json>);

function report(t: Test, failures: Array<{ c: Case; problems: string[] }>, total: number): void {
  for (const { c, problems } of failures.slice(0, 10)) t.fail(`${c.name}: ${problems.join('; ')}`);
  t.equal(failures.length, 0, `${total} mutated reviews answered as specified (seed ${SEED})`);
}

t.test('mutated reviews through inject(): an AdmissionReview or a stable 4xx, never a crash', async (t) => {
  const app = await fuzzApp();
  t.teardown(() => app.close());
  const f = new Fuzzer(SEED);
  const failures: Array<{ c: Case; problems: string[] }> = [];
  const statuses = new Map<number, number>();
  for (let i = 0; i < INJECT_CASES; i++) {
    const c = mutate(f, f.pick(bases));
    const res = await app.inject({
      method: 'POST',
      url: f.chance(0.9) ? '/validate?timeout=10s' : f.pick(['/validate', '/validate?timeout=x', '/validate?timeout=0s', '/validate?timeout=1s&timeout=2s']),
      headers: c.contentType === null ? {} : { 'content-type': c.contentType },
      payload: c.payload,
    });
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    const problems = judge(c, res.statusCode, res.headers, res.body);
    if (problems.length > 0) failures.push({ c, problems });
  }
  t.comment(`statuses: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(', ')}`);
  t.ok((statuses.get(200) ?? 0) > INJECT_CASES / 3, 'most mutations still reach the engine');
  report(t, failures, INJECT_CASES);
  // Still healthy: a plain review is answered exactly as before.
  const review = loadFixture('pod-create-good-pod.json');
  const res = await app.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload: review });
  t.same(res.json(), { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true, auditAnnotations: { verdict: 'allow' } } });
});

t.test('a body over the limit, in one piece, is refused with 413 and the stable body', async (t) => {
  const app = await fuzzApp();
  t.teardown(() => app.close());
  const review = loadFixture('pod-create-good-pod.json') as any;
  review.request.object.metadata.annotations = { big: 'x'.repeat(7 * 1024 * 1024) };
  const c: Case = { name: 'over the limit', payload: JSON.stringify(review), contentType: 'application/json' };
  const res = await app.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload: c.payload });
  t.equal(res.statusCode, 413);
  t.same(judge({ ...c, contentType: null }, res.statusCode, res.headers, res.body), []);
});

t.test('mutated reviews over a real TLS socket with keep-alive, and malformed HTTP', async (t) => {
  const pki = generateCertificates();
  const app = await fuzzApp({ cert: pki.cert, key: pki.key });
  t.teardown(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const agent = new https.Agent({ keepAlive: true, maxSockets: 4, ca: pki.caCert, servername: 'pullguard.pullguard.svc' });
  t.teardown(() => agent.destroy());

  const post = (c: Case): Promise<{ status: number; headers: Record<string, unknown>; text: string }> =>
    new Promise((resolve, reject) => {
      const payload = typeof c.payload === 'string' ? Buffer.from(c.payload, 'utf8') : c.payload;
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          path: '/validate?timeout=10s',
          method: 'POST',
          agent,
          headers: { ...(c.contentType === null ? {} : { 'content-type': c.contentType }), 'content-length': payload.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });

  const f = new Fuzzer(SEED ^ 0x7157);
  const failures: Array<{ c: Case; problems: string[] }> = [];
  const cases = Array.from({ length: TLS_CASES }, () => mutate(f, f.pick(bases)));
  // Four at a time over four keep-alive connections.
  for (let i = 0; i < cases.length; i += 4) {
    const batch = cases.slice(i, i + 4);
    const answers = await Promise.all(batch.map(post));
    answers.forEach((a, k) => {
      const c = batch[k] as Case;
      const problems = judge(c, a.status, a.headers, a.text);
      if (problems.length > 0) failures.push({ c, problems });
    });
  }
  report(t, failures, TLS_CASES);

  // Malformed HTTP on raw TLS connections: the server answers 4xx or closes; it never crashes.
  const raw = (bytes: string): Promise<string> =>
    new Promise((resolve) => {
      const sock = tls.connect({ host: '127.0.0.1', port, ca: pki.caCert, servername: 'pullguard.pullguard.svc' }, () => {
        sock.end(bytes);
      });
      let got = '';
      sock.setEncoding('utf8');
      sock.on('data', (d: string) => (got += d));
      sock.on('close', () => resolve(got));
      sock.on('error', () => resolve(got));
      sock.setTimeout(5000, () => sock.destroy());
    });
  const body = JSON.stringify(loadFixture('pod-create-good-pod.json'));
  const malformed = [
    `POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length + 100}\r\n\r\n${body}`,
    `POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n${body}`,
    `POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n${body}\r\n0\r\n\r\n`,
    `POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\nContent-Length: 11\r\n\r\n0123456789`,
    `POST /validate HTTP/1.1\r\nHost: x\r\n${'X-Filler: ' + 'a'.repeat(20_000)}\r\n\r\n`,
    `GARBAGE\r\n\r\n`,
    '\u0000\u0001\u0002\u0003',
    `POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  ];
  const outcomes = await Promise.all(malformed.map(raw));
  outcomes.forEach((got, i) => {
    const status = /^HTTP\/1\.1 (\d{3})/.exec(got)?.[1];
    if (status !== undefined) t.ok(Number(status) < 500, `malformed #${i}: answered ${status}`);
    else t.pass(`malformed #${i}: connection closed without an answer`);
  });
  t.match(outcomes[outcomes.length - 1], /^HTTP\/1\.1 200 /, 'a well-formed raw request is still answered');

  // And the server still works over the keep-alive agent.
  const good = loadFixture('pod-create-good-pod.json');
  const after = await post({ name: 'after', payload: JSON.stringify(good), contentType: 'application/json' });
  t.equal(after.status, 200);
  t.equal(JSON.parse(after.text).response.uid, good.request.uid);
});
