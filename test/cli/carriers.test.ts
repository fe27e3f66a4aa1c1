/**
 * `pullguard check` over custom resources: the projects' published examples, a kind from the
 * configuration's `carriers:`, and a kind pullguard does not read that holds images — reported as not
 * read in text, JSON, SARIF and JUnit, never dropped. Offline: reference and credential checks only.
 */
import t from 'tap';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { run } from '../helpers/cli.js';

const DIR = 'test/fixtures/carriers';

const buildJob = {
  apiVersion: 'ci.example.com/v1',
  kind: 'BuildJob',
  metadata: { name: 'nightly', namespace: 'ci' },
  spec: {
    runner: { template: { spec: { imagePullSecrets: [{ name: 'regcred' }], containers: [{ name: 'runner', image: 'registry.example.com/ci/runner:1' }] } } },
    steps: [
      { name: 'compile', image: 'golang:1.23' },
      { name: 'package', image: 'Registry.example.com/ci/Packager:2' },
    ],
  },
};

t.test('the published examples: every custom resource is checked, the real mistakes in them are caught', async (t) => {
  const r = await run(['check', '--offline', '-o', 'json', DIR]);
  t.equal(r.stderr, '');
  t.equal(r.code, 1, 'something would be denied');
  const report = JSON.parse(r.stdout);
  const kinds = new Set(report.objects.map((o: { kind: string }) => o.kind));
  for (const k of ['Rollout', 'Workflow', 'WorkflowTemplate', 'ClusterWorkflowTemplate', 'CronWorkflow', 'Task', 'TaskRun', 'Pipeline', 'PipelineRun', 'StepAction', 'Service', 'Configuration', 'RayCluster', 'RayJob', 'RayService', 'JobSet', 'LeaderWorkerSet', 'PyTorchJob', 'MPIJob']) {
    t.ok(kinds.has(k), `${k} checked`);
  }
  const denied = report.objects
    .filter((o: { verdict: string }) => o.verdict === 'deny')
    .flatMap((o: { kind: string; file: string; findings: { code: string; container: string; image: string; line: number }[] }) =>
      o.findings.map((f) => `${o.kind} ${o.file.split('/').pop()}:${f.line} ${f.code} ${f.container} ${f.image}`),
    );
  t.same(denied, [
    'Service knative-service-multicontainer.yaml:26 IMAGE_REFERENCE_INVALID #0 ko://knative.dev/serving/test/test_images/multicontainer/servingcontainer',
    'Service knative-service-multicontainer.yaml:29 IMAGE_REFERENCE_INVALID #1 ko://knative.dev/serving/test/test_images/multicontainer/sidecarcontainer',
    'PyTorchJob kubeflow-pytorchjob-mnist-gloo.yaml:16 IMAGE_REFERENCE_INVALID pytorch gcr.io/<your_project>/pytorch_dist_mnist:latest',
    'PyTorchJob kubeflow-pytorchjob-mnist-gloo.yaml:29 IMAGE_REFERENCE_INVALID pytorch gcr.io/<your_project>/pytorch_dist_mnist:latest',
  ]);
  // Knative's old v1alpha1 Configuration keeps its image where v1 has none: reported, not dropped.
  const old = report.objects.find((o: { kind: string; file: string }) => o.kind === 'Configuration' && o.file.endsWith('knative-v1alpha1-configuration.yaml'));
  t.same(old.unread, [{ field: 'spec.revisionTemplate.spec.container.image', line: 28 }]);
  t.same(report.summary.unreadKinds, [{ group: 'serving.knative.dev', kind: 'Configuration', objects: 1, imageFields: 1 }]);
  t.equal(report.summary.substituted, 0);
  t.same(report.notRead, []);
});

