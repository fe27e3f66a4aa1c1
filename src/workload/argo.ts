/**
 * The pod an Argo Workflows template becomes, read the way the workflow controller builds it. Every
 * rule is the controller's own, cited from argoproj/argo-workflows v3.7.18:
 *
 *   templateDefaults  workflow/controller/operator.go mergedTemplateDefaultsInto: `spec.templateDefaults`
 *                     is strategic-merged under every template before it runs (the template wins; the
 *                     defaults of another template type — `script` for a `container` template — are
 *                     dropped first). `initContainers` and `sidecars` merge by `name`
 *                     (pkg/apis/workflow/v1alpha1/workflow_types.go, Template: patchMergeKey "name");
 *                     `containerSet.containers` has no merge key and is replaced whole, so defaults give
 *                     a container set no image.
 *   main container    a `container` or `script` template's container is named "main"
 *                     (workflow/common/common.go MainContainerName).
 *   ServiceAccount    workflow/controller/workflowpod.go setupServiceAccount: the template's, else the
 *                     workflow's `spec.serviceAccountName` (else the namespace's `default`).
 *                     `executor.serviceAccountName` only mounts a token for Argo's own executor; the
 *                     pod, and so its pulls, keep the ServiceAccount above.
 *   pull secrets      createWorkflowPod: the pod's imagePullSecrets are the workflow's
 *                     `spec.imagePullSecrets` (a template has none of its own).
 *   nodes             addSchedulingConstraints: the template's nodeSelector (templateDefaults merged
 *                     in), else the boundary template's — the steps/dag template that calls it
 *                     (GetBoundaryTemplate) — else the workflow's; the same for affinity. No merge
 *                     between the three: the first that is set wins whole.
 *   podSpecPatch      processPodSpecPatch and workflow/util/util.go ApplyPodSpecPatch: the workflow's
 *                     `spec.podSpecPatch`, then the template's, each YAML or JSON, strategic-merged into
 *                     the pod spec: a container of the same name gets the patch's image, a new name is
 *                     a new container. `{{…}}` in a patch is substituted first (common.ProcessArgs).
 *
 * What the controller takes from other objects — a `templateRef` to a template of a WorkflowTemplate,
 * a `workflowTemplateRef` to a whole one — is read when that object is known (argoReferences below:
 * `pullguard check` with it among its inputs), else reported as a note. The controller's own
 * `workflowDefaults` (its configuration ConfigMap) are the third layer of the workflow that runs
 * (argoDefaults, argoReferences): merged in when known (CarrierEnvironment.argo), else a missing
 * credential is uncertain (PodReading.credentialsElsewhere), never a denial.
 *
 * Pure.
 */
import { parse as parseYaml } from 'yaml';
import type { ImageUse } from '../findings/types.js';
import type { ArgoDefaults, CarrierEnvironment, CredentialsElsewhere, PodNote, PodReading } from './reading.js';
import { valueAt } from './paths.js';

type Json = Record<string, unknown>;
type Keys = readonly (string | number)[];

/** The name of the main container of a container or script template (workflow/common/common.go MainContainerName). */
export const MAIN_CONTAINER = 'main';

/** A template's container-like entries (relative paths), for the carrier table and its docs. */
export const ARGO_CONTAINER_PATHS: readonly { readonly path: string; readonly slot: ImageUse['slot']; readonly defaultName?: string }[] = [
  { path: 'container', slot: 'containers', defaultName: MAIN_CONTAINER },
  { path: 'script', slot: 'containers', defaultName: MAIN_CONTAINER },
  { path: 'containerSet.containers[*]', slot: 'containers' },
  { path: 'initContainers[*]', slot: 'initContainers' },
  { path: 'sidecars[*]', slot: 'containers' },
];

/** Template types in the order Template.GetType tests them (workflow_types.go). */
const TEMPLATE_TYPES = ['container', 'containerSet', 'steps', 'dag', 'script', 'resource', 'data', 'suspend', 'http', 'plugin'] as const;

/** Template-type fields whose defaults apply only to a template of that type (mergedTemplateDefaultsInto). */
const TYPE_FIELDS: ReadonlySet<string> = new Set(['container', 'containerSet', 'dag', 'script', 'resource', 'data', 'suspend', 'http', 'plugin']);

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown): Json {
  return isObject(v) ? v : {};
}

/** Set as Go's `omitempty` marshals it: not absent, null, '', an empty list or an empty map. */
function isSet(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObject(v)) return Object.keys(v).length > 0;
  return true;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

const fieldOf = (keys: Keys): string => keys.reduce<string>((f, k) => (typeof k === 'number' ? `${f}[${k}]` : f === '' ? k : `${f}.${k}`), '');

/** Template.GetType: the first template-type field that is set. */
export function templateType(tmpl: Json): string | null {
  for (const t of TEMPLATE_TYPES) if (tmpl[t] !== undefined && tmpl[t] !== null) return t;
  return null;
}

/**
 * A strategic merge of `patch` over `base` for the fields that matter here: maps merge key by key,
 * the patch's scalars and lists win, a null in the patch deletes (k8s.io/apimachinery strategicpatch,
 * lists without a merge key are replaced).
 */
function merge(base: unknown, patch: unknown): unknown {
  if (patch === undefined) return base;
  if (!isObject(base) || !isObject(patch)) return patch;
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(base[k], v);
  }
  return out;
}

/** A container-like entry: its name, image and where that image was written. */
interface Entry {
  readonly slot: ImageUse['slot'];
  /** Argo's word for the entry when it is not `container`/`init container`: `sidecar`. */
  readonly noun?: string;
  readonly name: string;
  /** Field of the entry (`spec.templates[0].sidecars[1]`). */
  readonly at: string;
  readonly value: unknown;
  /** Where the image comes from when the entry has none (templateDefaults), else null. */
  readonly fallback: { readonly field: string; readonly image: unknown } | null;
}

function useOf(e: Entry, within: string): ImageUse | null {
  const named = { slot: e.slot, within, ...(e.noun ? { noun: e.noun } : {}) };
  if (!isObject(e.value)) return { container: '', ...named, field: `${e.at}.image`, image: null, problem: `${e.at} is ${describe(e.value)}, not a container` };
  const own = e.value['image'];
  // Go's omitempty: an image "" is not marshalled, so the default's image applies.
  const [image, field] = isSet(own) || !e.fallback ? [own, `${e.at}.image`] : [e.fallback.image, e.fallback.field];
  if (typeof image === 'string') return { container: e.name, ...named, field, image, problem: null };
  if (image === undefined || image === null || image === '') return null;
  return { container: e.name, ...named, field, image: null, problem: `image is ${describe(image)}, not a string` };
}

