// docs/report.schema.json describes `pullguard check --output json` exactly: real reports validate
// against it (ajv, strict), every field it lists is required (nullable ones say so), it allows no field
// it does not list, and its enums are the code's.
import t, { type Test } from 'tap';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { stringify } from 'yaml';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { FINDING_CODES } from '../../src/findings/codes.js';
import { run } from '../helpers/cli.js';

const schema = JSON.parse(await readFile('docs/report.schema.json', 'utf8'));
const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
const validate = ajv.compile(schema);

function valid(t: Test, report: unknown, what: string): void {
  const ok = validate(report);
  t.ok(ok, what, { errors: validate.errors });
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

t.test('real reports validate: plain, List, helm, kustomize, stdin, credentials of every source', async (t) => {
  const dir = await mkdtemp(`${tmpdir()}/pullguard-schema-`);
  await writeFile(`${dir}/docker-config.json`, JSON.stringify({ auths: { 'registry.example.com': { auth: b64('node:secret') } } }));
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'regcred', namespace: 'team' },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { 'registry.example.com': { auth: b64('u:p') } } })) },
  };
  const opaque = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'opaque', namespace: 'team' }, type: 'Opaque', data: { token: b64('x') } };
  const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'team' }, imagePullSecrets: [{ name: 'regcred' }] };
  const pods = [
    { name: 'secret', spec: { imagePullSecrets: [{ name: 'regcred' }, { name: 'opaque' }, { name: 'gone' }], containers: [{ name: 'c', image: 'registry.example.com/team/app:1' }] } },
    { name: 'sa', spec: { serviceAccountName: 'builder', containers: [{ name: 'c', image: 'registry.example.com/team/app@sha256:' + 'a'.repeat(64) }] } },
    { name: 'no-image', spec: { containers: [{ name: 'c' }], initContainers: [{ name: 'i', image: 42 }] } },
    { name: 'bad', spec: { containers: [{ name: 'c', image: ' nginx' }] } },
  ].map((p) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: p.name, namespace: 'team' }, spec: p.spec }));
  const unreadable = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { generateName: 'web-' }, spec: {} };
  const stream = [secret, opaque, sa, ...pods, unreadable].map((o) => stringify(o)).join('---\n');

  const runs: [string, string[], string?][] = [
    ['mixed.yaml', ['test/fixtures/manifests/mixed.yaml']],
    ['list.json', ['test/fixtures/manifests/list.json']],
    ['helm', ['-n', 'shop', 'test/fixtures/helm/shop.yaml']],
    ['kustomize', ['test/fixtures/kustomize/rendered.yaml']],
    ['a directory', ['test/fixtures/manifests']],
    ['stdin with credentials', ['--docker-config', `${dir}/docker-config.json`, '-'], stream],
    ['nothing to check', ['-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n'],
  ];
  const seen = { sources: new Set<string>(), codes: new Set<string>(), verdicts: new Set<string>(), nullLine: false, template: false };
  for (const [what, args, stdin] of runs) {
    const r = await run(['check', '--offline', '-o', 'json', ...args], stdin ?? '');
    t.equal(r.stderr, '', `${what}: no diagnostics`);
    const report = JSON.parse(r.stdout);
    valid(t, report, what);
    for (const o of report.objects) {
      seen.verdicts.add(o.verdict);
      if (o.template !== null) seen.template = true;
      for (const i of o.images) for (const c of i.credentials) seen.sources.add(c.source);
      for (const f of o.findings) {
        seen.codes.add(f.code);
        if (f.line === null) seen.nullLine = true;
      }
    }
  }
  // The runs above exercise every enum value the offline engine can produce, and the nullable fields.
  t.same([...seen.verdicts].sort(), ['allow', 'deny', 'warn']);
  t.same([...seen.sources].sort(), ['docker-config', 'secret', 'serviceaccount']);
  t.ok(seen.template, 'a helm template was reported');
  t.ok(seen.nullLine, 'a finding without a line (WORKLOAD_UNREADABLE of a spec-less Deployment)');
  t.ok(['IMAGE_REFERENCE_INVALID', 'PULL_SECRET_NOT_FOUND', 'PULL_SECRET_UNUSABLE', 'WORKLOAD_UNREADABLE'].every((c) => seen.codes.has(c)), [...seen.codes].join(', '));
});

t.test('the schema is exact: every listed field required, nothing else allowed, enums from the code', async (t) => {
  const defs = schema.$defs as Record<string, { type?: unknown; properties?: object; required?: string[]; additionalProperties?: boolean; enum?: string[] }>;
  for (const [name, def] of [['(root)', schema], ...Object.entries(defs)] as [string, (typeof defs)[string]][]) {
    if (def.type !== 'object') continue;
    t.equal(def.additionalProperties, false, `${name}: additionalProperties false`);
    t.same([...(def.required ?? [])].sort(), Object.keys(def.properties ?? {}).sort(), `${name}: every property required`);
  }
  const code = new RegExp((defs['finding']!.properties as any).code.pattern);
  for (const c of FINDING_CODES) t.match(c, code, `${c} fits the code pattern`);
  t.same(defs['verdict']!.enum, ['allow', 'warn', 'deny']);
  t.same(defs['action']!.enum, ['deny', 'warn']);

  const r = await run(['check', '--offline', '-o', 'json', 'test/fixtures/manifests/mixed.yaml']);
  const report = JSON.parse(r.stdout);
  const broken = [
    (x: any) => (x.objects[0].extra = 1),
    (x: any) => (x.objects[0].verdict = 'maybe'),
    (x: any) => delete x.objects[0].template,
    (x: any) => (x.objects[0].findings[0].action = 'off'),
    (x: any) => (x.objects[0].images[0].line = 0),
    (x: any) => (x.objects[0].images[0].credentials = [{ source: 'vault', secret: null, key: null }]),
    (x: any) => (x.summary.deny = -1),
    (x: any) => (x.objects[0].findings[0].code = 'image reference invalid'),
  ];
  for (const [i, breakIt] of broken.entries()) {
    const copy = structuredClone(report);
    breakIt(copy);
    t.notOk(validate(copy), `broken report ${i} is rejected`);
  }
});

t.test("the README's example report validates", async (t) => {
  const readme = await readFile('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('### Report format (`--output json`)'));
  const example = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
  t.ok(example, 'README has the example');
  valid(t, JSON.parse(example!), 'README example');
});

t.test('reports with unreadable documents, notes and exclusions validate', async (t) => {
  const stream = 'kind: Pod\nmetadata: {name: p, name: q}\nspec:\n  containers: [{name: a, image: nginx}]\n---\nkind: Service\nmetadata: {name: s, name: s}\n---\nkind: Pod\nmetadata:\n  namespace: {{ .ns }}\n';
  const r = await run(['check', '--offline', '-o', 'json', '-'], stream);
  t.equal(r.code, 2);
  const report = JSON.parse(r.stdout);
  valid(t, report, 'problems and notes');
  t.equal(report.input.problems.length, 1);
  t.equal(report.input.notes.length, 1);
  t.equal(report.objects[0].notes.length, 1);
  const walked = JSON.parse((await run(['check', '--offline', '-o', 'json', 'test/fixtures/corpus'])).stdout);
  valid(t, walked, 'the corpus report');
});
