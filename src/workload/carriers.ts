/**
 * The carrier table: every kind of object whose images become pods' images, and where those images
 * are. The built-in kinds, the well-known custom resources and the user's own (`carriers:` in the
 * configuration) are rows of the same shape; the webhook rules (manifests/components/custom-resources),
 * `pullguard check`, the webhook and the audit all iterate over it. A new kind is one row.
 *
 * Per kind:
 *   groups      API groups the kind is served in (a custom resource called "Service" in
 *               serving.knative.dev is not core/v1 Service)
 *   versions    served versions, preferred first (the webhook rules and the audit list them)
 *   resource    plural resource name, for webhook rules and list/watch
 *   podSpecs    paths (src/workload/paths.ts) to core/v1 PodSpecs: everything in them is read as for a
 *               Pod, including imagePullSecrets, serviceAccountName, nodeSelector and affinity
 *   pods        paths to objects that become ONE pod each without being a PodSpec (an Argo template, a
 *               Tekton TaskSpec), with the container-like entries in them (relative paths) and how the
 *               project decides that pod's ServiceAccount, pull secrets and node selection (`context`)
 *   images      paths to bare image strings (Tekton StepAction `spec.image`)
 *   substitutes the controller's own parameter syntax, replaced before the pod is made: images that
 *               use it are not references yet and are counted, not checked
 *
 * Field paths were checked against each project's Go types (cited per row); the fixtures in
 * test/fixtures/carriers are the projects' own published examples. Kinds whose pods a controller
 * builds from `spec.image`-style fields of its own (prometheus-operator, …) are not here: what the
 * kubelet pulls is not written in the object.
 *
 * Pure data plus pure functions.
 */
import type { ImageUse } from '../findings/types.js';
import { ARGO_CONTAINER_PATHS, argoReferences, argoTemplateReader } from './argo.js';
import type { CarrierEnvironment, ElsewhereReading, PodReading } from './reading.js';
import { mergePodTemplateWithDefault, TEKTON_CONTAINER_PATHS, tektonTaskSpec } from './tekton.js';
import { isObject, obj, path, valueAt, type PathStep } from './paths.js';

type ImageSlot = ImageUse['slot'];

export type { CarrierEnvironment, CredentialsElsewhere, ElsewhereReading, PodNote, PodReading } from './reading.js';

type Json = Record<string, unknown>;

/** A container-like entry inside a pod-like object: it has `image` (and usually `name`). */
export interface ContainerSite {
  readonly path: readonly PathStep[];
  readonly text: string;
  readonly slot: ImageSlot;
  /** Name the controller gives the container when the entry has none (Argo's `main`). */
  readonly defaultName?: string;
}

/**
 * The pod-level fields that decide pulls (imagePullSecrets, serviceAccountName, nodeSelector, affinity,
 * os), as the project's controller would set them on the pod it makes from the object at `at`.
 */
export type PodContext = (object: Json, at: readonly (string | number)[], env: CarrierEnvironment) => Json;

/**
 * Reads the pod-like object at `at` the way its controller builds the pod (Argo: templateDefaults
 * merged in, podSpecPatch applied). When set, it replaces reading `containers` and `context`.
 */
export type PodReader = (object: Json, at: readonly (string | number)[], env: CarrierEnvironment) => PodReading;

export interface PodSite {
  readonly path: readonly PathStep[];
  readonly text: string;
  /** The container-like entries (relative paths): what a reader reads, and what the docs list. */
  readonly containers: readonly ContainerSite[];
  readonly context?: PodContext;
  readonly read?: PodReader;
}

export interface ImageSite {
  readonly path: readonly PathStep[];
  readonly text: string;
  /**
   * How messages name the image: `step action` with the object's name (a StepAction is one step's
   * image), or `image field` with its path (a configured bare image).
   */
  readonly noun: 'step action' | 'image field';
}

export type CarrierOrigin = 'kubernetes' | 'well-known' | 'configuration';

