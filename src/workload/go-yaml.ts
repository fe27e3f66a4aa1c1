/**
 * Where kubectl's YAML reading differs from the `yaml` package, and how manifests.ts makes them agree.
 * Pure: text in, text or line ranges out.
 *
 * kubectl reads a manifest stream in two steps (k8s.io/cli-runtime pkg/resource/visitor.go,
 * StreamVisitor.Visit → k8s.io/apimachinery pkg/util/yaml NewYAMLOrJSONDecoder):
 *
 * 1. `YAMLReader.Read` cuts the stream into documents by LINES: a line that starts with `---` and has
 *    nothing after it but spaces or a `#` comment ends a document, wherever it is; a line that starts
 *    with `---` followed by anything else is an error ("invalid Yaml document separator") — kubectl
 *    does not accept `--- {…}` or `--- |`. → `splitDocuments` below.
 * 2. Each document goes through sigs.k8s.io/yaml `Unmarshal` (YAMLToJSON, non-strict), which parses it
 *    with go-yaml v2 (go.yaml.in/yaml/v2 in current kubectl, a port of libyaml) into Go maps: a key
 *    given twice keeps its LAST value (non-strict decoding of a map just sets the key again), and a
 *    key that is a mapping or a list is an error of go-yaml's decoder ("yaml: invalid map key": a Go
 *    map cannot have such a key). manifests.ts handles both; kubectl's own messages for these cases
 *    are checked in test/cli/inputs-kubectl.test.ts.
 *
 * libyaml does not check the indentation of the continuation lines of a quoted scalar or of the lines
 * inside a flow collection (`[…]`, `{…}`) at all: its scanner (yaml_parser_scan_flow_scalar) only
 * stops at a document indicator (`---`/`...` at column 0), and yaml_parser_unroll_indent returns at
 * once while flow_level > 0. The `yaml` package follows YAML 1.2, which requires those lines to be
 * indented more than the enclosing block node, and its lexer ends the scalar or collection at an
 * under-indented line (errors MISSING_CHAR, BAD_INDENT). Real manifests have such lines (long
 * annotations, `args: ["…",` lists written by hand), and kubectl applies them, so `padContinuations`
 * re-indents exactly those lines: leading white space of a continuation line is never part of the
 * value (line folding drops it in quoted scalars; it separates tokens in flow collections), so adding
 * spaces there changes no value and no line number — only what the `yaml` package accepts.
 */

/** One document of a stream as kubectl's YAMLReader cuts it: its text and the 0-based line it starts at. */
export interface DocumentChunk {
  readonly text: string;
  /** 0-based line of the chunk's first line in the whole stream. */
  readonly firstLine: number;
  /** A `---` line kubectl rejects ("invalid Yaml document separator") that ended this chunk, if any. */
  readonly badSeparator?: { readonly line: number; readonly rest: string };
}

const SEPARATOR = '---';

/**
 * kubectl reads a stream whose first character after white space is `{` as JSON, not YAML
 * (apimachinery NewYAMLOrJSONDecoder → GuessJSONStream / hasJSONPrefix): a stream of JSON values one
 * after another (`{…}{…}` or one per line), each decoded with encoding/json. Flow-style YAML that
 * starts with `{` (`{kind: Pod}`) is then a JSON syntax error, and `---` between JSON objects ends
 * the reading of the file.
 */
