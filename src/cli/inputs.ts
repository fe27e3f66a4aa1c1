/**
 * Reading `pullguard check` inputs the way `kubectl apply -R -f PATH` reads them (k8s.io/cli-runtime
 * pkg/resource: Builder.Path, ExpandPathsToFileVisitors, FileVisitor, FileVisitorForSTDIN):
 *
 * - `-` is standard input; a path named on the command line is read whatever its extension.
 * - A directory is walked recursively in lexical (byte) order, as Go's filepath.Walk does. Every file
 *   whose extension (Go's filepath.Ext: from the last dot of the name, so `.yaml` itself counts) is
 *   exactly `.json`, `.yaml` or `.yml` is read — in hidden directories too, and through symlinks to
 *   files. Symlinks to directories are not followed (filepath.Walk does not follow them; so there is
 *   no loop to hang on); a directory named on the command line may itself be a symlink.
 * - A UTF-8 byte order mark is dropped and UTF-16 with a byte order mark is decoded (FileVisitor wraps
 *   every file in unicode.BOMOverride).
 *
 * Where kubectl stops at the first file it cannot read, pullguard reads every other file and reports
 * each one it could not read. The only thing it skips by default is `.git` and `node_modules`
 * directories (DEFAULT_EXCLUDES: version control data and installed packages, never manifests to apply);
 * what was excluded is named in the report, `--exclude` adds patterns, `--no-default-excludes` drops
 * the defaults.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';

/** cli-runtime pkg/resource FileExtensions. */
export const MANIFEST_EXTENSIONS = ['.json', '.yaml', '.yml'] as const;

/** Directory names skipped unless --no-default-excludes: never manifests kubectl should apply. */
export const DEFAULT_EXCLUDES = ['.git', 'node_modules'] as const;

export interface Input {
  readonly source: string;
  readonly text: string;
  /** Why the text is not exactly what the file holds (bytes that are not UTF-8), with the first bad line. */
  readonly decodeProblem?: { readonly line: number; readonly reason: string };
}

/** A file or directory found in a walk that could not be read. */
export interface UnreadableInput {
  readonly file: string;
  readonly reason: string;
}

export interface InputSet {
  readonly inputs: readonly Input[];
  readonly unreadable: readonly UnreadableInput[];
  /** Files and directories not read because of an exclude pattern (directories end with `/`). */
  readonly excluded: readonly string[];
}

export interface ReadOptions {
  /** Patterns (`*`, `**`, `?`) matched against names, or against paths below the walked directory when they hold a `/`. */
  readonly exclude?: readonly string[];
  /** Skip DEFAULT_EXCLUDES (default true). */
  readonly defaultExcludes?: boolean;
}

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** Go's filepath.Ext: the suffix from the final dot of the last element (`.yaml` for a file named `.yaml`). */
export function goExt(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot === -1 ? '' : name.slice(dot);
}

/** A glob as a RegExp: `**` any path, `*` anything but `/`, `?` one character but `/`. */
export function globRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
      if (pattern[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

interface Exclusion {
  readonly pattern: string;
  readonly re: RegExp;
  readonly byPath: boolean;
}

function exclusions(opts: ReadOptions): Exclusion[] {
  const patterns = [...(opts.defaultExcludes === false ? [] : DEFAULT_EXCLUDES), ...(opts.exclude ?? [])];
  return patterns.map((p) => {
    const pattern = p.replace(/\/+$/, '');
    return { pattern, re: globRegExp(pattern.replace(/^\.\//, '')), byPath: pattern.includes('/') };
  });
}

function isExcluded(name: string, rel: string, rules: readonly Exclusion[]): boolean {
  return rules.some((r) => r.re.test(r.byPath ? rel : name));
}

/** Text as kubectl decodes it: BOM-aware; bytes that are not UTF-8 become U+FFFD and are reported. */
export function decodeManifest(bytes: Buffer): { text: string; problem?: { line: number; reason: string } } {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)) };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)) };
  const start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const body = bytes.subarray(start);
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(body) };
  } catch {
    // go-yaml rejects a document that is not UTF-8 ("invalid leading UTF-8 octet" / "incomplete UTF-8
    // octet sequence"): name the first line with such bytes.
    let line = 1;
    let offset = 0;
    for (;;) {
      const nl = body.indexOf(0x0a, offset);
      const end = nl === -1 ? body.length : nl;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(body.subarray(offset, end));
      } catch {
        break;
      }
      if (nl === -1) break;
      offset = nl + 1;
      line++;
    }
    return { text: body.toString('utf8'), problem: { line, reason: 'the file holds bytes that are not UTF-8; kubectl cannot read it (save it as UTF-8)' } };
  }
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'too many levels of symbolic links';
  if (code === 'EISDIR') return 'is a directory';
  return (err as Error).message;
}

