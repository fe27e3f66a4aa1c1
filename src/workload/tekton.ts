/**
 * The pod a Tekton TaskSpec becomes, read the way Tekton Pipelines builds it (tektoncd/pipeline,
 * cited per rule):
 *
 *   steps         pkg/apis/pipeline/v1/merge.go MergeStepsWithStepTemplate: every step without a
 *                 StepAction `ref` is strategic-merged over `stepTemplate`, so a step that sets no image
 *                 runs the step template's; the step template on its own runs nothing. A step with
 *                 `ref` runs the StepAction's image, which is in that StepAction, not here.
 *   names         pkg/pod/entrypoint.go StepName: a step's container is `step-<name>`, or
 *                 `step-unnamed-<index>`; pullguard says `step "<name>"` / `step #<index>`, and
 *                 `sidecar "<name>"` for sidecars, with the pipeline task (`task "fetch"`) when the
 *                 object runs several TaskSpecs.
 *
 * Pure.
 */
import type { ImageUse } from '../findings/types.js';
import type { CarrierEnvironment, CredentialsElsewhere, PodNote, PodReading, TektonDefaults } from './reading.js';
import { describe, fieldOf, isObject, valueAt } from './paths.js';

type Json = Record<string, unknown>;
type Keys = readonly (string | number)[];

/** A TaskSpec's container-like entries (relative paths), for the carrier table and its docs. */
export const TEKTON_CONTAINER_PATHS: readonly { readonly path: string; readonly slot: ImageUse['slot'] }[] = [
  { path: 'steps[*]', slot: 'containers' },
  { path: 'sidecars[*]', slot: 'containers' },
  { path: 'stepTemplate', slot: 'containers' },
];

/**
 * The pipeline task a TaskSpec at `at` belongs to (`spec.pipelineSpec.tasks[2].taskSpec`), as
 * messages name it, or undefined for a Task's or TaskRun's own spec.
 */
function taskName(object: unknown, at: Keys): string | undefined {
  const n = at.length;
  if (n < 3 || at[n - 1] !== 'taskSpec' || typeof at[n - 2] !== 'number') return undefined;
  const list = at[n - 3];
  if (list !== 'tasks' && list !== 'finally') return undefined;
  const name = (valueAt(object, at.slice(0, -1)) as Json | undefined)?.['name'];
  const noun = list === 'finally' ? 'finally task' : 'task';
  return typeof name === 'string' && name !== '' ? `${noun} ${JSON.stringify(name)}` : `${noun} #${String(at[n - 2])}`;
}

/** A reader of the TaskSpec at `at`, with the pod-level fields `context` gives (TaskRun, PipelineRun). */
export function tektonTaskSpec(context?: (object: Json, at: Keys, env: CarrierEnvironment) => Json): (object: Json, at: Keys, env: CarrierEnvironment) => PodReading {
  return (object, at, env) => {
    const spec = (valueAt(object, at) ?? {}) as Json;
    const field = fieldOf(at);
    const within = taskName(object, at);
    const named = within ? { within } : {};
    const uses: ImageUse[] = [];
    const notes: PodNote[] = [];
    const replaced: string[] = [];
    const template = isObject(spec['stepTemplate']) ? spec['stepTemplate'] : {};
    const templateImage = template['image'];
    // The step template's image is read; it is pulled only as the image of steps that set none.
    if (typeof templateImage === 'string') replaced.push(`${field}.stepTemplate.image`);
    const entries = (list: string, noun: 'step' | 'sidecar'): void => {
      const value = spec[list];
      if (value === undefined || value === null) return;
      if (!Array.isArray(value)) {
        uses.push({ container: '', slot: 'containers', noun, ...named, field: `${field}.${list}`, image: null, problem: `${field}.${list} is ${describe(value)}, not a list` });
        return;
      }
      value.forEach((c: unknown, i: number) => {
        if (c === null || c === undefined) return;
        const at2 = `${field}.${list}[${i}]`;
        if (!isObject(c)) {
          uses.push({ container: '', slot: 'containers', noun, ...named, field: `${at2}.image`, image: null, problem: `${at2} is ${describe(c)}, not a ${noun}` });
          return;
        }
        const name = typeof c['name'] === 'string' && c['name'] !== '' ? c['name'] : `#${i}`;
        if (noun === 'step' && isObject(c['ref'])) {
          const ref = c['ref'];
          const what = typeof ref['name'] === 'string' ? `StepAction ${JSON.stringify(ref['name'])}` : 'a StepAction from a resolver';
          notes.push({ field: `${at2}.ref`, message: `${noun} ${name.startsWith('#') ? name : JSON.stringify(name)}${within ? ` of ${within}` : ''} runs ${what} (ref), which is not read here: its image is checked where that StepAction itself is checked or applied` });
          return;
        }
        const own = c['image'];
        const fromTemplate = noun === 'step' && (own === undefined || own === null || own === '') && typeof templateImage === 'string' && templateImage !== '';
        if (fromTemplate && own === '') replaced.push(`${at2}.image`);
        const image = fromTemplate ? templateImage : own;
        const imageField = fromTemplate ? `${field}.stepTemplate.image` : `${at2}.image`;
        const base = { container: name, slot: 'containers' as const, noun, ...named, field: imageField };
        if (typeof image === 'string') uses.push({ ...base, image, problem: null });
        else if (image === undefined || image === null) return;
        else uses.push({ ...base, image: null, problem: `image is ${describe(image)}, not a string` });
      });
    };
    entries('steps', 'step');
    entries('sidecars', 'sidecar');
    if (!context) return { uses, podSpec: {}, replaced, notes };
    // Without Tekton's cluster defaults, a run that leaves its ServiceAccount or its pod template's pull
    // secrets unset may get them from config-defaults (taskrun_defaults.go SetDefaults,
    // pod.MergePodTemplateWithDefault): what the kubelet will offer is not known.
    const own = context(object, at, {});
    const open = env.tekton === undefined && (own['serviceAccountName'] === undefined || own['imagePullSecrets'] === undefined);
    return {
      uses,
      podSpec: context(object, at, env),
      replaced,
      notes,
      ...(open ? { credentialsElsewhere: defaultsNotRead(env) } : {}),
    };
  };
}

