/**
 * docs/findings.md, read for SARIF rule help: for each code, what it means and how to fix it (the
 * table's third and fourth columns, as Markdown). The package ships docs/; where it is missing (a
 * container image without it) the rules fall back to the one-line summaries in src/findings/codes.ts.
 */
import { readFile } from 'node:fs/promises';

export interface FindingDoc {
  readonly meaning: string;
  readonly fix: string;
}

export const FINDINGS_DOC = new URL('../../docs/findings.md', import.meta.url);

export function parseFindingsDoc(markdown: string): Map<string, FindingDoc> {
  const docs = new Map<string, FindingDoc>();
  for (const m of markdown.matchAll(/^\| `([A-Z_]+)` \|[^|\n]*\|([^|\n]*)\|([^|\n]*)\|\s*$/gm)) {
    // Each row starts its description with an HTML anchor (the target of the SARIF helpUri).
    const meaning = (m[2] ?? '').replace(/<a id="[^"]*"><\/a>/g, '').trim();
    const fix = (m[3] ?? '').trim();
    if (meaning && fix) docs.set(m[1] as string, { meaning, fix });
  }
  return docs;
}

export async function loadFindingsDoc(url: URL = FINDINGS_DOC): Promise<Map<string, FindingDoc>> {
  try {
    return parseFindingsDoc(await readFile(url, 'utf8'));
  } catch {
    return new Map();
  }
}
