/**
 * A project controller's configuration ConfigMap, read from the cluster by name: what `serve` keeps
 * current (a list + watch of that one object) and `pullguard audit` reads once (a GET). Tekton's
 * `config-defaults` is one (src/cluster/tekton-defaults.ts); another project's is one more
 * `ControllerConfig`.
 *
 * The list and watch carry the field selector `metadata.name=<name>`, which is what lets RBAC grant
 * them with `resourceNames` alone (Kubernetes docs, "Referring to resources": list and watch
 * restricted by resourceName must use a metadata.name field selector). Nothing else in the project's
 * namespace is read.
 *
 * What it gives is a fact or unknown, with the reason: not read yet, the ConfigMap does not exist,
 * pullguard may not read it, or its data cannot be used. Once listed, the last value read stays the
 * answer through a dropped or refused watch, as the projects' own controllers keep their last
 * configuration. It never holds up readiness: a cluster without the project, or without the optional
 * RBAC, must not keep the webhook from answering.
 */
import { KubeApiError } from './client.js';
import { Reflector, type ListWatchClient, type ReflectorLogger } from './reflector.js';

/** Where a project's controller keeps its configuration, and what pullguard takes from it. */
export interface ControllerConfig<T> {
  /** Short id (metrics label): `tekton`. */
  readonly project: string;
  /** What it is, for logs: `Tekton's cluster defaults`. */
  readonly title: string;
  /** The ConfigMap's name: `config-defaults`. */
  readonly name: string;
  /** The configuration key naming its namespace, and the project, for the hint when it is absent. */
  readonly namespaceKey: string;
  readonly runsIn: string;
  /** What its `data` gives, or why it cannot be used. */
  read(data: unknown): { readonly value: T } | { readonly problem: string };
}

/**
 * What was read from one namespace: the value, or why there is none (`unknown`, a clause naming the
 * ConfigMap; `problem`, what is wrong with its data when it exists but cannot be used).
 */
export type ConfigReading<T> = { readonly namespace: string } & (
  | { readonly value: T; readonly unknown?: undefined; readonly problem?: undefined }
  | { readonly value?: undefined; readonly unknown: string; readonly problem?: string }
);

/** The RBAC that grants the read, for messages (it ships in manifests/components/custom-resources/rbac.yaml). */
// The reader is serve's ServiceAccount, or the user's identity for `audit` and `check --kubeconfig`.
const RBAC_HINT = "serve's ClusterRole in manifests/components/custom-resources grants list and watch on it; audit and check --kubeconfig need get on it";

