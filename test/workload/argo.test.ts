/**
 * The pod an Argo template becomes (src/workload/argo.ts): templateDefaults, the boundary template's
 * nodes, podSpecPatch, whose ServiceAccount — each rule as argoproj/argo-workflows v3.7.18 applies it.
 */
import t from 'tap';
import { carrierFor, type Carrier } from '../../src/workload/carriers.js';
import { readFileSync } from 'node:fs';
import { MAX_TEMPLATE_DEPTH } from '../../src/workload/argo.js';
import { extractCarrier, imageFields } from '../../src/workload/extract.js';
import { parseManifests } from '../../src/workload/manifests.js';

const WORKFLOW = carrierFor('argoproj.io', 'Workflow') as Carrier;

const uses = (object: unknown) =>
  extractCarrier(object, WORKFLOW).pods.map((p) => ({ pod: p.field, uses: p.uses.map((u) => [u.slot, u.container, u.field, u.image]) }));

t.test('templateDefaults: an image given only there, merged as a strategic merge of the template over the defaults', async (t) => {
  const wf = {
    spec: {
      templateDefaults: {
        container: { image: 'registry.example/tools:1', command: ['sh'] },
        script: { image: 'python:3.12' },
        sidecars: [{ name: 'proxy', image: 'envoyproxy/envoy:v1.31' }, { name: 'log', image: 'fluent/fluent-bit:3' }],
      },
      templates: [
        { name: 'plain', container: { args: ['hi'] } },
        { name: 'own', container: { image: 'alpine:3.20' } },
        { name: 'empty', container: { image: '' } },
        { name: 'py', script: { source: 'print(1)' } },
        { name: 'set', containerSet: { containers: [{ name: 'a', image: 'busybox' }] } },
        { name: 'side', container: { image: 'alpine:3.20' }, sidecars: [{ name: 'proxy', args: ['-c'] }] },
        { name: 'flow', steps: [[{ name: 'a', template: 'plain' }]] },
      ],
    },
  };
  const got = uses(wf);
  const D = 'spec.templateDefaults';
  const sidecars = [
    ['containers', 'proxy', `${D}.sidecars[0].image`, 'envoyproxy/envoy:v1.31'],
    ['containers', 'log', `${D}.sidecars[1].image`, 'fluent/fluent-bit:3'],
  ];
  t.same(got, [
    { pod: 'spec.templates[0]', uses: [['containers', 'main', `${D}.container.image`, 'registry.example/tools:1'], ...sidecars] },
    { pod: 'spec.templates[1]', uses: [['containers', 'main', 'spec.templates[1].container.image', 'alpine:3.20'], ...sidecars] },
    { pod: 'spec.templates[2]', uses: [['containers', 'main', `${D}.container.image`, 'registry.example/tools:1'], ...sidecars] },
    { pod: 'spec.templates[3]', uses: [['containers', 'main', `${D}.script.image`, 'python:3.12'], ...sidecars] },
    // containerSet.containers has no merge key: the template's list replaces the defaults'.
    { pod: 'spec.templates[4]', uses: [['containers', 'a', 'spec.templates[4].containerSet.containers[0].image', 'busybox'], ...sidecars] },
    // sidecars merge by name: "proxy" keeps the template's entry and takes the default's image.
    {
      pod: 'spec.templates[5]',
      uses: [
        ['containers', 'main', 'spec.templates[5].container.image', 'alpine:3.20'],
        ['containers', 'proxy', `${D}.sidecars[0].image`, 'envoyproxy/envoy:v1.31'],
        ['containers', 'log', `${D}.sidecars[1].image`, 'fluent/fluent-bit:3'],
      ],
    },
  ]);
  const w = extractCarrier(wf, WORKFLOW);
  t.same(imageFields(wf).filter((f) => !w.read.has(f.field)), [], 'the defaults are read, not reported as unread');

  // Without templateDefaults the template has no image: not reported as a container (a template with
  // no image is Argo's own validation error, not a pull).
  t.same(uses({ spec: { templates: [{ name: 'x', container: { args: ['a'] } }] } }), []);
});

t.test('templateDefaults of another template type do not apply (mergedTemplateDefaultsInto drops them)', async (t) => {
  const wf = { spec: { templateDefaults: { script: { image: 'python:3.12' } }, templates: [{ name: 'c', container: { args: ['x'] } }] } };
  t.same(uses(wf), []);
});

