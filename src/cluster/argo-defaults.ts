/**
 * Argo Workflows' `workflowDefaults` as `serve` and `audit` read them from the cluster: the workflow
 * controller's configuration ConfigMap (config `argo.namespace` and `argo.configMap`; by default
 * `argo/workflow-controller-configmap`), a ControllerConfig (./controller-config.ts). The controller
 * merges them under every workflow it runs (v3.7.18 workflow/controller/operator.go setExecWorkflow →
 * workflow/util/merge.go JoinWorkflowSpec; the data is parsed by src/workload/argo.ts argoDefaults as
 * config/controller.go parseConfigMap does, in both of its formats).
 *
 * While they are unknown, a workflow's missing credential gets a warning instead of a denial
 * (src/workload/argo.ts credentialsElsewhere): configuration the controller could not parse makes them
 * unknown (the controller itself stops on it), a ConfigMap without `workflowDefaults` gives none.
 */
import { parse as parseYaml } from 'yaml';
import { ARGO_CONFIG, argoDefaults } from '../workload/argo.js';
import type { ArgoDefaults, CarrierEnvironment } from '../workload/reading.js';
import { ControllerConfigWatch, readOnce, type ConfigReading, type ControllerConfig } from './controller-config.js';
import type { ListWatchClient, ReflectorLogger } from './reflector.js';

/** What the engine is told (src/workload/reading.ts CarrierEnvironment): the defaults, or why they are not known. */
export type ArgoEnvironment = Pick<CarrierEnvironment, 'argo' | 'argoConfigMap' | 'argoUnknown'>;

/** The Argo row, for the ConfigMap named `name` (config `argo.configMap`). */
export function argoConfig(name: string = ARGO_CONFIG.name): ControllerConfig<ArgoDefaults> {
  return {
    project: 'argo',
    title: "Argo Workflows' workflowDefaults",
    name,
    namespaceKey: 'argo.namespace',
    runsIn: 'the Argo workflow controller',
    read(data) {
      const read = argoDefaults(data, (text) => parseYaml(text));
      return read.problem ? { problem: read.problem } : { value: read.defaults };
    },
  };
}

export function argoEnvironment(r: ConfigReading<ArgoDefaults>, name: string): ArgoEnvironment {
  const argoConfigMap = `${r.namespace}/${name}`;
  return r.value !== undefined ? { argo: r.value, argoConfigMap } : { argoConfigMap, argoUnknown: r.unknown };
}

/** For `pullguard audit`: read the defaults once (GET), or say why they are not known. */
export async function readArgoDefaults(
  client: { get(path: string, signal?: AbortSignal): Promise<Record<string, unknown>> },
  where: { readonly namespace: string; readonly configMap: string },
  signal?: AbortSignal,
): Promise<ArgoEnvironment> {
  return argoEnvironment(await readOnce(argoConfig(where.configMap), client, where.namespace, signal), where.configMap);
}

/** For `serve`: the defaults kept current by a list + watch of the one ConfigMap. */
export class ArgoDefaultsWatch extends ControllerConfigWatch<ArgoDefaults> {
  #name: string;

  constructor(opts: { readonly client: ListWatchClient; readonly logger: ReflectorLogger; readonly namespace: string; readonly configMap: string; readonly backoffInitialMs?: number }) {
    super({ ...opts, config: argoConfig(opts.configMap) });
    this.#name = opts.configMap;
  }

  /** Follow a configuration reload (`argo.namespace`, `argo.configMap`). */
  setLocation(where: { readonly namespace: string; readonly configMap: string }): void {
    this.#name = where.configMap;
    this.retarget(where.namespace, argoConfig(where.configMap));
  }

  /** What each review and each audited workload reads. */
  environment(): ArgoEnvironment {
    return argoEnvironment(this.current(), this.#name);
  }
}