/** The API path of the ConfigMaps in `namespace`. */
function collection(namespace: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`;
}

function configMapIn(cfg: ControllerConfig<unknown>, namespace: string): string {
  return `ConfigMap ${namespace}/${cfg.name}`;
}

function missing(cfg: ControllerConfig<unknown>, namespace: string): string {
  return `${configMapIn(cfg, namespace)} does not exist (set ${cfg.namespaceKey} to the namespace ${cfg.runsIn} runs in)`;
}

/** A failed read, as the clause messages end with. */
export function unreadReason(cfg: ControllerConfig<unknown>, err: unknown, namespace: string): string {
  const status = err instanceof KubeApiError ? err.statusCode : (err as { statusCode?: number } | null)?.statusCode;
  if (status === 403) return `${configMapIn(cfg, namespace)} may not be read with this identity (403 Forbidden; ${RBAC_HINT})`;
  if (status === 404) return missing(cfg, namespace);
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return `${configMapIn(cfg, namespace)} could not be read: ${message}`;
}

/** What one ConfigMap (or its absence) gives. */
export function readingOf<T>(cfg: ControllerConfig<T>, configMap: unknown, namespace: string): ConfigReading<T> {
  if (configMap === undefined) return { namespace, unknown: missing(cfg, namespace) };
  const read = cfg.read((configMap as { data?: unknown } | null)?.data);
  if ('problem' in read) return { namespace, unknown: `${configMapIn(cfg, namespace)} cannot be used: ${read.problem}`, problem: read.problem };
  return { namespace, value: read.value };
}

/** For `pullguard audit`: read it once (GET), or say why not. */
export async function readOnce<T>(
  cfg: ControllerConfig<T>,
  client: { get(path: string, signal?: AbortSignal): Promise<Record<string, unknown>> },
  namespace: string,
  signal?: AbortSignal,
): Promise<ConfigReading<T>> {
  try {
    return readingOf(cfg, await client.get(`${collection(namespace)}/${cfg.name}`, signal), namespace);
  } catch (err) {
    return { namespace, unknown: unreadReason(cfg, err, namespace) };
  }
}

/**
 * For `serve`: the reading kept current by a list + watch of the one ConfigMap. `current()` is what
 * each review and each audited workload reads; `setNamespace` follows a configuration reload.
 */
export class ControllerConfigWatch<T> {
  #namespace: string;
  #current: ConfigReading<T>;
  #reflector: Reflector | null = null;
  #present: unknown;
  #started = false;
  #config: ControllerConfig<T>;

  constructor(
    private readonly opts: {
      readonly config: ControllerConfig<T>;
      readonly client: ListWatchClient;
      readonly logger: ReflectorLogger;
      readonly namespace: string;
      readonly backoffInitialMs?: number;
    },
  ) {
    this.#namespace = opts.namespace;
    this.#config = opts.config;
    this.#current = this.#notYet();
  }

  get namespace(): string {
    return this.#namespace;
  }

  current(): ConfigReading<T> {
    return this.#current;
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

  /** Read it from another namespace from now on (its configuration key changed). */
  setNamespace(namespace: string): void {
    this.retarget(namespace, this.#config);
  }

  /** Read it from another namespace, or under another name (a ControllerConfig whose name is configured), from now on. */
  retarget(namespace: string, config: ControllerConfig<T>): void {
    if (namespace === this.#namespace && config.name === this.#config.name) return;
    this.#reflector?.stop();
    this.#namespace = namespace;
    this.#config = config;
    this.#present = undefined;
    this.#set(this.#notYet());
    if (this.#started) {
      this.#reflector = this.#makeReflector();
      this.#reflector.start();
    }
  }

  #notYet(): ConfigReading<T> {
    return { namespace: this.#namespace, unknown: `${configMapIn(this.#config, this.#namespace)} has not been read yet` };
  }

  #set(next: ConfigReading<T>): void {
    const before = this.#current.unknown;
    this.#current = next;
    if (next.unknown === before) return;
    const config = this.#config;
    const { logger } = this.opts;
    const configMap = `${this.#namespace}/${config.name}`;
    if (next.unknown === undefined) logger.info({ configMap }, `read ${config.title}`);
    else logger.warn({ configMap, reason: next.unknown }, `${config.title} are not known; what relies on them gets warnings, not denials`);
  }

  #makeReflector(): Reflector {
    const config = this.#config;
    const namespace = this.#namespace;
    const isOurs = () => namespace === this.#namespace && config === this.#config;
    const reflector: Reflector = new Reflector({
      name: `configmap ${namespace}/${config.name}`,
      client: this.opts.client,
      path: collection(namespace),
      fieldSelector: `metadata.name=${config.name}`,
      logger: this.opts.logger,
      ...(this.opts.backoffInitialMs !== undefined ? { backoffInitialMs: this.opts.backoffInitialMs } : {}),
      upsert: (o) => {
        if (!isOurs()) return;
        this.#present = o;
        this.#set(readingOf(config, o, namespace));
      },
      remove: () => {
        if (!isOurs()) return;
        this.#present = undefined;
        this.#set(readingOf(config, undefined, namespace));
      },
      onSynced: () => {
        if (isOurs()) this.#set(readingOf(config, this.#present, namespace));
      },
      // Once listed, the last value read stays the answer through a dropped or refused watch; before
      // that, the error is why it is unknown.
      onError: (err) => {
        if (isOurs() && !reflector.synced) this.#set({ namespace, unknown: unreadReason(config, err, namespace) });
      },
    });
    return reflector;
  }
}
