/**
 * Argo's workflowDefaults (src/workload/argo.ts argoDefaults, argoReferences): the controller's
 * ConfigMap in both of its formats, and the defaults as the third layer of the workflow that runs
 * (JoinWorkflowSpec: workflow > WorkflowTemplate > defaults), or, while unknown, an uncertain credential.
 */
import t from 'tap';
import { parse as parseYaml } from 'yaml';
import { carrierFor, type Carrier } from '../../src/workload/carriers.js';
import { argoDefaults } from '../../src/workload/argo.js';
import { extractCarrier } from '../../src/workload/extract.js';
import type { CarrierEnvironment } from '../../src/workload/reading.js';

const WORKFLOW = carrierFor('argoproj.io', 'Workflow') as Carrier;
const CRON = carrierFor('argoproj.io', 'CronWorkflow') as Carrier;
const TEMPLATE = carrierFor('argoproj.io', 'WorkflowTemplate') as Carrier;
const parse = (text: string): unknown => parseYaml(text);

t.test('argoDefaults: both ConfigMap formats the controller accepts (config/controller.go parseConfigMap)', async (t) => {
  const spec = { serviceAccountName: 'runner', imagePullSecrets: [{ name: 'corp-pull' }] };
  const cases: { name: string; data: unknown; want: unknown; problem?: RegExp }[] = [
    {
      name: 'keys directly under data: workflowDefaults as a block',
      data: { workflowDefaults: 'metadata:\n  labels:\n    a: b\nspec:\n  serviceAccountName: runner\n  imagePullSecrets:\n    - name: corp-pull\n', executor: 'resources:\n  limits: {}\n' },
      want: { spec },
    },
    {
      name: 'keys directly under data: a one-line value is written inline',
      data: { workflowDefaults: '{spec: {serviceAccountName: runner, imagePullSecrets: [{name: corp-pull}]}}', parallelism: '10' },
      want: { spec },
    },
    {
      name: 'everything under data.config (argo-helm)',
      data: { config: 'parallelism: 5\nworkflowDefaults:\n  spec:\n    serviceAccountName: runner\n    imagePullSecrets:\n      - name: corp-pull\n' },
      want: { spec },
    },
    { name: 'no workflowDefaults: known, none', data: { parallelism: '10' }, want: {} },
    { name: 'no data at all: known, none', data: undefined, want: {} },
    { name: 'workflowDefaults with metadata only: no spec to merge', data: { workflowDefaults: 'metadata:\n  labels:\n    a: b\n' }, want: {} },
    { name: 'config beside another key: refused by the controller', data: { config: 'parallelism: 5\n', parallelism: '3' }, want: {}, problem: /key "config" and 1 other key, which the controller refuses/ },
    { name: 'text that is not YAML', data: { workflowDefaults: 'spec:\n  a: [\n' }, want: {}, problem: /^its configuration is not YAML: / },
    { name: 'a config that is a list', data: { config: '- a\n- b\n' }, want: {}, problem: /its configuration is a list, not a map of settings/ },
    { name: 'workflowDefaults that is a string', data: { config: 'workflowDefaults: hello\n' }, want: {}, problem: /workflowDefaults is a string, not a Workflow/ },
    { name: 'workflowDefaults.spec that is a list', data: { workflowDefaults: 'spec:\n  - a\n' }, want: {}, problem: /workflowDefaults.spec is a list, not a workflow spec/ },
  ];
  for (const c of cases) {
    const got = argoDefaults(c.data, parse);
    t.same(got.defaults, c.want, `${c.name}: defaults`);
    if (c.problem) t.match(got.problem, c.problem, `${c.name}: problem`);
    else t.equal(got.problem, null, `${c.name}: no problem`);
  }
});

const CM = 'argo/workflow-controller-configmap';
const known = (spec: Record<string, unknown>): CarrierEnvironment => ({ argo: { spec }, argoConfigMap: CM });
const pods = (object: unknown, env: CarrierEnvironment, carrier = WORKFLOW) =>
  extractCarrier(object, carrier, env).pods.map((p) => ({
    pod: p.field,
    podSpec: p.podSpec,
    uses: p.uses.map((u) => ({ container: u.container, within: u.within, field: u.field, image: u.image })),
    elsewhere: p.credentialsElsewhere?.short ?? null,
  }));

