/**
 * `helm template` output names the template each document was rendered from in a comment before it:
 *
 *     ---
 *     # Source: shop/templates/deployment.yaml
 *     apiVersion: apps/v1
 *
 * Reports keep the exact `file:line` of the rendered stream and add that template, so a finding can
 * be traced back to the chart. Pure.
 */

const SOURCE_COMMENT = /^#\s*Source:\s*(\S(?:.*\S)?)\s*$/;

/**
 * A lookup from an object's first line (1-based) to the template named by a `# Source:` comment in the
 * comment block right before it (only blank and comment lines between them, no `---`), or null.
 */
export function helmTemplates(text: string): (line: number) => string | null {
  if (!/#\s*Source:/.test(text)) return () => null;
  let lines: string[] | null = null;
  return (line: number): string | null => {
    lines ??= text.split(/\r?\n/);
    for (let i = Math.min(line - 2, lines.length - 1); i >= 0; i--) {
      const l = (lines[i] ?? '').trim();
      if (l === '') continue;
      if (!l.startsWith('#')) return null; // `---`, `...`, or content of something else
      const m = SOURCE_COMMENT.exec(l);
      if (m) return m[1] ?? null;
    }
    return null;
  };
}
