// Acceptance through the CLI, end to end: our copies of distribution/reference's and the kubelet's own
// test cases, fed to `pullguard check --output json` as a user would, and read back from the report.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { run } from '../helpers/cli.js';

interface ReferenceCase { input: string; valid: boolean; name?: string; tag?: string | null; digest?: string | null; reason?: string }
interface KeyringCase { name: string; dockerconfigjson: unknown; image: string; want: { key: string }[] }

const referenceCases = JSON.parse(readFileSync('test/fixtures/reference-cases.json', 'utf8')) as ReferenceCase[];
const keyringCases = JSON.parse(readFileSync('test/fixtures/keyring-cases.json', 'utf8')) as KeyringCase[];

function pod(name: string, image: string, extra: Record<string, unknown> = {}) {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image }], ...extra } };
}

t.test('the reference grammar agrees with distribution/reference, case for case', async (t) => {
  t.ok(referenceCases.length > 100, `${referenceCases.length} cases`);
  // One multi-document stream, one Pod per case: exercises the CLI path, not just the parser.
  const stream = referenceCases.map((c, i) => stringify(pod(`case-${i}`, c.input))).join('---\n');
  const r = await run(['check', '--offline', '--output', 'json', '-'], stream);
  t.equal(r.stderr, '');
  const report = JSON.parse(r.stdout);
  t.equal(report.objects.length, referenceCases.length);
  referenceCases.forEach((c, i) => {
    const image = report.objects[i].images[0];
    t.equal(image.reference, c.input, `case ${i} kept as written`);
    t.equal(image.valid, c.valid, `${JSON.stringify(c.input)} valid=${c.valid}`);
    if (c.valid) {
      if (c.name !== undefined) t.equal(image.repository, c.name, `${JSON.stringify(c.input)} repository`);
      if (c.tag !== undefined) t.equal(image.tag, c.tag, `${JSON.stringify(c.input)} tag`);
      if (c.digest !== undefined) t.equal(image.digest, c.digest, `${JSON.stringify(c.input)} digest`);
    } else {
      t.equal(report.objects[i].findings[0]?.code, 'IMAGE_REFERENCE_INVALID', `${JSON.stringify(c.input)} finding`);
    }
  });
});

t.test("the kubelet keyring's cases give the kubelet's answer, through the credentials field", async (t) => {
  t.ok(keyringCases.length > 30, `${keyringCases.length} cases`);
  for (const c of keyringCases) {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'regcred', namespace: 'ns' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from(JSON.stringify(c.dockerconfigjson)).toString('base64') },
    };
    const p = { ...pod('p', c.image, { imagePullSecrets: [{ name: 'regcred' }] }), metadata: { name: 'p', namespace: 'ns' } };
    const r = await run(['check', '--offline', '--output', 'json', '-'], `${stringify(secret)}---\n${stringify(p)}`);
    const report = JSON.parse(r.stdout);
    const credentials = report.objects[0].images[0].credentials;
    t.same(
      credentials.map((x: { key: string }) => ({ key: x.key })),
      c.want,
      c.name,
    );
    for (const x of credentials) t.match(x, { source: 'secret', secret: 'ns/regcred' }, c.name);
  }
});
