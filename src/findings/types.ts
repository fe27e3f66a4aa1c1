/**
 * The shared vocabulary of every check and every report: where an image is used (ImageUse, produced by
 * src/workload), what is wrong with it (Finding, built only by ./build.ts), and what was found about it.
 * Pure types; the lowest layer after src/reference.
 */
import type { ImageReference } from '../reference/types.js';
import type { FindingCode } from './codes.js';

/** The pod spec list an image use comes from (core/v1 PodSpec). */
export type ImageSlot = 'containers' | 'initContainers' | 'ephemeralContainers' | 'volumes';

/**
 * One image use inside a pod spec: where it is (for messages) and what it says.
 * Produced by src/workload, consumed by every check.
 */
export interface ImageUse {
  /**
   * The container's name as written, or the volume's name for image volumes; `#N` (its index) when the
   * entry has no name, '' when the entry is not a container at all (see `problem`).
   */
  readonly container: string;
  /** Which list it came from. */
  readonly slot: ImageSlot;
  /** Field path inside the object (`spec.template.spec.initContainers[1].image`). */
  readonly field: string;
  /** The image string as written (`null` when the field is absent or not a string; see `problem`). */
  readonly image: string | null;
  /** Why `image` is null: what the field held instead (`the container has no image`, `image is a number, not a string`). */
  readonly problem: string | null;
  /**
   * What the carrier's project calls the entry, when it is not a pod spec's container: `step` and
   * `sidecar` (Tekton, Argo), `step action` (`container` is then the StepAction's name), `image field`
   * (a configured bare image path; `container` is then that path). Default: the slot's noun.
   */
  readonly noun?: string;
  /**
   * The part of a carrier that becomes this entry's pod, as its project names it, when the object
   * makes more than one: `template "build"` (Argo), `task "fetch"` (a Tekton pipeline task).
   */
  readonly within?: string;
}

/**
 * A place a finding is about that is not one image use: the object's pod spec (WORKLOAD_UNREADABLE).
 */
export interface PodSpecPlace {
  readonly slot: 'podSpec';
  /** Path of the pod spec (`spec.template.spec`). */
  readonly field: string;
}

/** A finding: something that would make the kubelet fail to pull, or that could not be verified. */
export interface Finding {
  readonly code: FindingCode;
  /** ImageUse.container ('' for a finding about the pod spec). */
  readonly container: string;
  readonly field: string;
  /** The image as written ('' when absent). */
  readonly image: string;
  /**
   * How every text names the place, the one way (src/findings/build.ts subjectOf): `container "app"`,
   * `init container "setup"`, `ephemeral container "debug"`, `image volume "models"`, `the pod spec`;
   * in a custom resource `container "main" of template "build"`, `step "compile" of task "build"`,
   * `step action "git-clone"`.
   */
  readonly subject: string;
  /** Full sentence(s): subject and image, what is wrong, how to fix it. */
  readonly message: string;
  /** Short form for a kubectl Warning line (cause and fix, no container/image prefix; ≤ SHORT_MAX). */
  readonly short: string;
  /**
   * Set by a check that knows this occurrence is more or less severe than the code's default (an expired
   * secret is fatal only when no other credential can serve the image). Configured actions still win.
   */
  readonly actionHint?: 'deny' | 'warn';
}

/** Result of checking one image: the parsed reference (null when invalid) plus credentials report. */
export interface ImageReport {
  readonly use: ImageUse;
  readonly ref: ImageReference | null;
  readonly credentials: CredentialSourceReport[];
}

/** Where a matching credential came from (never its value). Filled by the credentials check. */
export interface CredentialSourceReport {
  readonly source: 'secret' | 'serviceaccount' | 'node' | 'docker-config';
  readonly secret: string | null;
  readonly key: string | null;
}