t.test('a kind pullguard does not read, holding images: NOT READ in every format; documents without images are only counted', async (t) => {
  const stdin = [buildJob, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { image: 'not-an-image-to-pull' } }, { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: {} }]
    .map((o) => stringify(o))
    .join('---\n');

  const text = await run(['check', '--offline', '-'], stdin);
  t.equal(text.code, 0, 'not read is no denial');
  t.equal(
    text.stdout,
    'NOT READ kind BuildJob (group ci.example.com): 3 image fields in 1 object not read; add it under "carriers:" in the configuration (docs/carriers.md)\n' +
      '  BuildJob ci/nightly (<stdin>:1): spec.runner.template.spec.containers[0].image, spec.steps[0].image, spec.steps[1].image (first: image "registry.example.com/ci/runner:1" at line 14)\n' +
      '0 objects, 0 images checked: all images look pullable, 0 warnings (2 documents without images skipped; 3 image fields not read)\n',
  );

  const json = JSON.parse((await run(['check', '--offline', '-o', 'json', '-'], stdin)).stdout);
  t.same(json.summary, { objects: 0, images: 0, deny: 0, warn: 0, skipped: 2, notRead: 1, unreadImageFields: 3, substituted: 0, unreadKinds: [{ group: 'ci.example.com', kind: 'BuildJob', objects: 1, imageFields: 3 }] });
  t.same(json.notRead[0], {
    source: '<stdin>:1',
    file: '<stdin>',
    line: 1,
    template: null,
    apiVersion: 'ci.example.com/v1',
    group: 'ci.example.com',
    kind: 'BuildJob',
    namespace: 'ci',
    name: 'nightly',
    fields: [
      { field: 'spec.runner.template.spec.containers[0].image', line: 14, image: 'registry.example.com/ci/runner:1' },
      { field: 'spec.steps[0].image', line: 17, image: 'golang:1.23' },
      { field: 'spec.steps[1].image', line: 19, image: 'Registry.example.com/ci/Packager:2' },
    ],
  });

  const sarif = JSON.parse((await run(['check', '--offline', '-o', 'sarif', '-'], stdin)).stdout);
  const results = sarif.runs[0].results;
  t.same(
    results.map((r: { ruleId: string; level: string; locations: { physicalLocation: { region: { startLine: number } } }[] }) => [r.ruleId, r.level, r.locations[0]!.physicalLocation.region.startLine]),
    [
      ['IMAGE_FIELDS_NOT_READ', 'note', 14],
      ['IMAGE_FIELDS_NOT_READ', 'note', 17],
      ['IMAGE_FIELDS_NOT_READ', 'note', 19],
    ],
  );
  t.match(results[0].message.text, 'BuildJob ci/nightly: image field spec.runner.template.spec.containers[0].image not read (kind BuildJob, group ci.example.com); add it under "carriers:"');
  t.equal(sarif.runs[0].tool.driver.rules[results[0].ruleIndex].id, 'IMAGE_FIELDS_NOT_READ');

  const junit = (await run(['check', '--offline', '-o', 'junit', '-'], stdin)).stdout;
  t.match(junit, '<testsuites name="pullguard check" tests="1" failures="0" errors="0" skipped="1">');
  t.match(junit, '<testcase classname="BuildJob" name="ci/nightly" file="&lt;stdin&gt;" line="1">');
  t.match(junit, '<skipped message="kind BuildJob (group ci.example.com): 3 image fields not read; add it under &quot;carriers:&quot; in the configuration (docs/carriers.md)">');
  t.match(junit, 'spec.steps[1].image (line 19): image "Registry.example.com/ci/Packager:2"');
});

t.test('the same kind described under carriers: is checked like a Pod', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pullguard-carriers-'));
  const config = join(dir, 'config.yaml');
  await writeFile(
    config,
    // Block lists: in a flow list ([…]) a path with [*] must be quoted, as YAML reads [ , ] and * there.
    'carriers:\n  - kind: BuildJob\n    group: ci.example.com\n    versions: [v1]\n    resource: buildjobs\n    podSpecs:\n      - spec.runner.template.spec\n    containers:\n      - spec.steps[*]\n',
  );
  const r = await run(['check', '--offline', '-c', config, '-o', 'json', '-'], stringify(buildJob));
  t.equal(r.stderr, '');
  t.equal(r.code, 1);
  const report = JSON.parse(r.stdout);
  t.same(report.notRead, []);
  const [o] = report.objects;
  t.match(o, { kind: 'BuildJob', group: 'ci.example.com', namespace: 'ci', name: 'nightly', verdict: 'deny', unread: [] });
  t.same(
    o.images.map((i: { container: string; field: string; line: number }) => [i.container, i.field, i.line]),
    [
      ['runner', 'spec.runner.template.spec.containers[0].image', 14],
      ['compile', 'spec.steps[0].image', 17],
      ['package', 'spec.steps[1].image', 19],
    ],
  );
  t.same(
    o.findings.map((f: { code: string; container: string; line: number }) => [f.code, f.container, f.line]),
    [
      // The pod spec's own pull secret, as for a Pod: no cluster data offline, so not verified.
      ['PULL_SECRET_UNVERIFIED', 'runner', 14],
      ['IMAGE_REFERENCE_INVALID', 'package', 19],
    ],
  );
});

