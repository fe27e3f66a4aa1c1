/**
 * The `pullguard check` report as JUnit XML, for CI systems that show test reports (GitLab's
 * `artifacts:reports:junit`, Jenkins, Azure Pipelines). One `<testsuite>` per input file, one
 * `<testcase>` per checked object (classname = kind, name = namespace/name, file and line attributes).
 * An object fails (`<failure>`, listing all its findings) when it would make `pullguard check` exit 1
 * under `--fail-on`; findings of an object that passes are listed in its `<system-out>`, which GitLab
 * shows in the test case's details. Pure.
 */
import { objectFails, type FailOn, type ObjectEntry, type Report } from './report.js';

/** Characters XML 1.0 allows (Char production); everything else, lone surrogates included, becomes U+FFFD. */
const INVALID_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlText(s: string): string {
  return s.replace(INVALID_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
}

function findingLines(o: ObjectEntry): string[] {
  const lines = o.findings.map(
    (f) => `${f.action.toUpperCase()} ${f.code} at ${o.file}${f.line === null ? '' : `:${f.line}`}: ${f.message}`,
  );
  if (o.template !== null) lines.push(`(rendered from ${o.template})`);
  return lines;
}

function testcase(o: ObjectEntry, failOn: FailOn): string {
  const head = `    <testcase${attrs({ classname: o.kind, name: `${o.namespace}/${o.name}`, file: o.file, line: o.line })}`;
  if (o.findings.length === 0) return `${head}/>`;
  const body = xmlText(findingLines(o).join('\n'));
  if (!objectFails(o, failOn)) return `${head}>\n      <system-out>${body}</system-out>\n    </testcase>`;
  const failing = o.findings.filter((f) => f.action === 'deny' || failOn === 'warn');
  const codes = [...new Set(failing.map((f) => f.code))].join(', ');
  const message = `${failing.length} finding${failing.length === 1 ? '' : 's'} (${o.verdict}): ${codes}`;
  return `${head}>\n      <failure${attrs({ message, type: o.verdict })}>${body}</failure>\n    </testcase>`;
}

export function renderJunit(report: Report, opts: { readonly failOn: FailOn }): string {
  const byFile = new Map<string, ObjectEntry[]>();
  for (const o of report.objects) {
    const list = byFile.get(o.file);
    if (list) list.push(o);
    else byFile.set(o.file, [o]);
  }
  if (byFile.size === 0) byFile.set('pullguard check', []);
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  for (const [file, objects] of byFile) {
    const failed = objects.filter((o) => objectFails(o, opts.failOn)).length;
    tests += objects.length;
    failures += failed;
    suites.push(
      `  <testsuite${attrs({ name: file, tests: objects.length, failures: failed, errors: 0, skipped: 0 })}>\n` +
        objects.map((o) => testcase(o, opts.failOn) + '\n').join('') +
        '  </testsuite>',
    );
  }
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites${attrs({ name: 'pullguard check', tests, failures, errors: 0, skipped: 0 })}>\n` +
    suites.join('\n') +
    '\n</testsuites>\n'
  );
}
