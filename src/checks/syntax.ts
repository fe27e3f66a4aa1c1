/**
 * The check the kubelet reports as `InvalidImageName`: the image reference does not parse with
 * distribution/reference ParseNormalizedNamed (pkg/kubelet/images/image_manager.go, applyDefaultImageTag).
 * Pure.
 */
import { parseImageReference } from '../reference/index.js';
import type { ImageReference } from '../reference/types.js';
import type { Finding, ImageUse } from './types.js';

export interface SyntaxResult {
  readonly ref: ImageReference | null;
  readonly finding: Finding | null;
}

export function who(use: ImageUse): string {
  return use.slot === 'volumes' ? use.container : `container "${use.container}"`;
}

export function checkSyntax(use: ImageUse): SyntaxResult {
  if (use.image === null) {
    const cause = use.problem ?? 'the image is missing';
    const fix = 'set it to an image reference such as "registry.example/team/app:1.0"';
    return {
      ref: null,
      finding: {
        code: 'IMAGE_REFERENCE_INVALID',
        container: use.container,
        field: use.field,
        image: '',
        message: `${who(use)} (${use.field}): ${cause}; ${fix}.`,
        short: `${cause}; ${fix}`,
      },
    };
  }
  const parsed = parseImageReference(use.image);
  if (parsed.ok) return { ref: parsed.ref, finding: null };
  const { cause, fix } = parsed.error;
  return {
    ref: null,
    finding: {
      code: 'IMAGE_REFERENCE_INVALID',
      container: use.container,
      field: use.field,
      image: use.image,
      message: `${who(use)}: image ${JSON.stringify(use.image)} is not a valid reference: ${cause}; ${fix}. The kubelet would fail with InvalidImageName.`,
      short: `${cause}; ${fix}`,
    },
  };
}