t.test('carriers: in the configuration is validated like the rest, every problem with its key path', async (t) => {
  const cases: { name: string; text: string; problems: string[] }[] = [
    {
      name: 'path syntax',
      text: 'carriers:\n  - kind: BuildJob\n    group: ci.example.com\n    podSpecs: [spec.template.spec, "spec.jobs[0].spec"]\n    images: ["spec..image"]\n',
      problems: [
        'carriers.0.podSpecs.1: "spec.jobs[0].spec" is not a field path: segment 2 ("jobs[0]"): only [*] may follow a field name, not [0] (write fields as spec.jobs[*].template.spec)',
        'carriers.0.images.0: "spec..image" is not a field path: segment 2 is empty (two dots, or a dot at an end) (write fields as spec.jobs[*].template.spec)',
      ],
    },
    {
      name: 'no paths, a duplicate',
      text: 'carriers:\n  - {kind: BuildJob, group: ci.example.com, containers: ["spec.steps[*]"]}\n  - {kind: BuildJob, group: ci.example.com}\n',
      problems: [
        'carriers.1: kind BuildJob of group ci.example.com is already described by carriers.0',
        'carriers.1: name at least one field path under podSpecs, containers, initContainers or images',
      ],
    },
    {
      name: 'schema: unknown key, missing group, bad kind and version',
      text: 'carriers:\n  - {kind: buildJob, versions: [V1], podspecs: [spec]}\n',
      problems: [
        "carriers.0: must have required property 'group'",
        'carriers.0: unknown key "podspecs"',
        'carriers.0.kind: must match pattern "^[A-Z][A-Za-z0-9]*$"',
        'carriers.0.versions.0: must match pattern "^v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?$"',
      ],
    },
  ];
  for (const c of cases) {
    try {
      parseConfig(c.text, 'config.yaml');
      t.fail(`${c.name}: accepted`);
    } catch (err) {
      t.ok(err instanceof ConfigError, c.name);
      t.same([...(err as ConfigError).problems].sort(), [...c.problems].sort(), c.name);
    }
  }
});

t.test("the projects' own rules decide the pull secrets: Argo's workflow-level imagePullSecrets, Tekton's podTemplate", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pullguard-carriers-'));
  const config = join(dir, 'config.yaml');
  await writeFile(config, 'privateRegistries: [registry.example.com]\n');
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'regcred', namespace: 'ci' },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { 'registry.example.com': { auth: b64('u:p') } } })) },
  };
  const image = 'registry.example.com/ci/tool:1';
  const workflow = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'wf', namespace: 'ci' }, spec: { imagePullSecrets: [{ name: 'regcred' }], templates: [{ name: 'main', container: { image } }] } };
  const taskRun = { apiVersion: 'tekton.dev/v1', kind: 'TaskRun', metadata: { name: 'tr', namespace: 'ci' }, spec: { podTemplate: { imagePullSecrets: [{ name: 'regcred' }] }, taskSpec: { steps: [{ name: 'run', image }] } } };
  const task = { apiVersion: 'tekton.dev/v1', kind: 'Task', metadata: { name: 'task', namespace: 'ci' }, spec: { steps: [{ name: 'run', image }] } };
  const stdin = [secret, workflow, taskRun, task].map((o) => stringify(o)).join('---\n');
  const r = await run(['check', '--offline', '-c', config, '-o', 'json', '-'], stdin);
  t.equal(r.stderr, '');
  const report = JSON.parse(r.stdout);
  const byKind = new Map(report.objects.map((o: { kind: string }) => [o.kind, o]));
  for (const kind of ['Workflow', 'TaskRun']) {
    const o = byKind.get(kind) as { verdict: string; images: { credentials: unknown[] }[] };
    t.same(o.images[0]!.credentials, [{ source: 'secret', secret: 'ci/regcred', key: 'registry.example.com' }], `${kind}: the pod's pull secret`);
    t.equal(o.verdict, 'allow', kind);
  }
  const bare = byKind.get('Task') as { verdict: string; findings: { code: string; container: string }[] };
  t.equal(bare.verdict, 'deny', 'a Task alone names no pull secret: its run decides, default ServiceAccount assumed');
  t.same(bare.findings.map((f) => [f.code, f.container]), [['REGISTRY_AUTH_REQUIRED', 'run']]);
});

