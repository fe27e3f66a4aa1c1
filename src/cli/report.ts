/**
 * The `pullguard check` report: the JSON format documented in the README and docs/report.schema.json (stable across releases;
 * fields are only ever added), and the text rendering of the same data. Pure.
 */
import type { Outcome } from '../checks/engine.js';
import type { CredentialSourceReport } from '../findings/types.js';
import type { Verdict } from '../verdict/policy.js';

export interface ImageEntry {
  readonly container: string;
  readonly field: string;
  /** Line of the image field in the source file, when known. */
  readonly line: number | null;
  readonly reference: string | null;
  readonly valid: boolean;
  readonly registry: string | null;
  readonly repository: string | null;
  readonly tag: string | null;
  readonly digest: string | null;
  readonly credentials: readonly CredentialSourceReport[];
}

export interface FindingEntry {
  readonly code: string;
  readonly action: 'deny' | 'warn';
  readonly container: string;
  readonly field: string;
  readonly line: number | null;
  readonly image: string;
  readonly message: string;
}

export interface ObjectEntry {
  /** `file:line` of the object (`<stdin>:line` for standard input). */
  readonly source: string;
  /** The input the object was read from, as named on the command line (`<stdin>` for standard input). */
  readonly file: string;
  /** 1-based line where the object starts in `file`. */
  readonly line: number;
  /** The Helm template the object was rendered from (a `# Source:` comment before it), or null. */
  readonly template: string | null;
  /** The API group of `apiVersion` ('' for the core group). */
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly verdict: Verdict;
  readonly images: readonly ImageEntry[];
  readonly findings: readonly FindingEntry[];
  /** Image uses not checked because the controller substitutes parameters in them first (Argo `{{…}}`, Tekton `$(…)`). */
  readonly substituted: number;
  /** Fields named `image` in the object that pullguard did not read (outside metadata and status), with their lines. */
  readonly unread: readonly { readonly field: string; readonly line: number | null }[];
  /** What kubectl reads differently than written (a key given twice: the last one wins). */
  readonly notes: readonly NoteEntry[];
}

/** An object of a kind pullguard does not read that holds image fields: reported, never dropped. */
export interface NotReadEntry {
  readonly source: string;
  readonly file: string;
  readonly line: number;
  readonly template: string | null;
  readonly apiVersion: string;
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** The image fields, with the line of each. */
  readonly fields: readonly { readonly field: string; readonly line: number | null; readonly image: string }[];
}

/** Per kind not read: how many objects and image fields (the text output's NOT READ lines). */
export interface UnreadKind {
  readonly group: string;
  readonly kind: string;
  readonly objects: number;
  readonly imageFields: number;
}

/** A note on a document: kubectl reads it, but not as a reader of the file would expect. */
export interface NoteEntry {
  readonly line: number;
  readonly message: string;
}

/** A file, or a document of a file, that could not be read: a finding of the file, not of an object. */
export interface InputProblemEntry {
  readonly code: 'MANIFEST_UNPARSEABLE' | 'MANIFEST_UNREADABLE';
  /** Always deny: nothing in the document was checked, and the run exits 2. */
  readonly action: 'deny';
  readonly file: string;
  /** 1-based line (and column) of the problem, or null when the whole file could not be read. */
  readonly line: number | null;
  readonly column: number | null;
  readonly message: string;
}

/** A note on a document that is not a checked object (a Service, a document without `kind`). */
export interface DocumentNoteEntry extends NoteEntry {
  readonly file: string;
  /** `Kind namespace/name` of the document, or `document` when it is not a Kubernetes object. */
  readonly object: string;
}

/** What was read: kept apart from `summary` (which counts objects and images). */
export interface InputReport {
  /** Inputs read: files (found in directories or named) and standard input. */
  readonly files: number;
  /** Files and directories not read because of an exclude pattern (directories end with `/`). */
  readonly excluded: readonly string[];
  /** Files and documents that could not be read (MANIFEST_UNREADABLE, MANIFEST_UNPARSEABLE); the run exits 2. */
  readonly problems: readonly InputProblemEntry[];
  /** Notes on documents that are not in `objects`. */
  readonly notes: readonly DocumentNoteEntry[];
}

export interface Report {
  readonly objects: readonly ObjectEntry[];
  /** Objects of kinds pullguard does not read that hold image fields, in input order. */
  readonly notRead: readonly NotReadEntry[];
  readonly input: InputReport;
  readonly summary: {
    readonly objects: number;
    readonly images: number;
    readonly deny: number;
    readonly warn: number;
    /** Documents that were read but carry no images (Services, ConfigMaps, …) or are no Kubernetes object. */
    readonly skipped: number;
    /** Objects of kinds pullguard does not read that still hold image fields (the length of `notRead`). */
    readonly notRead: number;
    /** Image fields not read: in `notRead` objects, plus those of checked objects outside the fields their kind's carrier row names. */
    readonly unreadImageFields: number;
    /** Image uses not checked because the controller fills in parameters first (Argo `{{…}}`, Tekton `$(…)`). */
    readonly substituted: number;
    /** The kinds behind `unreadImageFields`, most fields first. */
    readonly unreadKinds: readonly UnreadKind[];
  };
}

