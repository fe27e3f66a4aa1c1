/**
 * The `pullguard check` report as SARIF 2.1.0, for GitHub code scanning (`upload-sarif`) and any other
 * SARIF viewer: one rule per finding code, one result per finding, located at the line of the image
 * field in the manifest so the annotation lands on it. Pure (the caller passes version, docs and cwd).
 */
import { createHash } from 'node:crypto';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FINDINGS, FINDING_CODES, type FindingCode } from '../findings/codes.js';
import type { FindingDoc } from './findings-doc.js';
import type { ObjectEntry, Report } from './report.js';

export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
/** Where the project and its finding documentation live. */
export const INFORMATION_URI = 'https://pullguard.io';
export const FINDINGS_DOC_URI = `${INFORMATION_URI}/docs/findings.md`;
/** The `uriBaseId` of every manifest path: the directory `pullguard check` ran in (the repository root in CI). */
export const SRCROOT = '%SRCROOT%';

export type SarifLevel = 'error' | 'warning';

export interface SarifOptions {
  readonly version: string;
  /** Directory that relative paths are relative to: paths under it become `%SRCROOT%`-relative URIs. */
  readonly cwd: string;
  /** What each code means and how to fix it, from docs/findings.md (codes missing here use FINDINGS). */
  readonly docs: ReadonlyMap<string, FindingDoc>;
}

const level = (action: 'deny' | 'warn'): SarifLevel => (action === 'deny' ? 'error' : 'warning');

/** The summary's first clause: up to the first `; ` or sentence end (not an `e.g.`). */
export function shortDescription(summary: string): string {
  const m = /;\s|(?<!\b(?:e\.g|i\.e))\.(?:\s|$)/.exec(summary);
  return m ? summary.slice(0, m.index) : summary;
}

/** Markdown of a docs table cell as plain text: no backticks, no emphasis. */
function plain(markdown: string): string {
  return markdown.replace(/`([^`]*)`/g, '$1').replace(/\*\*([^*]*)\*\*/g, '$1').replace(/\*([^*]*)\*/g, '$1');
}

export function sarifRules(docs: ReadonlyMap<string, FindingDoc>): object[] {
  return FINDING_CODES.map((code) => {
    const spec = FINDINGS[code];
    const doc = docs.get(code);
    const helpUri = `${FINDINGS_DOC_URI}#${code.toLowerCase()}`;
    const what = doc?.meaning ?? spec.summary;
    const fix = doc?.fix;
    return {
      id: code,
      name: code
        .toLowerCase()
        .split('_')
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join(''),
      shortDescription: { text: shortDescription(spec.summary) },
      fullDescription: { text: spec.summary },
      help: {
        text: plain(what) + (fix ? `\n\nHow to fix: ${plain(fix)}` : '') + `\n\nDefault action: ${spec.defaultAction}. ${helpUri}`,
        markdown: what + (fix ? `\n\n**How to fix**: ${fix}` : '') + `\n\nDefault action: **${spec.defaultAction}**. See [${code}](${helpUri}).`,
      },
      helpUri,
      defaultConfiguration: { level: level(spec.defaultAction) },
      properties: { tags: ['kubernetes', 'image-pull'] },
    };
  });
}

/** The location of an input: a `%SRCROOT%`-relative URI under `cwd`, an absolute `file:` URI outside it. */
export function artifactLocation(file: string, cwd: string): { uri: string; uriBaseId?: string; description?: { text: string } } {
  if (file === '<stdin>') return { uri: 'stdin', description: { text: 'standard input' } };
  // `pullguard audit`: an object in the cluster, named by its API path (src/cli/audit.ts clusterLocation).
  if (file.startsWith('cluster:/')) return { uri: file, description: { text: 'an object in the cluster' } };
  const abs = resolve(cwd, file);
  const rel = relative(cwd, abs);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return { uri: pathToFileURL(abs).href };
  return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
}