/** A merge-by-name list (initContainers, sidecars): the template's entries over the defaults'. */
function mergedByName(slot: ImageUse['slot'], noun: string | undefined, tmplList: unknown, tmplField: string, defList: unknown, defField: string, problems: PodNote[]): Entry[] {
  const entries: Entry[] = [];
  const own = Array.isArray(tmplList) ? tmplList : [];
  if (tmplList !== undefined && tmplList !== null && !Array.isArray(tmplList)) problems.push({ field: tmplField, message: `${tmplField} is ${describe(tmplList)}, not a list` });
  const defaults = Array.isArray(defList) ? defList : [];
  const byName = new Map<string, { index: number; value: Json }>();
  defaults.forEach((d, i) => {
    if (isObject(d) && typeof d['name'] === 'string') byName.set(d['name'], { index: i, value: d });
  });
  const taken = new Set<string>();
  own.forEach((c, i) => {
    if (c === null || c === undefined) return;
    const name = isObject(c) && typeof c['name'] === 'string' && c['name'] !== '' ? c['name'] : `#${i}`;
    const d = isObject(c) && typeof c['name'] === 'string' ? byName.get(c['name']) : undefined;
    if (d) taken.add(c['name'] as string);
    entries.push({ slot, ...(noun ? { noun } : {}), name, at: `${tmplField}[${i}]`, value: c, fallback: d ? { field: `${defField}[${d.index}].image`, image: d.value['image'] } : null });
  });
  // Entries only the defaults have are added to the template's list by the merge.
  for (const [name, d] of byName) {
    if (!taken.has(name)) entries.push({ slot, ...(noun ? { noun } : {}), name, at: `${defField}[${d.index}]`, value: d.value, fallback: null });
  }
  return entries;
}

/** The pod-level fields and images a podSpecPatch sets, parsed; or why it cannot be read. */
type Patch = { readonly ok: true; readonly spec: Json } | { readonly ok: false; readonly why: string; readonly templated: boolean };

function readPatch(text: unknown): Patch {
  if (typeof text !== 'string') return { ok: false, why: `it is ${describe(text)}, not a string`, templated: false };
  if (/\{\{.*\}\}/s.test(text)) return { ok: false, why: 'it uses {{…}}, which Argo substitutes when the pod is made', templated: true };
  let spec: unknown;
  try {
    spec = parseYaml(text, { uniqueKeys: false });
  } catch (err) {
    return { ok: false, why: `it is not YAML or JSON (${(err as Error).message.split('\n')[0]}); Argo fails the step ("Failed to convert the PodSpecPatch yaml to json")`, templated: false };
  }
  if (!isObject(spec)) return { ok: false, why: `it is ${describe(spec)}, not a pod spec; Argo fails the step ("invalid podSpecPatch")`, templated: false };
  return { ok: true, spec };
}

/**
 * The pod of the template at `at` (a `spec.templates[i]`, or an inline template of a step or DAG task
 * under it) of the workflow spec at `specKeys`; `owner` names the object the template was written in
 * when that is not this one (`WorkflowTemplate "ci"`, for a workflowTemplateRef).
 */
export function argoTemplatePod(object: Json, specKeys: Keys, at: Keys, owner?: string): PodReading {
  const notes: PodNote[] = [];
  const boundary = boundaryOf(object, specKeys, at, notes);
  const named = templateName(object, specKeys, at);
  const pod = podOf(obj(valueAt(object, specKeys)), fieldOf(specKeys), obj(valueAt(object, at)), fieldOf(at), boundary, owner ? `${named} of ${owner}` : named);
  // Where a template is called from matters only for a template that makes a pod.
  return pod.uses.length > 0 ? { ...pod, notes: [...notes, ...pod.notes] } : pod;
}

/**
 * The pod of template `tmpl` (written at `tmplField`) run by the workflow whose spec is `spec` (its
 * templateDefaults, ServiceAccount, pull secrets, nodes and podSpecPatch: the controller's execWf),
 * called from `boundary` (its nodeSelector and affinity), named `within` in messages.
 */