t.test('ServiceAccount: the template, its defaults, else the workflow; executor.serviceAccountName is not the pod\'s', async (t) => {
  const wf = {
    spec: {
      serviceAccountName: 'wf-sa',
      executor: { serviceAccountName: 'executor-sa' },
      imagePullSecrets: [{ name: 'wf-pull' }],
      templates: [
        { name: 'a', container: { image: 'alpine' } },
        { name: 'b', serviceAccountName: 'own-sa', executor: { serviceAccountName: 'x' }, container: { image: 'alpine' } },
      ],
    },
  };
  const pods = extractCarrier(wf, WORKFLOW).pods.map((p) => p.podSpec);
  t.same(pods, [
    { serviceAccountName: 'wf-sa', imagePullSecrets: [{ name: 'wf-pull' }] },
    { serviceAccountName: 'own-sa', imagePullSecrets: [{ name: 'wf-pull' }] },
  ]);
  const withDefault = { spec: { serviceAccountName: 'wf-sa', templateDefaults: { serviceAccountName: 'default-sa' }, templates: [{ name: 'a', container: { image: 'alpine' } }] } };
  t.same(extractCarrier(withDefault, WORKFLOW).pods[0]?.podSpec, { serviceAccountName: 'default-sa' });
});

t.test('nodes: the template (templateDefaults merged in), else the calling steps/dag template, else the workflow', async (t) => {
  const arm = { 'kubernetes.io/arch': 'arm64' };
  const amd = { 'kubernetes.io/arch': 'amd64' };
  const wf = {
    spec: {
      entrypoint: 'main',
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      templates: [
        { name: 'main', nodeSelector: arm, steps: [[{ name: 'a', template: 'leaf' }, { name: 'b', template: 'own' }]] },
        { name: 'leaf', container: { image: 'alpine' } },
        { name: 'own', nodeSelector: amd, container: { image: 'alpine' } },
        { name: 'orphan', container: { image: 'alpine' } },
        { name: 'd', affinity: { nodeAffinity: {} }, dag: { tasks: [{ name: 'x', inline: { container: { image: 'busybox' } } }] } },
      ],
    },
  };
  const w = extractCarrier(wf, WORKFLOW);
  t.same(
    w.pods.map((p) => [p.field, p.podSpec['nodeSelector'], p.podSpec['affinity']]),
    [
      ['spec.templates[1]', arm, undefined],
      ['spec.templates[2]', amd, undefined],
      ['spec.templates[3]', { 'kubernetes.io/os': 'linux' }, undefined],
      ['spec.templates[4].dag.tasks[0].inline', { 'kubernetes.io/os': 'linux' }, { nodeAffinity: {} }],
    ],
  );
  t.same(w.notes, []);
  // templateDefaults' nodeSelector merges key by key with the template's (a map in a strategic merge).
  const merged = { spec: { templateDefaults: { nodeSelector: { disk: 'ssd' } }, templates: [{ name: 'a', nodeSelector: arm, container: { image: 'alpine' } }] } };
  t.same(extractCarrier(merged, WORKFLOW).pods[0]?.podSpec['nodeSelector'], { disk: 'ssd', ...arm });
  // Called from two places that disagree: checked as the first, and said so.
  const two = {
    spec: {
      templates: [
        { name: 'x', nodeSelector: arm, steps: [[{ name: 'a', template: 'leaf' }]] },
        { name: 'y', nodeSelector: amd, dag: { tasks: [{ name: 'b', template: 'leaf' }] } },
        { name: 'leaf', container: { image: 'alpine' } },
      ],
    },
  };
  const w2 = extractCarrier(two, WORKFLOW);
  t.same(w2.pods[0]?.podSpec['nodeSelector'], arm);
  t.match(w2.notes, [{ field: 'spec.templates[2]', message: /template "leaf" is called from places with different nodeSelector or affinity \(template "x", template "y"\); its platforms are checked as called from template "x"/ }]);
});

t.test('podSpecPatch: the workflow\'s then the template\'s, strategic-merged into the pod; templated ones are said not read', async (t) => {
  const wf = {
    spec: {
      podSpecPatch: '{"imagePullSecrets":[{"name":"patched-pull"}]}',
      imagePullSecrets: [{ name: 'wf-pull' }],
      templates: [
        {
          name: 'patched',
          container: { image: 'alpine:3.20' },
          podSpecPatch: 'containers:\n  - name: main\n    image: registry.example/alpine:3.20\n  - name: extra\n    image: busybox:1.36\nnodeSelector:\n  kubernetes.io/arch: arm64\n',
        },
        { name: 'templated', container: { image: 'alpine:3.20' }, podSpecPatch: '{"containers":[{"name":"main","image":"{{inputs.parameters.image}}"}]}' },
        { name: 'broken', container: { image: 'alpine:3.20' }, podSpecPatch: 'containers: [' },
      ],
    },
  };
  const w = extractCarrier(wf, WORKFLOW);
  t.same(w.pods.map((p) => ({ pod: p.field, uses: p.uses.map((u) => [u.container, u.field, u.image]), spec: p.podSpec })), [
    {
      pod: 'spec.templates[0]',
      uses: [
        ['main', 'spec.templates[0].podSpecPatch', 'registry.example/alpine:3.20'],
        ['extra', 'spec.templates[0].podSpecPatch', 'busybox:1.36'],
      ],
      spec: { imagePullSecrets: [{ name: 'wf-pull' }, { name: 'patched-pull' }], nodeSelector: { 'kubernetes.io/arch': 'arm64' } },
    },
    { pod: 'spec.templates[1]', uses: [['main', 'spec.templates[1].container.image', 'alpine:3.20']], spec: { imagePullSecrets: [{ name: 'wf-pull' }, { name: 'patched-pull' }] } },
    { pod: 'spec.templates[2]', uses: [['main', 'spec.templates[2].container.image', 'alpine:3.20']], spec: { imagePullSecrets: [{ name: 'wf-pull' }, { name: 'patched-pull' }] } },
  ]);
  t.ok(w.read.has('spec.templates[0].container.image'), 'the image the patch replaces was read');
  t.match(w.notes, [
    { field: 'spec.templates[1].podSpecPatch', message: /podSpecPatch at spec\.templates\[1\]\.podSpecPatch is not read: it uses \{\{…\}\}, which Argo substitutes when the pod is made; images and pull secrets it sets are not checked/ },
    { field: 'spec.templates[2].podSpecPatch', message: /is not read: it is not YAML or JSON .*Argo fails the step/ },
  ]);
});

