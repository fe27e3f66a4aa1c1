/**
 * Kubernetes objects out of manifest text: YAML or JSON (JSON is YAML 1.2), multi-document streams,
 * and `List` objects (`kubectl get -o yaml` output, `v1` List), each object with the line it starts at
 * and a way to find the line of any field inside it. Pure: text in, objects out.
 */
import { isMap, isSeq, LineCounter, parseAllDocuments, type Document, type Node as YamlNode } from 'yaml';

export interface ManifestObject {
  /** The object as plain data. */
  readonly object: Record<string, unknown>;
  /** 1-based line where the object starts. */
  readonly line: number;
  /** 1-based line of a field inside the object (`spec.template.spec.containers[0].image`), or null. */
  lineOf(field: string): number | null;
}

export interface ManifestDocuments {
  readonly objects: readonly ManifestObject[];
  /** Documents that are not Kubernetes objects (no `kind`), e.g. a Helm values file: line and why. */
  readonly skipped: readonly { readonly line: number; readonly reason: string }[];
}

export class ManifestError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${source}:${line}:${column}: ${reason}`);
    this.name = 'ManifestError';
  }
}

/** `spec.containers[0].image` → ['spec', 'containers', 0, 'image']. */
export function fieldPath(field: string): (string | number)[] {
  const path: (string | number)[] = [];
  for (const part of field.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      path.push(part);
      continue;
    }
    if (m[1]) path.push(m[1]);
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) path.push(Number(idx[1]));
  }
  return path;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'empty';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** A List is any `kind` ending in "List" with an `items` array (v1 List, PodList, DeploymentList, …). */
function isList(o: Record<string, unknown>): boolean {
  return typeof o['kind'] === 'string' && o['kind'].endsWith('List') && Array.isArray(o['items']);
}

export function parseManifests(text: string, source: string): ManifestDocuments {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  // parseAllDocuments returns an EmptyStream (not an array) for text with no documents at all.
  if (!Array.isArray(docs)) return { objects: [], skipped: [] };

  const objects: ManifestObject[] = [];
  const skipped: { line: number; reason: string }[] = [];
  for (const doc of docs as Document.Parsed[]) {
    const problem = doc.errors[0];
    if (problem) {
      // Errors found only at the end of input (an unclosed bracket) point past the last line; name the
      // last line that has text instead, which is where the user has to look.
      const pos = lineCounter.linePos(Math.min(problem.pos[0], Math.max(0, text.trimEnd().length - 1)));
      throw new ManifestError(source, pos.line, pos.col, problem.message.split('\n')[0] ?? 'invalid YAML');
    }
    const root = doc.contents as YamlNode | null;
    if (root === null) continue; // an empty document (`---` with nothing after it)
    const start = lineAt(root.range?.[0] ?? 0);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      throw new ManifestError(source, start, 1, (err as Error).message);
    }
    // A document with nothing but comments parses as null (`helm template` writes one per template that
    // renders empty, headed by its `# Source:` comment); like an empty document, it holds no object.
    if (value === null || value === undefined) continue;
    if (!isPlainObject(value)) {
      throw new ManifestError(source, start, 1, `the document is ${describe(value)}, not a Kubernetes object`);
    }
    if (typeof value['kind'] !== 'string' || value['kind'] === '') {
      skipped.push({ line: start, reason: 'no "kind": not a Kubernetes object' });
      continue;
    }
    const make = (object: Record<string, unknown>, prefix: (string | number)[], line: number): ManifestObject => ({
      object,
      line,
      lineOf(field: string): number | null {
        const node = doc.getIn([...prefix, ...fieldPath(field)], true) as YamlNode | undefined;
        return node?.range ? lineAt(node.range[0]) : null;
      },
    });
    if (isList(value)) {
      const itemsNode = isMap(root) ? root.get('items', true) : undefined;
      (value['items'] as unknown[]).forEach((item, i) => {
        const itemNode = isSeq(itemsNode) ? (itemsNode.items[i] as YamlNode | undefined) : undefined;
        const line = itemNode?.range ? lineAt(itemNode.range[0]) : start;
        if (!isPlainObject(item)) {
          throw new ManifestError(source, line, 1, `items[${i}] is ${describe(item)}, not a Kubernetes object`);
        }
        objects.push(make(item, ['items', i], line));
      });
      continue;
    }
    objects.push(make(value, [], start));
  }
  return { objects, skipped };
}