function podOf(spec: Json, specField: string, tmpl: Json, tmplField: string, boundary: Json, within: string): PodReading {
  const type = templateType(tmpl);
  const notes: PodNote[] = [];

  // templateDefaults, without the template-type fields of other types (mergedTemplateDefaultsInto).
  const defField = `${specField}.templateDefaults`;
  const defaults: Json = { ...obj(spec['templateDefaults']) };
  for (const f of TYPE_FIELDS) if (f !== type) delete defaults[f];

  const entries: Entry[] = [];
  if (type === 'container' || type === 'script') {
    const d = obj(defaults[type]);
    entries.push({ slot: 'containers', name: MAIN_CONTAINER, at: `${tmplField}.${type}`, value: tmpl[type], fallback: isSet(d['image']) ? { field: `${defField}.${type}.image`, image: d['image'] } : null });
  } else if (type === 'containerSet') {
    const list = obj(tmpl['containerSet'])['containers'];
    const at2 = `${tmplField}.containerSet.containers`;
    if (Array.isArray(list)) {
      list.forEach((c, i) => {
        if (c === null || c === undefined) return;
        const name = isObject(c) && typeof c['name'] === 'string' && c['name'] !== '' ? c['name'] : `#${i}`;
        entries.push({ slot: 'containers', name, at: `${at2}[${i}]`, value: c, fallback: null });
      });
    } else if (list !== undefined && list !== null) notes.push({ field: at2, message: `${at2} is ${describe(list)}, not a list` });
  }
  entries.push(...mergedByName('initContainers', undefined, tmpl['initContainers'], `${tmplField}.initContainers`, defaults['initContainers'], `${defField}.initContainers`, notes));
  entries.push(...mergedByName('containers', 'sidecar', tmpl['sidecars'], `${tmplField}.sidecars`, defaults['sidecars'], `${defField}.sidecars`, notes));
  // A template that makes no pod (steps, dag, resource…) still carries its defaults' sidecars only
  // in the merged object; it runs no containers of them.
  const makesPod = type === 'container' || type === 'script' || type === 'containerSet';
  let uses = makesPod ? entries.map((e) => useOf(e, within)).filter((u): u is ImageUse => u !== null) : [];

  // The pod-level fields (setupServiceAccount, createWorkflowPod, addSchedulingConstraints).
  const own = (k: string): unknown => merge(defaults[k], tmpl[k]);
  const nodeSelector = own('nodeSelector');
  const affinity = own('affinity');
  let podSpec: Json = {};
  const set = (k: string, v: unknown): void => {
    if (isSet(v)) podSpec[k] = v;
  };
  set('serviceAccountName', isSet(own('serviceAccountName')) ? own('serviceAccountName') : spec['serviceAccountName']);
  set('imagePullSecrets', spec['imagePullSecrets']);
  set('nodeSelector', isSet(nodeSelector) ? nodeSelector : isSet(boundary['nodeSelector']) ? boundary['nodeSelector'] : spec['nodeSelector']);
  set('affinity', isSet(affinity) ? affinity : isSet(boundary['affinity']) ? boundary['affinity'] : spec['affinity']);

  // podSpecPatch: the workflow's, then the template's (a template's own replaces its default's).
  const replaced: string[] = [];
  // An image "" the defaults fill in was read too.
  for (const e of entries) if (makesPod && e.fallback && isObject(e.value) && e.value['image'] === '') replaced.push(`${e.at}.image`);
  const patches: { field: string; text: unknown }[] = [];
  if (isSet(spec['podSpecPatch'])) patches.push({ field: `${specField}.podSpecPatch`, text: spec['podSpecPatch'] });
  if (isSet(tmpl['podSpecPatch'])) patches.push({ field: `${tmplField}.podSpecPatch`, text: tmpl['podSpecPatch'] });
  else if (isSet(defaults['podSpecPatch'])) patches.push({ field: `${defField}.podSpecPatch`, text: defaults['podSpecPatch'] });
  if (makesPod) {
    for (const p of patches) {
      const read = readPatch(p.text);
      if (!read.ok) {
        notes.push({ field: p.field, message: `the podSpecPatch at ${p.field} is not read: ${read.why}; images and pull secrets it sets are not checked` });
        continue;
      }
      const applied = applyPatch(uses, podSpec, read.spec, p.field, replaced, within);
      uses = applied.uses;
      podSpec = applied.podSpec;
    }
  }
  return { uses, podSpec, replaced, notes };
}

/** The pod's containers and fields after one podSpecPatch (ApplyPodSpecPatch: a strategic merge). */
function applyPatch(uses: readonly ImageUse[], podSpec: Json, patch: Json, field: string, replaced: string[], within: string): { uses: ImageUse[]; podSpec: Json } {
  const out = [...uses];
  for (const slot of ['initContainers', 'containers'] as const) {
    const list = patch[slot];
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (!isObject(c) || typeof c['name'] !== 'string') continue;
      const image = c['image'];
      if (image === undefined || image === null || image === '') continue;
      const i = out.findIndex((u) => u.slot === slot && u.container === c['name']);
      // A container the patch adds is a plain container of the pod; one it changes keeps its noun.
      const noun = i === -1 ? undefined : out[i]?.noun;
      const base = { container: c['name'], slot, within, ...(noun ? { noun } : {}), field };
      const use: ImageUse = typeof image === 'string' ? { ...base, image, problem: null } : { ...base, image: null, problem: `image is ${describe(image)}, not a string` };
      if (i === -1) out.push(use);
      else {
        replaced.push((out[i] as ImageUse).field);
        out[i] = use;
      }
    }
  }
  const next: Json = { ...podSpec };
  for (const k of ['serviceAccountName', 'nodeSelector', 'affinity'] as const) {
    if (patch[k] !== undefined) {
      const v = merge(next[k], patch[k]);
      if (isSet(v)) next[k] = v;
      else delete next[k];
    }
  }
  // PodSpec.imagePullSecrets: patchStrategy merge, patchMergeKey name.
  if (Array.isArray(patch['imagePullSecrets'])) {
    const merged = Array.isArray(next['imagePullSecrets']) ? [...(next['imagePullSecrets'] as unknown[])] : [];
    for (const s of patch['imagePullSecrets']) {
      if (!isObject(s)) continue;
      if (!merged.some((m) => isObject(m) && m['name'] === s['name'])) merged.push(s);
    }
    if (merged.length > 0) next['imagePullSecrets'] = merged;
  }
  return { uses: out, podSpec: next };
}

/**
 * How a template is named in messages: `template "build"`; an inline one by the step or DAG task it is
 * written in (`step "build"`, `task "scan"`), which is what Argo names its node after.
 */
function templateName(object: Json, specKeys: Keys, at: Keys): string {
  const tmpl = obj(valueAt(object, at));
  const inline = at[at.length - 1] === 'inline';
  if (inline) {
    const holder = obj(valueAt(object, at.slice(0, -1)));
    const noun = at.includes('dag') ? 'task' : 'step';
    return typeof holder['name'] === 'string' && holder['name'] !== '' ? `${noun} ${JSON.stringify(holder['name'])}` : `${noun} at ${fieldOf(at.slice(0, -1))}`;
  }
  void specKeys;
  return typeof tmpl['name'] === 'string' && tmpl['name'] !== '' ? `template ${JSON.stringify(tmpl['name'])}` : `template #${String(at[at.length - 1])}`;
}

/**
 * The nodeSelector and affinity of the template that calls the one at `at` (its boundary): for an
 * inline template, the template it is written in; otherwise the steps/dag templates that name it. A
 * template called from boundaries that disagree is checked with the first, and a note says so.
 */