t.test('notes and images from templateDefaults and podSpecPatch have their line in the file', async (t) => {
  const text = [
    'apiVersion: argoproj.io/v1alpha1', // 1
    'kind: Workflow', // 2
    'metadata:', // 3
    '  generateName: x-', // 4
    'spec:', // 5
    '  templateDefaults:', // 6
    '    container:', // 7
    '      image: registry.example/tools:1', // 8
    '  templates:', // 9
    '    - name: a', // 10
    '      container: {args: [x]}', // 11
    '    - name: b', // 12
    '      container: {image: alpine}', // 13
    '      podSpecPatch: |', // 14
    '        containers: [{name: main, image: "{{workflow.parameters.image}}"}]', // 15
  ].join('\n');
  const m = parseManifests(text, 'wf.yaml').objects[0]!;
  const w = extractCarrier(m.object, WORKFLOW);
  t.same(w.pods.flatMap((p) => p.uses.map((u) => [u.image, m.lineOf(u.field)])), [['registry.example/tools:1', 8], ['alpine', 13]]);
  t.same(w.notes.map((n) => m.lineOf(n.field)), [14]);
});

t.test('inline templates in steps and DAG tasks are pods too', async (t) => {
  const wf = { spec: { templates: [{ name: 'main', steps: [[{ name: 'a', inline: { container: { image: 'alpine' } } }]] }] } };
  t.same(uses(wf), [{ pod: 'spec.templates[0].steps[0][0].inline', uses: [['containers', 'main', 'spec.templates[0].steps[0][0].inline.container.image', 'alpine']] }]);
  const w = extractCarrier(wf, WORKFLOW);
  t.same(imageFields(wf).filter((f) => !w.read.has(f.field)), []);
});

t.test('CronWorkflow reads the same rules under spec.workflowSpec', async (t) => {
  const cron = { spec: { workflowSpec: { templateDefaults: { container: { image: 'busybox' } }, serviceAccountName: 'cron-sa', templates: [{ name: 'x', container: { args: ['a'] } }] } } };
  const w = extractCarrier(cron, carrierFor('argoproj.io', 'CronWorkflow') as Carrier);
  t.same(w.pods.map((p) => [p.podSpec, p.uses.map((u) => u.field)]), [[{ serviceAccountName: 'cron-sa' }, ['spec.workflowSpec.templateDefaults.container.image']]]);
});

t.test('templateRef and workflowTemplateRef: the other object is not read here, and each reference says so', async (t) => {
  const wf = {
    spec: {
      workflowTemplateRef: { name: 'base' },
      templates: [
        { name: 'main', steps: [[{ name: 'build', templateRef: { name: 'ci', template: 'kaniko' } }]] },
        { name: 'd', dag: { tasks: [{ name: 'scan', templateRef: { name: 'security', template: 'trivy', clusterScope: true } }] } },
      ],
    },
  };
  t.same(extractCarrier(wf, WORKFLOW).notes, [
    { field: 'spec.workflowTemplateRef', message: 'this workflow runs the templates of WorkflowTemplate "base" (workflowTemplateRef), which are not read here: their images are checked where that WorkflowTemplate itself is checked or applied' },
    { field: 'spec.templates[0].steps[0][0].templateRef', message: 'step "build" runs template "kaniko" of WorkflowTemplate "ci" (templateRef), which is not read here: its images are checked where that WorkflowTemplate itself is checked or applied' },
    { field: 'spec.templates[1].dag.tasks[0].templateRef', message: 'task "scan" runs template "trivy" of ClusterWorkflowTemplate "security" (templateRef), which is not read here: its images are checked where that ClusterWorkflowTemplate itself is checked or applied' },
  ]);
});