export function isJsonStream(text: string): boolean {
  return /^[ \t\r\n]*\{/.test(text);
}

/** A JSON stream cut into its top-level values; `stop` is where kubectl's decoder stops reading. */
export interface JsonStream {
  readonly chunks: (DocumentChunk & { readonly json: boolean; readonly error?: string })[];
  /** A character that starts no JSON value at the top level: kubectl reads nothing after it. */
  readonly stop?: { readonly offset: number; readonly line: number; readonly found: string };
}

/**
 * Cut a JSON stream into top-level values by bracket matching (strings and escapes respected), each a
 * chunk starting at its own first character, with `json` false when JSON.parse rejects it (the reason
 * in `error`). Top-level scalars and white space between values are allowed, as encoding/json's
 * Decoder allows them.
 */
export function splitJsonStream(text: string): JsonStream {
  const chunks: (DocumentChunk & { json: boolean; error?: string })[] = [];
  let line = 0;
  let i = 0;
  const lineAt = (to: number): void => {
    for (; i < to; i++) if (text.charCodeAt(i) === 10) line++;
  };
  let pos = 0;
  while (pos < text.length) {
    const c = text[pos] as string;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      pos++;
      continue;
    }
    if (c !== '{' && c !== '[') {
      lineAt(pos);
      return { chunks, stop: { offset: pos, line, found: text.slice(pos, text.indexOf('\n', pos) === -1 ? text.length : text.indexOf('\n', pos)).slice(0, 40) } };
    }
    let depth = 0;
    let end = pos;
    let inString = false;
    for (; end < text.length; end++) {
      const d = text[end] as string;
      if (inString) {
        if (d === '\\') end++;
        else if (d === '"') inString = false;
      } else if (d === '"') inString = true;
      else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) break;
      }
    }
    const value = text.slice(pos, end + 1);
    lineAt(pos);
    let error: string | undefined;
    try {
      JSON.parse(value);
    } catch (err) {
      error = (err as Error).message;
    }
    chunks.push({ text: value, firstLine: line, json: error === undefined, ...(error === undefined ? {} : { error }) });
    pos = end + 1;
  }
  return { chunks };
}

/**
 * Cut a stream into documents the way k8s.io/apimachinery `YAMLReader.Read` does: at every line that
 * starts with `---` followed by nothing but white space or a comment. The separator lines stay in the
 * chunk that follows them (YAMLReader keeps them too; to YAML they are a document start), so line
 * numbers inside a chunk are those of the stream minus `firstLine`.
 */
export function splitDocuments(text: string): DocumentChunk[] {
  const chunks: DocumentChunk[] = [];
  let start = 0; // offset of the current chunk
  let startLine = 0;
  let line = 0;
  let pos = 0;
  let hasContent = false; // anything but separators written to the current chunk (YAMLReader: buffer.Len() != 0)
  while (pos <= text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl === -1 ? text.length : nl + 1;
    const l = text.slice(pos, end);
    if (l.startsWith(SEPARATOR)) {
      const rest = l.slice(SEPARATOR.length).trim();
      const bad = rest !== '' && !rest.startsWith('#');
      if (bad || hasContent) {
        chunks.push({ text: text.slice(start, pos), firstLine: startLine, ...(bad ? { badSeparator: { line, rest } } : {}) });
        start = pos;
        startLine = line;
        hasContent = false;
        if (bad) {
          // Read on from the next line as a new document (kubectl stops reading the file here; the gate
          // reports the line and still checks what follows).
          start = end;
          startLine = line + 1;
        }
      }
    } else if (l.length > 0) {
      hasContent = true;
    }
    if (nl === -1) break;
    pos = end;
    line++;
  }
  if (start < text.length || chunks.length === 0) chunks.push({ text: text.slice(start), firstLine: startLine });
  return chunks;
}

type Mode = 'block' | 'double' | 'single' | 'flow';

const isBlank = (c: string | undefined): boolean => c === undefined || c === ' ' || c === '\t' || c === '\n' || c === '\r';

/** `---` or `...` at column 0 followed by a blank: a document indicator, which libyaml never skips. */
function isDocumentIndicator(line: string): boolean {
  return (line.startsWith('---') || line.startsWith('...')) && isBlank(line[3]);
}

function leadingSpaces(line: string): number {
  let n = 0;
  while (line[n] === ' ') n++;
  return n;
}

/**
 * The text with every under-indented continuation line of a multi-line quoted scalar or flow collection
 * (opened in block context) indented to the column of its opening quote or bracket; `null` when no line
 * needed it. Lines keep their number; blank lines and document indicators are left alone (libyaml stops
 * at a document indicator inside a quoted scalar, and so does the `yaml` package).
 *
 * The scan knows just enough YAML to find where quoted scalars and flow collections start: only at the
 * start of a node (line start, after `- `, `? `, `: `, after `&anchor`/`!tag` properties, and inside
 * flow collections after `[`, `{`, `,`); comments (`#` after a blank); block scalars (`|`, `>`), whose
 * lines it skips while they are indented deeper than the key or `-` that owns them.
 */
