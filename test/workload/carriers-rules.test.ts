/**
 * The carrier table's rules beyond the published examples: the path language, the projects' own rules
 * for a pod's ServiceAccount, pull secrets and nodes (Argo, Tekton), parameters the controllers fill in,
 * the kinds of the same shape as an example, and what is left unread.
 */
import t from 'tap';
import { carrierFor, configuredCarrier, type Carrier } from '../../src/workload/carriers.js';
import { extractCarrier, imageFields } from '../../src/workload/extract.js';
import { parsePath, resolve } from '../../src/workload/paths.js';

const carrier = (group: string, kind: string): Carrier => {
  const c = carrierFor(group, kind);
  if (!c) throw new Error(`no carrier ${group}/${kind}`);
  return c;
};

t.test('path syntax: fields and [*], and a precise reason for anything else', async (t) => {
  const cases: { path: string; error: RegExp | null }[] = [
    { path: 'spec.template.spec', error: null },
    { path: 'spec.replicatedJobs[*].template.spec.template.spec', error: null },
    { path: 'spec.matrix[*][*].image', error: null },
    { path: 'spec.pytorch_Replica-Specs[*]', error: null },
    { path: '', error: /empty/ },
    { path: 'spec..template', error: /segment 2 is empty/ },
    { path: '.spec', error: /segment 1 is empty/ },
    { path: 'spec.steps[0]', error: /only \[\*\] may follow a field name, not \[0\]/ },
    { path: 'spec.steps[*', error: /unbalanced brackets/ },
    { path: 'spec.steps[*]image', error: /only more \[\*\] may follow \[\*\] in a segment/ },
    { path: 'spec.[*]', error: /\[\*\] without a field name/ },
    { path: 'spec.$image', error: /may hold only letters, digits/ },
    { path: 'spec.a b', error: /may hold only letters, digits/ },
    { path: `spec.${'a'.repeat(600)}`, error: /longer than 512/ },
  ];
  for (const c of cases) {
    const r = parsePath(c.path);
    if (c.error === null) t.ok(r.ok, c.path);
    else t.match(r.ok ? '' : r.error, c.error, JSON.stringify(c.path.slice(0, 40)));
  }
});

t.test('[*] goes over lists and maps; absent fields match nothing; wrong types are problems', async (t) => {
  const p = (s: string) => {
    const r = parsePath(s);
    if (!r.ok) throw new Error(r.error);
    return r.steps;
  };
  const object = { spec: { list: [{ a: 1 }, null, { a: 2 }], map: { X: { a: 3 }, Y: { a: 4 } }, str: 'x' } };
  t.same(
    resolve(object, p('spec.list[*].a')).matches.map((m) => [m.field, m.value]),
    [['spec.list[0].a', 1], ['spec.list[2].a', 2]],
  );
  t.same(
    resolve(object, p('spec.map[*].a')).matches.map((m) => [m.field, m.keys, m.value]),
    [['spec.map.X.a', ['spec', 'map', 'X', 'a'], 3], ['spec.map.Y.a', ['spec', 'map', 'Y', 'a'], 4]],
  );
  t.same(resolve(object, p('spec.absent[*].a')), { matches: [], problems: [] });
  t.same(resolve(object, p('spec.str[*]')).problems, [{ field: 'spec.str', problem: 'is a string, not a list or a map' }]);
  t.same(resolve(object, p('spec.str.a')).problems, [{ field: 'spec.str', problem: 'is a string, not an object' }]);
  t.same(resolve('text', p('spec')).problems, [{ field: '(the object)', problem: 'is a string, not an object' }]);
  // Own keys only: a field called toString or __proto__ finds nothing on Object.prototype.
  t.same(resolve({}, p('toString.x')).matches, []);
  t.same(resolve({}, p('__proto__.x')).matches, []);
});

