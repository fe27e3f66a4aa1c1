/**
 * Kubernetes objects out of manifest text, read the way `kubectl apply -f` reads it: YAML or JSON (JSON
 * is YAML 1.2), multi-document streams cut into documents as kubectl cuts them, and `List` objects
 * (`kubectl get -o yaml` output, `v1` List), each object with the line it starts at and a way to find
 * the line of any field inside it. Where kubectl's YAML (go-yaml v2 through sigs.k8s.io/yaml) accepts
 * what YAML 1.2 does not, the result is kubectl's: see go-yaml.ts. A document that cannot be read is
 * reported with its line and the others are still read. Pure: text in, objects and problems out.
 */
import {
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Node as YamlNode,
  type Pair,
  type YAMLMap,
} from 'yaml';
import { isJsonStream, padContinuations, splitDocuments, splitJsonStream } from './go-yaml.js';

/** Something kubectl reads from the object differently than a reader would expect (a key given twice). */
export interface ManifestNote {
  /** 1-based line the note is about. */
  readonly line: number;
  readonly message: string;
}

export interface ManifestObject {
  /** The object as plain data. */
  readonly object: Record<string, unknown>;
  /** 1-based line where the object starts. */
  readonly line: number;
  /** What kubectl reads differently than written (duplicate keys: the last one wins). */
  readonly notes: readonly ManifestNote[];
  /** 1-based line of a field inside the object (`spec.template.spec.containers[0].image`), or null. */
  lineOf(field: string): number | null;
}

/** A document that cannot be read as kubectl would read it: where, and why. */
export interface ManifestProblem {
  readonly line: number;
  readonly column: number;
  readonly reason: string;
}

export interface ManifestDocuments {
  readonly objects: readonly ManifestObject[];
  /** Documents that are not Kubernetes objects (no `kind`), e.g. a Helm values file: line and why. */
  readonly skipped: readonly { readonly line: number; readonly reason: string; readonly notes: readonly ManifestNote[] }[];
  /** Documents that cannot be parsed (kubectl rejects them too); every other document is still read. */
  readonly problems: readonly ManifestProblem[];
}

/** Aliases a document may expand (a "billion laughs" document would otherwise exhaust memory). */
export const MAX_ALIAS_COUNT = 100;

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

/** `{{` … `}}` in the text: a Go or Helm template that was not rendered. */
const TEMPLATE = /\{\{.*?\}\}/;

const TEMPLATE_HINT =
  'it looks like an unrendered Go/Helm template ({{ … }}), which is not a Kubernetes object: render it first (helm template) or quote the value';

