// The real-world corpus (test/fixtures/corpus, 16 public projects; sources and licences in its README):
// `pullguard check` over it as a user would run it — no crash, no skipped file, exactly the findings
// expected, and the one file kubectl cannot read either (a kustomize JSON patch) reported as
// MANIFEST_UNPARSEABLE while every other file is still checked, in every output format.
import t from 'tap';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { run } from '../helpers/cli.js';

const CORPUS = 'test/fixtures/corpus';
const PATCH = `${CORPUS}/flux2/manifests/bases/source-controller/patch.yaml`;

/** Every file kubectl apply -R would read, found independently of the code under test. */
function manifestFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...manifestFiles(p));
    else if (/\.(ya?ml|json)$/.test(e.name)) out.push(p);
  }
  return out;
}

/** Objects with images per project directory, counted by hand from the files (see the README). */
const OBJECTS_PER_PROJECT = {
  'argo-rollouts': 1,
  autoscaler: 3,
  'csi-driver-host-path': 2,
  dashboard: 2,
  emojivoto: 4,
  'example-voting-app': 5,
  examples: 11,
  'external-dns': 1,
  'ingress-nginx': 3,
  keda: 1,
  'kube-state-metrics': 1,
  'metrics-server': 1,
  'microservices-demo': 12,
  podinfo: 2,
  'tekton-pipeline': 3,
};

// Tekton's config/*.yaml are inputs to `ko`, which replaces `ko://` import paths with built images;
// applied as they are, the kubelet fails with InvalidImageName. Nothing else in the corpus is wrong
// offline.
const EXPECTED_FINDINGS = [
  { code: 'IMAGE_REFERENCE_INVALID', file: `${CORPUS}/tekton-pipeline/config/controller.yaml`, line: 75, image: 'ko://github.com/tektoncd/pipeline/cmd/controller' },
  { code: 'IMAGE_REFERENCE_INVALID', file: `${CORPUS}/tekton-pipeline/config/events.yaml`, line: 64, image: 'ko://github.com/tektoncd/pipeline/cmd/events' },
  { code: 'IMAGE_REFERENCE_INVALID', file: `${CORPUS}/tekton-pipeline/config/webhook.yaml`, line: 79, image: 'ko://github.com/tektoncd/pipeline/cmd/webhook' },
];

t.test('the corpus: every file read, exact findings, the unreadable patch reported, exit 2', async (t) => {
  const r = await run(['check', '--offline', '-o', 'json', CORPUS]);
  t.equal(r.code, 2, 'a document could not be read');
  const report = JSON.parse(r.stdout);
  const files = manifestFiles(CORPUS);
  t.equal(files.length, 94);
  t.equal(report.input.files, files.length, 'no file skipped');
  t.same(report.input.excluded, []);
  t.same(report.input.problems, [
    {
      code: 'MANIFEST_UNPARSEABLE',
      action: 'deny',
      file: PATCH,
      line: 1,
      column: 1,
      message: 'the document is a list, not a Kubernetes object; nothing in this document was checked',
    },
  ]);
  t.equal(r.stderr, `pullguard check: ${PATCH}:1:1: MANIFEST_UNPARSEABLE: the document is a list, not a Kubernetes object; nothing in this document was checked\n`);
  t.same(report.summary, { objects: 52, images: 60, deny: 3, warn: 0, skipped: 158 });
  const perProject: Record<string, number> = {};
  for (const o of report.objects) {
    const project = o.file.slice(CORPUS.length + 1).split('/')[0];
    perProject[project] = (perProject[project] ?? 0) + 1;
  }
  t.same(perProject, OBJECTS_PER_PROJECT);
  const findings = report.objects.flatMap((o: any) => o.findings.map((f: any) => ({ code: f.code, file: o.file, line: f.line, image: f.image })));
  t.same(findings, EXPECTED_FINDINGS);
  t.same(report.input.notes, []);
  t.ok(report.objects.every((o: any) => o.notes.length === 0));
});

t.test('the corpus without the patch (--exclude): exit 1 on the findings, the exclusion named', async (t) => {
  const r = await run(['check', '--offline', '-o', 'json', '--exclude', 'flux2/manifests/bases/source-controller/patch.yaml', CORPUS]);
  t.equal(r.code, 1);
  const report = JSON.parse(r.stdout);
  t.equal(report.input.files, 93);
  t.same(report.input.excluded, [PATCH]);
  t.same(report.input.problems, []);
  t.same(report.summary, { objects: 52, images: 60, deny: 3, warn: 0, skipped: 158 });
  const text = await run(['check', '--offline', '--exclude', 'patch.yaml', CORPUS]);
  t.equal(text.code, 1);
  t.match(text.stdout.trimEnd().split('\n').at(-1), `52 objects, 60 images checked: 3 would be denied, 0 warnings (158 documents without images skipped); not read (excluded): ${PATCH}`);
});

t.test('every output format reports the unreadable file and all the findings of the others', async (t) => {
  const text = await run(['check', '--offline', CORPUS]);
  t.equal(text.code, 2);
  t.match(text.stdout, `ERROR ${PATCH}:1:1\n  ✗ MANIFEST_UNPARSEABLE: the document is a list`);
  t.equal(text.stdout.match(/✗ IMAGE_REFERENCE_INVALID/g)?.length, 3);
  t.match(text.stdout.trimEnd().split('\n').at(-1), /^52 objects, 60 images checked: 3 would be denied, 0 warnings \(158 documents without images skipped\); 1 document could not be parsed$/);

  const sarif = await run(['check', '--offline', '-o', 'sarif', CORPUS]);
  t.equal(sarif.code, 2);
  const results = JSON.parse(sarif.stdout).runs[0].results;
  t.same(
    results.map((x: any) => [x.ruleId, x.locations[0].physicalLocation.artifactLocation.uri, x.locations[0].physicalLocation.region?.startLine]),
    [
      ...EXPECTED_FINDINGS.map((f) => [f.code, f.file, f.line]),
      ['MANIFEST_UNPARSEABLE', PATCH, 1],
    ],
  );
  t.equal(JSON.parse(sarif.stdout).runs[0].invocations[0].executionSuccessful, false);

  const junit = await run(['check', '--offline', '-o', 'junit', CORPUS]);
  t.equal(junit.code, 2);
  const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(junit.stdout);
  t.match(xml.testsuites, { tests: '53', failures: '3', errors: '1', skipped: '0' });
  const suites = [xml.testsuites.testsuite].flat();
  const patch = suites.find((s: any) => s.name === PATCH);
  t.match(patch, { tests: '1', errors: '1', failures: '0' });
  t.match(patch.testcase, { classname: 'MANIFEST_UNPARSEABLE', name: `${PATCH}:1:1`, line: '1', error: { type: 'MANIFEST_UNPARSEABLE' } });
});
