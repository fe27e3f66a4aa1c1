/**
 * Policy: what each finding does to the answer. Pure.
 *
 * The action of a finding is, in order:
 *   1. `actions[code]` from the configuration, when set (deny | warn | off);
 *   2. for findings that mean "could not decide" (registry unreachable, rate limited, unverified), the
 *      configured `failurePolicy` (warn by default: pullguard fails open by design);
 *   3. the finding's own hint, where a check knows better than the table (an expired secret is only
 *      fatal when no other credential can serve the image);
 *   4. the code's default action from src/findings/codes.ts.
 * Then the mode caps it: `warn` turns every deny into a warning, `off` turns everything off.
 *
 * The verdict is `deny` when any finding denies, else `warn` when any warns, else `allow`.
 */
import { FINDINGS, type Action } from '../findings/codes.js';
import type { Finding } from '../findings/types.js';
import type { Config, Mode } from '../config/schema.js';

export type Verdict = 'deny' | 'warn' | 'allow';

export interface Decided {
  readonly finding: Finding;
  readonly action: Exclude<Action, 'off'>;
}

export interface Decision {
  readonly verdict: Verdict;
  /** Findings that are not off, in the order they were found, with their action. */
  readonly decided: readonly Decided[];
}

export type PolicyInput = Pick<Config, 'actions' | 'failurePolicy'>;

export function actionFor(finding: Finding, policy: PolicyInput, mode: Mode): Action {
  if (mode === 'off') return 'off';
  const spec = FINDINGS[finding.code];
  const action: Action =
    policy.actions[finding.code] ??
    (spec.undecided ? policy.failurePolicy : undefined) ??
    finding.actionHint ??
    spec.defaultAction;
  return mode === 'warn' && action === 'deny' ? 'warn' : action;
}

export function decide(findings: readonly Finding[], policy: PolicyInput, mode: Mode): Decision {
  const decided: Decided[] = [];
  for (const finding of findings) {
    const action = actionFor(finding, policy, mode);
    if (action !== 'off') decided.push({ finding, action });
  }
  const verdict: Verdict = decided.some((d) => d.action === 'deny')
    ? 'deny'
    : decided.length > 0
      ? 'warn'
      : 'allow';
  return { verdict, decided };
}

/**
 * Image exemption patterns: `*` matches any run of characters (slashes included), everything else is
 * literal. A pattern matches the image as written or its normalised repository name, so both
 * `nginx*` and `docker.io/library/nginx*` exempt `nginx:1.25`.
 *
 * Compiled once per pattern list: the list belongs to one configuration, which every review of that
 * configuration shares, so reviews do not rebuild the regular expression.
 */
const compiled = new WeakMap<readonly string[], (candidates: readonly string[]) => boolean>();

export function compileImagePatterns(patterns: readonly string[]): (candidates: readonly string[]) => boolean {
  let matcher = compiled.get(patterns);
  if (matcher) return matcher;
  if (patterns.length === 0) {
    matcher = () => false;
  } else {
    const source = patterns
      .map((p) => p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*'))
      .join('|');
    const re = new RegExp(`^(?:${source})$`);
    matcher = (candidates) => candidates.some((c) => re.test(c));
  }
  compiled.set(patterns, matcher);
  return matcher;
}