t.test('templateRef resolved when the WorkflowTemplate is known: run with this workflow\'s settings, reported at the reference', async (t) => {
  const wt = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'WorkflowTemplate',
    metadata: { name: 'ci', namespace: 'build' },
    spec: {
      serviceAccountName: 'wt-sa',
      imagePullSecrets: [{ name: 'wt-pull' }],
      templates: [
        { name: 'kaniko', container: { args: ['--push'] } },
        { name: 'pipeline', nodeSelector: { disk: 'ssd' }, steps: [[{ name: 'a', template: 'test' }]] },
        { name: 'test', container: { image: 'golang:1.23' } },
      ],
    },
  };
  const wf = {
    metadata: { namespace: 'build' },
    spec: {
      serviceAccountName: 'wf-sa',
      imagePullSecrets: [{ name: 'wf-pull' }],
      templateDefaults: { container: { image: 'gcr.io/kaniko-project/executor:v1.23.0' } },
      templates: [
        { name: 'main', nodeSelector: { 'kubernetes.io/arch': 'arm64' }, steps: [[{ name: 'build', templateRef: { name: 'ci', template: 'kaniko' } }, { name: 'all', templateRef: { name: 'ci', template: 'pipeline' } }, { name: 'gone', templateRef: { name: 'ci', template: 'nope' } }]] },
      ],
    },
  };
  const env = { workflowTemplate: (kind: string, namespace: string, name: string) => (kind === 'WorkflowTemplate' && namespace === 'build' && name === 'ci' ? wt : undefined) };
  const w = extractCarrier(wf, WORKFLOW, env);
  t.same(
    w.pods.map((p) => ({ field: p.field, spec: p.podSpec, uses: p.uses.map((u) => [u.container, u.within, u.field, u.image]) })),
    [
      {
        // execWf is the calling workflow: its templateDefaults, ServiceAccount and pull secrets; the
        // calling template is the boundary.
        field: 'spec.templates[0].steps[0][0].templateRef',
        spec: { serviceAccountName: 'wf-sa', imagePullSecrets: [{ name: 'wf-pull' }], nodeSelector: { 'kubernetes.io/arch': 'arm64' } },
        uses: [['main', 'template "kaniko" of WorkflowTemplate "ci"', 'spec.templateDefaults.container.image', 'gcr.io/kaniko-project/executor:v1.23.0']],
      },
      {
        // A steps template there runs its own object's templates, with itself as their boundary.
        field: 'spec.templates[0].steps[0][1].templateRef',
        spec: { serviceAccountName: 'wf-sa', imagePullSecrets: [{ name: 'wf-pull' }], nodeSelector: { disk: 'ssd' } },
        uses: [['main', 'template "test" of WorkflowTemplate "ci"', 'spec.templates[0].steps[0][1].templateRef', 'golang:1.23']],
      },
    ],
  );
  t.same(w.notes, [{ field: 'spec.templates[0].steps[0][2].templateRef', message: 'step "gone" runs template "nope" of WorkflowTemplate "ci" (templateRef), but that WorkflowTemplate has no template "nope": Argo fails the step' }]);
  // Unknown: a note, as before.
  t.match(extractCarrier(wf, WORKFLOW, { workflowTemplate: () => undefined }).notes.map((n) => n.message), [/which is not read here/, /which is not read here/, /which is not read here/]);
});

t.test('a steps template called from places that disagree makes no pod, so no note about its platforms', async (t) => {
  const wf = {
    spec: {
      templates: [
        { name: 'x', nodeSelector: { a: '1' }, steps: [[{ name: 'a', template: 'mid' }]] },
        { name: 'y', nodeSelector: { a: '2' }, steps: [[{ name: 'b', template: 'mid' }]] },
        { name: 'mid', steps: [[{ name: 'c', template: 'leaf' }]] },
        { name: 'leaf', container: { image: 'alpine' } },
      ],
    },
  };
  const w = extractCarrier(wf, WORKFLOW);
  t.same(w.notes, []);
  t.same(w.pods.map((p) => [p.field, p.podSpec]), [['spec.templates[3]', {}]], 'the leaf\'s boundary is "mid", which sets no nodes');
});

// --- references to other objects (workflowTemplateRef, templateRef), resolved when they are known ---

type Json = Record<string, unknown>;
const lookupOf = (objects: Json[]) => ({
  workflowTemplate: (kind: string, namespace: string, name: string) =>
    objects.find((o) => o['kind'] === kind && (o['metadata'] as Json)['name'] === name && (kind === 'ClusterWorkflowTemplate' || ((o['metadata'] as Json)['namespace'] ?? 'default') === namespace)),
});
const readWith = (object: Json, known: Json[]) => {
  const w = extractCarrier(object, WORKFLOW, lookupOf(known));
  return {
    pods: w.pods.map((p) => ({ spec: p.podSpec, uses: p.uses.map((u) => ({ container: u.container, within: u.within, field: u.field, image: u.image })) })),
    notes: w.notes,
    read: w.read,
  };
};