t.test("Argo: a template's pod takes the template's ServiceAccount and nodes, else the workflow's; pull secrets are the workflow's", async (t) => {
  const wf = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    spec: {
      serviceAccountName: 'wf-sa',
      imagePullSecrets: [{ name: 'wf-pull' }],
      nodeSelector: { 'kubernetes.io/arch': 'amd64' },
      templates: [
        { name: 'own', serviceAccountName: 'tmpl-sa', nodeSelector: { 'kubernetes.io/arch': 'arm64' }, container: { image: 'alpine:3' } },
        { name: 'inherits', script: { image: 'python:3', source: 'print(1)' } },
        { name: 'steps', steps: [[{ name: 'a', template: 'own' }]] },
      ],
    },
  };
  const w = extractCarrier(wf, carrier('argoproj.io', 'Workflow'));
  t.same(
    w.pods.map((p) => [p.field, p.podSpec]),
    [
      ['spec.templates[0]', { serviceAccountName: 'tmpl-sa', imagePullSecrets: [{ name: 'wf-pull' }], nodeSelector: { 'kubernetes.io/arch': 'arm64' } }],
      ['spec.templates[1]', { serviceAccountName: 'wf-sa', imagePullSecrets: [{ name: 'wf-pull' }], nodeSelector: { 'kubernetes.io/arch': 'amd64' } }],
    ],
    'one pod per container/script template; the steps template makes none',
  );
  t.same(w.pods.map((p) => p.uses.map((u) => u.container)), [['main'], ['main']], 'the main container is "main" (Argo MainContainerName)');

  const cron = { spec: { workflowSpec: { serviceAccountName: 'cron-sa', templates: [{ name: 'x', container: { image: 'busybox' } }] } } };
  t.same(extractCarrier(cron, carrier('argoproj.io', 'CronWorkflow')).pods[0]?.podSpec, { serviceAccountName: 'cron-sa' }, 'CronWorkflow: spec.workflowSpec');
});