/** Byte order of names, as Go sorts them (filepath.Walk reads each directory sorted). */
function byteOrder(a: Dirent, b: Dirent): number {
  return Buffer.compare(Buffer.from(a.name), Buffer.from(b.name));
}

interface Walked {
  readonly files: string[];
  readonly unreadable: UnreadableInput[];
  readonly excluded: string[];
}

async function walk(root: string, dir: string, rel: string, rules: readonly Exclusion[], out: Walked): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    out.unreadable.push({ file: dir, reason: `cannot read the directory: ${reason(err)}` });
    return;
  }
  entries.sort(byteOrder);
  for (const e of entries) {
    const path = join(dir, e.name);
    const relPath = rel === '' ? e.name : `${rel}/${e.name}`;
    if (isExcluded(e.name, relPath, rules)) {
      out.excluded.push(e.isDirectory() ? `${path}${sep}` : path);
      continue;
    }
    if (e.isDirectory()) await walk(root, path, relPath, rules, out);
    else if ((MANIFEST_EXTENSIONS as readonly string[]).includes(goExt(e.name))) out.files.push(path);
  }
}

async function readOne(file: string): Promise<Input | UnreadableInput> {
  try {
    // A symlink to something else than a regular file (a directory named x.yaml, a FIFO) cannot be
    // read as a manifest; kubectl fails on it too. Checked first so a FIFO cannot block the run.
    const s = await stat(file);
    if (s.isDirectory()) return { file, reason: 'is a directory' };
    if (!s.isFile()) return { file, reason: 'not a regular file' };
    const decoded = decodeManifest(await readFile(file));
    return { source: file, text: decoded.text, ...(decoded.problem ? { decodeProblem: decoded.problem } : {}) };
  } catch (err) {
    return { file, reason: reason(err) };
  }
}

export async function readInputs(paths: readonly string[], stdin: NodeJS.ReadableStream, opts: ReadOptions = {}): Promise<InputSet> {
  const rules = exclusions(opts);
  const inputs: Input[] = [];
  const unreadable: UnreadableInput[] = [];
  const excluded: string[] = [];
  for (const path of paths) {
    if (path === '-') {
      const decoded = decodeManifest(await readStdin(stdin));
      inputs.push({ source: '<stdin>', text: decoded.text, ...(decoded.problem ? { decodeProblem: decoded.problem } : {}) });
      continue;
    }
    let isDir: boolean;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch (err) {
      // As kubectl: a path named on the command line that does not exist stops the run.
      throw new InputError(`${path}: ${reason(err)}`);
    }
    const files: string[] = [];
    if (isDir) await walk(path, path, '', rules, { files, unreadable, excluded });
    else files.push(path);
    for (const file of files) {
      const got = await readOne(file);
      if ('text' in got) inputs.push(got);
      else unreadable.push(got);
    }
  }
  if (inputs.length === 0 && unreadable.length === 0) {
    // kubectl: "error reading [PATH]: recognized file extensions are [.json .yaml .yml]".
    throw new InputError(
      `no manifest files in ${paths.join(', ')}: only files ending in ${MANIFEST_EXTENSIONS.join(', ')} are read` +
        (excluded.length > 0 ? ` (excluded: ${excluded.join(', ')}; see --exclude and --no-default-excludes)` : ''),
    );
  }
  return { inputs, unreadable, excluded };
}