t.test('Argo: what is not read inside a workflow (a templateRef, a templated podSpecPatch) is a note at its line in every format', async (t) => {
  const wf = [
    'apiVersion: argoproj.io/v1alpha1', // 1
    'kind: Workflow', // 2
    'metadata: {name: w, namespace: ci}', // 3
    'spec:', // 4
    '  entrypoint: main', // 5
    '  templateDefaults:', // 6
    '    container: {image: "Registry.example.com/Tools:1"}', // 7
    '  templates:', // 8
    '    - name: main', // 9
    '      steps:', // 10
    '        - - name: build', // 11
    '            templateRef: {name: ci, template: kaniko}', // 12
    '          - {name: run, template: run}', // 13
    '    - name: run', // 14
    '      container: {args: [x]}', // 15
    '      podSpecPatch: \'{"containers":[{"name":"main","image":"{{workflow.parameters.image}}"}]}\'', // 16
    '',
  ].join('\n');
  const text = await run(['check', '--offline', '-'], wf);
  t.equal(text.code, 1, 'the image from templateDefaults is checked, and it is invalid');
  t.match(text.stdout, /IMAGE_REFERENCE_INVALID.*line 7/);
  t.match(text.stdout, /note line 12: step "build" runs template "kaniko" of WorkflowTemplate "ci" \(templateRef\), which is not read here/);
  t.match(text.stdout, /note line 16: the podSpecPatch at spec\.templates\[1\]\.podSpecPatch is not read: it uses \{\{…\}\}/);
  const json = JSON.parse((await run(['check', '--offline', '-o', 'json', '-'], wf)).stdout);
  t.same(json.objects[0].notes.map((n: { line: number }) => n.line), [16, 12]);
  t.same(json.objects[0].unread, []);
  const sarif = (await run(['check', '--offline', '-o', 'sarif', '-'], wf)).stdout;
  t.match(sarif, 'runs template \\"kaniko\\"');
  const junit = (await run(['check', '--offline', '-o', 'junit', '-'], wf)).stdout;
  t.match(junit, 'NOTE at &lt;stdin&gt;:12: step "build" runs template "kaniko"');
});

