// `pullguard check` in a pipeline: --output-file, --fail-on, colour only on a terminal and never with
// NO_COLOR, a progress line only on a terminal's stderr and never in a report.
import t from 'tap';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import { stringify } from 'yaml';
import { progress } from '../../src/cli/progress.js';
import { CHECK_HELP } from '../../src/cli/check.js';
import { run, runWith } from '../helpers/cli.js';

const MIXED = 'test/fixtures/manifests/mixed.yaml';
const HELM = 'test/fixtures/helm/shop.yaml';

/** Like helpers/cli.ts `run`, with terminals where asked. */
function runTty(argv: string[], tty: { stdout?: boolean; stderr?: boolean }, env: Record<string, string> = {}, stdinText = '') {
  return runWith(argv, { stdin: stdinText, env, stdoutIsTTY: tty.stdout ?? false, stderrIsTTY: tty.stderr ?? false });
}

/**
 * Where `re` first matches `text`, with 40 characters either side, or undefined. For reports of
 * megabytes: t.notMatch diffs the whole text against the pattern even when it passes (~2 s of CPU
 * here), and on a failure would print all of it.
 */
function firstMatch(text: string, re: RegExp): string | undefined {
  const m = re.exec(text);
  return m ? JSON.stringify(text.slice(Math.max(0, m.index - 40), m.index + m[0].length + 40)) : undefined;
}

async function tmp(): Promise<string> {
  return mkdtemp(`${tmpdir()}/pullguard-pipeline-`);
}

t.test('--output-file writes the report there, not to stdout; the log gets one summary line', async (t) => {
  const dir = await tmp();
  for (const format of ['json', 'sarif', 'junit', 'text']) {
    const file = `${dir}/report.${format}`;
    const r = await run(['check', '--offline', '-o', format, '--output-file', file, MIXED]);
    t.equal(r.code, 1, `${format}: exit 1, something would be denied`);
    t.equal(r.stdout, '', `${format}: nothing on stdout`);
    t.equal(r.stderr, `pullguard check: 2 objects, 3 images checked: 1 would be denied, 0 warnings (1 document without images skipped); report written to ${file}\n`);
    const direct = await run(['check', '--offline', '-o', format, MIXED]);
    t.equal(await readFile(file, 'utf8'), direct.stdout, `${format}: the file holds what stdout would`);
  }
  // An existing file is replaced.
  await writeFile(`${dir}/old.json`, 'x'.repeat(100_000));
  await run(['check', '--offline', '-o', 'json', '--output-file', `${dir}/old.json`, MIXED]);
  t.same(JSON.parse(await readFile(`${dir}/old.json`, 'utf8')).summary.objects, 2);
});

t.test('--output-file that cannot be written: exit 2 naming it, before any check runs', async (t) => {
  const dir = await tmp();
  await mkdir(`${dir}/a-dir`);
  await writeFile(`${dir}/a-file`, '');
  const cases: [string, RegExp][] = [
    [`${dir}/missing/report.sarif`, /^pullguard check: cannot write the report to .*\/missing\/report\.sarif: directory .*\/missing does not exist\n$/],
    [`${dir}/a-dir`, /^pullguard check: cannot write the report to .*\/a-dir: it is a directory\n$/],
    [`${dir}/a-file/report.sarif`, /^pullguard check: cannot write the report to .*\/a-file\/report\.sarif: .*a-file is not a directory\n$/],
  ];
  for (const [file, stderr] of cases) {
    const r = await run(['check', '--offline', '-o', 'sarif', '--output-file', file, MIXED]);
    t.equal(r.code, 2, file);
    t.match(r.stderr, stderr, file);
    t.equal(r.stdout, '');
  }
  t.notOk(existsSync(`${dir}/missing`));
  // A failure while writing (after the checks) is exit 2 too, even though something would be denied.
  if (existsSync('/dev/full')) {
    const r = await run(['check', '--offline', '-o', 'json', '--output-file', '/dev/full', MIXED]);
    t.equal(r.code, 2);
    t.equal(r.stderr, 'pullguard check: cannot write the report to /dev/full: no space left on device\n');
  }
});

t.test('--fail-on: deny (default) exits 1 only on denials, warn on warnings too', async (t) => {
  const warnOnly = ['--offline', '--mode', 'warn', MIXED];
  t.equal((await run(['check', ...warnOnly])).code, 0, 'warnings only: 0 by default');
  t.equal((await run(['check', '--fail-on', 'deny', ...warnOnly])).code, 0, 'warnings only: 0 with --fail-on deny');
  t.equal((await run(['check', '--fail-on', 'warn', ...warnOnly])).code, 1, 'warnings only: 1 with --fail-on warn');
  t.equal((await run(['check', '--fail-on', 'warn', '--offline', MIXED])).code, 1, 'a denial: 1 with --fail-on warn');
  const clean = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: "nginx:1.27"}]}\n';
  t.equal((await run(['check', '--fail-on', 'warn', '--offline', '-'], clean)).code, 0, 'clean: 0 with --fail-on warn');
  // Unaffected: the text and JSON reports.
  const json = await run(['check', '--fail-on', 'warn', '--offline', '-o', 'json', ...warnOnly.slice(1)]);
  t.same(JSON.parse(json.stdout).summary, { objects: 2, images: 3, deny: 0, warn: 1, skipped: 1, notRead: 0, unreadImageFields: 0, substituted: 0, unreadKinds: [] });
});

