/**
 * What users read: the denial message and the kubectl warning lines. Pure.
 *
 * Limits come from the API server (k8s.io/apiserver admission webhook warnings and
 * staging/src/k8s.io/apiserver/pkg/warning): kubectl shows each warning as a `Warning: <text>` line;
 * texts over 256 characters may be truncated, and past 4096 characters in total further warnings are
 * dropped. Warnings must not start with "Warning:".
 */
import { clip, headline } from '../findings/build.js';
import type { Decided } from '../verdict/policy.js';

/** A warning should fit one terminal line where possible. */
export const WARNING_TARGET_LENGTH = 120;
/** The API server may truncate a warning past this. */
export const WARNING_MAX_LENGTH = 256;
/** A longer image is clipped in a warning line (the denial message and `pullguard check` show it whole). */
export const WARNING_IMAGE_MAX = 80;
/** The API server drops warnings past this total. Keep room for other webhooks' warnings too. */
export const WARNINGS_TOTAL_MAX = 4096;
/** A denial lists every denying finding, up to this many characters; then "…and N more". */
export const DENIAL_MESSAGE_MAX = 8192;

const ELLIPSIS = '…';

/**
 * One warning line: code, the finding's subject and image (src/findings/build.ts headline: the one way
 * every text names them), cause and fix. A very long image is clipped to keep the line whole.
 */
export function warningLine(d: Decided): string {
  const f = d.finding;
  const full = `${f.code} ${headline(f)}: ${f.short}`;
  if (full.length <= WARNING_TARGET_LENGTH) return full;
  return clip(`${f.code} ${headline(f, WARNING_IMAGE_MAX)}: ${f.short}`, WARNING_MAX_LENGTH);
}

/** Warning lines within the total budget; the last line says how many were left out. */
export function warningLines(decided: readonly Decided[]): string[] {
  const lines = decided.map(warningLine);
  const out: string[] = [];
  let total = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const remaining = lines.length - i - 1;
    // Reserve room for the "…and N more" line unless this is the last warning.
    const reserve = remaining > 0 ? 40 : 0;
    if (total + line.length + reserve > WARNINGS_TOTAL_MAX) {
      out.push(`${ELLIPSIS}and ${lines.length - i} more pullguard warnings (run "pullguard check" for all)`);
      break;
    }
    out.push(line);
    total += line.length;
  }
  return out;
}

/** The denial message: which object, how many problems, then one line per denying finding. */
export function denialMessage(what: string, denies: readonly Decided[]): string {
  const head = `${what}: ${denies.length} image problem${denies.length === 1 ? '' : 's'} would stop its pods from starting:`;
  let message = head;
  for (let i = 0; i < denies.length; i++) {
    const d = denies[i] as Decided;
    const line = `\n[${d.finding.code}] ${d.finding.message}`;
    if (message.length + line.length > DENIAL_MESSAGE_MAX) {
      message += `\n${ELLIPSIS}and ${denies.length - i} more`;
      break;
    }
    message += line;
  }
  return message;
}
