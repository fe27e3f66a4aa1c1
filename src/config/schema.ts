/**
 * The configuration file shared by `pullguard serve` and `pullguard check`: its JSON schema (validated
 * with ajv, which also fills in the defaults) and its TypeScript shape. Every key and its default is
 * documented in manifests/config.example.yaml; a test keeps the two in step.
 */
import { CLOUDS } from '../cloud/index.js';
import type { Action } from '../findings/codes.js';
import type { CarrierConfig } from '../workload/carriers.js';

export type Mode = 'enforce' | 'warn' | 'off';
export type FailurePolicy = 'warn' | 'deny';

export interface RegistrySettings {
  /** PEM bundle of extra CAs trusted for this registry. */
  readonly caFile?: string;
  /** Speak plain HTTP (for a local registry without TLS). */
  readonly insecureHttp?: boolean;
  /** ECR pull-through-cache rule prefixes: a missing repository under them is created on first pull. */
  readonly pullThroughCachePrefixes?: readonly string[];
}

export interface Config {
  readonly mode: Mode;
  readonly actions: Readonly<Partial<Record<string, Action>>>;
  readonly exemptions: { readonly namespaces: readonly string[]; readonly images: readonly string[] };
  readonly failurePolicy: FailurePolicy;
  /** kubelet credential-provider `matchImages` patterns: registries nodes authenticate themselves. */
  readonly nodeCredentialProviders: readonly string[];
  /** Registries known to need credentials (same pattern syntax), for offline checks. */
  readonly privateRegistries: readonly string[];
  readonly credentials: { readonly expiringWindowSeconds: number };
  /** Ask registries whether images exist (the CLI's --offline turns this off). */
  readonly registryChecks: boolean;
  readonly registries: Readonly<Record<string, RegistrySettings>>;
  /**
   * Check cloud registry images (ECR, ACR, GAR: one switch per entry of src/cloud CLOUDS, by its id)
   * that nodes pull with their own credential provider (and no pull secret covers) with a registry
   * credential from pullguard's OWN cloud identity (docs/cloud.md). Every listed id is present.
   */
  readonly cloud: Readonly<Record<string, boolean>>;
  /** Every platform (`os/arch[/variant]`) a node of the cluster has; images must provide them all unless the pod pins one. */
  readonly platforms: readonly string[];
  readonly cache: {
    readonly maxEntries: number;
    readonly positiveTagSeconds: number;
    readonly positiveDigestSeconds: number;
    readonly negativeSeconds: number;
  };
  /**
   * The user's own kinds that make pods (in-house CRDs): where their pod specs, containers and image
   * fields are (docs/carriers.md). Added to the built-in carrier table; one with the group and kind of
   * a built-in row replaces it.
   */
  readonly carriers: readonly CarrierConfig[];
  /**
   * Tekton Pipelines: the namespace it runs in (its SYSTEM_NAMESPACE), where `serve` and `audit` read
   * its cluster defaults (ConfigMap `config-defaults`: the ServiceAccount and pod template a run that
   * sets none gets).
   */
  readonly tekton: { readonly namespace: string };
  /**
   * Argo Workflows: the workflow controller's configuration ConfigMap (its namespace and its
   * `--configmap` name), where `serve` and `audit` read its `workflowDefaults` (merged under every
   * workflow it runs: ServiceAccount, pull secrets, templateDefaults, podSpecPatch).
   */
  readonly argo: { readonly namespace: string; readonly configMap: string };
  /** The continuous audit inside `serve` (docs/audit.md). */
  readonly audit: {
    /** On by default; it runs only where cluster data is available (--kubeconfig or in a cluster). */
    readonly enabled: boolean;
    /** A full cycle re-asks the registries this often. */
    readonly intervalSeconds: number;
    /** Registry lookups the audit may make per registry per minute (admission lookups are not counted). */
    readonly registryLookupsPerMinute: number;
    /** Workloads audited at once. */
    readonly concurrency: number;
    /** Most problem series the audit exports (pullguard_audit_problem); beyond them, problems are only counted. */
    readonly maxProblemSeries: number;
    /** The Lease that elects the one replica that audits. */
    readonly lease: { readonly name: string; readonly durationSeconds: number };
  };
  readonly timeouts: {
    /** Subtracted from the API server's `?timeout=` to leave time to answer. */
    readonly admissionMarginMs: number;
    /** Used when the request carries no `?timeout=` (the CLI, or a hand-made request). */
    readonly defaultBudgetMs: number;
    /** Upper bound on any single registry request. */
    readonly registryRequestMs: number;
  };
}

/** Field paths of a user carrier (syntax checked in load.ts with src/workload/paths.ts). */
const PATH_LIST = { type: 'array', items: { type: 'string', minLength: 1, maxLength: 512 } } as const;