export interface Carrier {
  readonly kind: string;
  readonly groups: readonly string[];
  readonly versions: readonly string[];
  readonly resource: string;
  readonly namespaced: boolean;
  readonly origin: CarrierOrigin;
  /** The project that defines the kind (for docs and messages). */
  readonly project: string;
  readonly podSpecs: readonly { readonly path: readonly PathStep[]; readonly text: string }[];
  readonly pods: readonly PodSite[];
  readonly images: readonly ImageSite[];
  /** A pod spec must be there (built-in kinds: the API server requires it); else absent means none. */
  readonly podSpecRequired: boolean;
  /** What the kind's controller reads from other objects (Argo `templateRef`): pods when known, else notes. */
  readonly elsewhere?: (object: Json, env: CarrierEnvironment) => ElsewhereReading;
  readonly substitution: 'argo' | 'tekton' | null;
}

// --- building rows ------------------------------------------------------------------------------

type ContainerRow = { path: string; slot: ImageSlot; defaultName?: string };

interface Row {
  kind: string;
  groups: string[];
  versions: string[];
  resource: string;
  namespaced?: boolean;
  project: string;
  podSpecs?: string[];
  pods?: { path: string; containers: ContainerRow[]; context?: PodContext; read?: PodReader }[];
  images?: string[];
  /** How the bare images are named (default `image field`, by path). */
  imageNoun?: ImageSite['noun'];
  substitution?: 'argo' | 'tekton';
  elsewhere?: (object: Json, env: CarrierEnvironment) => ElsewhereReading;
}

function row(origin: CarrierOrigin, r: Row): Carrier {
  return {
    kind: r.kind,
    groups: r.groups,
    versions: r.versions,
    resource: r.resource,
    namespaced: r.namespaced ?? true,
    origin,
    project: r.project,
    podSpecs: (r.podSpecs ?? []).map((text) => ({ path: path(text), text })),
    pods: (r.pods ?? []).map((p) => ({
      // '' is the object itself (configured carriers' containers are read from the root).
      path: p.path === '' ? [] : path(p.path),
      text: p.path,
      containers: p.containers.map((c) => ({ path: path(c.path), text: c.path, slot: c.slot, ...(c.defaultName ? { defaultName: c.defaultName } : {}) })),
      ...(p.context ? { context: p.context } : {}),
      ...(p.read ? { read: p.read } : {}),
    })),
    images: (r.images ?? []).map((text) => ({ path: path(text), text, noun: r.imageNoun ?? 'image field' })),
    podSpecRequired: origin === 'kubernetes',
    substitution: r.substitution ?? null,
    ...(r.elsewhere ? { elsewhere: r.elsewhere } : {}),
  };
}

function nonEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObject(v)) return Object.keys(v).length > 0;
  return true;
}

/** The first of `candidates` that is set (Go's `if x != "" {…} else if y != "" {…}`). */
function first(...candidates: unknown[]): unknown {
  return candidates.find(nonEmpty);
}

/** A synthetic pod spec holding only the fields that decide pulls; unset ones are left out. */
function podFields(fields: Record<string, unknown>): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(fields)) if (nonEmpty(v)) out[k] = v;
  return out;
}

// --- Argo Workflows -----------------------------------------------------------------------------

/**
 * Argo Workflows: every template of kind container/script/containerSet becomes one pod
 * (pkg/apis/workflow/v1alpha1/workflow_types.go, Template: `container *apiv1.Container`,
 * `script *ScriptTemplate` (embeds apiv1.Container), `containerSet.containers []ContainerNode` (embeds
 * apiv1.Container), `initContainers []UserContainer`, `sidecars []UserContainer`), and so does a
 * template written inline in a step or DAG task (WorkflowStep.Inline, DAGTask.Inline `*Template`).
 * How the controller builds that pod — templateDefaults, podSpecPatch, whose ServiceAccount, pull
 * secrets and nodes — is src/workload/argo.ts, each rule cited there.
 */
const ARGO_CONTAINERS: ContainerRow[] = ARGO_CONTAINER_PATHS.map((c) => ({ ...c }));

function argoPods(specPath: string): Row['pods'] {
  const specKeys = specPath.split('.');
  const read: PodReader = argoTemplateReader(specKeys);
  return [
    { path: `${specPath}.templates[*]`, containers: ARGO_CONTAINERS, read },
    { path: `${specPath}.templates[*].steps[*][*].inline`, containers: ARGO_CONTAINERS, read },
    { path: `${specPath}.templates[*].dag.tasks[*].inline`, containers: ARGO_CONTAINERS, read },
  ];
}

