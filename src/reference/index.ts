/**
 * Public API of the image-reference module: an exact port of distribution/reference v0.6.0 as the
 * kubelet uses it (ParseNormalizedNamed + TagNameOnly), with specific diagnoses for failures.
 */
export type { ImageReference, ParseResult, ReferenceError, ReferenceErrorReason } from './types.js';
export {
  canonicalString,
  familiarName,
  familiarString,
  parseImageReference,
  parseReference,
  type DetailedParseResult,
  type DetailedReferenceError,
  type FamiliarInput,
  type RawParseResult,
  type RawReference,
} from './parse.js';
export { isValidImageReference } from './go.js';
export {
  DIGEST_ALGORITHMS,
  DIGEST_HEX_MIN_LENGTH,
  NAME_TOTAL_LENGTH_MAX,
  TAG_MAX_LENGTH,
} from './grammar.js';
export * as grammar from './grammar.js';