/** How a run's uncertain credential is phrased when Tekton's cluster defaults are not known. */
function defaultsNotRead(env: CarrierEnvironment): CredentialsElsewhere {
  const at = `${env.tektonNamespace ?? TEKTON_DEFAULTS.namespace}/${TEKTON_DEFAULTS.name}`;
  const why = env.tektonUnknown ? `: ${env.tektonUnknown}` : '';
  return {
    text: `Tekton's cluster defaults (ConfigMap ${at}: default-service-account, default-pod-template) may set the run's ServiceAccount and pull secrets, and were not read${why}`,
    short: "Tekton's defaults (unread)",
    fix: `set the ServiceAccount and pull secrets on the run itself, or let pullguard read ConfigMap ${at} (among pullguard check's inputs; serve and audit read it from the cluster)`,
  };
}

/** Where Tekton reads its cluster defaults (pkg/apis/config/default.go GetDefaultsConfigName; the SYSTEM_NAMESPACE of a release). */
export const TEKTON_DEFAULTS = { namespace: 'tekton-pipelines', name: 'config-defaults' } as const;

/**
 * Tekton's cluster defaults out of the `config-defaults` ConfigMap's data (NewDefaultsFromMap):
 * `default-service-account`, and `default-pod-template` as YAML. A template that cannot be read is
 * returned as a problem (Tekton's webhook refuses such a ConfigMap too).
 */
export function tektonDefaults(data: unknown, parse: (text: string) => unknown): { readonly defaults: TektonDefaults; readonly problem: string | null } {
  const d = isObject(data) ? data : {};
  const out: { serviceAccountName?: string; podTemplate?: Json } = {};
  let problem: string | null = null;
  if (typeof d['default-service-account'] === 'string' && d['default-service-account'] !== '') out.serviceAccountName = d['default-service-account'];
  const text = d['default-pod-template'];
  if (typeof text === 'string' && text.trim() !== '') {
    try {
      const t = parse(text);
      if (isObject(t)) out.podTemplate = t;
      else problem = `default-pod-template is ${describe(t)}, not a pod template`;
    } catch (err) {
      // The yaml library's first line ends with ':' before the excerpt it shows on the next lines.
      problem = `default-pod-template is not YAML: ${(err as Error).message.split('\n')[0]!.replace(/:$/, '')}`;
    }
  }
  return { defaults: out, problem };
}

/**
 * pkg/apis/pipeline/pod/template.go MergePodTemplateWithDefault, for the fields that decide pulls: a
 * field the run's pod template leaves unset (nil) is the default's.
 */
export function mergePodTemplateWithDefault(tpl: Json | undefined, def: Json | undefined): Json {
  const out: Json = { ...(tpl ?? {}) };
  for (const k of ['imagePullSecrets', 'nodeSelector', 'affinity'] as const) {
    if ((out[k] === undefined || out[k] === null) && def && def[k] !== undefined && def[k] !== null) out[k] = def[k];
  }
  return out;
}
