import t from 'tap';
import { run } from '../helpers/cli.js';

const FIXTURES = 'test/fixtures/manifests';

t.test('json report for a multi-document file: exact sources, lines and findings', async (t) => {
  const r = await run(['check', '--offline', '--output', 'json', `${FIXTURES}/mixed.yaml`]);
  t.equal(r.code, 1, 'something would be denied');
  t.equal(r.stderr, '');
  const report = JSON.parse(r.stdout);
  t.same(report.summary, { objects: 2, images: 3, deny: 1, warn: 0, skipped: 1 });
  const [deploy, cron] = report.objects;
  t.match(deploy, {
    source: `${FIXTURES}/mixed.yaml:9`,
    kind: 'Deployment',
    namespace: 'shop',
    name: 'web',
    verdict: 'deny',
  });
  t.same(deploy.images[0], {
    container: 'migrate',
    field: 'spec.template.spec.initContainers[0].image',
    line: 19,
    reference: 'ghcr.io/acme/migrate:1.0',
    valid: true,
    registry: 'ghcr.io',
    repository: 'ghcr.io/acme/migrate',
    tag: '1.0',
    digest: null,
    credentials: [],
  });
  t.match(deploy.images[1], { container: 'app', reference: 'ghcr.io/Acme/Web:2.1', valid: false, registry: null, repository: null, tag: null, digest: null, line: 22 });
  t.equal(deploy.findings.length, 1);
  t.match(deploy.findings[0], { code: 'IMAGE_REFERENCE_INVALID', action: 'deny', container: 'app', field: 'spec.template.spec.containers[0].image', line: 22, image: 'ghcr.io/Acme/Web:2.1' });
  t.match(cron, { source: `${FIXTURES}/mixed.yaml:24`, kind: 'CronJob', namespace: 'default', name: 'nightly', verdict: 'allow', findings: [] });
  t.match(cron.images[0], { registry: 'docker.io', repository: 'docker.io/library/busybox', tag: null, digest: 'sha256:' + '1'.repeat(64) });
});

t.test('List objects in JSON, with the line of each item', async (t) => {
  const r = await run(['check', '--offline', '-o', 'json', '--namespace', 'team', `${FIXTURES}/list.json`]);
  t.equal(r.code, 1);
  const report = JSON.parse(r.stdout);
  t.same(
    report.objects.map((o: any) => [o.source, o.namespace, o.name, o.verdict]),
    [
      [`${FIXTURES}/list.json:5`, 'team', 'a', 'allow'],
      [`${FIXTURES}/list.json:11`, 'team', 'b', 'deny'],
    ],
  );
  t.match(report.objects[0].images[0], { repository: 'docker.io/library/nginx', tag: 'latest' });
});

t.test('directories are searched recursively; stdin with -', async (t) => {
  const dir = await run(['check', '--offline', '-o', 'json', FIXTURES]);
  t.equal(JSON.parse(dir.stdout).summary.objects, 4);
  const stdin = await run(['check', '--offline', '-o', 'json', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: "redis:7"}]}\n');
  t.equal(stdin.code, 0);
  t.equal(JSON.parse(stdin.stdout).objects[0].source, '<stdin>:1');
});

