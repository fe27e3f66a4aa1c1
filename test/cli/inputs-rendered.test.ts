// `pullguard check` over what pipelines actually feed it: `helm template` output (with `# Source:`
// comments and documents that rendered empty), `kubectl kustomize` output, multi-document streams on
// standard input. Every finding must point at the exact line of its image field.
import t from 'tap';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { run } from '../helpers/cli.js';
import { helmTemplates } from '../../src/cli/helm.js';

const HELM = 'test/fixtures/helm/shop.yaml';
const KUSTOMIZE = 'test/fixtures/kustomize/rendered.yaml';

/** 1-based number of the only line of `file` that contains `needle`. */
function lineOf(text: string, needle: string): number {
  const lines = text.split('\n');
  const hits = lines.flatMap((l, i) => (l.includes(needle) ? [i + 1] : []));
  if (hits.length !== 1) throw new Error(`${JSON.stringify(needle)} found on ${hits.length} lines`);
  return hits[0]!;
}

t.test('helm template output: exact lines, the template of each object, empty and comment-only documents', async (t) => {
  const r = await run(['check', '--offline', '-o', 'json', '-n', 'shop', HELM]);
  t.equal(r.code, 1);
  t.equal(r.stderr, '');
  const report = JSON.parse(r.stdout);
  // ServiceAccount, Secret and Service carry no images; the comment-only hpa.yaml document is no object.
  t.same(report.summary, { objects: 3, images: 4, deny: 2, warn: 1, skipped: 3, notRead: 0, unreadImageFields: 0, substituted: 0, unreadKinds: [] });
  t.same(
    report.objects.map((o: any) => [o.source, o.file, o.line, o.template, o.kind, `${o.namespace}/${o.name}`, o.verdict]),
    [
      [`${HELM}:53`, HELM, 53, 'shop/templates/deployment.yaml', 'Deployment', 'shop/shop', 'deny'],
      [`${HELM}:93`, HELM, 93, 'shop/templates/worker.yaml', 'Deployment', 'shop/shop-worker', 'deny'],
      [`${HELM}:116`, HELM, 116, 'shop/templates/tests/test-connection.yaml', 'Pod', 'shop/shop-test-connection', 'allow'],
    ],
  );
  const [web, worker, testPod] = report.objects;
  t.same(web.images.map((i: any) => [i.container, i.line]), [['shop', 82], ['metrics', 89]]);
  t.same(web.findings.map((f: any) => [f.code, f.action, f.line]), [['IMAGE_REFERENCE_INVALID', 'deny', 82]]);
  // The Secret in the same stream serves the ServiceAccount's pull secret: credentials are namespace-aware.
  t.same(web.images[1].credentials, [{ source: 'serviceaccount', secret: 'shop/shop-ghcr', key: 'ghcr.io' }]);
  t.same(worker.findings.map((f: any) => [f.code, f.action, f.line]), [
    ['PULL_SECRET_NOT_FOUND', 'warn', 113],
    ['REGISTRY_AUTH_REQUIRED', 'deny', 113],
  ]);
  t.same(testPod.images.map((i: any) => [i.reference, i.line]), [['busybox', 128]]);

  // The lines are the lines of the fixture, not of a document.
  const text = readFileSync(HELM, 'utf8');
  t.equal(lineOf(text, 'image: "ghcr.io/acme/Shop:2.1.0"'), 82);
  t.equal(lineOf(text, 'dkr.ecr.eu-west-1.amazonaws.com/shop/worker'), 113);
  t.equal(lineOf(text, '# Source: shop/templates/tests/test-connection.yaml') + 1, 116);

  const text2 = await run(['check', '--offline', '-n', 'shop', HELM]);
  t.match(text2.stdout, `DENY Deployment shop/shop (${HELM}:53, from shop/templates/deployment.yaml)\n`);
  t.match(text2.stdout, /  ✗ IMAGE_REFERENCE_INVALID line 82: /);
});

t.test('the same helm stream on standard input: same lines, source <stdin>', async (t) => {
  const r = await run(['check', '--offline', '-o', 'json', '-n', 'shop', '-'], readFileSync(HELM, 'utf8'));
  const report = JSON.parse(r.stdout);
  t.same(
    report.objects.map((o: any) => [o.source, o.file, o.template, o.findings.map((f: any) => f.line)]),
    [
      ['<stdin>:53', '<stdin>', 'shop/templates/deployment.yaml', [82]],
      ['<stdin>:93', '<stdin>', 'shop/templates/worker.yaml', [113, 113]],
      ['<stdin>:116', '<stdin>', 'shop/templates/tests/test-connection.yaml', []],
    ],
  );
});