/** A templateRef resolves in the workflow's own namespace, or cluster-wide (templateresolution). */
function argoLookup(object: Json, env: CarrierEnvironment): ((kind: 'WorkflowTemplate' | 'ClusterWorkflowTemplate', name: string) => Json | undefined) | undefined {
  const find = env.workflowTemplate;
  if (!find) return undefined;
  const meta = isObject(object['metadata']) ? object['metadata'] : {};
  const namespace = typeof meta['namespace'] === 'string' ? meta['namespace'] : '';
  return (kind, name) => find(kind, namespace, name);
}

const argoWorkflowKind = (kind: string, resource: string, namespaced = true): Row => ({
  kind,
  groups: ['argoproj.io'],
  versions: ['v1alpha1'],
  resource,
  namespaced,
  project: 'Argo Workflows',
  // WorkflowTemplate and ClusterWorkflowTemplate carry a WorkflowSpec too (workflow_template_types.go).
  pods: argoPods('spec'),
  substitution: 'argo',
  elsewhere: (object, env) => argoReferences(object, ['spec'], argoLookup(object, env), env),
});

// --- Tekton Pipelines ---------------------------------------------------------------------------

/**
 * A Tekton TaskSpec becomes one pod (pkg/apis/pipeline/v1/task_types.go: `steps []Step`,
 * `sidecars []Sidecar`, `stepTemplate *StepTemplate`, whose image is the default of steps that set
 * none). Steps that use a StepAction (`ref`) have no image of their own. How the pod is read (the step
 * template, names) is src/workload/tekton.ts.
 */
const TEKTON_CONTAINERS: ContainerRow[] = TEKTON_CONTAINER_PATHS.map((c) => ({ ...c }));

/** The pod-template fields that decide pulls (pkg/apis/pipeline/pod/template.go, Template). */
function tektonPodTemplate(t: Json): Json {
  return { imagePullSecrets: t['imagePullSecrets'], nodeSelector: t['nodeSelector'], affinity: t['affinity'] };
}

/**
 * A TaskRun's pod (docs/taskruns.md, "Specifying ServiceAccount credentials" and "Specifying a Pod
 * template"): `spec.serviceAccountName`, and pull secrets, nodeSelector and affinity from
 * `spec.podTemplate`. Tekton's defaults fill what the run leaves unset (taskrun_defaults.go SetDefaults):
 * config-defaults `default-service-account` (else "default"), and `default-pod-template` merged under
 * the run's pod template field by field (pod.MergePodTemplateWithDefault) — when pullguard knows them
 * (`env.tekton`: a config-defaults ConfigMap among `pullguard check`'s inputs).
 */
const taskRunContext: PodContext = (object, _at, env) => {
  const spec = obj(object['spec']);
  const pod = mergePodTemplateWithDefault(obj(spec['podTemplate']), env.tekton?.podTemplate);
  return podFields({ serviceAccountName: first(spec['serviceAccountName'], env.tekton?.serviceAccountName), ...tektonPodTemplate(pod) });
};

/**
 * A PipelineRun's pipeline task (pkg/apis/pipeline/v1/pipelinerun_types.go, GetTaskRunSpec): the
 * `spec.taskRunTemplate` ServiceAccount and pod template — defaulted from config-defaults as for a
 * TaskRun (pipelinerun_defaults.go SetDefaults) — overridden by the `spec.taskRunSpecs[]` entry whose
 * `pipelineTaskName` is the task's name (pod.MergePodTemplateWithDefault: field by field). The v1beta1
 * names are `spec.serviceAccountName`, `spec.podTemplate`, and `taskServiceAccountName` /
 * `taskPodTemplate` in taskRunSpecs (pkg/apis/pipeline/v1beta1/pipelinerun_types.go).
 */