function fingerprint(o: ObjectEntry, f: ObjectEntry['findings'][number]): string {
  return createHash('sha256')
    .update([f.code, o.kind, o.namespace, o.name, f.field, f.image].join('\0'))
    .digest('hex')
    .slice(0, 32);
}

/**
 * The run's invocation: what was read, as notifications — notes on documents (a key given twice; kubectl
 * uses the last) and what an exclude pattern kept from being read — so no skip is silent in SARIF either.
 * `executionSuccessful` is false when an input could not be read (pullguard check exits 2).
 */
function invocation(report: Report, cwd: string): object {
  const notifications: object[] = [];
  const note = (file: string, line: number, text: string): void => {
    notifications.push({
      level: 'note',
      message: { text },
      locations: [{ physicalLocation: { artifactLocation: artifactLocation(file, cwd), region: { startLine: line } } }],
      descriptor: { id: 'pullguard/note' },
    });
  };
  for (const o of report.objects) for (const n of o.notes) note(o.file, n.line, `${o.kind} ${o.namespace}/${o.name}: ${n.message}`);
  for (const n of report.input.notes) note(n.file, n.line, `${n.object}: ${n.message}`);
  for (const path of report.input.excluded) {
    notifications.push({
      level: 'note',
      message: { text: `not read (excluded): ${path}` },
      locations: [{ physicalLocation: { artifactLocation: artifactLocation(path, cwd) } }],
      descriptor: { id: 'pullguard/excluded' },
    });
  }
  return {
    executionSuccessful: report.input.problems.length === 0,
    ...(notifications.length === 0 ? {} : { toolExecutionNotifications: notifications }),
    properties: { filesRead: report.input.files, excluded: report.input.excluded },
  };
}

export function renderSarif(report: Report, opts: SarifOptions): string {
  const ruleIndex = new Map<FindingCode | string, number>(FINDING_CODES.map((c, i) => [c, i]));
  const results: object[] = [];
  for (const o of report.objects) {
    for (const f of o.findings) {
      const index = ruleIndex.get(f.code);
      results.push({
        ruleId: f.code,
        ...(index === undefined ? {} : { ruleIndex: index }),
        level: level(f.action),
        message: { text: `${o.kind} ${o.namespace}/${o.name}: ${f.message}` },
        locations: [
          {
            physicalLocation: {
              artifactLocation: artifactLocation(o.file, opts.cwd),
              region: { startLine: f.line ?? o.line },
            },
            logicalLocations: [{ name: o.name, fullyQualifiedName: `${o.kind}/${o.namespace}/${o.name}`, kind: 'resource' }],
          },
        ],
        partialFingerprints: { 'pullguardFinding/v1': fingerprint(o, f) },
        properties: {
          action: f.action,
          kind: o.kind,
          namespace: o.namespace,
          name: o.name,
          container: f.container,
          field: f.field,
          image: f.image,
          ...(o.template === null ? {} : { template: o.template }),
        },
      });
    }
  }
  // Files and documents that could not be read: results of their own code, at the file and line.
  for (const p of report.input.problems) {
    const index = ruleIndex.get(p.code);
    results.push({
      ruleId: p.code,
      ...(index === undefined ? {} : { ruleIndex: index }),
      level: 'error',
      message: { text: p.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: artifactLocation(p.file, opts.cwd),
            ...(p.line === null ? {} : { region: { startLine: p.line, ...(p.column === null ? {} : { startColumn: p.column }) } }),
          },
        },
      ],
      partialFingerprints: {
        'pullguardFinding/v1': createHash('sha256').update([p.code, p.file, p.message].join('\0')).digest('hex').slice(0, 32),
      },
      properties: { action: p.action },
    });
  }
  const log = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'pullguard',
            version: opts.version,
            semanticVersion: opts.version,
            informationUri: INFORMATION_URI,
            rules: sarifRules(opts.docs),
          },
        },
        originalUriBaseIds: { [SRCROOT]: { uri: `${pathToFileURL(opts.cwd).href.replace(/\/?$/, '/')}` } },
        invocations: [invocation(report, opts.cwd)],
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