t.test('check reads what a carrier takes from the other inputs: the WorkflowTemplate of a templateRef, Tekton config-defaults', async (t) => {
  const wt = { apiVersion: 'argoproj.io/v1alpha1', kind: 'WorkflowTemplate', metadata: { name: 'ci', namespace: 'ci' }, spec: { templates: [{ name: 'kaniko', container: { image: 'Gcr.io/Kaniko:1' } }] } };
  const wf = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'w', namespace: 'ci' }, spec: { entrypoint: 'main', templates: [{ name: 'main', steps: [[{ name: 'build', templateRef: { name: 'ci', template: 'kaniko' } }]] }] } };
  const both = [wt, wf].map((o) => stringify(o)).join('---\n');
  const json = JSON.parse((await run(['check', '--offline', '-o', 'json', '-'], both)).stdout);
  const found = json.objects.map((o: { kind: string; findings: { code: string; line: number }[]; notes: unknown[] }) => [o.kind, o.findings.map((f) => `${f.code}:${f.line}`), o.notes.length]);
  // The Workflow is denied too, at the reference's line: its run pulls that image.
  t.same(found, [['WorkflowTemplate', ['IMAGE_REFERENCE_INVALID:10'], 0], ['Workflow', ['IMAGE_REFERENCE_INVALID:24'], 0]]);
  t.match(json.objects[1].findings[0].message, /^container "main" of template "kaniko" of WorkflowTemplate "ci" \(image "Gcr\.io\/Kaniko:1"\)/);
  const alone = JSON.parse((await run(['check', '--offline', '-o', 'json', '-'], stringify(wf))).stdout);
  t.same(alone.objects[0].findings, []);
  t.match(alone.objects[0].notes, [{ message: /which is not read here/ }]);

  const taskRun = { apiVersion: 'tekton.dev/v1', kind: 'TaskRun', metadata: { name: 'r', namespace: 'ci' }, spec: { taskSpec: { steps: [{ name: 'a', image: 'alpine:3.20' }] } } };
  const defaults = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config-defaults', namespace: 'tekton-pipelines' }, data: { 'default-pod-template': 'imagePullSecrets:\n- name: regcred\n' } };
  const codes = async (objects: object[]) =>
    JSON.parse((await run(['check', '--offline', '-o', 'json', '-'], objects.map((o) => stringify(o)).join('---\n'))).stdout).objects.flatMap((o: { findings: { code: string; message: string }[] }) => o.findings.map((f) => `${f.code} ${f.message}`));
  t.same(await codes([taskRun]), []);
  t.match(await codes([taskRun, defaults]), [/^PULL_SECRET_UNVERIFIED step "a" \(image "alpine:3\.20"\):.*regcred/]);
  const broken = { ...defaults, data: { 'default-pod-template': 'imagePullSecrets: [' } };
  const r = JSON.parse((await run(['check', '--offline', '-o', 'json', '-'], [taskRun, broken].map((o) => stringify(o)).join('---\n'))).stdout);
  t.match(r.input.notes, [{ object: 'ConfigMap tekton-pipelines/config-defaults', message: /default-pod-template is not YAML.*; Tekton's defaults are not applied, and runs missing a credential get warnings$/ }]);
});

t.test('the defaults are read from the namespace tekton.namespace names', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pullguard-carriers-'));
  const config = join(dir, 'config.yaml');
  await writeFile(config, stringify({ privateRegistries: ['registry.corp.example'], tekton: { namespace: 'openshift-pipelines' } }));
  const taskRun = { apiVersion: 'tekton.dev/v1', kind: 'TaskRun', metadata: { name: 'r', namespace: 'ci' }, spec: { taskSpec: { steps: [{ name: 'build', image: 'registry.corp.example/team/builder:1' }] } } };
  const defaults = (namespace: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config-defaults', namespace }, data: { 'default-service-account': 'pipeline' } });
  const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'pipeline', namespace: 'ci' } };
  const finding = async (objects: object[]) => {
    const r = await run(['check', '--offline', '-o', 'json', '-c', config, '-'], objects.map((o) => stringify(o)).join('---\n'));
    const f = JSON.parse(r.stdout).objects.find((o: { kind: string }) => o.kind === 'TaskRun').findings.find((x: { code: string }) => x.code === 'REGISTRY_AUTH_REQUIRED');
    return { code: r.code, action: f?.action, message: String(f?.message) };
  };
  const there = await finding([taskRun, sa, defaults('openshift-pipelines')]);
  t.match(there, { code: 1, action: 'deny' }, 'the ConfigMap in openshift-pipelines is read: the run is certain to fail');
  t.match(there.message, 'ServiceAccount "pipeline"', 'with the default ServiceAccount');
  const elsewhere = await finding([taskRun, sa, defaults('tekton-pipelines')]);
  t.match(elsewhere, { code: 0, action: 'warn' }, 'one in tekton-pipelines is not Tekton\'s here');
  t.match(elsewhere.message, "Not certain: Tekton's cluster defaults (ConfigMap openshift-pipelines/config-defaults");
});