export interface ObjectInput {
  readonly file: string;
  readonly line: number;
  readonly template: string | null;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly outcome: Outcome;
  readonly lineOf: (field: string) => number | null;
  /** The object's API group ('' for the core group). */
  readonly group: string;
  readonly notes?: readonly NoteEntry[];
}

export function objectEntry(input: ObjectInput): ObjectEntry {
  const { evaluation, decision } = input.outcome;
  return {
    source: `${input.file}:${input.line}`,
    file: input.file,
    line: input.line,
    template: input.template,
    group: input.group,
    kind: input.kind,
    namespace: input.namespace,
    name: input.name,
    verdict: decision.verdict,
    images: evaluation.images.map((r) => ({
      container: r.use.container,
      field: r.use.field,
      line: input.lineOf(r.use.field),
      reference: r.use.image,
      valid: r.ref !== null,
      registry: r.ref?.domain ?? null,
      repository: r.ref?.name ?? null,
      tag: r.ref?.tag ?? null,
      digest: r.ref?.digest ?? null,
      credentials: r.credentials,
    })),
    findings: decision.decided.map((d) => ({
      code: d.finding.code,
      action: d.action,
      container: d.finding.container,
      field: d.finding.field,
      line: input.lineOf(d.finding.field),
      image: d.finding.image,
      message: d.finding.message,
    })),
    substituted: evaluation.substituted,
    unread: evaluation.unread.map((field) => ({ field, line: input.lineOf(field) })),
    // The manifest's own notes (a key given twice), then what the carrier's reading left out.
    notes: [...(input.notes ?? []), ...(evaluation.notes ?? []).map((n) => ({ line: input.lineOf(n.field) ?? input.line, message: n.message }))],
  };
}

export const EMPTY_INPUT: InputReport = { files: 0, excluded: [], problems: [], notes: [] };