t.test('workflowTemplateRef: the workflow\'s spec merged over the template\'s (JoinWorkflowSpec), images at the reference or where the workflow wrote them', async (t) => {
  const base = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'WorkflowTemplate',
    metadata: { name: 'base', namespace: 'build' },
    spec: {
      entrypoint: 'main',
      serviceAccountName: 'wt-sa',
      imagePullSecrets: [{ name: 'wt-pull' }],
      nodeSelector: { disk: 'ssd' },
      templateDefaults: { container: { image: 'registry.example/tools:1' }, sidecars: [{ name: 'proxy', image: 'envoyproxy/envoy:v1.31' }] },
      templates: [
        { name: 'main', steps: [[{ name: 'build', template: 'build' }, { name: 'scan', inline: { container: { image: 'aquasec/trivy:0.50' } } }]] },
        { name: 'build', container: { args: ['make'] } },
      ],
    },
  };
  const REF = 'spec.workflowTemplateRef';
  const at = (within: string, field: string, image: string, container = 'main') => ({ container, within, field, image });
  const BUILD = 'template "build" of WorkflowTemplate "base"';
  const SCAN = 'step "scan" of WorkflowTemplate "base"';
  const cases: { name: string; spec: Json; known?: Json[]; pods: { spec: Json; uses: ReturnType<typeof at>[] }[]; notes?: { field: string; message: RegExp }[] }[] = [
    {
      name: 'nothing of its own: the template\'s settings and images, all at the reference',
      spec: { workflowTemplateRef: { name: 'base' } },
      pods: [
        { spec: { serviceAccountName: 'wt-sa', imagePullSecrets: [{ name: 'wt-pull' }], nodeSelector: { disk: 'ssd' } }, uses: [at(BUILD, REF, 'registry.example/tools:1'), at(BUILD, REF, 'envoyproxy/envoy:v1.31', 'proxy')] },
        { spec: { serviceAccountName: 'wt-sa', imagePullSecrets: [{ name: 'wt-pull' }], nodeSelector: { disk: 'ssd' } }, uses: [at(SCAN, REF, 'aquasec/trivy:0.50'), at(SCAN, REF, 'envoyproxy/envoy:v1.31', 'proxy')] },
      ],
    },
    {
      name: 'its ServiceAccount wins, pull secrets merge by name, nodeSelector merges key by key',
      spec: { workflowTemplateRef: { name: 'base' }, serviceAccountName: 'wf-sa', imagePullSecrets: [{ name: 'wf-pull' }, { name: 'wt-pull' }], nodeSelector: { 'kubernetes.io/arch': 'arm64' } },
      pods: [
        { spec: { serviceAccountName: 'wf-sa', imagePullSecrets: [{ name: 'wt-pull' }, { name: 'wf-pull' }], nodeSelector: { disk: 'ssd', 'kubernetes.io/arch': 'arm64' } }, uses: [at(BUILD, REF, 'registry.example/tools:1'), at(BUILD, REF, 'envoyproxy/envoy:v1.31', 'proxy')] },
        { spec: { serviceAccountName: 'wf-sa', imagePullSecrets: [{ name: 'wt-pull' }, { name: 'wf-pull' }], nodeSelector: { disk: 'ssd', 'kubernetes.io/arch': 'arm64' } }, uses: [at(SCAN, REF, 'aquasec/trivy:0.50'), at(SCAN, REF, 'envoyproxy/envoy:v1.31', 'proxy')] },
      ],
    },
    {
      name: 'an empty field of its own is Go\'s omitempty: the template\'s stays',
      spec: { workflowTemplateRef: { name: 'base' }, serviceAccountName: '', imagePullSecrets: [], nodeSelector: null },
      pods: [
        { spec: { serviceAccountName: 'wt-sa', imagePullSecrets: [{ name: 'wt-pull' }], nodeSelector: { disk: 'ssd' } }, uses: [at(BUILD, REF, 'registry.example/tools:1'), at(BUILD, REF, 'envoyproxy/envoy:v1.31', 'proxy')] },
        { spec: { serviceAccountName: 'wt-sa', imagePullSecrets: [{ name: 'wt-pull' }], nodeSelector: { disk: 'ssd' } }, uses: [at(SCAN, REF, 'aquasec/trivy:0.50'), at(SCAN, REF, 'envoyproxy/envoy:v1.31', 'proxy')] },
      ],
    },
    {
      name: 'its templateDefaults merge over the template\'s: its image and sidecar image at its own lines',
      spec: { workflowTemplateRef: { name: 'base' }, templateDefaults: { container: { image: 'registry.example/tools:2' }, sidecars: [{ name: 'log', image: 'fluent/fluent-bit:3' }, { name: 'proxy', image: 'envoyproxy/envoy:v1.32' }] } },
      pods: [
        {
          spec: { serviceAccountName: 'wt-sa', imagePullSecrets: [{ name: 'wt-pull' }], nodeSelector: { disk: 'ssd' } },
          uses: [at(BUILD, 'spec.templateDefaults.container.image', 'registry.example/tools:2'), at(BUILD, 'spec.templateDefaults.sidecars[1].image', 'envoyproxy/envoy:v1.32', 'proxy'), at(BUILD, 'spec.templateDefaults.sidecars[0].image', 'fluent/fluent-bit:3', 'log')],
        },
        {
          spec: { serviceAccountName: 'wt-sa', imagePullSecrets: [{ name: 'wt-pull' }], nodeSelector: { disk: 'ssd' } },
          uses: [at(SCAN, REF, 'aquasec/trivy:0.50'), at(SCAN, 'spec.templateDefaults.sidecars[1].image', 'envoyproxy/envoy:v1.32', 'proxy'), at(SCAN, 'spec.templateDefaults.sidecars[0].image', 'fluent/fluent-bit:3', 'log')],
        },
      ],
    },
    {
      name: 'its podSpecPatch replaces the template\'s and sets the image of "main"',
      spec: { workflowTemplateRef: { name: 'base' }, podSpecPatch: '{"containers":[{"name":"main","image":"registry.example/patched:1"}]}' },
      pods: [
        { spec: { serviceAccountName: 'wt-sa', imagePullSecrets: [{ name: 'wt-pull' }], nodeSelector: { disk: 'ssd' } }, uses: [at(BUILD, 'spec.podSpecPatch', 'registry.example/patched:1'), at(BUILD, REF, 'envoyproxy/envoy:v1.31', 'proxy')] },
        { spec: { serviceAccountName: 'wt-sa', imagePullSecrets: [{ name: 'wt-pull' }], nodeSelector: { disk: 'ssd' } }, uses: [at(SCAN, 'spec.podSpecPatch', 'registry.example/patched:1'), at(SCAN, REF, 'envoyproxy/envoy:v1.31', 'proxy')] },
      ],
    },
    {
      name: 'a ClusterWorkflowTemplate (clusterScope) is found whatever the namespace',
      spec: { workflowTemplateRef: { name: 'base', clusterScope: true } },
      known: [{ ...base, kind: 'ClusterWorkflowTemplate', metadata: { name: 'base' }, spec: { templates: [{ name: 'one', container: { image: 'alpine:3.20' } }] } }],
      pods: [{ spec: {}, uses: [at('template "one" of ClusterWorkflowTemplate "base"', REF, 'alpine:3.20')] }],
    },
    {
      name: 'not among the inputs: a note, nothing read',
      spec: { workflowTemplateRef: { name: 'base' } },
      known: [],
      pods: [],
      notes: [{ field: REF, message: /^this workflow runs the templates of WorkflowTemplate "base" \(workflowTemplateRef\), which are not read here/ }],
    },
    {
      name: 'templates of its own as well: Argo refuses the workflow; its own templates are read as written, nothing merged',
      spec: { workflowTemplateRef: { name: 'base' }, templates: [{ name: 'x', container: { image: 'busybox:1.36' } }] },
      pods: [{ spec: {}, uses: [{ container: 'main', within: 'template "x"', field: 'spec.templates[0].container.image', image: 'busybox:1.36' }] }],
      notes: [{ field: REF, message: /Argo refuses it \("Templates is invalid field in spec if workflow referred WorkflowTemplate reference"\)/ }],
    },
  ];
  for (const c of cases) {
    const got = readWith({ metadata: { namespace: 'build' }, spec: c.spec }, c.known ?? [base]);
    t.same(got.pods, c.pods, `${c.name}: pods`);
    t.match(got.notes, c.notes ?? [], `${c.name}: notes`);
    t.equal(got.notes.length, (c.notes ?? []).length, `${c.name}: no other note`);
  }
  // CronWorkflow: the same, under spec.workflowSpec.
  const cron = extractCarrier({ metadata: { namespace: 'build' }, spec: { workflowSpec: { workflowTemplateRef: { name: 'base' }, serviceAccountName: 'cron-sa' } } }, carrierFor('argoproj.io', 'CronWorkflow') as Carrier, lookupOf([base]));
  t.same(cron.pods.map((p) => [p.podSpec['serviceAccountName'], p.uses.map((u) => u.field)]), [
    ['cron-sa', ['spec.workflowSpec.workflowTemplateRef', 'spec.workflowSpec.workflowTemplateRef']],
    ['cron-sa', ['spec.workflowSpec.workflowTemplateRef', 'spec.workflowSpec.workflowTemplateRef']],
  ]);
});

