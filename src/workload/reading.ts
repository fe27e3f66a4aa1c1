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
   * pullguard did not read (Tekton's cluster defaults), said as a clause; absent when nothing can be
   * added. A missing credential is then undecided, not a certain failure (src/checks/engine.ts).
   */
  readonly credentialsElsewhere?: string;
}


/**
 * What a carrier's controller takes from outside the object, when pullguard knows it: `pullguard
 * check` builds it from its other inputs; the webhook and the audit do not read these objects yet.
 * Each field is optional; without it the object is read alone (notes, or PodReading.credentialsElsewhere,
 * say what was not read).
 */
export interface CarrierEnvironment {
  /**
   * Tekton's cluster defaults (ConfigMap `config-defaults` in `tekton-pipelines`): `default-service-account`
   * and `default-pod-template` (pkg/apis/config/default.go).
   */
  readonly tekton?: { readonly serviceAccountName?: string; readonly podTemplate?: Json };
  /** A WorkflowTemplate (in the object's namespace) or ClusterWorkflowTemplate an Argo templateRef or workflowTemplateRef names. */
  readonly workflowTemplate?: (kind: 'WorkflowTemplate' | 'ClusterWorkflowTemplate', namespace: string, name: string) => Json | undefined;
}

/** What a carrier reads from other objects (Argo templateRef): pods it could read there, and notes. */
export interface ElsewhereReading {
  readonly pods: readonly { readonly field: string; readonly reading: PodReading }[];
  readonly notes: readonly PodNote[];
}