function boundaryOf(object: Json, specKeys: Keys, at: Keys, notes: PodNote[]): Json {
  const templatesAt = [...specKeys, 'templates'];
  const inline = at.length > templatesAt.length + 1;
  const pick = (t: Json): Json => ({ nodeSelector: t['nodeSelector'], affinity: t['affinity'] });
  if (inline) return pick(obj(valueAt(object, at.slice(0, templatesAt.length + 1))));
  const spec = obj(valueAt(object, specKeys));
  const name = obj(valueAt(object, at))['name'];
  if (typeof name !== 'string' || name === '') return {};
  const templates = Array.isArray(spec['templates']) ? (spec['templates'] as unknown[]) : [];
  const callers: { name: string; value: Json }[] = [];
  // The entrypoint and the exit handler run at the top: no boundary.
  if (spec['entrypoint'] === name || spec['onExit'] === name) callers.push({ name: 'the workflow', value: {} });
  for (const t of templates.map(obj)) {
    const calls = [...(Array.isArray(t['steps']) ? (t['steps'] as unknown[]).flatMap((g) => (Array.isArray(g) ? g : [])) : []), ...(Array.isArray(obj(t['dag'])['tasks']) ? (obj(t['dag'])['tasks'] as unknown[]) : [])];
    if (calls.some((c) => isObject(c) && c['template'] === name && !isSet(c['templateRef']))) callers.push({ name: `template ${JSON.stringify(t['name'])}`, value: pick(t) });
  }
  if (callers.length === 0) return {};
  const key = (v: Json): string => JSON.stringify([isSet(v['nodeSelector']) ? v['nodeSelector'] : null, isSet(v['affinity']) ? v['affinity'] : null]);
  const first = callers[0] as { name: string; value: Json };
  const others = callers.filter((c) => key(c.value) !== key(first.value));
  const tmplAt = fieldOf(at);
  const own = obj(valueAt(object, at));
  if (others.length > 0 && !(isSet(own['nodeSelector']) && isSet(own['affinity']))) {
    notes.push({
      field: tmplAt,
      message: `template ${JSON.stringify(name)} is called from places with different nodeSelector or affinity (${[first, ...others].map((c) => c.name).join(', ')}); its platforms are checked as called from ${first.name}`,
    });
  }
  return first.value;
}

type TemplateKind = 'WorkflowTemplate' | 'ClusterWorkflowTemplate';

/** Finds a WorkflowTemplate or ClusterWorkflowTemplate among what is known (pullguard check: its inputs). */
export type WorkflowTemplateLookup = (kind: TemplateKind, name: string) => Json | undefined;

/**
 * How many templates deep a chain of calls is followed below a reference (steps and DAG tasks calling
 * templates, templateRefs into further objects): Argo's own limit on nested templates
 * (v3.7.18 workflow/controller/controller.go:74 maxAllowedStackDepth = 100; operator.go:2030
 * executeTemplate fails the node with ErrMaxDepthExceeded, "Maximum recursion depth exceeded", beyond
 * it). A cycle — a recursive template, which Argo allows — is followed once: going round again finds
 * no other pod.
 */
export const MAX_TEMPLATE_DEPTH = 100;

/** What the references of a workflow give: pods of the referenced templates that could be read, and notes. */
export interface ArgoReferences {
  readonly pods: readonly { readonly field: string; readonly reading: PodReading }[];
  readonly notes: readonly PodNote[];
}

const kindOf = (r: Json): TemplateKind => (r['clusterScope'] === true ? 'ClusterWorkflowTemplate' : 'WorkflowTemplate');
const ownerName = (kind: TemplateKind, name: string): string => `${kind} ${JSON.stringify(name)}`;

/**
 * Steps and DAG tasks that run a template of another object (`templateRef`), and a workflow that takes
 * its spec from one (`workflowTemplateRef`): the controller reads that object when it runs
 * (workflow/templateresolution/context.go). When `lookup` finds it (pullguard check, with the
 * WorkflowTemplate among its inputs), its templates are read as this workflow runs them; otherwise
 * each reference gets a note.
 *
 * workflowTemplateRef (v3.7.18 workflow/controller/operator.go:4204 setExecWorkflow → :4315
 * setStoredWfSpec → workflow/util/merge.go:275 JoinWorkflowSpec): the workflow that runs (execWf) is
 * this workflow's spec merged over the template's (merge.go:193 MergeTo: a strategic merge, this
 * workflow's fields win; templateDefaults, arguments, serviceAccountName, imagePullSecrets,
 * nodeSelector, affinity, podSpecPatch all come through it), and the pod takes execWf's fields
 * (workflowpod.go:92 podSpecPatch, :214 imagePullSecrets). A workflow with both `workflowTemplateRef`
 * and templates of its own is refused by Argo (workflow/validate/validate.go:362
 * ValidateWorkflowTemplateRefFields) and so not merged. The controller's `workflowDefaults` (the
 * third layer of JoinWorkflowSpec) are not known here. Under
 * `templateReferencing: Strict`/`Secure` the controller refuses a workflow that overrides these fields
 * (ValidateUserOverrides), so where it runs at all, the merge below is what runs.
 *
 * templateRef: the template runs as part of this workflow (execWf: this workflow's templateDefaults,
 * ServiceAccount, pull secrets, nodes and podSpecPatch), with the calling template as its boundary; a
 * steps/DAG template there calls the templates of its own object (its template scope,
 * context.go WithTemplateHolder), and its own templateRefs lead further, MAX_TEMPLATE_DEPTH deep.
 *
 * Images found in another object are reported at the reference's line in this one.
 */
export function argoReferences(object: Json, specKeys: Keys, lookup?: WorkflowTemplateLookup, env: CarrierEnvironment = {}): ArgoReferences {
  const read = referencesOf(object, specKeys, lookup, env);
  // Pods read from the workflow's own templates carry this in argoTemplateReader.
  if (env.argo !== undefined) return read;
  const elsewhere = defaultsNotRead(env);
  return { pods: read.pods.map((p) => ({ ...p, reading: { ...p.reading, credentialsElsewhere: elsewhere } })), notes: read.notes };
}

function referencesOf(object: Json, specKeys: Keys, lookup: WorkflowTemplateLookup | undefined, env: CarrierEnvironment): ArgoReferences {
  const spec = obj(valueAt(object, specKeys));
  const defaults = defaultsToMerge(env);
  const wtr = spec['workflowTemplateRef'];
  if (!isObject(wtr) || typeof wtr['name'] !== 'string') {
    return defaults ? fromExec(object, specKeys, { defaults, configMap: configMapOf(env) }, lookup) : referencesIn(object, specKeys, lookup);
  }
  const field = `${fieldOf(specKeys)}.workflowTemplateRef`;
  const kind = kindOf(wtr);
  const target = ownerName(kind, wtr['name']);
  const other = lookup?.(kind, wtr['name']);
  const ownTemplates = Array.isArray(spec['templates']) && spec['templates'].length > 0;
  const layers = defaults ? { defaults, configMap: configMapOf(env) } : {};
  if (other && !ownTemplates) return fromExec(object, specKeys, { ...layers, template: { spec: obj(other['spec']), owner: target, refField: field } }, lookup);
  const own = defaults ? fromExec(object, specKeys, { defaults, configMap: configMapOf(env) }, lookup) : referencesIn(object, specKeys, lookup);
  const message = other
    ? `this workflow has templates of its own and a workflowTemplateRef to ${target}: Argo refuses it ("Templates is invalid field in spec if workflow referred WorkflowTemplate reference"), so it runs no pod; its own templates are checked as written, ${target} is not merged in`
    : `this workflow runs the templates of ${target} (workflowTemplateRef), which are not read here: their images are checked where that ${kind} itself is checked or applied`;
  return { pods: own.pods, notes: [{ field, message }, ...own.notes] };
}