t.test('kubectl kustomize output: exact lines in a rendered overlay', async (t) => {
  const r = await run(['check', '--offline', '-o', 'json', KUSTOMIZE]);
  t.equal(r.code, 1);
  const report = JSON.parse(r.stdout);
  t.same(report.summary, { objects: 2, images: 4, deny: 2, warn: 0, skipped: 2, notRead: 0, unreadImageFields: 0, substituted: 0, unreadKinds: [] });
  const [api, cron] = report.objects;
  t.match(api, { source: `${KUSTOMIZE}:26`, line: 26, template: null, kind: 'Deployment', namespace: 'shop-prod', name: 'prod-api', verdict: 'deny' });
  t.same(api.images.map((i: any) => [i.container, i.reference, i.line]), [
    ['migrate', 'ghcr.io/acme/api-migrate:2.4.0', 54],
    ['api', 'ghcr.io/Acme/api:2.4.0', 49],
    ['proxy', 'docker.io/envoyproxy/envoy@sha256:0f6c5b2d3d4a1e8b9c7f6e5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a291', 51],
  ]);
  t.same(api.findings.map((f: any) => [f.code, f.container, f.line]), [['IMAGE_REFERENCE_INVALID', 'api', 49]]);
  t.match(cron, { source: `${KUSTOMIZE}:57`, kind: 'CronJob', name: 'prod-report' });
  t.same(cron.findings.map((f: any) => [f.code, f.field, f.line]), [['IMAGE_REFERENCE_INVALID', 'spec.jobTemplate.spec.template.spec.containers[0].image', 76]]);
  t.match(cron.findings[0].message, /1\.4\.0\+build\.7/);
  const text = readFileSync(KUSTOMIZE, 'utf8');
  t.equal(lineOf(text, 'image: ghcr.io/Acme/api:2.4.0'), 49);
  t.equal(lineOf(text, 'image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/report:1.4.0+build.7'), 76);
});

t.test("this repository's own manifests, rendered live by kubectl kustomize, on standard input", async (t) => {
  let rendered: string;
  try {
    rendered = (await promisify(execFile)('kubectl', ['kustomize', 'manifests/'], { maxBuffer: 16 << 20 })).stdout;
  } catch (err) {
    if (process.env['CI'] !== 'true') return t.pass('kubectl kustomize', { skip: `not available: ${(err as Error).message.split('\n')[0]}` });
    throw err;
  }
  const r = await run(['check', '--offline', '-o', 'json', '-'], rendered);
  t.equal(r.stderr, '');
  t.equal(r.code, 0, 'the shipped manifests pass');
  const report = JSON.parse(r.stdout);
  t.equal(report.objects.length, 1, 'one carrier: the webhook Deployment');
  const [deploy] = report.objects;
  const lines = rendered.split('\n');
  const kindAt = lines.indexOf('kind: Deployment');
  let start = kindAt;
  while (start > 0 && lines[start - 1] !== '---') start--;
  t.match(deploy, { kind: 'Deployment', namespace: 'pullguard', name: 'pullguard', source: `<stdin>:${start + 1}` });
  const imageLine = lines.findIndex((l) => /^\s+image: /.test(l)) + 1;
  t.equal(deploy.images[0].line, imageLine, `image line ${imageLine}`);
});

t.test('multi-document streams: empty documents, comment-only documents, `...` ends and a List among them', async (t) => {
  const stream = [
    '# leading comment',
    '---',
    '---', // empty document
    '# only a comment',
    '---',
    'apiVersion: v1', // line 6
    'kind: Pod',
    'metadata: {name: a}',
    'spec:',
    '  containers:',
    '  - name: c',
    '    image: "nginx:1.27"', // line 12
    '...',
    '---',
    'apiVersion: v1', // line 15
    'kind: List',
    'items:',
    '- apiVersion: v1', // line 18
    '  kind: Pod',
    '  metadata: {name: b}',
    '  spec: {containers: [{name: c, image: "Nginx"}]}', // line 21
    '',
  ].join('\n');
  const r = await run(['check', '--offline', '-o', 'json', '-'], stream);
  t.equal(r.stderr, '');
  t.equal(r.code, 1);
  const report = JSON.parse(r.stdout);
  t.same(report.summary, { objects: 2, images: 2, deny: 1, warn: 0, skipped: 0, notRead: 0, unreadImageFields: 0, substituted: 0, unreadKinds: [] });
  t.same(
    report.objects.map((o: any) => [o.source, o.name, o.images[0].line, o.findings.map((f: any) => f.line)]),
    [
      ['<stdin>:6', 'a', 12, []],
      ['<stdin>:18', 'b', 21, [21]],
    ],
  );
});

t.test('helmTemplates: only a # Source: comment in the block right before the object', async (t) => {
  const text = [
    '---', // 1
    '# Source: c/templates/a.yaml', // 2
    '# another comment', // 3
    '', // 4
    'kind: A', // 5
    'items:', // 6
    '- kind: B', // 7
    '---', // 8
    'kind: C', // 9
    '---', // 10
    '#Source:   c/templates/d e.yaml  ', // 11
    'kind: D', // 12
  ].join('\r\n');
  const at = helmTemplates(text);
  t.equal(at(5), 'c/templates/a.yaml');
  t.equal(at(7), null, 'a List item: content comes first');
  t.equal(at(9), null, 'a document without the comment does not inherit the previous one');
  t.equal(at(12), 'c/templates/d e.yaml');
  t.equal(helmTemplates('kind: A\n')(1), null);
});