export function buildReport(objects: readonly ObjectEntry[], skipped: number, input: InputReport = EMPTY_INPUT, notRead: readonly NotReadEntry[] = []): Report {
  let images = 0;
  let deny = 0;
  let warn = 0;
  let substituted = 0;
  const kinds = new Map<string, { group: string; kind: string; objects: number; imageFields: number }>();
  const tally = (group: string, kind: string, fields: number) => {
    const key = `${group}/${kind}`;
    const k = kinds.get(key) ?? { group, kind, objects: 0, imageFields: 0 };
    k.objects++;
    k.imageFields += fields;
    kinds.set(key, k);
  };
  for (const o of objects) {
    // A container (or image volume) with no image string is a finding, not an image checked.
    images += o.images.filter((i) => i.reference !== null).length;
    substituted += o.substituted;
    if (o.unread.length > 0) tally(o.group, o.kind, o.unread.length);
    for (const f of o.findings) {
      if (f.action === 'deny') deny++;
      else warn++;
    }
  }
  for (const n of notRead) tally(n.group, n.kind, n.fields.length);
  const unreadKinds = [...kinds.values()].sort((a, b) => b.imageFields - a.imageFields || `${a.group}/${a.kind}`.localeCompare(`${b.group}/${b.kind}`));
  const unreadImageFields = unreadKinds.reduce((n, k) => n + k.imageFields, 0);
  return {
    objects,
    notRead,
    input,
    summary: { objects: objects.length, images, deny, warn, skipped, notRead: notRead.length, unreadImageFields, substituted, unreadKinds },
  };
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** `(group ray.io)`, `(core group)`: how a kind's group is named in a line. */
export function groupLabel(group: string): string {
  return group === '' ? 'core group' : `group ${group}`;
}

/**
 * One line per kind whose image fields pullguard did not read: what, how many, and the fix. A kind
 * pullguard reads but with fields outside its row (Argo `templateDefaults`) gets the same line.
 */
export function notReadLines(report: Report): string[] {
  return report.summary.unreadKinds.map(
    (k) =>
      `kind ${k.kind} (${groupLabel(k.group)}): ${plural(k.imageFields, 'image field')} in ${plural(k.objects, 'object')} not read; ` +
      `add it under "carriers:" in the configuration (docs/carriers.md)`,
  );
}

export const FAIL_ON = ['deny', 'warn'] as const;
/** The least severe finding action that makes `pullguard check` exit 1. */
export type FailOn = (typeof FAIL_ON)[number];

/** Whether a report fails the run: any deny, or with `--fail-on warn` any warning too. */
export function reportFails(report: Report, failOn: FailOn): boolean {
  return report.summary.deny > 0 || (failOn === 'warn' && report.summary.warn > 0);
}

/** Whether an object fails the run under `--fail-on`. */
export function objectFails(o: ObjectEntry, failOn: FailOn): boolean {
  return o.verdict === 'deny' || (failOn === 'warn' && o.verdict === 'warn');
}

export interface TextStyle {
  readonly color: boolean;
}

const PAINT = { red: '\x1b[31m', yellow: '\x1b[33m', green: '\x1b[32m', dim: '\x1b[2m', reset: '\x1b[0m' } as const;

type Paint = (c: keyof typeof PAINT, s: string) => string;

/** `2 objects, 3 images checked: 1 would be denied, 0 warnings (…)`: the last line of the text output. */
export function summaryLine(report: Report, paint: Paint = (_c, s) => s): string {
  const s = report.summary;
  const result =
    s.deny > 0 ? paint('red', `${s.deny} would be denied`) : s.warn > 0 ? paint('yellow', 'nothing would be denied') : paint('green', 'all images look pullable');
  const notes: string[] = [];
  if (s.skipped > 0) notes.push(`${s.skipped} document${s.skipped === 1 ? '' : 's'} without images skipped`);
  if (s.unreadImageFields > 0) notes.push(paint('yellow', `${plural(s.unreadImageFields, 'image field')} not read`));
  if (s.substituted > 0) notes.push(`${plural(s.substituted, 'image')} set at run time not checked`);
  return (
    `${s.objects} object${s.objects === 1 ? '' : 's'}, ${s.images} image${s.images === 1 ? '' : 's'} checked: ` +
    `${result}, ${s.warn} warning${s.warn === 1 ? '' : 's'}` +
    (notes.length > 0 ? ` (${notes.join('; ')})` : '') +
    inputSummary(report.input)
  );
}

/**
 * The summary's clauses about what was read, only when there is something to say: inputs that could
 * not be read (the run exits 2), notes, and what was excluded — never a silent "0 objects".
 */
export function inputSummary(input: InputReport): string {
  const parts: string[] = [];
  const unparseable = input.problems.filter((p) => p.code === 'MANIFEST_UNPARSEABLE').length;
  const unreadable = input.problems.length - unparseable;
  if (unparseable > 0) parts.push(`${plural(unparseable, 'document')} could not be parsed`);
  if (unreadable > 0) parts.push(`${plural(unreadable, 'file')} could not be read`);
  if (input.excluded.length > 0) parts.push(`not read (excluded): ${input.excluded.join(', ')}`);
  return parts.length === 0 ? '' : `; ${parts.join('; ')}`;
}

/** `file:line:column` of an input problem. */
export function problemSource(p: InputProblemEntry): string {
  return p.line === null ? p.file : `${p.file}:${p.line}${p.column === null ? '' : `:${p.column}`}`;
}

export function renderText(report: Report, style: TextStyle): string {
  const paint: Paint = (c, s) => (style.color ? `${PAINT[c]}${s}${PAINT.reset}` : s);
  const lines: string[] = [];
  for (const p of report.input.problems) {
    lines.push(`${paint('red', 'ERROR')} ${problemSource(p)}`);
    lines.push(`  ${paint('red', '✗')} ${p.code}: ${p.message}`);
  }
  for (const o of report.objects) {
    if (o.findings.length === 0 && o.notes.length === 0) continue;
    const verdict = o.findings.length === 0 ? paint('dim', 'NOTE') : o.verdict === 'deny' ? paint('red', 'DENY') : paint('yellow', 'WARN');
    const where = o.template === null ? o.source : `${o.source}, from ${o.template}`;
    lines.push(`${verdict} ${o.kind} ${o.namespace}/${o.name} ${paint('dim', `(${where})`)}`);
    for (const f of o.findings) {
      const mark = f.action === 'deny' ? paint('red', '✗') : paint('yellow', '!');
      const at = f.line === null ? '' : paint('dim', ` line ${f.line}`);
      lines.push(`  ${mark} ${f.code}${at}: ${f.message}`);
    }
    for (const n of o.notes) lines.push(`  ${paint('dim', `note line ${n.line}`)}: ${n.message}`);
  }
  for (const n of report.input.notes) {
    lines.push(`${paint('dim', 'NOTE')} ${n.object} ${paint('dim', `(${n.file}:${n.line})`)}`);
    lines.push(`  ${paint('dim', `note line ${n.line}`)}: ${n.message}`);
  }
  for (const line of notReadLines(report)) lines.push(`${paint('yellow', 'NOT READ')} ${line}`);
  for (const n of report.notRead) {
    const where = n.template === null ? n.source : `${n.source}, from ${n.template}`;
    const first = n.fields[0];
    lines.push(
      `  ${n.kind} ${n.namespace}/${n.name} ${paint('dim', `(${where})`)}: ${n.fields.map((f) => f.field).join(', ')}` +
        (first ? ` (first: image ${JSON.stringify(first.image)}${first.line === null ? '' : ` at line ${first.line}`})` : ''),
    );
  }
  for (const o of report.objects) {
    if (o.unread.length === 0) continue;
    lines.push(`  ${o.kind} ${o.namespace}/${o.name} ${paint('dim', `(${o.source})`)}: ${o.unread.map((u) => u.field).join(', ')}`);
  }
  lines.push(summaryLine(report, paint));
  return lines.join('\n') + '\n';
}
