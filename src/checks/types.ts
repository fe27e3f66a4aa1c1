import type { ImageReference } from '../reference/types.js';
import type { FindingCode } from './codes.js';

/**
 * One image use inside a pod spec: where it is (for messages) and what it says.
 * Produced by src/workload, consumed by every check.
 */
export interface ImageUse {
  /** Container name, or the volume name for image volumes. */
  readonly container: string;
  /** Which list it came from. */
  readonly slot: 'containers' | 'initContainers' | 'ephemeralContainers' | 'volumes';
  /** Field path inside the object (`spec.template.spec.initContainers[1].image`). */
  readonly field: string;
  /** The image string as written (`null` when the field is absent or not a string; see `problem`). */
  readonly image: string | null;
  /** Why `image` is null: what the field held instead (`the container has no image`, `image is a number, not a string`). */
  readonly problem: string | null;
}

/** A finding: something that would make the kubelet fail to pull, or that could not be verified. */
export interface Finding {
  readonly code: FindingCode;
  readonly container: string;
  readonly field: string;
  /** The image as written ('' when absent). */
  readonly image: string;
  /** Full sentence(s): what is wrong and how to fix it. Names the container and image. */
  readonly message: string;
  /** Short form for a kubectl Warning line (cause and fix, no container/image prefix). */
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