t.test('Tekton: TaskRun serviceAccountName and podTemplate; PipelineRun taskRunTemplate overridden per task by taskRunSpecs', async (t) => {
  const taskRun = {
    spec: {
      serviceAccountName: 'builder',
      podTemplate: { imagePullSecrets: [{ name: 'regcred' }], nodeSelector: { 'kubernetes.io/os': 'windows' }, securityContext: {} },
      taskSpec: { steps: [{ name: 'a', image: 'alpine' }, { name: 'b', ref: { name: 'action' } }, { script: 'echo' }], stepTemplate: { image: 'ubuntu' }, sidecars: [{ name: 's', image: 'docker:dind' }] },
    },
  };
  const w = extractCarrier(taskRun, carrier('tekton.dev', 'TaskRun'));
  t.equal(w.pods.length, 1, 'one TaskSpec, one pod');
  t.same(w.pods[0]?.podSpec, { serviceAccountName: 'builder', imagePullSecrets: [{ name: 'regcred' }], nodeSelector: { 'kubernetes.io/os': 'windows' } });
  t.same(
    w.pods[0]?.uses.map((u) => [u.noun, u.container, u.field, u.image]),
    [
      ['step', 'a', 'spec.taskSpec.steps[0].image', 'alpine'],
      // MergeStepsWithStepTemplate: a step without an image runs the step template's.
      ['step', '#2', 'spec.taskSpec.stepTemplate.image', 'ubuntu'],
      ['sidecar', 's', 'spec.taskSpec.sidecars[0].image', 'docker:dind'],
    ],
    'a step that uses a StepAction has no image of its own: a note says where it is checked',
  );
  t.same(w.notes, [{ field: 'spec.taskSpec.steps[1].ref', message: 'step "b" runs StepAction "action" (ref), which is not read here: its image is checked where that StepAction itself is checked or applied' }]);
  // The step template alone runs nothing: with every step's own image, its image is read but not pulled.
  const own = extractCarrier({ spec: { taskSpec: { stepTemplate: { image: 'Not/Pulled' }, steps: [{ name: 'a', image: 'alpine' }] } } }, carrier('tekton.dev', 'TaskRun'));
  t.same(own.pods.flatMap((p) => p.uses.map((u) => u.image)), ['alpine']);
  t.ok(own.read.has('spec.taskSpec.stepTemplate.image'));

  const task = (name: string) => ({ name, taskSpec: { steps: [{ name: 'x', image: `img/${name}` }] } });
  const v1 = {
    spec: {
      taskRunTemplate: { serviceAccountName: 'all', podTemplate: { imagePullSecrets: [{ name: 'all-pull' }], nodeSelector: { disk: 'any' } } },
      taskRunSpecs: [{ pipelineTaskName: 'special', serviceAccountName: 'special-sa', podTemplate: { nodeSelector: { disk: 'ssd' } } }],
      pipelineSpec: { tasks: [task('plain'), task('special')], finally: [task('cleanup')] },
    },
  };
  t.same(
    extractCarrier(v1, carrier('tekton.dev', 'PipelineRun')).pods.map((p) => [p.field, p.podSpec]),
    [
      ['spec.pipelineSpec.tasks[0].taskSpec', { serviceAccountName: 'all', imagePullSecrets: [{ name: 'all-pull' }], nodeSelector: { disk: 'any' } }],
      ['spec.pipelineSpec.tasks[1].taskSpec', { serviceAccountName: 'special-sa', imagePullSecrets: [{ name: 'all-pull' }], nodeSelector: { disk: 'ssd' } }],
      ['spec.pipelineSpec.finally[0].taskSpec', { serviceAccountName: 'all', imagePullSecrets: [{ name: 'all-pull' }], nodeSelector: { disk: 'any' } }],
    ],
    'v1: GetTaskRunSpec (taskRunSpecs win field by field)',
  );
  const v1beta1 = {
    spec: {
      serviceAccountName: 'all',
      podTemplate: { imagePullSecrets: [{ name: 'all-pull' }] },
      taskRunSpecs: [{ pipelineTaskName: 'special', taskServiceAccountName: 'special-sa', taskPodTemplate: { imagePullSecrets: [{ name: 'special-pull' }] } }],
      pipelineSpec: { tasks: [task('plain'), task('special')] },
    },
  };
  t.same(
    extractCarrier(v1beta1, carrier('tekton.dev', 'PipelineRun')).pods.map((p) => p.podSpec),
    [
      { serviceAccountName: 'all', imagePullSecrets: [{ name: 'all-pull' }] },
      { serviceAccountName: 'special-sa', imagePullSecrets: [{ name: 'special-pull' }] },
    ],
    'v1beta1 names',
  );
});

t.test('parameters the controller fills in are counted, not checked; only for the projects that substitute', async (t) => {
  const argo = { spec: { templates: [{ name: 't', container: { image: '{{inputs.parameters.image}}' } }, { name: 'u', container: { image: 'alpine:{{workflow.parameters.tag}}' } }] } };
  const a = extractCarrier(argo, carrier('argoproj.io', 'WorkflowTemplate'));
  t.same(a.substituted.map((u) => u.field), ['spec.templates[0].container.image', 'spec.templates[1].container.image']);
  t.same(a.pods.flatMap((p) => p.uses), [], 'none left to check');
  t.ok(a.read.has('spec.templates[0].container.image'), 'read, so not reported as unread');

  const tekton = { spec: { steps: [{ name: 'build', image: '$(params.builder-image)' }, { name: 'push', image: 'gcr.io/kaniko-project/executor:v1' }] } };
  const k = extractCarrier(tekton, carrier('tekton.dev', 'Task'));
  t.same(k.substituted.map((u) => u.image), ['$(params.builder-image)']);
  t.same(k.pods.flatMap((p) => p.uses.map((u) => u.image)), ['gcr.io/kaniko-project/executor:v1']);

  // A Rollout's controller substitutes nothing: "{{…}}" there is an unrendered template and is checked.
  const rollout = { spec: { template: { spec: { containers: [{ name: 'app', image: '{{ .Values.image }}' }] } } } };
  const r = extractCarrier(rollout, carrier('argoproj.io', 'Rollout'));
  t.same(r.substituted, []);
  t.same(r.pods[0]?.uses.map((u) => u.image), ['{{ .Values.image }}']);
});

