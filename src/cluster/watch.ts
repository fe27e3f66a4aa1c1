/**
 * What `serve --kubeconfig` keeps of the cluster: pull Secrets, ServiceAccounts and Namespace modes,
 * current through list + watch (src/cluster/reflector.ts). Nothing here is called on the admission
 * path except the in-memory lookups; `/readyz` is ready once every reflector has listed.
 *
 * Secrets are watched with a field selector on their type, one watch per pull type (a field selector
 * cannot say "a or b"): the two types the kubelet reads, kubernetes.io/dockerconfigjson and
 * kubernetes.io/dockercfg. Everything else (service-account tokens, TLS keys, Helm releases) is never
 * read, which keeps memory and RBAC exposure down; the price is that a referenced Secret of another
 * type looks absent, and the PULL_SECRET_NOT_FOUND message says "no pull secret", not "no secret".
 *
 * Nodes are watched for their platform labels only (kubernetes.io/os, kubernetes.io/arch): the
 * platforms an image index must provide when a pod does not pin one.
 *
 * Tekton's cluster defaults and Argo's workflowDefaults (one ConfigMap each, src/cluster/tekton-defaults.ts,
 * src/cluster/argo-defaults.ts) are watched too, but never
 * hold up readiness: they are optional, and so is their RBAC (manifests/components/custom-resources).
 *
 * RBAC needed (manifests/): get, list, watch on secrets, serviceaccounts, namespaces and nodes.
 *
 * The API is reached through src/cluster/client.ts, not @kubernetes/client-node, whose import alone
 * costs ~73 MB of memory (see src/cluster/kubeconfig.ts).
 */
import type { Mode } from '../config/schema.js';
import { KubeClient, type KubeClientOptions } from './client.js';
import type { ClusterConnection } from './kubeconfig.js';
import { Reflector, type ReflectorLogger } from './reflector.js';
import { ClusterStore } from './store.js';
import { TektonDefaultsWatch } from './tekton-defaults.js';
import { ArgoDefaultsWatch } from './argo-defaults.js';
import { ARGO_CONFIG } from '../workload/argo.js';
import { TEKTON_DEFAULTS } from '../workload/tekton.js';

/** The Namespace label that overrides the configured mode for every object in the namespace. */
export const MODE_LABEL = 'pullguard.io/mode';
const MODES: readonly string[] = ['enforce', 'warn', 'off'];

export const PULL_SECRET_TYPES = ['kubernetes.io/dockerconfigjson', 'kubernetes.io/dockercfg'] as const;

/** A node platform as the kubelet labels it (kubernetes.io/os, kubernetes.io/arch). */
export interface NodePlatform {
  readonly os: string;
  readonly architecture: string;
}

/**
 * The platforms of the cluster's nodes, from their well-known labels: what an image index must cover
 * for a pod that may land on any node (used when the configuration names no `platforms`).
 */
export class NodePlatforms {
  private readonly byNode = new Map<string, string>();
  private cache: NodePlatform[] | null = null;

  upsert(object: unknown): void {
    const meta = (object as { metadata?: { name?: string; labels?: Record<string, string> } }).metadata;
    const os = meta?.labels?.['kubernetes.io/os'];
    const arch = meta?.labels?.['kubernetes.io/arch'];
    if (!meta?.name) return;
    if (os && arch) this.byNode.set(meta.name, `${os}/${arch}`);
    else this.byNode.delete(meta.name);
    this.cache = null;
  }

  remove(object: unknown): void {
    const name = (object as { metadata?: { name?: string } }).metadata?.name;
    if (name && this.byNode.delete(name)) this.cache = null;
  }

  /** Distinct platforms, sorted. */
  platforms(): readonly NodePlatform[] {
    this.cache ??= [...new Set(this.byNode.values())].sort().map((p) => {
      const [os, architecture] = p.split('/') as [string, string];
      return { os, architecture };
    });
    return this.cache;
  }
}

/** Namespace → the mode its label asks for. */
export class NamespaceModes {
  private readonly modes = new Map<string, Mode>();

  constructor(private readonly logger: ReflectorLogger) {}

  mode(namespace: string): Mode | undefined {
    return this.modes.get(namespace);
  }

  upsert(object: unknown): void {
    const meta = (object as { metadata?: { name?: string; labels?: Record<string, string> } }).metadata;
    if (!meta?.name) return;
    const value = meta.labels?.[MODE_LABEL];
    if (value === undefined) {
      this.modes.delete(meta.name);
    } else if (MODES.includes(value)) {
      this.modes.set(meta.name, value as Mode);
    } else {
      this.modes.delete(meta.name);
      this.logger.warn(
        { namespace: meta.name, label: MODE_LABEL, value },
        `namespace label ${MODE_LABEL}=${value} is not one of ${MODES.join(', ')}; the configured mode applies`,
      );
    }
  }

  remove(object: unknown): void {
    const name = (object as { metadata?: { name?: string } }).metadata?.name;
    if (name) this.modes.delete(name);
  }
}

