/**
 * What reading one pod-like object gives (src/workload/carriers.ts PodReader): shared by the carrier
 * table and the project-specific readers (src/workload/argo.ts). Pure types.
 */
import type { ImageUse } from '../findings/types.js';

type Json = Record<string, unknown>;

/** Something about a pod that is not a finding: what was not read there, and why. */
export interface PodNote {
  /** Field the note is about (`spec.templates[2].podSpecPatch`). */
  readonly field: string;
  readonly message: string;
}

/** A pod-like object as its controller turns it into a pod, when that is more than reading its entries. */
export interface PodReading {
  readonly uses: readonly ImageUse[];
  /** The pod-level fields that decide pulls (as PodContext gives them). */
  readonly podSpec: Json;
  /** Image fields read but replaced before the pod is made (Argo: an image a podSpecPatch overrides). */
  readonly replaced: readonly string[];
  readonly notes: readonly PodNote[];
  /**
   * Where the project's controller may add the pod's ServiceAccount or pull secrets from objects
   * pullguard did not read (Tekton's cluster defaults); absent when nothing can be added. A missing
   * credential is then undecided, not a certain failure (src/checks/engine.ts).
   */
  readonly credentialsElsewhere?: CredentialsElsewhere;
}

/** Credentials a controller may add from objects pullguard did not read, as findings phrase it. */
export interface CredentialsElsewhere {
  /** A clause: `Tekton's cluster defaults (ConfigMap …) may set the run's ServiceAccount and pull secrets, and were not read: <why>`. */
  readonly text: string;
  /** The same subject in a few words, for a kubectl warning: `Tekton's defaults (unread)`. */
  readonly short: string;
  /** How to make them known, or not needed. */
  readonly fix: string;
}


/** Tekton's cluster defaults (pkg/apis/config/default.go): `default-service-account`, `default-pod-template`. */
export interface TektonDefaults {
  readonly serviceAccountName?: string;
  readonly podTemplate?: Json;
}

/** Argo's workflowDefaults (config/config.go Config.WorkflowDefaults, a Workflow): only its spec decides pods. */
export interface ArgoDefaults {
  readonly spec?: Json;
}

/**
 * What a carrier's controller takes from outside the object, when pullguard knows it: `pullguard
 * check` builds it from its other inputs; the webhook and the audit from the cluster (Tekton's
 * config-defaults ConfigMap, src/cluster/tekton-defaults.ts).
 * Each field is optional; without it the object is read alone (notes, or PodReading.credentialsElsewhere,
 * say what was not read).
 */
export interface CarrierEnvironment {
  /**
   * Tekton's cluster defaults (ConfigMap `config-defaults` in `tekton-pipelines`): `default-service-account`
   * and `default-pod-template` (pkg/apis/config/default.go).
   */
  readonly tekton?: TektonDefaults;
  /**
   * Where Tekton's cluster defaults are read (config `tekton.namespace`, the namespace Tekton Pipelines
   * runs in); `tekton-pipelines` when absent. Messages name it.
   */
  readonly tektonNamespace?: string;
  /**
   * Why Tekton's cluster defaults are not known when `tekton` is absent, as a clause the messages end
   * with (`ConfigMap tekton-pipelines/config-defaults does not exist`); absent when they were simply not
   * among the inputs.
   */
  readonly tektonUnknown?: string;
  /**
   * Argo Workflows' `workflowDefaults` (the workflow controller's configuration ConfigMap,
   * `argo/workflow-controller-configmap` by default): the WorkflowSpec the controller merges under every
   * workflow it runs (src/workload/argo.ts); `{}` when the configuration sets none.
   */
  readonly argo?: ArgoDefaults;
  /** Where the controller's ConfigMap is read (`argo/workflow-controller-configmap`, config `argo`), for messages. */
  readonly argoConfigMap?: string;
  /** Why Argo's workflowDefaults are not known when `argo` is absent, as a clause; absent when the ConfigMap was simply not among the inputs. */
  readonly argoUnknown?: string;
  /** A WorkflowTemplate (in the object's namespace) or ClusterWorkflowTemplate an Argo templateRef or workflowTemplateRef names. */
  readonly workflowTemplate?: (kind: 'WorkflowTemplate' | 'ClusterWorkflowTemplate', namespace: string, name: string) => Json | undefined;
}

/** What a carrier reads from other objects (Argo templateRef): pods it could read there, and notes. */
export interface ElsewhereReading {
  readonly pods: readonly { readonly field: string; readonly reading: PodReading }[];
  readonly notes: readonly PodNote[];
}