t.test('text: colour only on a terminal, never with NO_COLOR or into a file; helm templates named', async (t) => {
  const plain = await runTty(['check', '--offline', MIXED], { stdout: false });
  t.notMatch(plain.stdout, /\x1b\[/);
  const tty = await runTty(['check', '--offline', MIXED], { stdout: true });
  t.match(tty.stdout, '\x1b[31mDENY\x1b[0m Deployment shop/web \x1b[2m(test/fixtures/manifests/mixed.yaml:9)\x1b[0m\n');
  t.match(tty.stdout, /\x1b\[31m1 would be denied\x1b\[0m, 0 warnings/);
  const noColor = await runTty(['check', '--offline', MIXED], { stdout: true }, { NO_COLOR: '1' });
  t.equal(noColor.stdout, plain.stdout);
  const dir = await tmp();
  await runTty(['check', '--offline', '--output-file', `${dir}/out.txt`, MIXED], { stdout: true, stderr: true });
  t.equal(await readFile(`${dir}/out.txt`, 'utf8'), plain.stdout, 'no colour in a file');

  const helm = await run(['check', '--offline', '-n', 'shop', HELM]);
  t.equal(
    helm.stdout.split('\n').filter((l) => /^(DENY|WARN) /.test(l)).join('\n'),
    [
      `DENY Deployment shop/shop (${HELM}:53, from shop/templates/deployment.yaml)`,
      `DENY Deployment shop/shop-worker (${HELM}:93, from shop/templates/worker.yaml)`,
    ].join('\n'),
  );
  t.match(helm.stdout, /\n3 objects, 4 images checked: 2 would be denied, 1 warning \(3 documents without images skipped\)\n$/);
});

t.test('progress: drawn on a terminal after a delay, throttled, erased at the end', async (t) => {
  let now = 0;
  let written = '';
  const stream = new PassThrough();
  stream.on('data', (d) => (written += d));
  const p = progress(stream, { enabled: true, delayMs: 300, intervalMs: 100, now: () => now });
  p.update(1, 2000);
  t.equal(written, '', 'nothing before the delay');
  now = 300;
  p.update(340, 2000);
  t.equal(written, '\rchecking 340/2000 objects…');
  now = 350;
  p.update(400, 2000);
  t.equal(written, '\rchecking 340/2000 objects…', 'throttled');
  now = 450;
  p.update(1999, 2000);
  t.equal(written, '\rchecking 340/2000 objects…\rchecking 1999/2000 objects…');
  p.end();
  t.ok(written.endsWith(`\r${' '.repeat('checking 1999/2000 objects…'.length)}\r`), 'erased, cursor back at the start');
  const before = written;
  now = 1000;
  p.update(2000, 2000);
  p.end();
  t.equal(written, before, 'nothing after the end');

  let quiet = '';
  const s2 = new PassThrough();
  s2.on('data', (d) => (quiet += d));
  const q = progress(s2, { enabled: false, delayMs: 0, intervalMs: 0 });
  q.update(1, 1);
  q.end();
  const fast = progress(s2, { enabled: true, delayMs: 10_000 });
  fast.update(1, 1);
  fast.end();
  t.equal(quiet, '', 'never when not a terminal; nothing for a quick run');
  t.match(CHECK_HELP, /on a terminal, long runs\nshow their progress on standard error/);
});

t.test('progress in a real run: only on a terminal stderr, always erased, never in stdout or the report', async (t) => {
  // 3,000 objects make a run long enough to draw on most machines; the assertions hold either way.
  const stream = Array.from({ length: 3000 }, (_, i) => stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}` }, spec: { containers: [{ name: 'c', image: `nginx:1.${i}` }] } })).join('---\n');
  const dir = await tmp();
  const tty = await runTty(['check', '--offline', '-o', 'json', '--output-file', `${dir}/r.json`, '-'], { stdout: true, stderr: true }, {}, stream);
  t.equal(tty.code, 0);
  t.equal(tty.stdout, '');
  const report = await readFile(`${dir}/r.json`, 'utf8');
  t.equal(firstMatch(report, /checking|\r/), undefined, 'no progress in the report');
  t.equal(JSON.parse(report).summary.objects, 3000);
  // Whatever was drawn was erased before the summary line.
  const summary = 'pullguard check: 3000 objects, 3000 images checked: all images look pullable, 0 warnings; report written to';
  const at = tty.stderr.indexOf(summary);
  t.ok(at >= 0, 'summary line present');
  const drawn = tty.stderr.slice(0, at);
  t.match(drawn, /^(?:\rchecking \d+\/3000 objects… *)*(?:\r *\r)?$/, 'only progress lines, then erased');
  if (drawn) t.ok(drawn.endsWith('\r'), 'cursor back at the start of the line');
  t.comment(drawn ? `progress drawn ${drawn.split('checking').length - 1} times` : 'run too quick to draw progress');

  const notTty = await runTty(['check', '--offline', '-o', 'json', '-'], { stdout: false, stderr: false }, {}, stream);
  t.equal(notTty.stderr, '', 'no progress when stderr is not a terminal');
  t.equal(firstMatch(notTty.stdout, /checking/), undefined, 'no progress in stdout');
});