t.test('the kinds of the same shape as an example: Knative Configuration and Revision, Kubeflow TFJob, XGBoostJob, PaddleJob, JAXJob', async (t) => {
  const containers = [{ name: 'c', image: 'registry.example/app:1' }];
  const cases: { group: string; kind: string; object: unknown; field: string }[] = [
    { group: 'serving.knative.dev', kind: 'Configuration', object: { spec: { template: { spec: { containers } } } }, field: 'spec.template.spec.containers[0].image' },
    { group: 'serving.knative.dev', kind: 'Revision', object: { spec: { containers } }, field: 'spec.containers[0].image' },
    { group: 'kubeflow.org', kind: 'TFJob', object: { spec: { tfReplicaSpecs: { PS: { template: { spec: { containers } } } } } }, field: 'spec.tfReplicaSpecs.PS.template.spec.containers[0].image' },
    { group: 'kubeflow.org', kind: 'XGBoostJob', object: { spec: { xgbReplicaSpecs: { Master: { template: { spec: { containers } } } } } }, field: 'spec.xgbReplicaSpecs.Master.template.spec.containers[0].image' },
    { group: 'kubeflow.org', kind: 'PaddleJob', object: { spec: { paddleReplicaSpecs: { Worker: { template: { spec: { containers } } } } } }, field: 'spec.paddleReplicaSpecs.Worker.template.spec.containers[0].image' },
    { group: 'kubeflow.org', kind: 'JAXJob', object: { spec: { jaxReplicaSpecs: { Worker: { template: { spec: { containers } } } } } }, field: 'spec.jaxReplicaSpecs.Worker.template.spec.containers[0].image' },
    { group: 'ray.io', kind: 'RayJob', object: { spec: { submitterPodTemplate: { spec: { containers } } } }, field: 'spec.submitterPodTemplate.spec.containers[0].image' },
    { group: 'leaderworkerset.x-k8s.io', kind: 'LeaderWorkerSet', object: { spec: { leaderWorkerTemplate: { leaderTemplate: { spec: { containers } } } } }, field: 'spec.leaderWorkerTemplate.leaderTemplate.spec.containers[0].image' },
  ];
  for (const c of cases) {
    const w = extractCarrier(c.object, carrier(c.group, c.kind));
    t.same(w.pods.flatMap((p) => p.uses.map((u) => u.field)), [c.field], `${c.kind}`);
  }
});

t.test('what the table does not point at is left unread, and said so', async (t) => {
  // Knative's old v1alpha1 shape (revisionTemplate): the group and kind are read, the field is not.
  const old = { apiVersion: 'serving.knative.dev/v1alpha1', kind: 'Configuration', spec: { revisionTemplate: { spec: { container: { image: 'github.com/knative/serving/test/test_images/helloworld' } } } } };
  const w = extractCarrier(old, carrier('serving.knative.dev', 'Configuration'));
  t.same(w.pods, []);
  t.same(
    imageFields(old).filter((f) => !w.read.has(f.field)),
    [{ field: 'spec.revisionTemplate.spec.container.image', image: 'github.com/knative/serving/test/test_images/helloworld' }],
  );
  // metadata and status are never images to pull (status.containerStatuses[].image of `kubectl get -o yaml`).
  t.same(imageFields({ metadata: { annotations: { image: 'x' } }, status: { image: 'y' }, spec: { a: [{ image: 'z' }], image: { repository: 'r' } } }), [{ field: 'spec.a[0].image', image: 'z' }]);
});