/** Finding code pattern: the table in src/findings/codes.ts is checked separately, for a better message. */
const ACTION = { type: 'string', enum: ['deny', 'warn', 'off'] } as const;
const PATTERN_LIST = { type: 'array', items: { type: 'string', minLength: 1 }, default: [] } as const;

export const CONFIG_SCHEMA = {
  $id: 'https://pullguard.io/schemas/config.json',
  type: 'object',
  additionalProperties: false,
  properties: {
    mode: { type: 'string', enum: ['enforce', 'warn', 'off'], default: 'enforce' },
    actions: {
      type: 'object',
      propertyNames: { pattern: '^[A-Z][A-Z0-9_]*$' },
      additionalProperties: ACTION,
      default: {},
    },
    exemptions: {
      type: 'object',
      additionalProperties: false,
      properties: {
        namespaces: { type: 'array', items: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' }, default: [] },
        images: PATTERN_LIST,
      },
      default: {},
    },
    failurePolicy: { type: 'string', enum: ['warn', 'deny'], default: 'warn' },
    nodeCredentialProviders: PATTERN_LIST,
    privateRegistries: PATTERN_LIST,
    credentials: {
      type: 'object',
      additionalProperties: false,
      properties: { expiringWindowSeconds: { type: 'integer', minimum: 0, maximum: 604800, default: 3600 } },
      default: {},
    },
    registryChecks: { type: 'boolean', default: true },
    registries: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          caFile: { type: 'string', minLength: 1 },
          insecureHttp: { type: 'boolean' },
          pullThroughCachePrefixes: { type: 'array', items: { type: 'string', minLength: 1 } },
        },
      },
      default: {},
    },
    cloud: {
      type: 'object',
      additionalProperties: false,
      // One switch per cloud of the table (src/cloud/index.ts CLOUDS), off by default.
      properties: Object.fromEntries(CLOUDS.map((c) => [c.id, { type: 'boolean', default: false }])),
      default: {},
    },
    platforms: { type: 'array', items: { type: 'string', pattern: '^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$' }, default: [] },
    cache: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxEntries: { type: 'integer', minimum: 100, maximum: 1000000, default: 10000 },
        positiveTagSeconds: { type: 'integer', minimum: 0, maximum: 86400, default: 300 },
        positiveDigestSeconds: { type: 'integer', minimum: 0, maximum: 604800, default: 86400 },
        negativeSeconds: { type: 'integer', minimum: 0, maximum: 59, default: 30 },
      },
      default: {},
    },
    carriers: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'group'],
        properties: {
          // Kind names are CamelCase identifiers (apimachinery: a Go type name).
          kind: { type: 'string', pattern: '^[A-Z][A-Za-z0-9]*$' },
          // A CRD's group is a DNS subdomain with at least one dot (apiextensions validation).
          group: { type: 'string', maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$' },
          versions: { type: 'array', items: { type: 'string', pattern: '^v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?$' } },
          resource: { type: 'string', maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' },
          namespaced: { type: 'boolean' },
          podSpecs: PATH_LIST,
          containers: PATH_LIST,
          initContainers: PATH_LIST,
          images: PATH_LIST,
        },
      },
      default: [],
    },
    tekton: {
      type: 'object',
      additionalProperties: false,
      properties: {
        // A namespace name is a DNS label (apimachinery ValidateNamespaceName).
        namespace: { type: 'string', maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', default: 'tekton-pipelines' },
      },
      default: {},
    },
    argo: {
      type: 'object',
      additionalProperties: false,
      properties: {
        namespace: { type: 'string', maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', default: 'argo' },
        // A ConfigMap name is a DNS subdomain (apimachinery IsDNS1123Subdomain).
        configMap: { type: 'string', maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$', default: 'workflow-controller-configmap' },
      },
      default: {},
    },
    audit: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean', default: true },
        intervalSeconds: { type: 'integer', minimum: 30, maximum: 86400, default: 600 },
        registryLookupsPerMinute: { type: 'integer', minimum: 1, maximum: 100000, default: 300 },
        concurrency: { type: 'integer', minimum: 1, maximum: 64, default: 4 },
        maxProblemSeries: { type: 'integer', minimum: 0, maximum: 100000, default: 2000 },
        lease: {
          type: 'object',
          additionalProperties: false,
          properties: {
            name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', default: 'pullguard-audit' },
            durationSeconds: { type: 'integer', minimum: 3, maximum: 300, default: 15 },
          },
          default: {},
        },
      },
      default: {},
    },
    timeouts: {
      type: 'object',
      additionalProperties: false,
      properties: {
        admissionMarginMs: { type: 'integer', minimum: 0, maximum: 10000, default: 1000 },
        defaultBudgetMs: { type: 'integer', minimum: 100, maximum: 300000, default: 8000 },
        registryRequestMs: { type: 'integer', minimum: 100, maximum: 60000, default: 4000 },
      },
      default: {},
    },
  },
} as const;
