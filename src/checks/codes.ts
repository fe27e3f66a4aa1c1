/**
 * Every finding a user can see, in one table: its stable code, its default action and a one-line
 * description. docs/findings.md documents the same table (a test keeps them in step).
 *
 * Actions: `deny` — the kubelet would certainly fail to pull; `warn` — it might, or we could not tell.
 * Policy (src/verdict) can override the action per code.
 */
export type Action = 'deny' | 'warn' | 'off';

export interface FindingSpec {
  readonly defaultAction: Exclude<Action, 'off'>;
  /** True when the finding means "could not decide" rather than "decided": failurePolicy governs it. */
  readonly undecided: boolean;
  readonly summary: string;
}

export const FINDINGS = {
  IMAGE_REFERENCE_INVALID: {
    defaultAction: 'deny',
    undecided: false,
    summary: 'The image reference does not parse as the kubelet parses it; the pod fails with InvalidImageName.',
  },
  WORKLOAD_UNREADABLE: {
    defaultAction: 'warn',
    undecided: true,
    summary: 'The object is of a kind that carries a pod template, but no pod spec could be read from it; nothing was checked.',
  },
} as const satisfies Record<string, FindingSpec>;

export type FindingCode = keyof typeof FINDINGS;

export const FINDING_CODES = Object.keys(FINDINGS) as FindingCode[];

export function isFindingCode(s: string): s is FindingCode {
  return Object.prototype.hasOwnProperty.call(FINDINGS, s);
}