/** The path of a node inside the document, for messages: `spec.selector`, `spec.containers[0]`. */
function pathText(path: readonly (string | number)[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s === '' ? 'the top level' : s;
}

/** The JSON key a scalar key becomes (sigs.k8s.io/yaml turns every key into a string; so does toJS). */
function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

interface Walk {
  readonly notes: ManifestNote[];
  problem: { offset: number; reason: string } | null;
}

/**
 * Make the document what kubectl reads, in place: of a key given twice in a mapping only the last pair
 * stays (go-yaml v2's non-strict decoding sets the key again; a note says so), and a mapping or list
 * used as a key is a problem (go-yaml's decoder rejects it: "yaml: invalid map key"; it is
 * what an unquoted `{{ .value }}` template parses as).
 */
function normalize(node: unknown, path: (string | number)[], w: Walk, lineAt: (offset: number) => number, text: string): void {
  if (w.problem) return;
  if (isMap(node)) {
    const map = node as YAMLMap<unknown, unknown>;
    const last = new Map<string, number>();
    map.items.forEach((pair: Pair<unknown, unknown>, i) => {
      if (isCollection(pair.key)) {
        const start = (pair.key as YamlNode).range?.[0] ?? 0;
        const end = (pair.key as YamlNode).range?.[1] ?? start;
        const line = text.slice(lineStart(text, start), lineEnd(text, end));
        const template = TEMPLATE.exec(line)?.[0];
        w.problem ??= {
          offset: start,
          reason: template
            ? `${pathText(path)} is an unrendered Go/Helm template (${template}), not a value: YAML reads it as a mapping used as a key, ` +
              'which kubectl rejects ("invalid map key"); render the template first (helm template) or quote the value'
            : `${pathText(path)} has a ${isMap(pair.key) ? 'mapping' : 'list'} where a key is expected ` +
              `(${text.slice(start, end).split('\n')[0]}); kubectl rejects it ("invalid map key")`,
        };
        return;
      }
      // `<<` merge keys may repeat; go-yaml merges them all.
      if (isScalar(pair.key) && pair.key.value === '<<') return;
      last.set(keyText(pair.key), i);
    });
    if (w.problem) return;
    if (last.size < map.items.length) {
      const kept: Pair<unknown, unknown>[] = [];
      const lines = new Map<string, number[]>();
      map.items.forEach((pair, i) => {
        const key = keyText(pair.key);
        const isMerge = isScalar(pair.key) && pair.key.value === '<<';
        if (!isMerge) {
          const at = lineAt((pair.key as YamlNode | null)?.range?.[0] ?? 0);
          lines.set(key, [...(lines.get(key) ?? []), at]);
        }
        if (isMerge || last.get(key) === i) kept.push(pair);
      });
      for (const [key, at] of lines) {
        if (at.length < 2) continue;
        const where = path.length === 0 ? `"${key}"` : `"${pathText([...path, key])}"`;
        w.notes.push({
          line: at[at.length - 1] as number,
          message: `${where} is given ${at.length} times (lines ${at.join(', ')}); kubectl uses the last one (line ${at[at.length - 1]}) and ignores the others`,
        });
      }
      map.items = kept;
    }
    for (const pair of map.items) normalize(pair.value, [...path, keyText(pair.key)], w, lineAt, text);
    return;
  }
  if (isSeq(node)) {
    node.items.forEach((item, i) => normalize(item, [...path, i], w, lineAt, text));
  }
  // Scalars and aliases: nothing inside (an alias points at a node normalized where it is defined).
  void isAlias;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function lineEnd(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl === -1 ? text.length : nl;
}

const PARSE_OPTIONS = {
  prettyErrors: false,
  // kubectl's go-yaml keeps the last of repeated keys (normalize() says so) and merges `<<` keys.
  uniqueKeys: false,
  merge: true,
  // Never a Node process warning on stderr: what the `yaml` package would warn about is reported here.
  logLevel: 'error',
} as const;

export function parseManifests(text: string, _source?: string): ManifestDocuments {
  const objects: ManifestObject[] = [];
  const skipped: { line: number; reason: string; notes: readonly ManifestNote[] }[] = [];
  const problems: ManifestProblem[] = [];
  // kubectl strips a UTF-8 byte order mark (visitor.go: unicode.BOMOverride); so does the reader.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const readOne = (chunkText: string, firstLine: number, badSeparator: { line: number; rest: string } | undefined): void => {
    readChunk(chunkText, firstLine, objects, skipped, problems);
    if (badSeparator) {
      problems.push({
        line: badSeparator.line + 1,
        column: 4,
        reason: `kubectl accepts nothing but a comment after a document separator, found "${badSeparator.rest}" ("invalid Yaml document separator"); put it on the next line`,
      });
    }
  };
  if (isJsonStream(body)) {
    // JSON: kubectl decodes the values one after another and stops at anything else.
    const stream = splitJsonStream(body);
    for (const chunk of stream.chunks) {
      if (chunk.json) readChunk(chunk.text, chunk.firstLine, objects, skipped, problems);
      else {
        problems.push({
          line: chunk.firstLine + 1,
          column: 1,
          reason: `not valid JSON (${chunk.error}); kubectl reads a file that starts with "{" as JSON, not YAML`,
        });
      }
    }
    if (stream.stop) {
      problems.push({
        line: stream.stop.line + 1,
        column: 1,
        reason:
          `kubectl reads a file that starts with "{" as JSON objects one after another and stops at "${stream.stop.found}" ` +
          '(not the start of a JSON value); what follows was checked as YAML, but kubectl would not apply it',
      });
      const rest = body.slice(stream.stop.offset);
      const restStart = body.slice(0, stream.stop.offset).split('\n').length - 1;
      for (const chunk of splitDocuments(rest)) {
        const bad = chunk.badSeparator ? { line: chunk.badSeparator.line + restStart, rest: chunk.badSeparator.rest } : undefined;
        readOne(chunk.text, chunk.firstLine + restStart, bad);
      }
    }
  } else {
    for (const chunk of splitDocuments(body)) readOne(chunk.text, chunk.firstLine, chunk.badSeparator);
  }
  problems.sort((a, b) => a.line - b.line);
  return { objects, skipped, problems };
}

function readChunk(
  original: string,
  firstLine: number,
  objects: ManifestObject[],
  skipped: { line: number; reason: string; notes: readonly ManifestNote[] }[],
  problems: ManifestProblem[],
): void {
  let text = original;
  let lineCounter = new LineCounter();
  let docs = parseAllDocuments(text, { ...PARSE_OPTIONS, lineCounter });
  // parseAllDocuments returns an EmptyStream (not an array) for text with no documents at all.
  if (!Array.isArray(docs)) return;
  if (docs.some((d) => d.errors.length > 0)) {
    // Continuation lines go-yaml accepts and YAML 1.2 does not (go-yaml.ts): re-indent, parse again.
    const padded = padContinuations(text);
    if (padded !== null) {
      const again = new LineCounter();
      const redo = parseAllDocuments(padded, { ...PARSE_OPTIONS, lineCounter: again });
      if (Array.isArray(redo)) {
        text = padded;
        lineCounter = again;
        docs = redo;
      }
    }
  }
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line + firstLine;
  const templateAt = (offset: number): boolean => TEMPLATE.test(text.slice(lineStart(text, offset), lineEnd(text, offset)));

  for (const doc of docs as Document.Parsed[]) {
    const problem = doc.errors[0];
    if (problem) {
      // Errors found only at the end of input (an unclosed bracket) point past the last line; name the
      // last line that has text instead, which is where the user has to look.
      const offset = Math.min(problem.pos[0], Math.max(0, text.trimEnd().length - 1));
      const pos = lineCounter.linePos(offset);
      const reason = problem.message.split('\n')[0] ?? 'invalid YAML';
      problems.push({ line: pos.line + firstLine, column: pos.col, reason: templateAt(offset) ? `${reason}; ${TEMPLATE_HINT}` : reason });
      continue;
    }
    const root = doc.contents as YamlNode | null;
    if (root === null) continue; // an empty document (`---` with nothing after it)
    const start = lineAt(root.range?.[0] ?? 0);
    const walk: Walk = { notes: [], problem: null };
    normalize(root, [], walk, lineAt, text);
    if (walk.problem) {
      const pos = lineCounter.linePos(walk.problem.offset);
      problems.push({ line: pos.line + firstLine, column: pos.col, reason: walk.problem.reason });
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      problems.push({ line: start, column: 1, reason: (err as Error).message });
      continue;
    }
    // A document with nothing but comments parses as null (`helm template` writes one per template that
    // renders empty, headed by its `# Source:` comment); like an empty document, it holds no object.
    if (value === null || value === undefined) continue;
    if (!isPlainObject(value)) {
      problems.push({ line: start, column: 1, reason: `the document is ${describe(value)}, not a Kubernetes object` });
      continue;
    }
    if (typeof value['kind'] !== 'string' || value['kind'] === '') {
      skipped.push({ line: start, reason: 'no "kind": not a Kubernetes object', notes: walk.notes });
      continue;
    }
    const make = (object: Record<string, unknown>, prefix: (string | number)[], line: number, notes: readonly ManifestNote[]): ManifestObject => ({
      object,
      line,
      notes,
      lineOf(field: string): number | null {
        const node = doc.getIn([...prefix, ...fieldPath(field)], true) as YamlNode | undefined;
        return node?.range ? lineAt(node.range[0]) : null;
      },
    });
    if (isList(value)) {
      const itemsNode = isMap(root) ? root.get('items', true) : undefined;
      const items = value['items'] as unknown[];
      for (let i = 0; i < items.length; i++) {
        const item = items[i];
        const itemNode = isSeq(itemsNode) ? (itemsNode.items[i] as YamlNode | undefined) : undefined;
        const line = itemNode?.range ? lineAt(itemNode.range[0]) : start;
        if (!isPlainObject(item)) {
          problems.push({ line, column: 1, reason: `items[${i}] is ${describe(item)}, not a Kubernetes object` });
          continue;
        }
        const end = itemNode?.range ? lineAt(itemNode.range[2]) : Number.MAX_SAFE_INTEGER;
        objects.push(make(item, ['items', i], line, walk.notes.filter((n) => n.line >= line && n.line <= end)));
      }
      continue;
    }
    objects.push(make(value, [], start, walk.notes));
  }
}
