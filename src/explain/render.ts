/**
 * Explanations as text (one screen per failing pull) or JSON (pure).
 */
import type { Explanation } from './explain.js';

export interface ExplainReport {
  readonly explanations: readonly Explanation[];
  /** Pods looked at (failing or not). */
  readonly podsChecked: number;
  /** Things that could not be read, in words (a node, pull secrets). */
  readonly problems: readonly string[];
}

const CONFIRMATION_TEXT: Record<Explanation['confirmation'], string> = {
  confirmed: 'confirmed: the registry, asked with this pod\'s credentials, agrees with the kubelet',
  contradicted: 'NOT what the registry says now',
  'node-side': 'the registry is fine from here: the cause is on the node',
  'not-confirmed': 'not confirmed',
  offline: 'not confirmed (--offline)',
};

function indent(lines: readonly string[], head: string): string[] {
  const pad = ' '.repeat(12);
  return lines.map((l, i) => `${i === 0 ? head.padEnd(12) : pad}${l}`);
}

function who(e: Explanation): string {
  return e.slot === 'sandbox' ? 'pod sandbox (pause image)' : `container "${e.container}"${e.slot === 'containers' ? '' : ` (${e.slot})`}`;
}

export function renderText(r: ExplainReport): string {
  const out: string[] = [];
  for (const e of r.explanations) {
    const where = [e.node ? `node ${e.node}` : 'no node', e.platform, e.runtime].filter(Boolean).join(', ');
    out.push(`pod ${e.namespace}/${e.pod} ${who(e)}: ${e.reason}  [${where}]`);
    out.push(...indent([e.image], '  image'));
    out.push(...indent([`${e.code}: ${e.summary}`], '  cause'));
    const words: string[] = [];
    if (e.kubelet.waitingMessage) words.push(`waiting: ${e.kubelet.waitingMessage}`);
    for (const ev of e.kubelet.events.slice(0, 3)) words.push(`${ev.reason}${ev.count > 1 ? ` (x${ev.count})` : ''}${ev.lastSeen ? ` ${ev.lastSeen}` : ''}: ${ev.message}`);
    if (words.length === 0) words.push('(no message or event left: events expire after an hour)');
    out.push(...indent(words, '  kubelet'));
    if (e.matched) out.push(...indent([`${e.matched.runtime} wording: ${e.matched.source}`], '  matched'));
    out.push(...indent([CONFIRMATION_TEXT[e.confirmation], ...e.checked], '  checked'));
    if (e.disagreement) out.push(...indent([e.disagreement], '  differs'));
    out.push(...indent(e.fix, '  fix'));
    out.push(...indent(e.retry, '  retry'));
    out.push(...indent([e.webhook], '  webhook'));
    out.push('');
  }
  for (const p of r.problems) out.push(`note: ${p}`);
  const n = r.explanations.length;
  out.push(n === 0 ? `no image pull failures in ${r.podsChecked} pod${r.podsChecked === 1 ? '' : 's'}` : `${n} failing pull${n === 1 ? '' : 's'} explained in ${r.podsChecked} pod${r.podsChecked === 1 ? '' : 's'}`);
  return `${out.join('\n')}\n`;
}

export function renderJson(r: ExplainReport): string {
  return `${JSON.stringify({ apiVersion: 'pullguard.dev/v1alpha1', kind: 'PullFailureExplanation', podsChecked: r.podsChecked, problems: r.problems, explanations: r.explanations }, null, 2)}\n`;
}
