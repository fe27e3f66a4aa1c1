/**
 * The check the kubelet reports as `InvalidImageName`: the image reference does not parse with
 * distribution/reference ParseNormalizedNamed (pkg/kubelet/images/image_manager.go, applyDefaultImageTag).
 * Pure.
 */
import { finding } from '../findings/build.js';
import type { Finding, ImageUse } from '../findings/types.js';
import { parseImageReference } from '../reference/index.js';
import type { ImageReference } from '../reference/types.js';

export interface SyntaxResult {
  readonly ref: ImageReference | null;
  readonly finding: Finding | null;
}

export function checkSyntax(use: ImageUse): SyntaxResult {
  if (use.image === null) {
    const cause = use.problem ?? 'the image is missing';
    return {
      ref: null,
      finding: finding('IMAGE_REFERENCE_INVALID', use, {
        cause: `${cause}; the kubelet would fail with InvalidImageName`,
        fix: 'set it to an image reference such as "registry.example/team/app:1.0"',
        short: `${cause}; set an image reference such as "registry.example/team/app:1.0"`,
      }),
    };
  }
  const parsed = parseImageReference(use.image);
  if (parsed.ok) return { ref: parsed.ref, finding: null };
  const { cause, fix } = parsed.error;
  return {
    ref: null,
    finding: finding('IMAGE_REFERENCE_INVALID', use, {
      cause: `not a valid reference: ${cause}; the kubelet would fail with InvalidImageName`,
      fix,
      short: `${cause}; ${fix}`,
    }),
  };
}
