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
}