t.test('templateRefs inside a referenced template are followed (nested), each object in its own scope, cycles once, Argo\'s depth limit', async (t) => {
  const wt = (name: string, templates: Json[]): Json => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'WorkflowTemplate', metadata: { name, namespace: 'ci' }, spec: { templates } });
  const ci = wt('ci', [
    { name: 'pipeline', nodeSelector: { disk: 'ssd' }, steps: [[{ name: 'compile', template: 'compile' }, { name: 'scan', templateRef: { name: 'security', template: 'scan' } }, { name: 'lint', templateRef: { name: 'gone', template: 'x' } }, { name: 'typo', template: 'nope' }]] },
    { name: 'compile', container: { image: 'golang:1.23' } },
  ]);
  // "security" calls back into "ci" (a cycle) and has an inline template of its own.
  const security = wt('security', [{ name: 'scan', dag: { tasks: [{ name: 'trivy', inline: { container: { image: 'aquasec/trivy:0.50' } } }, { name: 'again', templateRef: { name: 'ci', template: 'pipeline' } }] } }]);
  const wf = { metadata: { namespace: 'ci' }, spec: { serviceAccountName: 'wf-sa', templates: [{ name: 'main', steps: [[{ name: 'all', templateRef: { name: 'ci', template: 'pipeline' } }]] }] } };
  const REF = 'spec.templates[0].steps[0][0].templateRef';
  const got = readWith(wf, [ci, security]);
  t.same(got.pods, [
    { spec: { serviceAccountName: 'wf-sa', nodeSelector: { disk: 'ssd' } }, uses: [{ container: 'main', within: 'template "compile" of WorkflowTemplate "ci"', field: REF, image: 'golang:1.23' }] },
    // The inline template's boundary is the DAG template it is written in, which sets no nodes.
    { spec: { serviceAccountName: 'wf-sa' }, uses: [{ container: 'main', within: 'task "trivy" of WorkflowTemplate "security"', field: REF, image: 'aquasec/trivy:0.50' }] },
  ]);
  t.same(got.notes, [
    { field: REF, message: 'step "lint" of template "pipeline" of WorkflowTemplate "ci" runs template "x" of WorkflowTemplate "gone" (templateRef), which is not read here: its images are checked where that WorkflowTemplate itself is checked or applied' },
    { field: REF, message: 'step "typo" of template "pipeline" of WorkflowTemplate "ci" runs template "nope", which WorkflowTemplate "ci" does not have: Argo fails the step' },
  ]);

  // A chain longer than Argo runs: read down to MAX_TEMPLATE_DEPTH, then a note.
  const chain = (n: number): Json[] => Array.from({ length: n }, (_, i) => wt(`t${i}`, [i === n - 1 ? { name: 'run', container: { image: 'alpine:3.20' } } : { name: 'run', steps: [[{ name: 'next', templateRef: { name: `t${i + 1}`, template: 'run' } }]] }]));
  const start = { metadata: { namespace: 'ci' }, spec: { templates: [{ name: 'main', steps: [[{ name: 'go', templateRef: { name: 't0', template: 'run' } }]] }] } };
  const within = readWith(start, chain(MAX_TEMPLATE_DEPTH));
  t.same(within.pods.map((p) => p.uses.map((u) => u.within)), [[`template "run" of WorkflowTemplate "t${MAX_TEMPLATE_DEPTH - 1}"`]], `${MAX_TEMPLATE_DEPTH} templates deep: read`);
  t.same(within.notes, []);
  const beyond = readWith(start, chain(MAX_TEMPLATE_DEPTH + 1));
  t.same(beyond.pods, []);
  t.match(beyond.notes, [{ field: 'spec.templates[0].steps[0][0].templateRef', message: `template "run" of WorkflowTemplate "t${MAX_TEMPLATE_DEPTH}" is more than ${MAX_TEMPLATE_DEPTH} templates below this reference: Argo fails the workflow there ("Maximum recursion depth exceeded"), and it is not read` }]);
});