t.test('merge order: the workflow over the WorkflowTemplate over the defaults (JoinWorkflowSpec)', async (t) => {
  const defaults = {
    serviceAccountName: 'def-sa',
    imagePullSecrets: [{ name: 'def-pull' }],
    nodeSelector: { zone: 'a', disk: 'hdd' },
    templateDefaults: { container: { image: 'registry.corp.example/tools:1' } },
  };
  const base = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'WorkflowTemplate',
    metadata: { name: 'base', namespace: 'build' },
    spec: { entrypoint: 'main', serviceAccountName: 'wt-sa', imagePullSecrets: [{ name: 'wt-pull' }], nodeSelector: { disk: 'ssd' }, templates: [{ name: 'main', container: { args: ['x'] } }, { name: 'side', container: { image: 'registry.corp.example/base:1' } }] },
  };
  const lookup: CarrierEnvironment['workflowTemplate'] = (kind, ns, name) => (kind === 'WorkflowTemplate' && ns === 'build' && name === 'base' ? base : undefined);
  const WITH = ` with Argo's workflowDefaults (ConfigMap ${CM})`;
  const cases: { name: string; object: unknown; env: CarrierEnvironment; want: unknown }[] = [
    {
      name: 'workflow alone: the defaults fill what it leaves unset, pull secrets merge by name',
      object: { metadata: { namespace: 'build' }, spec: { imagePullSecrets: [{ name: 'own-pull' }], templates: [{ name: 'a', container: { args: ['x'] } }] } },
      env: known(defaults),
      want: [
        {
          pod: 'spec.templates[0]',
          podSpec: { serviceAccountName: 'def-sa', imagePullSecrets: [{ name: 'def-pull' }, { name: 'own-pull' }], nodeSelector: { zone: 'a', disk: 'hdd' } },
          uses: [{ container: 'main', within: `template "a"${WITH}`, field: 'spec', image: 'registry.corp.example/tools:1' }],
          elsewhere: null,
        },
      ],
    },
    {
      name: 'workflow alone: its own ServiceAccount, image and nodeSelector keys win',
      object: { spec: { serviceAccountName: 'own-sa', nodeSelector: { disk: 'nvme' }, templates: [{ name: 'a', container: { image: 'alpine:3.20' } }] } },
      env: known(defaults),
      want: [
        {
          pod: 'spec.templates[0]',
          podSpec: { serviceAccountName: 'own-sa', imagePullSecrets: [{ name: 'def-pull' }], nodeSelector: { zone: 'a', disk: 'nvme' } },
          uses: [{ container: 'main', within: 'template "a"', field: 'spec.templates[0].container.image', image: 'alpine:3.20' }],
          elsewhere: null,
        },
      ],
    },
    {
      name: 'workflowTemplateRef: the template over the defaults, the workflow over both',
      object: { metadata: { namespace: 'build' }, spec: { workflowTemplateRef: { name: 'base' }, nodeSelector: { zone: 'b' } } },
      env: { ...known(defaults), workflowTemplate: lookup },
      want: [
        {
          pod: 'spec.workflowTemplateRef',
          podSpec: { serviceAccountName: 'wt-sa', imagePullSecrets: [{ name: 'def-pull' }, { name: 'wt-pull' }], nodeSelector: { zone: 'b', disk: 'ssd' } },
          uses: [{ container: 'main', within: `template "main" of WorkflowTemplate "base"${WITH}`, field: 'spec', image: 'registry.corp.example/tools:1' }],
          elsewhere: null,
        },
        {
          pod: 'spec.workflowTemplateRef',
          podSpec: { serviceAccountName: 'wt-sa', imagePullSecrets: [{ name: 'def-pull' }, { name: 'wt-pull' }], nodeSelector: { zone: 'b', disk: 'ssd' } },
          uses: [{ container: 'main', within: 'template "side" of WorkflowTemplate "base"', field: 'spec.workflowTemplateRef', image: 'registry.corp.example/base:1' }],
          elsewhere: null,
        },
      ],
    },
    {
      name: 'known and empty: the workflow as written, certain',
      object: { spec: { templates: [{ name: 'a', container: { image: 'alpine:3.20' } }] } },
      env: known({}),
      want: [{ pod: 'spec.templates[0]', podSpec: {}, uses: [{ container: 'main', within: 'template "a"', field: 'spec.templates[0].container.image', image: 'alpine:3.20' }], elsewhere: null }],
    },
    {
      name: 'not known: the workflow as written, its credentials uncertain even with pull secrets of its own',
      object: { spec: { imagePullSecrets: [{ name: 'own' }], templates: [{ name: 'a', container: { image: 'alpine:3.20' } }] } },
      env: { argoUnknown: `ConfigMap ${CM} does not exist` },
      want: [
        { pod: 'spec.templates[0]', podSpec: { imagePullSecrets: [{ name: 'own' }] }, uses: [{ container: 'main', within: 'template "a"', field: 'spec.templates[0].container.image', image: 'alpine:3.20' }], elsewhere: "Argo's workflowDefaults (unread)" },
      ],
    },
    {
      name: 'not known, workflowTemplateRef read: uncertain too',
      object: { metadata: { namespace: 'build' }, spec: { workflowTemplateRef: { name: 'base' } } },
      env: { workflowTemplate: lookup },
      want: [
        {
          pod: 'spec.workflowTemplateRef',
          podSpec: { serviceAccountName: 'wt-sa', imagePullSecrets: [{ name: 'wt-pull' }], nodeSelector: { disk: 'ssd' } },
          uses: [{ container: 'main', within: 'template "side" of WorkflowTemplate "base"', field: 'spec.workflowTemplateRef', image: 'registry.corp.example/base:1' }],
          elsewhere: "Argo's workflowDefaults (unread)",
        },
      ],
    },
  ];
  for (const c of cases) t.same(pods(c.object, c.env), c.want, c.name);
});