t.test('text output: grouped by object, one summary line, no colour off a TTY', async (t) => {
  const r = await run(['check', '--offline', `${FIXTURES}/mixed.yaml`]);
  t.equal(r.code, 1);
  t.notMatch(r.stdout, /\x1b\[/);
  const lines = r.stdout.trimEnd().split('\n');
  t.equal(lines[0], `DENY Deployment shop/web (${FIXTURES}/mixed.yaml:9)`);
  t.match(lines[1], /^  ✗ IMAGE_REFERENCE_INVALID line 22: container "app" \(image "ghcr.io\/Acme\/Web:2.1"\)/);
  t.equal(lines.at(-1), '2 objects, 3 images checked: 1 would be denied, 0 warnings (1 document without images skipped)');
});

t.test('--mode warn turns denials into warnings and exit 0', async (t) => {
  const r = await run(['check', '--offline', '--mode', 'warn', '-o', 'json', `${FIXTURES}/mixed.yaml`]);
  t.equal(r.code, 0);
  t.same(JSON.parse(r.stdout).summary, { objects: 2, images: 3, deny: 0, warn: 1, skipped: 1 });
});

t.test('exit 2 with file and line for unparsable YAML and unreadable input', async (t) => {
  const broken = await run(['check', '--offline', 'test/fixtures/manifests-broken.yaml']);
  t.equal(broken.code, 2);
  t.match(broken.stderr, /^pullguard check: test\/fixtures\/manifests-broken.yaml:8:\d+: /);
  const missing = await run(['check', '--offline', 'no/such/file.yaml']);
  t.equal(missing.code, 2);
  t.equal(missing.stderr, 'pullguard check: no/such/file.yaml: no such file or directory\n');
  const scalar = await run(['check', '--offline', '-'], 'just a string\n');
  t.equal(scalar.code, 2);
  t.equal(scalar.stderr, 'pullguard check: <stdin>:1:1: MANIFEST_UNPARSEABLE: the document is a string, not a Kubernetes object; nothing in this document was checked\n');
});

t.test('usage errors: exit 2 with a pointer to --help', async (t) => {
  const cases = [
    { argv: ['check'], stderr: /name at least one file/ },
    { argv: ['check', '--output', 'xml', 'x'], stderr: /--output must be one of text, json, sarif, junit, not "xml"/ },
    { argv: ['check', '--fail-on', 'error', 'x'], stderr: /--fail-on must be deny or warn, not "error"/ },
    { argv: ['check', '--output-file', '', 'x'], stderr: /--output-file needs a file name/ },
    { argv: ['check', '--bogus', 'x'], stderr: /Unknown option '--bogus'/ },
    { argv: ['check', '--mode', 'off', 'x'], stderr: /--mode must be enforce or warn/ },
    { argv: ['frobnicate'], stderr: /unknown command "frobnicate"/ },
  ];
  for (const c of cases) {
    const r = await run(c.argv);
    t.equal(r.code, 2, c.argv.join(' '));
    t.match(r.stderr, c.stderr, c.argv.join(' '));
  }
});

t.test('--help for each command', async (t) => {
  for (const cmd of [[], ['check'], ['serve'], ['certs']]) {
    const r = await run([...cmd, '--help']);
    t.equal(r.code, 0, cmd.join(' ') || 'main');
    t.match(r.stdout, /^Usage: pullguard/);
  }
});

t.test('--config is honoured, and an invalid config is exit 2 naming the problem', async (t) => {
  const { mkdtemp, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(`${tmpdir()}/pullguard-check-`);
  await writeFile(`${dir}/warn.yaml`, 'actions:\n  IMAGE_REFERENCE_INVALID: warn\n');
  await writeFile(`${dir}/bad.yaml`, 'mode: sometimes\nactions:\n  NOT_A_CODE: deny\n');
  const warn = await run(['check', '--offline', '-c', `${dir}/warn.yaml`, `${FIXTURES}/mixed.yaml`]);
  t.equal(warn.code, 0);
  const bad = await run(['check', '--offline', '-c', `${dir}/bad.yaml`, `${FIXTURES}/mixed.yaml`]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /mode: must be one of "enforce", "warn", "off"/);
});

t.test('pull secrets a pod names but the manifests do not hold are reported unverified, not missing', async (t) => {
  const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  imagePullSecrets: [{name: regcred}, {name: other}]\n  containers: [{name: c, image: "ghcr.io/acme/app:1"}]\n';
  const r = await run(['check', '--offline', '-o', 'json', '-'], pod);
  t.equal(r.code, 0);
  const [finding, ...rest] = JSON.parse(r.stdout).objects[0].findings;
  t.same(rest, []);
  t.match(finding, {
    code: 'PULL_SECRET_UNVERIFIED',
    action: 'warn',
    message:
      'container "c" (image "ghcr.io/acme/app:1"): pull secrets "regcred", "other" could not be checked: the checked manifests hold no Secrets or ServiceAccounts; add them or pass --kubeconfig; whether they exist and what they hold is unknown, so registry answers that need credentials are not verified. Let pullguard read them: cluster access (--kubeconfig, or the webhook in its cluster), or the Secrets among the checked manifests.',
  });
  const withSa = await run(['check', '--offline', '-o', 'json', '-'], 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default}\n---\n' + pod);
  t.same(JSON.parse(withSa.stdout).objects[0].findings.map((f: { code: string }) => f.code), ['PULL_SECRET_NOT_FOUND', 'PULL_SECRET_NOT_FOUND'], 'a manifest set that describes the namespace: missing');
});

t.test('a directory holding one unparseable file: every other file is still checked and reported', async (t) => {
  const { mkdtemp, rm, copyFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'pullguard-broken-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await copyFile('test/fixtures/manifests-broken.yaml', join(dir, 'a-broken.yaml'));
  await copyFile(`${FIXTURES}/mixed.yaml`, join(dir, 'b-mixed.yaml'));
  await copyFile(`${FIXTURES}/list.json`, join(dir, 'c-list.json'));
  const alone = JSON.parse((await run(['check', '--offline', '-o', 'json', `${FIXTURES}/mixed.yaml`, `${FIXTURES}/list.json`])).stdout);
  const r = await run(['check', '--offline', '-o', 'json', dir]);
  t.equal(r.code, 2, 'exit 2: something could not be read');
  const report = JSON.parse(r.stdout);
  t.same(report.summary, alone.summary, 'the same objects, images and findings as without the broken file');
  t.same(
    report.objects.map((o: any) => [o.file.slice(dir.length + 1), o.line, o.findings.map((f: any) => f.code)]),
    alone.objects.map((o: any) => [o.file.endsWith('.json') ? 'c-list.json' : 'b-mixed.yaml', o.line, o.findings.map((f: any) => f.code)]),
  );
  t.same(report.input.problems.map((p: any) => [p.code, p.file.slice(dir.length + 1), p.line]), [['MANIFEST_UNPARSEABLE', 'a-broken.yaml', 8]]);
  t.equal(report.input.files, 3);
});

t.test('a container without an image is a finding, not an image checked (text and json summary)', async (t) => {
  const manifest = [
    'apiVersion: v1',
    'kind: Pod',
    'metadata: {name: p, namespace: default}',
    'spec:',
    '  containers:',
    '  - {name: app, image: "redis:7"}',
    '  - {name: sidecar}',
    '  - {name: odd, image: 42}',
    '',
  ].join('\n');
  const text = await run(['check', '--offline', '-'], manifest);
  t.equal(text.code, 1);
  t.match(text.stdout.trimEnd().split('\n').at(-1), /^1 object, 1 image checked: 2 would be denied/);
  const json = await run(['check', '--offline', '-o', 'json', '-'], manifest);
  const report = JSON.parse(json.stdout);
  t.equal(report.summary.images, 1);
  t.equal(report.objects[0].images.length, 3, 'every image use is still listed');
});