// --- the controller's workflowDefaults ----------------------------------------------------------

/**
 * Where the workflow controller reads its configuration unless told otherwise: the ConfigMap named by
 * its `--configmap` flag (v3.7.18 cmd/workflow-controller/main.go:198, default common.ConfigMapName
 * `workflow-controller-configmap`) in its own namespace (`argo` in the project's install manifests;
 * helm names it `<release>-workflow-controller-configmap`).
 */
export const ARGO_CONFIG = { namespace: 'argo', name: 'workflow-controller-configmap' } as const;

/**
 * The controller's `workflowDefaults` out of its ConfigMap's data, read as v3.7.18 config/controller.go
 * parseConfigMap reads it: either the whole configuration as YAML under the one key `config` (the older
 * format the argo-helm chart still writes; a `config` key beside others is refused: "if you have an item
 * in your config map named 'config', you must only have one item"), or every key as a top-level
 * field of it (`workflowDefaults: |` — a value with a newline is indented under its key, others
 * written inline, then the whole is parsed as YAML). `workflowDefaults` is a Workflow
 * (config/config.go:87 Config.WorkflowDefaults *wfv1.Workflow): its `spec` is what is merged into
 * workflows; its metadata decides no pod. A configuration without it gives no defaults.
 *
 * Text the controller could not parse is a problem: the controller itself stops on it
 * (workflow/controller/controller.go updateConfigFromConfigMap: log.Fatalf "Failed to parse controller
 * config map"), so what it runs with is not known. pullguard reads only `workflowDefaults`: the
 * controller's strict check of the other keys' fields (yaml.UnmarshalStrict) is not repeated.
 */
export function argoDefaults(data: unknown, parse: (text: string) => unknown): { readonly defaults: ArgoDefaults; readonly problem: string | null } {
  const d = isObject(data) ? data : {};
  const keys = Object.keys(d);
  let text: string;
  if (keys.includes('config')) {
    if (keys.length !== 1) return { defaults: {}, problem: `it has the key "config" and ${keys.length - 1} other key${keys.length > 2 ? 's' : ''}, which the controller refuses ("if you have an item in your config map named 'config', you must only have one item")` };
    text = String(d['config']);
  } else {
    text = keys
      .map((name) => {
        const value = String(d[name]);
        // strings.Trim(value, "\n"), every line indented by two spaces.
        return value.includes('\n') ? `${name}:\n  ${value.replace(/^\n+|\n+$/g, '').split('\n').join('\n  ')}\n` : `${name}: ${value}\n`;
      })
      .join('');
  }
  let config: unknown;
  try {
    config = parse(text);
  } catch (err) {
    // The yaml library's first line ends with ':' before the excerpt it shows on the next lines.
    return { defaults: {}, problem: `its configuration is not YAML: ${(err as Error).message.split('\n')[0]!.replace(/:$/, '')}` };
  }
  if (config === null || config === undefined) return { defaults: {}, problem: null };
  if (!isObject(config)) return { defaults: {}, problem: `its configuration is ${describe(config)}, not a map of settings` };
  const wd = config['workflowDefaults'];
  if (wd === undefined || wd === null) return { defaults: {}, problem: null };
  if (!isObject(wd)) return { defaults: {}, problem: `workflowDefaults is ${describe(wd)}, not a Workflow` };
  const spec = wd['spec'];
  if (spec === undefined || spec === null) return { defaults: {}, problem: null };
  if (!isObject(spec)) return { defaults: {}, problem: `workflowDefaults.spec is ${describe(spec)}, not a workflow spec` };
  return { defaults: { spec }, problem: null };
}

/** How messages name the ConfigMap: `argo/workflow-controller-configmap`. */
function configMapOf(env: CarrierEnvironment): string {
  return env.argoConfigMap ?? `${ARGO_CONFIG.namespace}/${ARGO_CONFIG.name}`;
}

/** The defaults' spec when there is one to merge (known and not empty); else undefined. */
function defaultsToMerge(env: CarrierEnvironment): Json | undefined {
  const spec = env.argo?.spec;
  return spec !== undefined && isSet(spec) ? spec : undefined;
}

/**
 * How a workflow's uncertain credential is phrased while the controller's workflowDefaults are not
 * known. Every workflow is uncertain then, not only one that sets no pull secrets: the defaults' are
 * merged by name into the workflow's own (WorkflowSpec.imagePullSecrets, patchMergeKey "name",
 * workflow_types.go:351), and their serviceAccountName applies where the workflow sets none.
 */
function defaultsNotRead(env: CarrierEnvironment): CredentialsElsewhere {
  const at = configMapOf(env);
  const why = env.argoUnknown ? `: ${env.argoUnknown}` : '';
  return {
    text: `Argo's workflowDefaults (ConfigMap ${at}) may set the workflow's ServiceAccount and add pull secrets, and were not read${why}`,
    short: "Argo's workflowDefaults (unread)",
    fix: `give the workflow a pull secret for the registry (spec.imagePullSecrets), or let pullguard read ConfigMap ${at} (among pullguard check's inputs; serve and audit read it from the cluster)`,
  };
}

/**
 * The reader of one template of the workflow spec at `specKeys` (the carrier table's pod sites). While
 * there are workflowDefaults to merge, every pod is read from the merged spec instead (argoReferences,
 * which knows which lines they come from), so this reads nothing.
 */
export function argoTemplateReader(specKeys: Keys): (object: Json, at: Keys, env: CarrierEnvironment) => PodReading {
  return (object, at, env) => {
    if (defaultsToMerge(env)) return { uses: [], podSpec: {}, replaced: [], notes: [] };
    const pod = argoTemplatePod(object, specKeys, at);
    return env.argo === undefined ? { ...pod, credentialsElsewhere: defaultsNotRead(env) } : pod;
  };
}