export function padContinuations(text: string): string | null {
  const lines = text.split('\n');
  let mode: Mode = 'block';
  let flowDepth = 0;
  /** While inside a construct opened in block context: the column its continuation lines need. */
  let padTo = 0;
  /** Inside a block scalar: its lines are those indented more than this (or blank). */
  let blockScalarOwner: number | null = null;
  let changed = false;

  for (let li = 0; li < lines.length; li++) {
    let line = lines[li] as string;
    if (isDocumentIndicator(line)) {
      // A new document (or an error inside a scalar, in libyaml and the `yaml` package alike).
      mode = 'block';
      flowDepth = 0;
      blockScalarOwner = null;
      line = '   ' + line.slice(3); // scan what follows the indicator as block content
    } else if (blockScalarOwner !== null) {
      if (line.trim() === '' || leadingSpaces(line) > blockScalarOwner) continue;
      blockScalarOwner = null;
    } else if (mode !== 'block' && line.trim() !== '') {
      const have = leadingSpaces(line);
      if (have < padTo) {
        line = ' '.repeat(padTo - have) + line;
        lines[li] = line;
        changed = true;
      }
    }
    if (mode === 'block' && line.startsWith('%')) continue; // a directive

    let nodeStart = true; // block mode: the next non-blank character starts a node
    let i = 0;
    let keyColumn = -1; // block mode: column of the first token of the line after any `- ` indicators
    while (i < line.length) {
      const c = line[i] as string;
      if (mode === 'double') {
        if (c === '\\') i += 2;
        else if (c === '"') {
          mode = flowDepth > 0 ? 'flow' : 'block';
          nodeStart = false;
          i++;
        } else i++;
        continue;
      }
      if (mode === 'single') {
        if (c === "'" && line[i + 1] === "'") i += 2;
        else if (c === "'") {
          mode = flowDepth > 0 ? 'flow' : 'block';
          nodeStart = false;
          i++;
        } else i++;
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\r') {
        i++;
        continue;
      }
      if (c === '#' && (i === 0 || isBlank(line[i - 1]))) break; // a comment
      if (mode === 'flow') {
        if (c === '"' || c === "'") {
          mode = c === '"' ? 'double' : 'single';
          i++;
        } else if (c === '[' || c === '{') {
          flowDepth++;
          i++;
        } else if (c === ']' || c === '}') {
          flowDepth--;
          i++;
          if (flowDepth === 0) {
            mode = 'block';
            nodeStart = false;
          }
        } else {
          // A plain scalar or an indicator inside the collection: nothing can open before the next `,`.
          while (i < line.length && !',[]{}#"\''.includes(line[i] as string)) i++;
          if (line[i] === ',') i++;
          else if (line[i] === '#' && !isBlank(line[i - 1])) i++;
          else if ((line[i] === '"' || line[i] === "'") && !isBlank(line[i - 1]) && line[i - 1] !== ':') i++;
        }
        continue;
      }
      // Block mode.
      if (!nodeStart) {
        // Inside a plain scalar (a key or a value) or after a closed quote: a node starts after `: `.
        if (c === ':' && isBlank(line[i + 1])) nodeStart = true;
        i++;
        continue;
      }
      if ((c === '-' || c === '?' || c === ':') && isBlank(line[i + 1])) {
        i++;
        continue; // an indicator; a node may follow
      }
      if (keyColumn < 0) keyColumn = i;
      if (c === '&' || c === '!') {
        while (i < line.length && !isBlank(line[i])) i++; // a property; the node follows
        continue;
      }
      if (c === '"' || c === "'" || c === '[' || c === '{') {
        padTo = i;
        if (c === '[' || c === '{') {
          mode = 'flow';
          flowDepth = 1;
        } else {
          mode = c === '"' ? 'double' : 'single';
        }
        i++;
        continue;
      }
      if (c === '|' || c === '>') {
        // A block scalar: its owner is the key or `-` the line's first token belongs to.
        blockScalarOwner = keyColumn === i ? Math.max(0, lastDash(line, i)) : keyColumn;
        break;
      }
      nodeStart = false; // a plain scalar
      i++;
    }
    if (mode === 'double' || mode === 'single' || mode === 'flow') continue;
    mode = 'block';
  }
  return changed ? lines.join('\n') : null;
}

/** Column of the `-` indicator before `col` on a line (`- |`), or the line's indentation. */
function lastDash(line: string, col: number): number {
  for (let j = col - 1; j >= 0; j--) if (line[j] === '-') return j;
  return leadingSpaces(line);
}
