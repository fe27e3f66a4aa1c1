// The whole path against a real registry, as a pipeline would run it: manifests with their pull
// Secrets → `pullguard check --output json` → credentials → token/Basic auth → manifest request →
// finding. The registry is Debian's docker-registry (TLS + htpasswd), started by the test.
import t from 'tap';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { request } from 'undici';
import { stringify } from 'yaml';
import { requireRegistry, startRegistry, MT, type TestRegistry } from '../helpers/registry.js';
import { startCountingProxy } from '../helpers/registry-proxy.js';
import { run } from '../helpers/cli.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function pullSecret(name: string, host: string, username: string, password: string) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { [host]: { auth: b64(`${username}:${password}`) } } })) },
  };
}

function pod(name: string, image: string, extra: Record<string, unknown> = {}) {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image }], ...extra } };
}

async function configFor(hosts: string[], caPem: string, extra: Record<string, unknown> = {}): Promise<string> {
  const dir = await mkdtemp(`${tmpdir()}/pullguard-cli-registry-`);
  await writeFile(`${dir}/ca.pem`, caPem);
  const registries = Object.fromEntries(hosts.map((h) => [h, { caFile: `${dir}/ca.pem` }]));
  await writeFile(`${dir}/config.yaml`, stringify({ registries, ...extra }));
  return `${dir}/config.yaml`;
}