/** A workflow spec that is `spec` merged over `base`, and where each of its fields was written. */
interface Joined {
  readonly spec: Json;
  /** The field of `spec` (relative, `templateDefaults.container.image`) as written in the workflow, or null when it comes from the template. */
  ownField(rel: string): string | null;
}

/**
 * Lists a strategic merge merges by key instead of replacing, by schema path (`[]` for a list item):
 * the patchMergeKey tags of pkg/apis/workflow/v1alpha1 WorkflowSpec, Template, Inputs/Outputs/Arguments
 * and DAGTemplate, and of core/v1 Container for the container-like entries of a template.
 */
const MERGE_KEYS: ReadonlyMap<string, string> = (() => {
  const template: Record<string, string> = { volumes: 'name', initContainers: 'name', sidecars: 'name', tolerations: 'key', hostAliases: 'ip', 'inputs.parameters': 'name', 'inputs.artifacts': 'name', 'outputs.parameters': 'name', 'outputs.artifacts': 'name', 'dag.tasks': 'name' };
  const container: Record<string, string> = { env: 'name', ports: 'containerPort', volumeMounts: 'mountPath', volumeDevices: 'devicePath' };
  const keys: [string, string][] = [
    ['templates', 'name'],
    ['volumes', 'name'],
    ['tolerations', 'key'],
    ['imagePullSecrets', 'name'],
    ['hostAliases', 'ip'],
    ['arguments.parameters', 'name'],
    ['arguments.artifacts', 'name'],
  ];
  for (const t of ['templateDefaults', 'templates[]']) {
    for (const [k, v] of Object.entries(template)) keys.push([`${t}.${k}`, v]);
    for (const c of ['container', 'script', 'initContainers[]', 'sidecars[]']) for (const [k, v] of Object.entries(container)) keys.push([`${t}.${c}.${k}`, v]);
  }
  return new Map(keys);
})();

const sub = (at: string, k: string): string => (at === '' ? k : `${at}.${k}`);

/**
 * JoinWorkflowSpec(wfSpec, wftSpec): MergeTo marshals both with Go's encoding/json — a field left
 * empty (`omitempty`: "", null, [], {}) is absent, so the template's stays — and applies the
 * workflow's as a strategic merge patch over the template's (strategicpatch.StrategicMergePatch):
 * maps merge key by key, lists with a merge key merge item by item, other lists and scalars are the
 * workflow's. `origin` records, for every node taken whole from one side, the workflow's field or null.
 */
function joinWorkflowSpec(wfSpec: Json, wtSpec: Json): Joined {
  const origin = new Map<string, string | null>();
  const join = (base: unknown, patch: unknown, at: string, schema: string, patchAt: string): unknown => {
    if (!isSet(patch)) {
      origin.set(at, null);
      return base;
    }
    if (!isSet(base)) {
      origin.set(at, patchAt);
      return patch;
    }
    // MergeTo takes the template's hooks out of the merge and adds back those the workflow has no
    // hook of that name for: a hook is the workflow's or the template's, never merged field by field.
    if (schema.startsWith('hooks.') && !schema.slice(6).includes('.')) {
      origin.set(at, patchAt);
      return patch;
    }
    if (isObject(base) && isObject(patch)) {
      const out: Json = {};
      for (const k of new Set([...Object.keys(base), ...Object.keys(patch)])) {
        const v = join(base[k], patch[k], sub(at, k), sub(schema, k), sub(patchAt, k));
        if (v !== undefined) out[k] = v;
      }
      return out;
    }
    const key = MERGE_KEYS.get(schema);
    if (key && Array.isArray(base) && Array.isArray(patch)) {
      const out: unknown[] = [];
      const used = new Set<number>();
      for (const b of base) {
        const j = isObject(b) && b[key] !== undefined ? patch.findIndex((p) => isObject(p) && p[key] === b[key]) : -1;
        if (j >= 0) {
          used.add(j);
          out.push(join(b, patch[j], `${at}[${out.length}]`, `${schema}[]`, `${patchAt}[${j}]`));
        } else {
          origin.set(`${at}[${out.length}]`, null);
          out.push(b);
        }
      }
      patch.forEach((p, j) => {
        if (used.has(j)) return;
        origin.set(`${at}[${out.length}]`, `${patchAt}[${j}]`);
        out.push(p);
      });
      return out;
    }
    origin.set(at, patchAt);
    return patch;
  };
  const spec = obj(join(wtSpec, wfSpec, '', '', ''));
  return {
    spec,
    ownField(rel) {
      for (let f = rel; ; ) {
        if (origin.has(f)) {
          const o = origin.get(f);
          return o === null || o === undefined ? null : o + rel.slice(f.length);
        }
        if (f === '') return null;
        const cut = Math.max(f.lastIndexOf('.'), f.lastIndexOf('['));
        f = cut <= 0 ? '' : f.slice(0, cut);
      }
    },
  };
}

/** `object` with `value` at `keys` (a copy along the path; the rest is shared). */
function withValueAt(object: Json, keys: Keys, value: Json): Json {
  if (keys.length === 0) return value;
  const [k, ...rest] = keys as [string, ...(string | number)[]];
  return { ...object, [k]: withValueAt(obj(object[k]), rest, value) };
}

/** The layers under a workflow's own spec: a WorkflowTemplate it names (workflowTemplateRef), the controller's workflowDefaults. */
interface Layers {
  readonly template?: { readonly spec: Json; readonly owner: string; readonly refField: string };
  readonly defaults?: Json;
  /** The defaults' ConfigMap (`argo/workflow-controller-configmap`), for messages. */
  readonly configMap?: string;
}

/**
 * The pods of the workflow that runs (execWf): JoinWorkflowSpec(wfSpec, wftSpec, wfDefaultSpec)
 * (v3.7.18 workflow/util/merge.go:275) — this workflow over the WorkflowTemplate it names, that over
 * the controller's workflowDefaults, each a MergeTo (the upper layer wins). A workflow without
 * workflowTemplateRef gets the same last step (workflow/controller/controller.go setWorkflowDefaults:
 * MergeTo(WorkflowDefaults, wf), called from operator.go:4227 setExecWorkflow); so does the Workflow a
 * CronWorkflow creates (a copy of its workflowSpec, workflow/common/convert.go
 * ConvertCronWorkflowToWorkflow) and one submitted from a WorkflowTemplate (NewWorkflowFromWorkflowTemplate:
 * a workflowTemplateRef). A field of the merged spec is reported where this workflow wrote it, at the
 * workflowTemplateRef for the template's, and at the spec's own line for the defaults' (the object
 * has no line for them), its container named "with Argo's workflowDefaults (ConfigMap …)".
 */