const pipelineRunContext: PodContext = (object, at, env) => {
  const spec = obj(object['spec']);
  const taskName = obj(valueAt(object, at.slice(0, -1)))['name'];
  const template = obj(spec['taskRunTemplate']);
  const base = tektonPodTemplate(mergePodTemplateWithDefault(obj(first(template['podTemplate'], spec['podTemplate'])), env.tekton?.podTemplate));
  let serviceAccountName = first(template['serviceAccountName'], spec['serviceAccountName'], env.tekton?.serviceAccountName);
  let pod = base;
  const specs = Array.isArray(spec['taskRunSpecs']) ? (spec['taskRunSpecs'] as unknown[]) : [];
  for (const s of specs.map(obj)) {
    if (typeof taskName !== 'string' || s['pipelineTaskName'] !== taskName) continue;
    const own = tektonPodTemplate(obj(first(s['podTemplate'], s['taskPodTemplate'])));
    pod = { imagePullSecrets: first(own['imagePullSecrets'], pod['imagePullSecrets']), nodeSelector: first(own['nodeSelector'], pod['nodeSelector']), affinity: first(own['affinity'], pod['affinity']) };
    serviceAccountName = first(s['serviceAccountName'], s['taskServiceAccountName'], serviceAccountName);
  }
  return podFields({ serviceAccountName, ...pod });
};

// --- the table ----------------------------------------------------------------------------------

const KUBERNETES: Row[] = [
  // k8s.io/api core/v1, apps/v1, batch/v1 (and the deprecated groups with the same shape).
  { kind: 'Pod', groups: [''], versions: ['v1'], resource: 'pods', project: 'Kubernetes', podSpecs: ['spec'] },
  { kind: 'PodTemplate', groups: [''], versions: ['v1'], resource: 'podtemplates', project: 'Kubernetes', podSpecs: ['template.spec'] },
  { kind: 'ReplicationController', groups: [''], versions: ['v1'], resource: 'replicationcontrollers', project: 'Kubernetes', podSpecs: ['spec.template.spec'] },
  { kind: 'ReplicaSet', groups: ['apps', 'extensions'], versions: ['v1'], resource: 'replicasets', project: 'Kubernetes', podSpecs: ['spec.template.spec'] },
  { kind: 'Deployment', groups: ['apps', 'extensions'], versions: ['v1'], resource: 'deployments', project: 'Kubernetes', podSpecs: ['spec.template.spec'] },
  { kind: 'StatefulSet', groups: ['apps'], versions: ['v1'], resource: 'statefulsets', project: 'Kubernetes', podSpecs: ['spec.template.spec'] },
  { kind: 'DaemonSet', groups: ['apps', 'extensions'], versions: ['v1'], resource: 'daemonsets', project: 'Kubernetes', podSpecs: ['spec.template.spec'] },
  { kind: 'Job', groups: ['batch'], versions: ['v1'], resource: 'jobs', project: 'Kubernetes', podSpecs: ['spec.template.spec'] },
  { kind: 'CronJob', groups: ['batch'], versions: ['v1', 'v1beta1'], resource: 'cronjobs', project: 'Kubernetes', podSpecs: ['spec.jobTemplate.spec.template.spec'] },
];

const KUBEFLOW = (kind: string, resource: string, field: string, versions = ['v1']): Row => ({
  kind,
  groups: ['kubeflow.org'],
  versions,
  resource,
  project: 'Kubeflow Training Operator',
  // map[ReplicaType]*ReplicaSpec; ReplicaSpec.Template is a corev1.PodTemplateSpec
  // (kubeflow/training-operator pkg/apis/kubeflow.org/v1/*_types.go, common_types.go).
  podSpecs: [`spec.${field}[*].template.spec`],
});

