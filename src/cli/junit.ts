/**
 * The `pullguard check` report as JUnit XML, for CI systems that show test reports (GitLab's
 * `artifacts:reports:junit`, Jenkins, Azure Pipelines). One `<testsuite>` per input file, one
 * `<testcase>` per checked object (classname = kind, name = namespace/name, file and line attributes).
 * An object fails (`<failure>`, listing all its findings) when it would make `pullguard check` exit 1
 * under `--fail-on`; findings of an object that passes are listed in its `<system-out>`, which GitLab
 * shows in the test case's details. Pure.
 */
import { objectFails, problemSource, type FailOn, type InputProblemEntry, type ObjectEntry, type Report } from './report.js';

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
  for (const n of o.notes) lines.push(`NOTE at ${o.file}:${n.line}: ${n.message}`);
  if (o.template !== null) lines.push(`(rendered from ${o.template})`);
  return lines;
}

/** A file or document that could not be read: a test case in error (JUnit's `errors`), not a failure. */
function problemCase(p: InputProblemEntry): string {
  const where: Record<string, number> = p.line === null ? {} : { line: p.line };
  return (
    `    <testcase${attrs({ classname: p.code, name: problemSource(p), file: p.file, ...where })}>\n` +
    `      <error${attrs({ message: p.message, type: p.code })}>${xmlText(`${p.code} at ${problemSource(p)}: ${p.message}`)}</error>\n` +
    '    </testcase>'
  );
}

function testcase(o: ObjectEntry, failOn: FailOn): string {
  const head = `    <testcase${attrs({ classname: o.kind, name: `${o.namespace}/${o.name}`, file: o.file, line: o.line })}`;
  if (o.findings.length === 0 && o.notes.length === 0) return `${head}/>`;
  const body = xmlText(findingLines(o).join('\n'));
  if (!objectFails(o, failOn)) return `${head}>\n      <system-out>${body}</system-out>\n    </testcase>`;
  if (o.findings.length === 0) return `${head}>\n      <system-out>${body}</system-out>\n    </testcase>`;
  const failing = o.findings.filter((f) => f.action === 'deny' || failOn === 'warn');
  const codes = [...new Set(failing.map((f) => f.code))].join(', ');
  const message = `${failing.length} finding${failing.length === 1 ? '' : 's'} (${o.verdict}): ${codes}`;
  return `${head}>\n      <failure${attrs({ message, type: o.verdict })}>${body}</failure>\n    </testcase>`;
}

export function renderJunit(report: Report, opts: { readonly failOn: FailOn }): string {
  const byFile = new Map<string, { objects: ObjectEntry[]; problems: InputProblemEntry[]; notes: string[] }>();
  const suiteOf = (file: string) => {
    let suite = byFile.get(file);
    if (!suite) byFile.set(file, (suite = { objects: [], problems: [], notes: [] }));
    return suite;
  };
  for (const p of report.input.problems) suiteOf(p.file).problems.push(p);
  for (const o of report.objects) suiteOf(o.file).objects.push(o);
  for (const n of report.input.notes) suiteOf(n.file).notes.push(`NOTE at ${n.file}:${n.line}: ${n.object}: ${n.message}`);
  if (byFile.size === 0) suiteOf('pullguard check');
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let errors = 0;
  for (const [file, { objects, problems, notes }] of byFile) {
    const failed = objects.filter((o) => objectFails(o, opts.failOn)).length;
    tests += objects.length + problems.length;
    failures += failed;
    errors += problems.length;
    suites.push(
      `  <testsuite${attrs({ name: file, tests: objects.length + problems.length, failures: failed, errors: problems.length, skipped: 0 })}>\n` +
        problems.map((p) => problemCase(p) + '\n').join('') +
        objects.map((o) => testcase(o, opts.failOn) + '\n').join('') +
        (notes.length === 0 ? '' : `    <system-out>${xmlText(notes.join('\n'))}</system-out>\n`) +
        '  </testsuite>',
    );
  }
  // What an exclude pattern kept from being read: skipped test cases, so CI test reports show them.
  const excluded = report.input.excluded;
  if (excluded.length > 0) {
    tests += excluded.length;
    suites.push(
      `  <testsuite${attrs({ name: 'not read (excluded)', tests: excluded.length, failures: 0, errors: 0, skipped: excluded.length })}>\n` +
        excluded.map((path) => `    <testcase${attrs({ classname: 'excluded', name: path, file: path })}>\n      <skipped${attrs({ message: 'excluded by --exclude or the default excludes (.git, node_modules)' })}/>\n    </testcase>\n`).join('') +
        '  </testsuite>',
    );
  }
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites${attrs({ name: 'pullguard check', tests, failures, errors, skipped: excluded.length })}>\n` +
    suites.join('\n') +
    '\n</testsuites>\n'
  );
}