function fromExec(object: Json, specKeys: Keys, layers: Layers, lookup?: WorkflowTemplateLookup): ArgoReferences {
  const specField = fieldOf(specKeys);
  const own = obj(valueAt(object, specKeys));
  const first = layers.template ? joinWorkflowSpec(own, layers.template.spec) : null;
  const second = layers.defaults ? joinWorkflowSpec(first ? first.spec : own, layers.defaults) : null;
  const spec = second ? second.spec : first ? first.spec : own;
  const exec = withValueAt(object, specKeys, spec);
  const refField = layers.template?.refField ?? specField;
  const owner = layers.template?.owner;
  // Where a field of the merged spec was written: this workflow's field, 'template' or 'defaults'.
  const origin = (rel: string): string => {
    let r: string | null = rel;
    if (second) {
      r = second.ownField(r);
      if (r === null) return 'defaults';
    }
    if (first) {
      r = first.ownField(r);
      if (r === null) return 'template';
    }
    return `=${r}`;
  };
  const where = (f: string): { field: string; defaults: boolean } => {
    if (!f.startsWith(`${specField}.`)) return { field: refField, defaults: false };
    const o = origin(f.slice(specField.length + 1));
    if (o === 'defaults') return { field: specField, defaults: true };
    if (o === 'template') return { field: refField, defaults: false };
    return { field: `${specField}.${o.slice(1)}`, defaults: false };
  };
  const relocate = (f: string): string => where(f).field;
  const withDefaults = ` with Argo's workflowDefaults (ConfigMap ${layers.configMap ?? `${ARGO_CONFIG.namespace}/${ARGO_CONFIG.name}`})`;
  const relocated = (r: PodReading): PodReading => ({
    ...r,
    uses: r.uses.map((u) => {
      const w = where(u.field);
      return { ...u, field: w.field, ...(w.defaults ? { within: `${u.within ?? 'the workflow'}${withDefaults}` } : {}) };
    }),
    replaced: r.replaced.map(relocate),
    notes: r.notes.map((n) => ({ ...n, field: relocate(n.field) })),
  });
  const joined = { spec };
  const pods: { field: string; reading: PodReading }[] = [];
  const notes: PodNote[] = [];
  // The templates, then the inline templates of steps, then of DAG tasks: the carrier table's order.
  const templates = Array.isArray(joined.spec['templates']) ? (joined.spec['templates'] as unknown[]).map(obj) : [];
  const sites: Keys[] = templates.map((_, i) => [...specKeys, 'templates', i]);
  templates.forEach((tm, i) => {
    if (!Array.isArray(tm['steps'])) return;
    (tm['steps'] as unknown[]).forEach((g, a) => {
      if (Array.isArray(g)) g.forEach((s, b) => isObject(obj(s)['inline']) && sites.push([...specKeys, 'templates', i, 'steps', a, b, 'inline']));
    });
  });
  templates.forEach((tm, i) => {
    const tasks = obj(tm['dag'])['tasks'];
    if (Array.isArray(tasks)) tasks.forEach((s, a) => isObject(obj(s)['inline']) && sites.push([...specKeys, 'templates', i, 'dag', 'tasks', a, 'inline']));
  });
  for (const site of sites) {
    const r = relocated(argoTemplatePod(exec, specKeys, site, owner));
    if (r.uses.length > 0) pods.push({ field: layers.template ? refField : relocate(fieldOf(site)), reading: r });
    else notes.push(...r.notes);
  }
  const refs = referencesIn(exec, specKeys, lookup, owner);
  for (const p of refs.pods) pods.push({ field: relocate(p.field), reading: relocated(p.reading) });
  notes.push(...refs.notes.map((n) => ({ ...n, field: relocate(n.field) })));
  return { pods, notes };
}

/** Something that runs a template: where it is written, what it names (template, templateRef, inline), and how messages name it. */
interface Call {
  readonly keys: Keys;
  readonly value: Json;
  readonly label: string;
}

/** The lifecycle hooks of a workflow, step or task (LifecycleHooks: a map of LifecycleHook, each a template or templateRef). */
function hooksOf(holder: Json, at: Keys, of: string): Call[] {
  const hooks = holder['hooks'];
  if (!isObject(hooks)) return [];
  return Object.entries(hooks).map(([name, h]) => ({ keys: [...at, 'hooks', name], value: obj(h), label: `hook ${JSON.stringify(name)} of ${of}` }));
}

/**
 * What a steps/dag template runs: each step or DAG task (WorkflowStep, DAGTask), its lifecycle hooks
 * (`hooks`) and its exit handler (`onExit`, a template of the same scope); workflow_types.go.
 */
function callsOf(tmpl: Json, at: Keys): Call[] {
  const units: { keys: Keys; value: Json; noun: string }[] = [];
  if (Array.isArray(tmpl['steps'])) {
    (tmpl['steps'] as unknown[]).forEach((g, a) => {
      if (Array.isArray(g)) g.forEach((s, b) => units.push({ keys: [...at, 'steps', a, b], value: obj(s), noun: 'step' }));
    });
  }
  const tasks = obj(tmpl['dag'])['tasks'];
  if (Array.isArray(tasks)) tasks.forEach((s, a) => units.push({ keys: [...at, 'dag', 'tasks', a], value: obj(s), noun: 'task' }));
  const calls: Call[] = [];
  for (const u of units) {
    const label = typeof u.value['name'] === 'string' ? `${u.noun} ${JSON.stringify(u.value['name'])}` : u.noun;
    calls.push({ keys: u.keys, value: u.value, label });
    calls.push(...hooksOf(u.value, u.keys, label));
    if (typeof u.value['onExit'] === 'string' && u.value['onExit'] !== '') calls.push({ keys: [...u.keys, 'onExit'], value: { template: u.value['onExit'] }, label: `exit handler of ${label}` });
  }
  return calls;
}

