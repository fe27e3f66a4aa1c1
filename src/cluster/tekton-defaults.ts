/**
 * Tekton Pipelines' cluster defaults as `serve` and `audit` read them from the cluster: the
 * `config-defaults` ConfigMap in the namespace Tekton runs in (config `tekton.namespace`). Tekton gives
 * every TaskRun and PipelineRun that sets no ServiceAccount its `default-service-account`, and merges
 * its `default-pod-template` (pull secrets, nodeSelector, affinity) under the run's own pod template
 * (tektoncd/pipeline pkg/apis/pipeline/v1/taskrun_defaults.go and pipelinerun_defaults.go SetDefaults;
 * the data is parsed by src/workload/tekton.ts as Tekton's NewDefaultsFromMap does).
 *
 * What is read is one object, by name: the list and watch carry the field selector
 * `metadata.name=config-defaults`, which is what lets RBAC grant them with `resourceNames` alone
 * (Kubernetes docs, "Referring to resources": list and watch restricted by resourceName must use a
 * metadata.name field selector). Nothing else in Tekton's namespace is read.
 *
 * The defaults are a fact or they are unknown, with the reason: not read yet, the ConfigMap does not
 * exist, pullguard may not read it, or its pod template cannot be parsed (Tekton's own webhook refuses
 * such a ConfigMap, and its controller keeps the previous defaults). While they are unknown, a run that
 * relies on them gets a warning instead of a denial (src/workload/tekton.ts credentialsElsewhere). This
 * reflector never holds up readiness: a cluster without Tekton, or without the optional RBAC, must not
 * keep the webhook from answering.
 */
import { parse as parseYaml } from 'yaml';
import { TEKTON_DEFAULTS, tektonDefaults } from '../workload/tekton.js';
import type { CarrierEnvironment, TektonDefaults } from '../workload/reading.js';
import { KubeApiError } from './client.js';
import { Reflector, type ListWatchClient, type ReflectorLogger } from './reflector.js';

/** What the engine is told (src/workload/reading.ts CarrierEnvironment): the defaults, or why they are not known. */
export type TektonEnvironment = Pick<CarrierEnvironment, 'tekton' | 'tektonNamespace' | 'tektonUnknown'>;

/** The RBAC that grants the read, for messages (it ships in manifests/components/custom-resources/rbac.yaml). */
const RBAC_HINT = 'pullguard may read it with the ClusterRole of manifests/components/custom-resources';