const WELL_KNOWN: Row[] = [
  // argoproj/argo-rollouts pkg/apis/rollouts/v1alpha1/types.go: RolloutSpec.Template
  // corev1.PodTemplateSpec `json:"template"` (optional: `workloadRef` points at a Deployment instead).
  { kind: 'Rollout', groups: ['argoproj.io'], versions: ['v1alpha1'], resource: 'rollouts', project: 'Argo Rollouts', podSpecs: ['spec.template.spec'] },
  argoWorkflowKind('Workflow', 'workflows'),
  argoWorkflowKind('WorkflowTemplate', 'workflowtemplates'),
  argoWorkflowKind('ClusterWorkflowTemplate', 'clusterworkflowtemplates', false),
  {
    // cron_workflow_types.go: CronWorkflowSpec.WorkflowSpec `json:"workflowSpec"`.
    kind: 'CronWorkflow',
    groups: ['argoproj.io'],
    versions: ['v1alpha1'],
    resource: 'cronworkflows',
    project: 'Argo Workflows',
    pods: argoPods('spec.workflowSpec'),
    substitution: 'argo',
    elsewhere: (object, env) => argoReferences(object, ['spec', 'workflowSpec'], argoLookup(object, env), env),
  },
  // tektoncd/pipeline pkg/apis/pipeline/v1 (v1beta1 has the same fields for these paths).
  { kind: 'Task', groups: ['tekton.dev'], versions: ['v1', 'v1beta1'], resource: 'tasks', project: 'Tekton Pipelines', pods: [{ path: 'spec', containers: TEKTON_CONTAINERS, read: tektonTaskSpec() }], substitution: 'tekton' },
  {
    // taskrun_types.go: TaskRunSpec.TaskSpec *TaskSpec `json:"taskSpec"`.
    kind: 'TaskRun',
    groups: ['tekton.dev'],
    versions: ['v1', 'v1beta1'],
    resource: 'taskruns',
    project: 'Tekton Pipelines',
    pods: [{ path: 'spec.taskSpec', containers: TEKTON_CONTAINERS, read: tektonTaskSpec(taskRunContext) }],
    substitution: 'tekton',
  },
  {
    // pipeline_types.go: PipelineSpec.Tasks / Finally []PipelineTask; PipelineTask.TaskSpec
    // *EmbeddedTask, which embeds TaskSpec inline.
    kind: 'Pipeline',
    groups: ['tekton.dev'],
    versions: ['v1', 'v1beta1'],
    resource: 'pipelines',
    project: 'Tekton Pipelines',
    pods: [
      { path: 'spec.tasks[*].taskSpec', containers: TEKTON_CONTAINERS, read: tektonTaskSpec() },
      { path: 'spec.finally[*].taskSpec', containers: TEKTON_CONTAINERS, read: tektonTaskSpec() },
    ],
    substitution: 'tekton',
  },
  {
    // pipelinerun_types.go: PipelineRunSpec.PipelineSpec *PipelineSpec `json:"pipelineSpec"`.
    kind: 'PipelineRun',
    groups: ['tekton.dev'],
    versions: ['v1', 'v1beta1'],
    resource: 'pipelineruns',
    project: 'Tekton Pipelines',
    pods: [
      { path: 'spec.pipelineSpec.tasks[*].taskSpec', containers: TEKTON_CONTAINERS, read: tektonTaskSpec(pipelineRunContext) },
      { path: 'spec.pipelineSpec.finally[*].taskSpec', containers: TEKTON_CONTAINERS, read: tektonTaskSpec(pipelineRunContext) },
    ],
    substitution: 'tekton',
  },
  // pkg/apis/pipeline/v1beta1/stepaction_types.go (and v1alpha1): StepActionSpec.Image `json:"image"`.
  { kind: 'StepAction', groups: ['tekton.dev'], versions: ['v1beta1', 'v1alpha1'], resource: 'stepactions', project: 'Tekton Pipelines', images: ['spec.image'], imageNoun: 'step action', substitution: 'tekton' },
  // knative/serving pkg/apis/serving/v1: ServiceSpec and ConfigurationSpec hold
  // `template RevisionTemplateSpec`, whose Spec is a RevisionSpec that embeds corev1.PodSpec inline.
  { kind: 'Service', groups: ['serving.knative.dev'], versions: ['v1'], resource: 'services', project: 'Knative Serving', podSpecs: ['spec.template.spec'] },
  { kind: 'Configuration', groups: ['serving.knative.dev'], versions: ['v1'], resource: 'configurations', project: 'Knative Serving', podSpecs: ['spec.template.spec'] },
  { kind: 'Revision', groups: ['serving.knative.dev'], versions: ['v1'], resource: 'revisions', project: 'Knative Serving', podSpecs: ['spec'] },
  // ray-project/kuberay ray-operator/apis/ray/v1: HeadGroupSpec.Template and WorkerGroupSpec.Template
  // are corev1.PodTemplateSpec; RayJobSpec.RayClusterSpec `json:"rayClusterSpec"` and
  // SubmitterPodTemplate `json:"submitterPodTemplate"`; RayServiceSpec.RayClusterSpec `json:"rayClusterConfig"`.
  {
    kind: 'RayCluster',
    groups: ['ray.io'],
    versions: ['v1'],
    resource: 'rayclusters',
    project: 'KubeRay',
    podSpecs: ['spec.headGroupSpec.template.spec', 'spec.workerGroupSpecs[*].template.spec'],
  },
  {
    kind: 'RayJob',
    groups: ['ray.io'],
    versions: ['v1'],
    resource: 'rayjobs',
    project: 'KubeRay',
    podSpecs: ['spec.rayClusterSpec.headGroupSpec.template.spec', 'spec.rayClusterSpec.workerGroupSpecs[*].template.spec', 'spec.submitterPodTemplate.spec'],
  },
  {
    kind: 'RayService',
    groups: ['ray.io'],
    versions: ['v1'],
    resource: 'rayservices',
    project: 'KubeRay',
    podSpecs: ['spec.rayClusterConfig.headGroupSpec.template.spec', 'spec.rayClusterConfig.workerGroupSpecs[*].template.spec'],
  },
  // kubernetes-sigs/jobset api/jobset/v1alpha2/jobset_types.go: ReplicatedJob.Template
  // batchv1.JobTemplateSpec `json:"template"`.
  { kind: 'JobSet', groups: ['jobset.x-k8s.io'], versions: ['v1alpha2'], resource: 'jobsets', project: 'JobSet', podSpecs: ['spec.replicatedJobs[*].template.spec.template.spec'] },
  // kubernetes-sigs/lws api/leaderworkerset/v1/leaderworkerset_types.go: LeaderWorkerTemplate
  // LeaderTemplate *corev1.PodTemplateSpec `json:"leaderTemplate"`, WorkerTemplate `json:"workerTemplate"`.
  {
    kind: 'LeaderWorkerSet',
    groups: ['leaderworkerset.x-k8s.io'],
    versions: ['v1'],
    resource: 'leaderworkersets',
    project: 'LeaderWorkerSet',
    podSpecs: ['spec.leaderWorkerTemplate.leaderTemplate.spec', 'spec.leaderWorkerTemplate.workerTemplate.spec'],
  },
  KUBEFLOW('PyTorchJob', 'pytorchjobs', 'pytorchReplicaSpecs'),
  KUBEFLOW('TFJob', 'tfjobs', 'tfReplicaSpecs'),
  // kubeflow/mpi-operator serves MPIJob as kubeflow.org/v2beta1 with the same mpiReplicaSpecs shape.
  KUBEFLOW('MPIJob', 'mpijobs', 'mpiReplicaSpecs', ['v2beta1', 'v1']),
  KUBEFLOW('XGBoostJob', 'xgboostjobs', 'xgbReplicaSpecs'),
  KUBEFLOW('PaddleJob', 'paddlejobs', 'paddleReplicaSpecs'),
  KUBEFLOW('JAXJob', 'jaxjobs', 'jaxReplicaSpecs'),
];