t.test('wrong shapes are problems at their field, never a throw; built-in kinds still need their pod spec', async (t) => {
  const w = extractCarrier({ spec: { replicatedJobs: 'oops' } }, carrier('jobset.x-k8s.io', 'JobSet'));
  t.same(w.problems, [{ field: 'spec.replicatedJobs', problem: 'spec.replicatedJobs is a string, not a list or a map' }]);
  const t2 = extractCarrier({ spec: { templates: [{ container: 'alpine' }] } }, carrier('argoproj.io', 'Workflow'));
  t.same(t2.pods[0]?.uses, [{ container: '', slot: 'containers', within: 'template #0', field: 'spec.templates[0].container.image', image: null, problem: 'spec.templates[0].container is a string, not a container' }]);
  t.equal(extractCarrier({ spec: {} }, carrier('apps', 'Deployment')).missing, 'spec.template is missing', 'the first field that is absent');
  t.equal(extractCarrier({}, carrier('apps', 'Deployment')).missing, 'spec is missing');
  t.equal(extractCarrier({ spec: {} }, carrier('argoproj.io', 'Rollout')).missing, null, 'a Rollout with workloadRef has no template');
  for (const c of [carrier('tekton.dev', 'PipelineRun'), carrier('argoproj.io', 'CronWorkflow'), carrier('ray.io', 'RayJob')]) {
    for (const bad of [null, 42, 'x', [], { spec: [] }, { spec: { pipelineSpec: 1, workflowSpec: [], rayClusterSpec: 'x' } }]) {
      t.doesNotThrow(() => extractCarrier(bad, c), `${c.kind} ${JSON.stringify(bad)}`);
    }
  }
});

t.test('a configured carrier: pod specs, containers, init containers and bare image fields', async (t) => {
  const c = configuredCarrier({
    kind: 'BuildJob',
    group: 'ci.example.com',
    podSpecs: ['spec.runner.template.spec'],
    containers: ['spec.steps[*]'],
    initContainers: ['spec.prepare'],
    images: ['spec.cache.image', 'spec.extraImages[*]'],
  });
  const object = {
    spec: {
      runner: { template: { spec: { imagePullSecrets: [{ name: 'r' }], containers: [{ name: 'runner', image: 'ci/runner:1' }] } } },
      steps: [{ name: 'compile', image: 'golang:1.23' }, { image: 'alpine' }],
      prepare: { name: 'prep', image: 'busybox' },
      cache: { image: 'ci/cache:2' },
      extraImages: ['a/b:1'],
    },
  };
  const w = extractCarrier(object, c);
  t.same(
    w.pods.map((p) => [p.field, p.podSpec, p.uses.map((u) => [u.container, u.slot, u.field, u.image])]),
    [
      ['spec.runner.template.spec', object.spec.runner.template.spec, [['runner', 'containers', 'spec.runner.template.spec.containers[0].image', 'ci/runner:1']]],
      ['', {}, [['compile', 'containers', 'spec.steps[0].image', 'golang:1.23'], ['#1', 'containers', 'spec.steps[1].image', 'alpine'], ['prep', 'initContainers', 'spec.prepare.image', 'busybox']]],
      ['', {}, [['spec.cache.image', 'containers', 'spec.cache.image', 'ci/cache:2'], ['spec.extraImages[0]', 'containers', 'spec.extraImages[0]', 'a/b:1']]],
    ],
  );
  t.same(imageFields(object).filter((f) => !w.read.has(f.field)), [], 'nothing unread');
  t.ok(carrierFor('ci.example.com', 'BuildJob', [{ kind: 'BuildJob', group: 'ci.example.com', containers: ['spec.steps[*]'] }]));
  t.notOk(carrierFor('ci.example.com', 'BuildJob'), 'only with that configuration');
});

t.test('carrierResources: every group and resource to list or route, configured kinds first', async (t) => {
  const { carrierResources } = await import('../../src/workload/carriers.js');
  const all = carrierResources([{ kind: 'BuildJob', group: 'ci.example.com', versions: ['v1'], resource: 'buildjobs', containers: ['spec.steps[*]'] }]);
  t.same(all[0], { group: 'ci.example.com', versions: ['v1'], resource: 'buildjobs', kind: 'BuildJob', namespaced: true, origin: 'configuration' });
  t.ok(all.some((r) => r.group === 'argoproj.io' && r.resource === 'clusterworkflowtemplates' && !r.namespaced));
  t.ok(all.some((r) => r.group === 'extensions' && r.resource === 'deployments'));
  t.equal(new Set(all.map((r) => `${r.group}/${r.resource}`)).size, all.length, 'each once');
});