t.test('published examples: a workflowTemplateRef and nested templateRefs to the ClusterWorkflowTemplates among the inputs, at their lines', async (t) => {
  const DIR = 'test/fixtures/carriers';
  const templates = parseManifests(readFileSync(`${DIR}/argo-workflows-clustertemplates.yaml`, 'utf8'), 'clustertemplates.yaml').objects.map((m) => m.object as Json);
  // A reference written as a block is found at its first line inside (`name: …`), as any map field.
  const cases: { file: string; uses: { within: string; image: string; line: number }[]; notes: { line: number; message: RegExp }[] }[] = [
    {
      file: 'argo-workflows-cluster-workflow-template-ref.yaml',
      uses: [{ within: 'template "print-message" of ClusterWorkflowTemplate "cluster-workflow-template-submittable"', image: 'busybox', line: 9 }],
      notes: [],
    },
    {
      file: 'argo-workflows-mixed-cluster-namespaced-steps.yaml',
      // hello2a runs inner-steps, whose three steps run the same template of a third object: one pod.
      uses: [{ within: 'template "print-message" of ClusterWorkflowTemplate "cluster-workflow-template-print-message"', image: 'busybox', line: 22 }],
      notes: [
        { line: 14, message: /^step "hello1" runs template "print-message" of WorkflowTemplate "workflow-template-print-message" \(templateRef\), which is not read here/ },
        { line: 31, message: /^step "hello2b" runs template "print-message" of WorkflowTemplate "workflow-template-print-message" \(templateRef\), which is not read here/ },
      ],
    },
  ];
  for (const c of cases) {
    const m = parseManifests(readFileSync(`${DIR}/${c.file}`, 'utf8'), c.file).objects[0]!;
    const w = extractCarrier(m.object, WORKFLOW, lookupOf(templates));
    t.same(w.pods.flatMap((p) => p.uses.map((u) => ({ within: u.within, image: u.image, line: m.lineOf(u.field) }))), c.uses, `${c.file}: images at the reference's line`);
    t.match(w.notes.map((n) => ({ line: m.lineOf(n.field), message: n.message })), c.notes, `${c.file}: notes`);
    t.equal(w.notes.length, c.notes.length, `${c.file}: no other note`);
  }
});

