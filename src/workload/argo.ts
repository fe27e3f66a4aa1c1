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
 * What the controller decides at run time from other objects (a `templateRef` to a WorkflowTemplate,
 * the controller's `workflowDefaults`) is not in the object; the references are reported as notes.
 *
 * Pure.
 */
import { parse as parseYaml } from 'yaml';
import type { ImageUse } from '../findings/types.js';
import type { PodNote, PodReading } from './reading.js';
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
 * under it) of the workflow spec at `specKeys`.
 */
export function argoTemplatePod(object: Json, specKeys: Keys, at: Keys): PodReading {
  const notes: PodNote[] = [];
  const boundary = boundaryOf(object, specKeys, at, notes);
  const pod = podOf(obj(valueAt(object, specKeys)), fieldOf(specKeys), obj(valueAt(object, at)), fieldOf(at), boundary, templateName(object, specKeys, at));
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

/** Finds a WorkflowTemplate or ClusterWorkflowTemplate among what is known (pullguard check: its inputs). */
export type WorkflowTemplateLookup = (kind: 'WorkflowTemplate' | 'ClusterWorkflowTemplate', name: string) => Json | undefined;

/** Templates a referenced template runs, followed this deep at most (Argo itself stops at 100 levels of recursion). */
export const MAX_REFERENCE_DEPTH = 10;

/** What the references of a workflow give: pods of the referenced templates that could be read, and notes. */
export interface ArgoReferences {
  readonly pods: readonly { readonly field: string; readonly reading: PodReading }[];
  readonly notes: readonly PodNote[];
}

/**
 * Steps and DAG tasks that run a template of another object (`templateRef`), and a workflow that takes
 * its whole spec from one (`workflowTemplateRef`): the controller reads that object when it runs
 * (workflow/templateresolution). When `lookup` finds it (pullguard check, with the WorkflowTemplate
 * among its inputs), the template is read as this workflow runs it: this workflow's templateDefaults,
 * ServiceAccount, pull secrets, nodes and podSpecPatch (execWf), the calling template as its boundary;
 * a steps/DAG template there runs that object's own templates (its template scope). Its images are
 * reported at the reference's line. Otherwise each reference gets a note.
 */
export function argoReferences(object: Json, specKeys: Keys, lookup?: WorkflowTemplateLookup): ArgoReferences {
  const spec = obj(valueAt(object, specKeys));
  const specField = fieldOf(specKeys);
  const notes: PodNote[] = [];
  const pods: { field: string; reading: PodReading }[] = [];
  const kindOf = (r: Json): 'WorkflowTemplate' | 'ClusterWorkflowTemplate' => (r['clusterScope'] === true ? 'ClusterWorkflowTemplate' : 'WorkflowTemplate');
  const wtr = spec['workflowTemplateRef'];
  if (isObject(wtr) && typeof wtr['name'] === 'string') {
    const field = `${specField}.workflowTemplateRef`;
    notes.push({ field, message: `this workflow runs the templates of ${kindOf(wtr)} ${JSON.stringify(wtr['name'])} (workflowTemplateRef), which are not read here: their images are checked where that ${kindOf(wtr)} itself is checked or applied` });
  }
  const templates = Array.isArray(spec['templates']) ? (spec['templates'] as unknown[]) : [];
  templates.forEach((t, i) => {
    const tm = obj(t);
    const calls: { keys: Keys; value: unknown; noun: string }[] = [];
    if (Array.isArray(tm['steps'])) {
      (tm['steps'] as unknown[]).forEach((g, a) => {
        if (Array.isArray(g)) g.forEach((s, b) => calls.push({ keys: [...specKeys, 'templates', i, 'steps', a, b], value: s, noun: 'step' }));
      });
    }
    const tasks = obj(tm['dag'])['tasks'];
    if (Array.isArray(tasks)) tasks.forEach((s, a) => calls.push({ keys: [...specKeys, 'templates', i, 'dag', 'tasks', a], value: s, noun: 'task' }));
    for (const c of calls) {
      const r = obj(c.value)['templateRef'];
      if (!isObject(r) || typeof r['name'] !== 'string') continue;
      const field = `${fieldOf(c.keys)}.templateRef`;
      const who = typeof obj(c.value)['name'] === 'string' ? `${c.noun} ${JSON.stringify(obj(c.value)['name'])}` : c.noun;
      const kind = kindOf(r);
      const target = `template ${JSON.stringify(r['template'] ?? '')} of ${kind} ${JSON.stringify(r['name'])}`;
      const other = lookup?.(kind, r['name']);
      if (!other) {
        notes.push({ field, message: `${who} runs ${target} (templateRef), which is not read here: its images are checked where that ${kind} itself is checked or applied` });
        continue;
      }
      const boundary = { nodeSelector: tm['nodeSelector'], affinity: tm['affinity'] };
      const found = followReference(spec, specField, obj(other['spec']), r['template'], boundary, field, `${kind} ${JSON.stringify(r['name'])}`, 0, new Set());
      pods.push(...found.pods);
      if (found.missing) notes.push({ field, message: `${who} runs ${target} (templateRef), but that ${kind} has no template ${JSON.stringify(r['template'] ?? '')}: Argo fails the step` });
    }
  });
  return { pods, notes };
}

/** The pods template `name` of another object's spec runs when this workflow (`spec`) calls it. */
function followReference(spec: Json, specField: string, other: Json, name: unknown, boundary: Json, field: string, owner: string, depth: number, seen: Set<string>): { pods: { field: string; reading: PodReading }[]; missing: boolean } {
  const templates = Array.isArray(other['templates']) ? (other['templates'] as unknown[]).map(obj) : [];
  const tmpl = templates.find((t) => t['name'] === name);
  if (!tmpl || typeof name !== 'string') return { pods: [], missing: true };
  if (seen.has(name) || depth > MAX_REFERENCE_DEPTH) return { pods: [], missing: false };
  seen.add(name);
  const pods: { field: string; reading: PodReading }[] = [];
  const type = templateType(tmpl);
  if (type === 'container' || type === 'script' || type === 'containerSet') {
    const pod = podOf(spec, specField, tmpl, field, boundary, `template ${JSON.stringify(name)} of ${owner}`);
    // Its fields are in the other object: the reference is where this workflow says it.
    const own = (f: string): boolean => f.startsWith(`${specField}.templateDefaults.`) || f === `${specField}.podSpecPatch`;
    const at = (f: string): string => (own(f) ? f : field);
    pods.push({ field, reading: { ...pod, uses: pod.uses.map((u) => ({ ...u, field: at(u.field) })), replaced: [], notes: pod.notes.map((n) => ({ ...n, field: at(n.field) })) } });
    return { pods, missing: false };
  }
  // A steps or DAG template runs the templates of its own object (its template scope), with itself as
  // their boundary. (Inline templates and further templateRefs there are not followed.)
  const calls = [...(Array.isArray(tmpl['steps']) ? (tmpl['steps'] as unknown[]).flatMap((g) => (Array.isArray(g) ? g : [])) : []), ...(Array.isArray(obj(tmpl['dag'])['tasks']) ? (obj(tmpl['dag'])['tasks'] as unknown[]) : [])];
  for (const c of calls.map(obj)) {
    if (typeof c['template'] !== 'string' || isSet(c['templateRef'])) continue;
    pods.push(...followReference(spec, specField, other, c['template'], { nodeSelector: tmpl['nodeSelector'], affinity: tmpl['affinity'] }, field, owner, depth + 1, seen).pods);
  }
  return { pods, missing: false };
}