if (requireRegistry(t)) {
  const reg: TestRegistry = await startRegistry(t, { auth: 'htpasswd' });
  const { alice } = reg.users;
  const host = reg.host;
  const config = await configFor([host], reg.caPem);

  t.test('each registry answer becomes the right finding, named for the user', async (t) => {
    const withSecret = { imagePullSecrets: [{ name: 'regcred' }] };
    const objects = [
      pullSecret('regcred', host, alice.username, alice.password),
      pullSecret('badcred', host, alice.username, 'wrong-password'),
      pod('ok', `${host}/team/app:1.2.0`, withSecret),
      pod('tag-typo', `${host}/team/app:1.2.O`, withSecret),
      pod('no-repo', `${host}/team/nope:1`, withSecret),
      pod('no-digest', `${host}/team/app@sha256:${'0'.repeat(64)}`, withSecret),
      pod('no-secret', `${host}/team/app:1.2.0`),
      pod('bad-secret', `${host}/team/app:1.2.0`, { imagePullSecrets: [{ name: 'badcred' }] }),
      pod('arch', `${host}/team/multi:1.0`, { ...withSecret, nodeSelector: { 'kubernetes.io/arch': 's390x' } }),
      pod('arch-ok', `${host}/team/multi:1.0`, { ...withSecret, nodeSelector: { 'kubernetes.io/arch': 'arm64' } }),
    ];
    const r = await run(['check', '-o', 'json', '-c', config, '-'], objects.map((o) => stringify(o)).join('---\n'));
    t.equal(r.stderr, '');
    t.equal(r.code, 1);
    const report = JSON.parse(r.stdout);
    const byName = new Map(report.objects.map((o: { name: string }) => [o.name, o]));
    const want: Record<string, { codes: string[]; message?: RegExp }> = {
      ok: { codes: [] },
      'tag-typo': { codes: ['IMAGE_TAG_NOT_FOUND'], message: /did you mean 1\.2\.0/ },
      'no-repo': { codes: ['IMAGE_REPOSITORY_NOT_FOUND'], message: /team\/nope/ },
      'no-digest': { codes: ['IMAGE_DIGEST_NOT_FOUND'] },
      'no-secret': { codes: ['REGISTRY_AUTH_REQUIRED'], message: /imagePullSecret/ },
      'bad-secret': { codes: ['REGISTRY_AUTH_REJECTED'] },
      arch: { codes: ['IMAGE_PLATFORM_MISSING'], message: /s390x/ },
      'arch-ok': { codes: [] },
    };
    for (const [name, w] of Object.entries(want)) {
      const o = byName.get(name) as { findings: { code: string; message: string; container: string }[]; verdict: string };
      t.same(o.findings.map((f) => f.code), w.codes, name);
      t.equal(o.verdict, w.codes.length ? 'deny' : 'allow', `${name} verdict`);
      if (w.message) t.match(o.findings[0]?.message, w.message, `${name} message`);
      if (w.codes.length) t.match(o.findings[0]?.message, /container "app"/, `${name} names the container`);
    }
    const ok = byName.get('ok') as { images: { credentials: unknown[] }[] };
    t.same(ok.images[0]?.credentials, [{ source: 'secret', secret: 'default/regcred', key: host }]);
  });

  t.test('a private image whose pull secret could not be read is unverified, never denied', async (t) => {
    // No Secret in the manifest set: regcred exists somewhere, pullguard cannot see it.
    const r = await run(['check', '-o', 'json', '-c', config, '-'], stringify(pod('unread', `${host}/team/app:1.2.0`, { imagePullSecrets: [{ name: 'regcred' }] })));
    t.equal(r.code, 0);
    const o = JSON.parse(r.stdout).objects[0];
    t.same(o.findings.map((f: { code: string }) => f.code), ['PULL_SECRET_UNVERIFIED', 'IMAGE_UNVERIFIED']);
    t.equal(o.verdict, 'warn');
    t.match(o.findings[1].message, /requires authentication and the pod's pull secrets could not be read/);
  });

  t.test('a pod pinned to an OS only, whose index has no entry for that OS, is IMAGE_PLATFORM_MISSING with no cluster platforms known', async (t) => {
    // An index pushed for this test: linux/amd64 + windows/amd64 (team/multi:1.0 is linux only).
    await reg.pusher.index('team/mixed-os', '1.0', [
      { os: 'linux', architecture: 'amd64' },
      { os: 'windows', architecture: 'amd64' },
    ]);
    const withSecret = { imagePullSecrets: [{ name: 'regcred' }] };
    const windows = (extra: Record<string, unknown> = {}) => ({ ...withSecret, nodeSelector: { 'kubernetes.io/os': 'windows' }, ...extra });
    const objects = [
      pullSecret('regcred', host, alice.username, alice.password),
      pod('win-on-linux-index', `${host}/team/multi:1.0`, windows()),
      pod('win-affinity', `${host}/team/multi:1.0`, {
        ...withSecret,
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['windows'] }] }] } } },
      }),
      pod('win-podos', `${host}/team/multi:1.0`, { ...withSecret, os: { name: 'windows' } }),
      pod('win-on-mixed-index', `${host}/team/mixed-os:1.0`, windows()),
      pod('linux-pin', `${host}/team/multi:1.0`, { ...withSecret, nodeSelector: { 'kubernetes.io/os': 'linux' } }),
      pod('win-single-manifest', `${host}/team/app:1.2.0`, windows()),
    ];
    // No `platforms` in the config: the CLI knows no cluster platforms.
    const r = await run(['check', '-o', 'json', '-c', config, '-'], objects.map((o) => stringify(o)).join('---\n'));
    t.equal(r.stderr, '');
    const byName = new Map(JSON.parse(r.stdout).objects.map((o: { name: string }) => [o.name, o]));
    const codes = (name: string) => (byName.get(name) as { findings: { code: string }[] }).findings.map((f) => f.code);
    for (const name of ['win-on-linux-index', 'win-affinity', 'win-podos']) {
      t.same(codes(name), ['IMAGE_PLATFORM_MISSING'], name);
      const f = (byName.get(name) as { findings: { message: string }[] }).findings[0]!;
      t.match(f.message, /lists no windows image for any architecture \(it has linux\/amd64, linux\/arm64\/v8\)/, `${name} message`);
      t.match(f.message, /kubernetes\.io\/os/, `${name} fix names the OS label`);
    }
    t.same(codes('win-on-mixed-index'), [], 'an index with a windows entry serves a windows pin');
    t.same(codes('linux-pin'), [], 'a linux pin on a linux index');
    // A single-platform manifest has no index to read the OS from; nothing is claimed.
    t.same(codes('win-single-manifest'), [], 'a single manifest is not judged by OS');
  });

  t.test('--offline makes no registry call', async (t) => {
    const r = await run(['check', '--offline', '-o', 'json', '-c', config, '-'], stringify(pod('p', `${host}/team/app:9.9.9`)));
    t.equal(r.code, 0);
    t.same(JSON.parse(r.stdout).objects[0].findings, []);
  });

  t.test('2,000 manifests naming 200 distinct images cost at most 200 manifest requests', async (t) => {
    // One image pushed under 200 tags: fetch its manifest once and put it back under each tag.
    const manifestUrl = `${reg.url}/v2/team/app/manifests/1.2.0`;
    const got = await request(manifestUrl, {
      headers: { accept: MT.ociManifest, authorization: `Basic ${b64(`${alice.username}:${alice.password}`)}` },
      dispatcher: new (await import('undici')).Agent({ connect: { ca: reg.caPem } }),
    });
    const body = Buffer.from(await got.body.arrayBuffer());
    const tags = Array.from({ length: 200 }, (_, i) => `v${i}`);
    for (const tag of tags) await reg.pusher.manifest('team/app', tag, MT.ociManifest, body);

    const proxy = await startCountingProxy(reg, t);
    // Counting requests, not racing deadlines: on a loaded machine the default 4 s per request and 8 s per
    // check could time out and retry, which is another test's subject (test/registry/unreachable.test.ts).
    const proxyConfig = await configFor([proxy.host], reg.caPem, { timeouts: { defaultBudgetMs: 300_000, registryRequestMs: 60_000 } });
    const docs = [pullSecret('regcred', proxy.host, alice.username, alice.password)];
    for (let i = 0; i < 2000; i++) {
      docs.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: `d${i}` },
        spec: { template: { spec: { imagePullSecrets: [{ name: 'regcred' }], containers: [{ name: 'app', image: `${proxy.host}/team/app:${tags[i % 200]}` }] } } },
      } as never);
    }
    const started = Date.now();
    const r = await run(['check', '-o', 'json', '-c', proxyConfig, '-'], docs.map((d) => stringify(d)).join('---\n'));
    const seconds = (Date.now() - started) / 1000;
    t.equal(r.stderr, '');
    t.equal(r.code, 0);
    const report = JSON.parse(r.stdout);
    t.same(report.summary, { objects: 2000, images: 2000, deny: 0, warn: 0, skipped: 1, notRead: 0, unreadImageFields: 0, substituted: 0, unreadKinds: [] });
    const manifestRequests = proxy.count('HEAD', /\/manifests\//) + proxy.count('GET', /\/manifests\//);
    t.equal(manifestRequests, 200, 'one manifest request per distinct image');
    t.comment(`2,000 manifests, 200 images: ${manifestRequests} manifest requests, ${seconds.toFixed(1)} s`);
  });
}