/** The templateRefs of the templates of the workflow spec at `specKeys` (written in `owner`, when not this object). */
function referencesIn(object: Json, specKeys: Keys, lookup: WorkflowTemplateLookup | undefined, owner?: string): ArgoReferences {
  const spec = obj(valueAt(object, specKeys));
  const specField = fieldOf(specKeys);
  const notes: PodNote[] = [];
  const pods: { field: string; reading: PodReading }[] = [];
  const templates = Array.isArray(spec['templates']) ? (spec['templates'] as unknown[]) : [];
  // The workflow's own hooks run at the top (no boundary); each template's calls run below it.
  const callers: { calls: Call[]; tm: Json; who: (c: Call) => string }[] = [{ calls: hooksOf(spec, specKeys, owner ?? 'the workflow'), tm: {}, who: (c) => c.label }];
  templates.forEach((t, i) => {
    const tm = obj(t);
    callers.push({ calls: callsOf(tm, [...specKeys, 'templates', i]), tm, who: (c) => (owner ? `${c.label} of template ${JSON.stringify(tm['name'] ?? '')} of ${owner}` : c.label) });
  });
  for (const caller of callers) {
    const tm = caller.tm;
    for (const c of caller.calls) {
      const r = c.value['templateRef'];
      if (!isObject(r) || typeof r['name'] !== 'string') continue;
      const field = `${fieldOf(c.keys)}.templateRef`;
      const who = caller.who(c);
      const kind = kindOf(r);
      const target = ownerName(kind, r['name']);
      const runs = `${who} runs template ${JSON.stringify(r['template'] ?? '')} of ${target} (templateRef)`;
      const other = lookup?.(kind, r['name']);
      if (!other) {
        notes.push({ field, message: `${runs}, which is not read here: its images are checked where that ${kind} itself is checked or applied` });
        continue;
      }
      const chase: Chase = { exec: spec, execField: specField, lookup, field, seen: new Set(), pods, notes };
      if (!follow(chase, obj(other['spec']), target, r['template'], { nodeSelector: tm['nodeSelector'], affinity: tm['affinity'] }, 1)) {
        notes.push({ field, message: `${runs}, but that ${kind} has no template ${JSON.stringify(r['template'] ?? '')}: Argo fails the step` });
      }
    }
  }
  return { pods, notes };
}

/** One reference being followed: the workflow that runs it (execWf) and where in it the reference is written. */
interface Chase {
  readonly exec: Json;
  readonly execField: string;
  readonly lookup: WorkflowTemplateLookup | undefined;
  /** The reference in the checked object: everything found below it is reported there. */
  readonly field: string;
  /** `owner/template` already followed (a recursive template runs no other pod the second time). */
  readonly seen: Set<string>;
  readonly pods: { field: string; reading: PodReading }[];
  readonly notes: PodNote[];
}

/**
 * Runs template `name` of `base` (the spec of the object named `owner`) from a caller whose nodes are
 * `boundary`, `depth` templates below the reference. False when `base` has no such template.
 */
function follow(c: Chase, base: Json, owner: string, name: unknown, boundary: Json, depth: number): boolean {
  const templates = Array.isArray(base['templates']) ? (base['templates'] as unknown[]).map(obj) : [];
  const tmpl = typeof name === 'string' ? templates.find((t) => t['name'] === name) : undefined;
  if (!tmpl || typeof name !== 'string') return false;
  const key = `${owner}/${name}`;
  if (c.seen.has(key)) return true;
  c.seen.add(key);
  const here = `template ${JSON.stringify(name)} of ${owner}`;
  if (depth > MAX_TEMPLATE_DEPTH) {
    c.notes.push({ field: c.field, message: `${here} is more than ${MAX_TEMPLATE_DEPTH} templates below this reference: Argo fails the workflow there ("Maximum recursion depth exceeded"), and it is not read` });
    return true;
  }
  const type = templateType(tmpl);
  if (type === 'container' || type === 'script' || type === 'containerSet') {
    c.pods.push({ field: c.field, reading: podAt(c, tmpl, boundary, here) });
    return true;
  }
  // A steps or DAG template calls the templates of its own object (its template scope), with itself
  // as their boundary; its templateRefs lead to further objects.
  const scope = { nodeSelector: tmpl['nodeSelector'], affinity: tmpl['affinity'] };
  for (const call of callsOf(tmpl, [])) {
    const who = `${call.label} of ${here}`;
    const inline = call.value['inline'];
    if (isObject(inline)) {
      const t = templateType(inline);
      if (t === 'container' || t === 'script' || t === 'containerSet') c.pods.push({ field: c.field, reading: podAt(c, inline, scope, `${call.label} of ${owner}`) });
      continue;
    }
    const r = call.value['templateRef'];
    if (isObject(r) && typeof r['name'] === 'string') {
      const kind = kindOf(r);
      const target = ownerName(kind, r['name']);
      const runs = `${who} runs template ${JSON.stringify(r['template'] ?? '')} of ${target} (templateRef)`;
      const other = c.lookup?.(kind, r['name']);
      if (!other) c.notes.push({ field: c.field, message: `${runs}, which is not read here: its images are checked where that ${kind} itself is checked or applied` });
      else if (!follow(c, obj(other['spec']), target, r['template'], scope, depth + 1)) c.notes.push({ field: c.field, message: `${runs}, but that ${kind} has no template ${JSON.stringify(r['template'] ?? '')}: Argo fails the step` });
      continue;
    }
    const local = call.value['template'];
    if (typeof local === 'string' && !follow(c, base, owner, local, scope, depth + 1)) {
      c.notes.push({ field: c.field, message: `${who} runs template ${JSON.stringify(local)}, which ${owner} does not have: Argo fails the step` });
    }
  }
  return true;
}

/** The pod of a template of another object, run by the workflow of `c`, with its fields at the reference. */
function podAt(c: Chase, tmpl: Json, boundary: Json, within: string): PodReading {
  const pod = podOf(c.exec, c.execField, tmpl, c.field, boundary, within);
  // The workflow's own templateDefaults and podSpecPatch keep their lines; the rest is in the other object.
  const own = (f: string): boolean => f.startsWith(`${c.execField}.templateDefaults.`) || f === `${c.execField}.podSpecPatch`;
  const at = (f: string): string => (own(f) ? f : c.field);
  return { ...pod, uses: pod.uses.map((u) => ({ ...u, field: at(u.field) })), replaced: pod.replaced.filter(own), notes: pod.notes.map((n) => ({ ...n, field: at(n.field) })) };
}