/** The API path of the ConfigMaps in `namespace`. */
function collection(namespace: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`;
}

function configMapIn(namespace: string): string {
  return `ConfigMap ${namespace}/${TEKTON_DEFAULTS.name}`;
}

function missing(namespace: string): string {
  return `${configMapIn(namespace)} does not exist (set tekton.namespace to the namespace Tekton Pipelines runs in)`;
}

/** A failed read, as the clause messages end with. */
export function unreadReason(err: unknown, namespace: string): string {
  const status = err instanceof KubeApiError ? err.statusCode : (err as { statusCode?: number } | null)?.statusCode;
  if (status === 403) return `pullguard may not read ${configMapIn(namespace)} (403 Forbidden; ${RBAC_HINT})`;
  if (status === 404) return missing(namespace);
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return `${configMapIn(namespace)} could not be read: ${message}`;
}

/** The environment one ConfigMap (or its absence) gives. */
export function environmentOf(configMap: unknown, namespace: string): TektonEnvironment {
  if (configMap === undefined) return { tektonNamespace: namespace, tektonUnknown: missing(namespace) };
  const read = tektonDefaults((configMap as { data?: unknown } | null)?.data, (text) => parseYaml(text));
  if (read.problem) return { tektonNamespace: namespace, tektonUnknown: `${configMapIn(namespace)} cannot be used: ${read.problem}` };
  const tekton: TektonDefaults = read.defaults;
  return { tekton, tektonNamespace: namespace };
}

/** For `pullguard audit`: read the defaults once (GET), or say why they are not known. */
export async function readTektonDefaults(client: { get(path: string, signal?: AbortSignal): Promise<Record<string, unknown>> }, namespace: string, signal?: AbortSignal): Promise<TektonEnvironment> {
  try {
    return environmentOf(await client.get(`${collection(namespace)}/${TEKTON_DEFAULTS.name}`, signal), namespace);
  } catch (err) {
    return { tektonNamespace: namespace, tektonUnknown: unreadReason(err, namespace) };
  }
}

/**
 * For `serve`: the defaults kept current by a list + watch of the one ConfigMap. `environment()` is
 * what each review and each audited workload reads; `setNamespace` follows a configuration reload.
 */
export class TektonDefaultsWatch {
  #namespace: string;
  #environment: TektonEnvironment;
  #reflector: Reflector | null = null;
  #present: unknown;
  #started = false;

  constructor(
    private readonly opts: {
      readonly client: ListWatchClient;
      readonly logger: ReflectorLogger;
      readonly namespace: string;
      readonly backoffInitialMs?: number;
    },
  ) {
    this.#namespace = opts.namespace;
    this.#environment = this.#notYet();
  }

  get namespace(): string {
    return this.#namespace;
  }

  environment(): TektonEnvironment {
    return this.#environment;
  }

  start(): this {
    this.#started = true;
    this.#reflector = this.#makeReflector();
    this.#reflector.start();
    return this;
  }

  stop(): void {
    this.#started = false;
    this.#reflector?.stop();
    this.#reflector = null;
  }

  /** Read the defaults from another namespace from now on (config `tekton.namespace` changed). */
  setNamespace(namespace: string): void {
    if (namespace === this.#namespace) return;
    this.#reflector?.stop();
    this.#namespace = namespace;
    this.#present = undefined;
    this.#set(this.#notYet());
    if (this.#started) {
      this.#reflector = this.#makeReflector();
      this.#reflector.start();
    }
  }

  #notYet(): TektonEnvironment {
    return { tektonNamespace: this.#namespace, tektonUnknown: `${configMapIn(this.#namespace)} has not been read yet` };
  }

  #set(next: TektonEnvironment): void {
    const before = this.#environment.tektonUnknown;
    this.#environment = next;
    if (next.tektonUnknown === before) return;
    const configMap = `${this.#namespace}/${TEKTON_DEFAULTS.name}`;
    if (next.tekton) this.opts.logger.info({ configMap, serviceAccountName: next.tekton.serviceAccountName ?? null, podTemplate: next.tekton.podTemplate !== undefined }, "read Tekton's cluster defaults");
    else this.opts.logger.warn({ configMap, reason: next.tektonUnknown }, "Tekton's cluster defaults are not known; runs that rely on them get warnings, not denials");
  }

  #makeReflector(): Reflector {
    const namespace = this.#namespace;
    const isOurs = () => namespace === this.#namespace;
    const reflector: Reflector = new Reflector({
      name: `configmap ${namespace}/${TEKTON_DEFAULTS.name}`,
      client: this.opts.client,
      path: collection(namespace),
      fieldSelector: `metadata.name=${TEKTON_DEFAULTS.name}`,
      logger: this.opts.logger,
      ...(this.opts.backoffInitialMs !== undefined ? { backoffInitialMs: this.opts.backoffInitialMs } : {}),
      upsert: (o) => {
        if (!isOurs()) return;
        this.#present = o;
        this.#set(environmentOf(o, namespace));
      },
      remove: () => {
        if (!isOurs()) return;
        this.#present = undefined;
        this.#set(environmentOf(undefined, namespace));
      },
      onSynced: () => {
        if (isOurs()) this.#set(environmentOf(this.#present, namespace));
      },
      // Once listed, the last defaults read stay the answer through a dropped or refused watch, as
      // Tekton's own controller keeps its last configuration; before that, the error is why they are unknown.
      onError: (err) => {
        if (isOurs() && !reflector.synced) this.#set({ tektonNamespace: namespace, tektonUnknown: unreadReason(err, namespace) });
      },
    });
    return reflector;
  }
}