t.test('the defaults apply to CronWorkflows and WorkflowTemplates too (the Workflows they become)', async (t) => {
  const env = known({ imagePullSecrets: [{ name: 'def-pull' }] });
  const cron = { spec: { workflowSpec: { templates: [{ name: 'a', container: { image: 'registry.corp.example/app:1' } }] } } };
  t.same(pods(cron, env, CRON).map((p) => p.podSpec), [{ imagePullSecrets: [{ name: 'def-pull' }] }], 'CronWorkflow');
  t.same(pods(cron, env, CRON)[0]?.uses[0]?.field, 'spec.workflowSpec.templates[0].container.image', 'CronWorkflow: its own image at its line');
  const wt = { spec: { templates: [{ name: 'a', container: { image: 'registry.corp.example/app:1' } }] } };
  t.same(pods(wt, env, TEMPLATE).map((p) => p.podSpec), [{ imagePullSecrets: [{ name: 'def-pull' }] }], 'WorkflowTemplate');
  t.same(pods(wt, {}, TEMPLATE)[0]?.elsewhere, "Argo's workflowDefaults (unread)", 'WorkflowTemplate, defaults unknown');
});

t.test('images the defaults give are read and reported, never skipped: templateDefaults, podSpecPatch, sidecars', async (t) => {
  const env = known({
    podSpecPatch: '{"containers":[{"name":"main","image":"registry.corp.example/patched:2"}]}',
    templateDefaults: { sidecars: [{ name: 'proxy', image: 'envoyproxy/envoy:v1.31' }] },
  });
  const wf = { spec: { templates: [{ name: 'a', container: { image: 'alpine:3.20' } }] } };
  const got = pods(wf, env);
  const WITH = ` with Argo's workflowDefaults (ConfigMap ${CM})`;
  t.same(
    got[0]?.uses,
    [
      { container: 'main', within: `template "a"${WITH}`, field: 'spec', image: 'registry.corp.example/patched:2' },
      { container: 'proxy', within: `template "a"${WITH}`, field: 'spec', image: 'envoyproxy/envoy:v1.31' },
    ],
    'named with the ConfigMap, at the spec line',
  );
  const w = extractCarrier(wf, WORKFLOW, env);
  t.ok(w.read.has('spec.templates[0].container.image'), 'the image the patch replaces is read, not reported as unread');
  const templated = known({ podSpecPatch: '{"containers":[{"name":"main","image":"{{inputs.parameters.img}}"}]}' });
  const notes = extractCarrier(wf, WORKFLOW, templated).notes;
  t.match(notes, [{ field: 'spec', message: /podSpecPatch .* is not read: it uses \{\{…\}\}/ }], 'a templated podSpecPatch of the defaults is a note at the spec line');
});

t.test('the uncertain credential says why and how to make it certain', async (t) => {
  const wf = { spec: { templates: [{ name: 'a', container: { image: 'registry.corp.example/app:1' } }] } };
  const cases: { name: string; env: CarrierEnvironment; text: string }[] = [
    { name: 'not among the inputs', env: {}, text: `Argo's workflowDefaults (ConfigMap ${CM}) may set the workflow's ServiceAccount and add pull secrets, and were not read` },
    {
      name: 'unreadable in the cluster',
      env: { argoConfigMap: 'ci/wf-cm', argoUnknown: 'ConfigMap ci/wf-cm does not exist (set argo.namespace …)' },
      text: "Argo's workflowDefaults (ConfigMap ci/wf-cm) may set the workflow's ServiceAccount and add pull secrets, and were not read: ConfigMap ci/wf-cm does not exist (set argo.namespace …)",
    },
  ];
  for (const c of cases) {
    const p = extractCarrier(wf, WORKFLOW, c.env).pods[0];
    t.equal(p?.credentialsElsewhere?.text, c.text, c.name);
    t.match(p?.credentialsElsewhere?.fix, /give the workflow a pull secret for the registry \(spec.imagePullSecrets\), or let pullguard read ConfigMap/, `${c.name}: fix`);
  }
});