t.test('lifecycle hooks and exit handlers run templates too: their templateRefs are followed or noted', async (t) => {
  const wt = (name: string, templates: Json[]): Json => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'WorkflowTemplate', metadata: { name, namespace: 'ci' }, spec: { templates } });
  const notify = wt('notify', [{ name: 'slack', container: { image: 'curlimages/curl:8.8.0' } }]);
  const ci = wt('ci', [
    { name: 'pipeline', steps: [[{ name: 'build', template: 'build', onExit: 'cleanup', hooks: { running: { templateRef: { name: 'notify', template: 'slack' } } } }]] },
    { name: 'build', container: { image: 'golang:1.23' } },
    { name: 'cleanup', container: { image: 'busybox:1.36' } },
  ]);
  const wf = {
    metadata: { namespace: 'ci' },
    spec: {
      hooks: { exit: { templateRef: { name: 'notify', template: 'slack' } } },
      templates: [{ name: 'main', dag: { tasks: [{ name: 'all', templateRef: { name: 'ci', template: 'pipeline' }, hooks: { failed: { templateRef: { name: 'gone', template: 'x' } } } }] } }],
    },
  };
  const cases: { name: string; known: Json[]; pods: [string, string, string][]; notes: [string, RegExp][] }[] = [
    {
      name: 'all known',
      known: [ci, notify],
      pods: [
        ['spec.hooks.exit.templateRef', 'template "slack" of WorkflowTemplate "notify"', 'curlimages/curl:8.8.0'],
        ['spec.templates[0].dag.tasks[0].templateRef', 'template "build" of WorkflowTemplate "ci"', 'golang:1.23'],
        ['spec.templates[0].dag.tasks[0].templateRef', 'template "slack" of WorkflowTemplate "notify"', 'curlimages/curl:8.8.0'],
        ['spec.templates[0].dag.tasks[0].templateRef', 'template "cleanup" of WorkflowTemplate "ci"', 'busybox:1.36'],
      ],
      notes: [['spec.templates[0].dag.tasks[0].hooks.failed.templateRef', /^hook "failed" of task "all" runs template "x" of WorkflowTemplate "gone" \(templateRef\), which is not read here/]],
    },
    {
      name: 'none known',
      known: [],
      pods: [],
      notes: [
        ['spec.hooks.exit.templateRef', /^hook "exit" of the workflow runs template "slack" of WorkflowTemplate "notify" \(templateRef\), which is not read here/],
        ['spec.templates[0].dag.tasks[0].templateRef', /^task "all" runs template "pipeline" of WorkflowTemplate "ci" \(templateRef\), which is not read here/],
        ['spec.templates[0].dag.tasks[0].hooks.failed.templateRef', /^hook "failed" of task "all" runs template "x" of WorkflowTemplate "gone"/],
      ],
    },
    {
      name: 'the nested hook\'s object unknown',
      known: [ci],
      pods: [
        ['spec.templates[0].dag.tasks[0].templateRef', 'template "build" of WorkflowTemplate "ci"', 'golang:1.23'],
        ['spec.templates[0].dag.tasks[0].templateRef', 'template "cleanup" of WorkflowTemplate "ci"', 'busybox:1.36'],
      ],
      notes: [
        ['spec.hooks.exit.templateRef', /^hook "exit" of the workflow runs template "slack" of WorkflowTemplate "notify"/],
        ['spec.templates[0].dag.tasks[0].templateRef', /^hook "running" of step "build" of template "pipeline" of WorkflowTemplate "ci" runs template "slack" of WorkflowTemplate "notify" \(templateRef\), which is not read here/],
        ['spec.templates[0].dag.tasks[0].hooks.failed.templateRef', /^hook "failed" of task "all" runs template "x" of WorkflowTemplate "gone"/],
      ],
    },
  ];
  for (const c of cases) {
    const got = readWith(wf, c.known);
    t.same(got.pods.flatMap((p) => p.uses.map((u) => [u.field, u.within, u.image])), c.pods, `${c.name}: pods`);
    t.match(got.notes.map((n) => [n.field, n.message]), c.notes, `${c.name}: notes`);
    t.equal(got.notes.length, c.notes.length, `${c.name}: no other note`);
  }
});