/** Every built-in carrier: Kubernetes' own kinds, then the well-known custom resources. */
export const BUILTIN_CARRIERS: readonly Carrier[] = [...KUBERNETES.map((r) => row('kubernetes', r)), ...WELL_KNOWN.map((r) => row('well-known', r))];

/** The kinds of Kubernetes itself (their webhook rules are in manifests/base). */
export const KUBERNETES_CARRIERS: readonly Carrier[] = BUILTIN_CARRIERS.filter((c) => c.origin === 'kubernetes');

/** The well-known custom resources (their rules: manifests/components/custom-resources). */
export const CUSTOM_RESOURCE_CARRIERS: readonly Carrier[] = BUILTIN_CARRIERS.filter((c) => c.origin === 'well-known');

/** Kind names of Kubernetes' own carriers (kept for callers that only need the names). */
export const CARRIER_KINDS: readonly string[] = KUBERNETES_CARRIERS.map((c) => c.kind);

// --- user carriers (configuration) --------------------------------------------------------------

/** A user carrier as written in the configuration (validated by src/config/schema.ts). */
export interface CarrierConfig {
  readonly kind: string;
  readonly group: string;
  readonly versions?: readonly string[];
  readonly resource?: string;
  readonly namespaced?: boolean;
  readonly podSpecs?: readonly string[];
  readonly containers?: readonly string[];
  readonly initContainers?: readonly string[];
  readonly images?: readonly string[];
}

