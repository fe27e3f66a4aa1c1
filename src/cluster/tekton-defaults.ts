/**
 * Tekton Pipelines' cluster defaults as `serve` and `audit` read them from the cluster: the
 * `config-defaults` ConfigMap in the namespace Tekton runs in (config `tekton.namespace`), a
 * ControllerConfig (./controller-config.ts). Tekton gives every TaskRun and PipelineRun that sets no
 * ServiceAccount its `default-service-account`, and merges its `default-pod-template` (pull secrets,
 * nodeSelector, affinity) under the run's own pod template (tektoncd/pipeline
 * pkg/apis/pipeline/v1/taskrun_defaults.go and pipelinerun_defaults.go SetDefaults; the data is
 * parsed by src/workload/tekton.ts as Tekton's NewDefaultsFromMap does).
 *
 * While they are unknown, a run that relies on them gets a warning instead of a denial
 * (src/workload/tekton.ts credentialsElsewhere); a `default-pod-template` that is not YAML makes them
 * unknown (Tekton's own webhook refuses such a ConfigMap, and its controller keeps the previous defaults).
 */
import { parse as parseYaml } from 'yaml';
import { TEKTON_DEFAULTS, tektonDefaults } from '../workload/tekton.js';
import type { CarrierEnvironment, TektonDefaults } from '../workload/reading.js';
import { ControllerConfigWatch, readOnce, type ConfigReading, type ControllerConfig } from './controller-config.js';
import type { ListWatchClient, ReflectorLogger } from './reflector.js';

/** What the engine is told (src/workload/reading.ts CarrierEnvironment): the defaults, or why they are not known. */
export type TektonEnvironment = Pick<CarrierEnvironment, 'tekton' | 'tektonNamespace' | 'tektonUnknown'>;

export const TEKTON_CONFIG: ControllerConfig<TektonDefaults> = {
  project: 'tekton',
  title: "Tekton's cluster defaults",
  name: TEKTON_DEFAULTS.name,
  namespaceKey: 'tekton.namespace',
  runsIn: 'Tekton Pipelines',
  read(data) {
    const read = tektonDefaults(data, (text) => parseYaml(text));
    return read.problem ? { problem: read.problem } : { value: read.defaults };
  },
};

export function tektonEnvironment(r: ConfigReading<TektonDefaults>): TektonEnvironment {
  return r.value !== undefined ? { tekton: r.value, tektonNamespace: r.namespace } : { tektonNamespace: r.namespace, tektonUnknown: r.unknown };
}

/** For `pullguard audit`: read the defaults once (GET), or say why they are not known. */
export async function readTektonDefaults(client: { get(path: string, signal?: AbortSignal): Promise<Record<string, unknown>> }, namespace: string, signal?: AbortSignal): Promise<TektonEnvironment> {
  return tektonEnvironment(await readOnce(TEKTON_CONFIG, client, namespace, signal));
}

/** For `serve`: the defaults kept current by a list + watch of the one ConfigMap. */
export class TektonDefaultsWatch extends ControllerConfigWatch<TektonDefaults> {
  constructor(opts: { readonly client: ListWatchClient; readonly logger: ReflectorLogger; readonly namespace: string; readonly backoffInitialMs?: number }) {
    super({ ...opts, config: TEKTON_CONFIG });
  }

  /** What each review and each audited workload reads. */
  environment(): TektonEnvironment {
    return tektonEnvironment(this.current());
  }
}