export interface ClusterWatchOptions {
  /** Where the API server is and how to authenticate (src/cluster/kubeconfig.ts). */
  readonly connection: ClusterConnection;
  readonly logger: ReflectorLogger;
  /** For tests: a shorter reconnect back-off. */
  readonly backoffInitialMs?: number;
  /** For tests: shorter client deadlines. */
  readonly client?: KubeClientOptions;
  /** Told of every pull Secret and ServiceAccount added, changed or deleted (the audit re-checks their users). */
  readonly onChange?: (kind: 'Secret' | 'ServiceAccount', namespace: string, name: string) => void;
  /** Where Tekton's config-defaults ConfigMap is read (config `tekton.namespace`; default tekton-pipelines). */
  readonly tektonNamespace?: string;
  /** Where Argo's workflow controller ConfigMap is read (config `argo`; default argo/workflow-controller-configmap). */
  readonly argo?: { readonly namespace: string; readonly configMap: string };
}

function nsNameOf(object: unknown): { namespace: string; name: string } | null {
  const meta = (object as { metadata?: { namespace?: unknown; name?: unknown } } | null)?.metadata;
  return typeof meta?.name === 'string' ? { namespace: typeof meta.namespace === 'string' ? meta.namespace : '', name: meta.name } : null;
}

export class ClusterWatch {
  readonly store = new ClusterStore({ available: false });
  readonly namespaces: NamespaceModes;
  readonly nodes = new NodePlatforms();
  /** Tekton's cluster defaults (src/cluster/tekton-defaults.ts): optional, so never part of readiness. */
  readonly tekton: TektonDefaultsWatch;
  /** Argo's workflowDefaults (src/cluster/argo-defaults.ts): optional, so never part of readiness. */
  readonly argo: ArgoDefaultsWatch;
  readonly reflectors: readonly Reflector[];
  /** The API client (shared with the audit's watches, Lease and writes). */
  readonly client: KubeClient;

  constructor(opts: ClusterWatchOptions) {
    this.client = new KubeClient(opts.connection, { logger: opts.logger, ...opts.client });
    this.namespaces = new NamespaceModes(opts.logger);
    const onSynced = () => this.store.setAvailable(this.storeReflectors.every((r) => r.synced));
    const common = { client: this.client, logger: opts.logger, backoffInitialMs: opts.backoffInitialMs, onSynced };
    const changed = (kind: 'Secret' | 'ServiceAccount', o: unknown) => {
      const at = opts.onChange ? nsNameOf(o) : null;
      if (at) opts.onChange!(kind, at.namespace, at.name);
    };
    const secretReflectors = PULL_SECRET_TYPES.map(
      (type) =>
        new Reflector({
          ...common,
          name: `secrets type=${type}`,
          path: '/api/v1/secrets',
          fieldSelector: `type=${type}`,
          upsert: (o) => {
            this.store.applyObject(withKind(o, 'Secret'), '');
            changed('Secret', o);
          },
          remove: (o) => {
            this.store.deleteObject(withKind(o, 'Secret'), '');
            changed('Secret', o);
          },
        }),
    );
    const serviceAccounts = new Reflector({
      ...common,
      name: 'serviceaccounts',
      path: '/api/v1/serviceaccounts',
      upsert: (o) => {
        this.store.applyObject(withKind(o, 'ServiceAccount'), '');
        changed('ServiceAccount', o);
      },
      remove: (o) => {
        this.store.deleteObject(withKind(o, 'ServiceAccount'), '');
        changed('ServiceAccount', o);
      },
    });
    const namespaces = new Reflector({
      ...common,
      name: 'namespaces',
      path: '/api/v1/namespaces',
      upsert: (o) => this.namespaces.upsert(o),
      remove: (o) => this.namespaces.remove(o),
    });
    const nodes = new Reflector({
      ...common,
      name: 'nodes',
      path: '/api/v1/nodes',
      upsert: (o) => this.nodes.upsert(o),
      remove: (o) => this.nodes.remove(o),
    });
    this.tekton = new TektonDefaultsWatch({
      client: this.client,
      logger: opts.logger,
      namespace: opts.tektonNamespace ?? TEKTON_DEFAULTS.namespace,
      ...(opts.backoffInitialMs !== undefined ? { backoffInitialMs: opts.backoffInitialMs } : {}),
    });
    this.argo = new ArgoDefaultsWatch({
      client: this.client,
      logger: opts.logger,
      ...(opts.argo ?? { namespace: ARGO_CONFIG.namespace, configMap: ARGO_CONFIG.name }),
      ...(opts.backoffInitialMs !== undefined ? { backoffInitialMs: opts.backoffInitialMs } : {}),
    });
    this.reflectors = [...secretReflectors, serviceAccounts, namespaces, nodes];
    this.storeReflectors = [...secretReflectors, serviceAccounts];
  }

  /** The reflectors whose first list makes the store complete (absence then means "does not exist"). */
  private readonly storeReflectors: readonly Reflector[];

  start(): this {
    for (const r of this.reflectors) r.start();
    this.tekton.start();
    this.argo.start();
    return this;
  }

  /** Stops every reflector and closes the API connections. */
  stop(): void {
    for (const r of this.reflectors) r.stop();
    this.tekton.stop();
    this.argo.stop();
    void this.client.close();
  }

  /** For /readyz: null once every reflector has listed. */
  notReadyReason(): string | null {
    const waiting = this.reflectors.filter((r) => !r.synced);
    if (waiting.length === 0) return null;
    return `waiting for the first list of cluster objects (${waiting.length} of ${this.reflectors.length} not synced)`;
  }
}

/** List items come without `kind`; the store dispatches on it. */
function withKind(object: unknown, kind: string): unknown {
  return { ...(object as object), kind, apiVersion: 'v1' };
}