/**
 * A configured carrier as a row. Its `containers` and `images` paths are read from the object root,
 * and the pod they make gets no imagePullSecrets or ServiceAccount of its own (the namespace's
 * `default` ServiceAccount applies): describe the pod spec with `podSpecs` when the kind has one.
 * The paths are validated with the configuration; a bad one here is a programming error.
 */
export function configuredCarrier(c: CarrierConfig): Carrier {
  const containers: { path: string; slot: ImageSlot }[] = [
    ...(c.containers ?? []).map((p) => ({ path: p, slot: 'containers' as const })),
    ...(c.initContainers ?? []).map((p) => ({ path: p, slot: 'initContainers' as const })),
  ];
  return row('configuration', {
    kind: c.kind,
    groups: [c.group],
    versions: [...(c.versions ?? [])],
    resource: c.resource ?? '',
    namespaced: c.namespaced ?? true,
    project: 'configuration',
    podSpecs: [...(c.podSpecs ?? [])],
    // Containers are relative to a pod-like node; for configured carriers that node is the object.
    pods: containers.length > 0 ? [{ path: '', containers }] : [],
    images: [...(c.images ?? [])],
  });
}

/** Carriers by `group/kind`: the configured ones first, so a configuration can redefine a built-in. */
export interface CarrierIndex {
  lookup(group: string, kind: string): Carrier | undefined;
  readonly all: readonly Carrier[];
}

const indexes = new WeakMap<readonly CarrierConfig[], CarrierIndex>();

function buildIndex(configured: readonly Carrier[]): CarrierIndex {
  const byKey = new Map<string, Carrier>();
  for (const c of [...BUILTIN_CARRIERS, ...configured]) for (const g of c.groups) byKey.set(`${g}/${c.kind}`, c);
  return { lookup: (group, kind) => byKey.get(`${group}/${kind}`), all: [...configured, ...BUILTIN_CARRIERS] };
}

const BUILTIN_INDEX = buildIndex([]);

/** The carrier table with a configuration's `carriers:` added (memoized per configuration). */
export function carrierIndex(configured: readonly CarrierConfig[] | undefined): CarrierIndex {
  if (!configured || configured.length === 0) return BUILTIN_INDEX;
  let index = indexes.get(configured);
  if (!index) {
    index = buildIndex(configured.map(configuredCarrier));
    indexes.set(configured, index);
  }
  return index;
}

/** The carrier for an object's group and kind, if pullguard reads that kind. */
export function carrierFor(group: string, kind: string, configured?: readonly CarrierConfig[]): Carrier | undefined {
  return carrierIndex(configured).lookup(group, kind);
}

/** One API resource to list, watch or route to the webhook: a carrier kind in one group. */
export interface CarrierResource {
  readonly group: string;
  /** Served versions, preferred first. */
  readonly versions: readonly string[];
  /** Plural resource name (`rollouts`); '' for a configured kind that names none. */
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly origin: CarrierOrigin;
}

/**
 * Every (group, resource) of the table, the configuration's own carriers first: what the audit lists
 * and the webhook rules name. Kubernetes' deprecated groups (extensions) are included; callers that
 * talk to a cluster skip what it does not serve.
 */
export function carrierResources(configured?: readonly CarrierConfig[]): CarrierResource[] {
  return carrierIndex(configured).all.flatMap((c) =>
    c.groups.map((group) => ({ group, versions: c.versions, resource: c.resource, kind: c.kind, namespaced: c.namespaced, origin: c.origin })),
  );
}