t.test('check: a Workflow with a workflowTemplateRef runs the WorkflowTemplate among the inputs, nested templateRefs included', async (t) => {
  const wt = (name: string, templates: object[]) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'WorkflowTemplate', metadata: { name, namespace: 'ci' }, spec: { entrypoint: 'main', templates } });
  const base = wt('base', [{ name: 'main', steps: [[{ name: 'build', templateRef: { name: 'tools', template: 'kaniko' } }]] }]);
  const tools = wt('tools', [{ name: 'kaniko', container: { image: 'Gcr.io/Kaniko:1' } }]);
  const wf = (spec: object) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'w', namespace: 'ci' }, spec: { workflowTemplateRef: { name: 'base' }, ...spec } });
  const cases: { name: string; objects: object[]; findings: string[]; notes: RegExp[] }[] = [
    {
      name: 'both templates known: the nested image is denied at the reference',
      objects: [wf({}), base, tools],
      findings: ['IMAGE_REFERENCE_INVALID container "main" of template "kaniko" of WorkflowTemplate "tools" (image "Gcr.io/Kaniko:1")'],
      notes: [],
    },
    {
      name: 'the workflow\'s own podSpecPatch replaces that image: nothing to deny',
      objects: [wf({ podSpecPatch: '{"containers":[{"name":"main","image":"gcr.io/kaniko-project/executor:v1.23.0"}]}' }), base, tools],
      findings: [],
      notes: [],
    },
    {
      name: 'the nested WorkflowTemplate is not among the inputs: a note',
      objects: [wf({}), base],
      findings: [],
      notes: [/^step "build" of template "main" of WorkflowTemplate "base" runs template "kaniko" of WorkflowTemplate "tools" \(templateRef\), which is not read here/],
    },
    {
      name: 'the referenced WorkflowTemplate is not among the inputs: a note',
      objects: [wf({})],
      findings: [],
      notes: [/^this workflow runs the templates of WorkflowTemplate "base" \(workflowTemplateRef\), which are not read here/],
    },
  ];
  for (const c of cases) {
    const json = JSON.parse((await run(['check', '--offline', '-o', 'json', '-'], c.objects.map((o) => stringify(o)).join('---\n'))).stdout);
    const w = json.objects.find((o: { kind: string }) => o.kind === 'Workflow');
    t.same(w.findings.map((f: { code: string; message: string }) => `${f.code} ${f.message}`.slice(0, c.findings[0]?.length)), c.findings, `${c.name}: findings`);
    for (const f of w.findings) t.equal(f.line, 8, `${c.name}: at the workflowTemplateRef (its name: line)`);
    t.match(w.notes.map((n: { message: string }) => n.message), c.notes, `${c.name}: notes`);
    t.equal(w.notes.length, c.notes.length, `${c.name}: no other note`);
  }
});

t.test("without Tekton's cluster defaults a missing credential is a warning, not a denial: they may supply it", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pullguard-carriers-'));
  const config = join(dir, 'config.yaml');
  await writeFile(config, stringify({ privateRegistries: ['registry.corp.example'] }));
  const run_ = (objects: object[]) => run(['check', '--offline', '-o', 'json', '-c', config, '-'], objects.map((o) => stringify(o)).join('---\n'));
  const taskRun = (spec: object) => ({ apiVersion: 'tekton.dev/v1', kind: 'TaskRun', metadata: { name: 'r', namespace: 'ci' }, spec: { ...spec, taskSpec: { steps: [{ name: 'build', image: 'registry.corp.example/team/builder:1' }] } } });
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'other', namespace: 'ci' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { 'elsewhere.example': { auth: Buffer.from('u:p').toString('base64') } } })).toString('base64') } };
  const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'ci' } };
  const defaults = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config-defaults', namespace: 'tekton-pipelines' }, data: {} };
  const cases: { name: string; objects: object[]; code: number; decision: string; uncertain: boolean }[] = [
    { name: 'run sets neither ServiceAccount nor pull secrets, defaults unknown', objects: [taskRun({}), sa, secret], code: 0, decision: 'warn', uncertain: true },
    { name: 'run sets its ServiceAccount but no pull secrets: default-pod-template may add some', objects: [taskRun({ serviceAccountName: 'builder' }), sa, secret], code: 0, decision: 'warn', uncertain: true },
    { name: 'run sets both: the defaults change nothing', objects: [taskRun({ serviceAccountName: 'builder', podTemplate: { imagePullSecrets: [{ name: 'other' }] } }), sa, secret], code: 1, decision: 'deny', uncertain: false },
    { name: 'the defaults are among the inputs and add nothing', objects: [taskRun({}), sa, secret, defaults], code: 1, decision: 'deny', uncertain: false },
    { name: 'the defaults are among the inputs but unusable (Tekton keeps its previous ones)', objects: [taskRun({}), sa, secret, { ...defaults, data: { 'default-pod-template': 'imagePullSecrets: [' } }], code: 0, decision: 'warn', uncertain: true },
  ];
  for (const c of cases) {
    const r = await run_(c.objects);
    t.equal(r.code, c.code, `${c.name}: exit ${c.code}`);
    const run = JSON.parse(r.stdout).objects.find((o: { kind: string }) => o.kind === 'TaskRun');
    const f = run.findings.find((x: { code: string }) => x.code === 'REGISTRY_AUTH_REQUIRED');
    t.ok(f, `${c.name}: REGISTRY_AUTH_REQUIRED`);
    t.equal(f?.action, c.decision, `${c.name}: ${c.decision}`);
    t.equal(/Not certain: Tekton's cluster defaults \(ConfigMap tekton-pipelines\/config-defaults/.test(f?.message ?? ''), c.uncertain, `${c.name}: says why it is not certain`);
  }
});
