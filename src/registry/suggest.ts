/**
 * "Did you mean …?" for missing tags: optimal-string-alignment distance (Damerau–Levenshtein with
 * adjacent transpositions), with look-alike characters (O/0, l/1, I/1) costing half an edit.
 */

const LOOKALIKE = new Set(['o0', '0o', 'O0', '0O', 'l1', '1l', 'I1', '1I', 'Il', 'lI']);

function substitutionCost(a: string, b: string): number {
  if (a === b) return 0;
  if (a.toLowerCase() === b.toLowerCase()) return 0.5;
  if (LOOKALIKE.has(a + b)) return 0.5;
  return 1;
}

/** Edit distance between two tags (insert/delete/substitute/transpose = 1; case or look-alike = 0.5). */
export function tagDistance(a: string, b: string): number {
  const n = a.length;
  const m = b.length;
  if (n === 0) return m;
  if (m === 0) return n;
  let prev2: number[] = new Array<number>(m + 1).fill(0);
  let prev: number[] = Array.from({ length: m + 1 }, (_, j) => j);
  let cur: number[] = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    for (let j = 1; j <= m; j++) {
      const ca = a[i - 1]!;
      const cb = b[j - 1]!;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + substitutionCost(ca, cb));
      if (i > 1 && j > 1 && ca === b[j - 2] && a[i - 2] === cb && ca !== cb) v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m]!;
}

export const MAX_SUGGESTIONS = 3;
/** Rank of a tag that extends the written one (`1.3` → `1.3.0`): after look-alikes, before real typos. */
const EXTENSION_DISTANCE = 0.75;
const NATURAL = new Intl.Collator('en', { numeric: true });

/**
 * The existing tags nearest to `tag`, best first: at most `max`, and only those close enough to be a
 * plausible typo (distance ≤ max(1, ⌊len/3⌋), capped at 3) or a more specific tag that starts with
 * it. Ties put the higher version first (natural order: 1.3.10 before 1.3.9).
 */
export function suggestTags(tag: string, tags: readonly string[], max: number = MAX_SUGGESTIONS): string[] {
  const limit = Math.min(3, Math.max(1, Math.floor(tag.length / 3)));
  const scored: Array<{ t: string; d: number }> = [];
  for (const t of tags) {
    if (t === tag) continue;
    // `1.3` → `1.3.0`, `v2` → `v2-alpine`: the written tag is a prefix of a more specific one.
    if (tag.length > 0 && (t.startsWith(`${tag}.`) || t.startsWith(`${tag}-`))) {
      scored.push({ t, d: EXTENSION_DISTANCE });
      continue;
    }
    if (Math.abs(t.length - tag.length) > limit) continue;
    const d = tagDistance(tag, t);
    if (d <= limit) scored.push({ t, d });
  }
  scored.sort((x, y) => x.d - y.d || NATURAL.compare(y.t, x.t));
  return scored.slice(0, max).map((s) => s.t);
}
