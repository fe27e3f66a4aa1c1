// What `pullguard check DIR` reads must be what `kubectl apply -R -f DIR` reads (k8s.io/cli-runtime
// pkg/resource ExpandPathsToFileVisitors: filepath.Walk, filepath.Ext against .json/.yaml/.yml, files
// opened through symlinks, directory symlinks not followed), every skip named, nothing hanging.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { decodeManifest, globRegExp, goExt, readInputs } from '../../src/cli/inputs.js';
import { run } from '../helpers/cli.js';

const pod = (name: string, image = 'nginx:1.25') => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec:\n  containers:\n  - {name: app, image: "${image}"}\n`;

async function tree(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'pullguard-walk-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const dir = join(root, 'deploy');
  const outside = join(root, 'outside');
  await mkdir(join(dir, '.config', 'deep'), { recursive: true });
  await mkdir(join(dir, '.git'), { recursive: true });
  await mkdir(join(dir, 'node_modules', 'pkg'), { recursive: true });
  await mkdir(join(dir, 'dir.yaml'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(join(dir, 'a.yaml'), pod('a'));
  await writeFile(join(dir, 'b.yml'), pod('b'));
  await writeFile(join(dir, 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'c' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } }));
  await writeFile(join(dir, '.yaml'), pod('dotyaml')); // Go's filepath.Ext(".yaml") is ".yaml"
  await writeFile(join(dir, 'upper.YAML'), pod('upper')); // extensions are case-sensitive
  await writeFile(join(dir, 'a.yaml.bak'), pod('bak'));
  await writeFile(join(dir, 'notes.txt'), 'not yaml');
  await writeFile(join(dir, '.config', 'deep', 'hidden.yaml'), pod('hidden'));
  await writeFile(join(dir, 'dir.yaml', 'inner.yaml'), pod('inner'));
  await writeFile(join(dir, '.git', 'config.yaml'), pod('git'));
  await writeFile(join(dir, 'node_modules', 'pkg', 'x.yaml'), pod('npm'));
  await writeFile(join(outside, 'real.txt'), pod('linked'));
  await writeFile(join(outside, 'behind-dir-link.yaml'), pod('behind'));
  await symlink(join(outside, 'real.txt'), join(dir, 'link.yaml')); // read, as kubectl opens it
  await symlink(outside, join(dir, 'dirlink')); // not followed (filepath.Walk)
  await symlink(dir, join(dir, 'loop')); // a loop: not followed, so no hang
  await symlink('self.yaml', join(dir, 'self.yaml')); // ELOOP
  await symlink(join(root, 'nowhere'), join(dir, 'gone.yaml')); // dangling
  execFileSync('mkfifo', [join(dir, 'pipe.yaml')]); // must not block the run
  return dir;
}

t.test('a directory is read as kubectl apply -R reads it; every problem and exclusion named', async (t) => {
  const dir = await tree(t);
  const r = await run(['check', '--offline', '-o', 'json', dir]);
  t.equal(r.code, 2, 'some files could not be read');
  const report = JSON.parse(r.stdout);
  t.same(
    report.objects.map((o: any) => [o.file.slice(dir.length + 1), o.name]),
    [
      ['.config/deep/hidden.yaml', 'hidden'],
      ['.yaml', 'dotyaml'],
      ['a.yaml', 'a'],
      ['b.yml', 'b'],
      ['c.json', 'c'],
      ['dir.yaml/inner.yaml', 'inner'],
      ['link.yaml', 'linked'],
    ],
    'hidden directories, a file named .yaml, symlinked files; in byte order',
  );
  t.equal(report.input.files, 7);
  t.same(report.input.excluded, [join(dir, '.git') + '/', join(dir, 'node_modules') + '/']);
  t.same(
    report.input.problems.map((p: any) => [p.code, p.file.slice(dir.length + 1), p.line]),
    [
      ['MANIFEST_UNREADABLE', 'gone.yaml', null],
      ['MANIFEST_UNREADABLE', 'pipe.yaml', null],
      ['MANIFEST_UNREADABLE', 'self.yaml', null],
    ],
  );
  t.match(report.input.problems[0].message, /gone\.yaml could not be read: no such file or directory; nothing in it was checked$/);
  t.match(report.input.problems[1].message, /not a regular file/);
  t.match(report.input.problems[2].message, /too many levels of symbolic links/);

  const text = await run(['check', '--offline', dir]);
  t.equal(text.code, 2);
  const last = text.stdout.trimEnd().split('\n').at(-1);
  t.equal(last, `7 objects, 7 images checked: all images look pullable, 0 warnings; 3 files could not be read; not read (excluded): ${join(dir, '.git')}/, ${join(dir, 'node_modules')}/`);

  const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse((await run(['check', '--offline', '-o', 'junit', dir])).stdout);
  t.match(junit.testsuites, { tests: '12', failures: '0', errors: '3', skipped: '2' });
  const excludedSuite = [junit.testsuites.testsuite].flat().find((s: any) => s.name === 'not read (excluded)');
  t.same(
    [excludedSuite.testcase].flat().map((c: any) => [c.name, typeof c.skipped]),
    [
      [`${join(dir, '.git')}/`, 'object'],
      [`${join(dir, 'node_modules')}/`, 'object'],
    ],
  );

  const sarif = JSON.parse((await run(['check', '--offline', '-o', 'sarif', dir])).stdout).runs[0];
  t.same(
    sarif.invocations[0].toolExecutionNotifications.map((n: any) => n.message.text),
    [`not read (excluded): ${join(dir, '.git')}/`, `not read (excluded): ${join(dir, 'node_modules')}/`],
  );
  t.same(sarif.invocations[0].properties, { filesRead: 7, excluded: [`${join(dir, '.git')}/`, `${join(dir, 'node_modules')}/`] });
  t.same(sarif.results.map((x: any) => x.ruleId), ['MANIFEST_UNREADABLE', 'MANIFEST_UNREADABLE', 'MANIFEST_UNREADABLE']);
});

t.test('--no-default-excludes reads .git and node_modules; --exclude by name, by path, with **', async (t) => {
  const dir = await tree(t);
  const all = JSON.parse((await run(['check', '--offline', '-o', 'json', '--no-default-excludes', dir])).stdout);
  t.same(all.input.excluded, []);
  t.same(
    all.objects.map((o: any) => o.name).filter((n: string) => n === 'git' || n === 'npm'),
    ['git', 'npm'],
  );
  const some = JSON.parse(
    (await run(['check', '--offline', '-o', 'json', '--exclude', '*.json', '--exclude', 'dir.yaml/inner.yaml', '--exclude', '**/hidden.yaml', '--exclude', 'gone.yaml', '--exclude', 'pipe.yaml', '--exclude', 'self.yaml', dir])).stdout,
  );
  t.same(some.objects.map((o: any) => o.name), ['dotyaml', 'a', 'b', 'linked']);
  t.same(
    some.input.excluded.map((p: string) => p.slice(dir.length + 1)),
    ['.config/deep/hidden.yaml', '.git/', 'c.json', 'dir.yaml/inner.yaml', 'gone.yaml', 'node_modules/', 'pipe.yaml', 'self.yaml'],
  );
  t.same(some.input.problems, []);
  const usage = await run(['check', '--offline', '--exclude', '', dir]);
  t.equal(usage.code, 2);
  t.match(usage.stderr, '--exclude needs a pattern');
});

t.test('nothing to read is exit 2 naming what was excluded, never a silent "0 objects"', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'pullguard-walk-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, 'node_modules', 'x'), { recursive: true });
  await writeFile(join(root, 'node_modules', 'x', 'a.yaml'), pod('a'));
  await writeFile(join(root, 'README.md'), '#');
  const r = await run(['check', '--offline', root]);
  t.equal(r.code, 2);
  t.equal(
    r.stderr,
    `pullguard check: no manifest files in ${root}: only files ending in .json, .yaml, .yml are read (excluded: ${join(root, 'node_modules')}/; see --exclude and --no-default-excludes)\n`,
  );
  t.equal(r.stdout, '');
});

t.test('a named file is read whatever its extension; stdin too', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'pullguard-walk-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  await writeFile(join(root, 'pod.txt'), pod('txt'));
  const set = await readInputs([join(root, 'pod.txt')], process.stdin);
  t.same(set.inputs.map((i) => i.source), [join(root, 'pod.txt')]);
});

t.test('encodings: BOMs as kubectl (UTF-16 decoded, UTF-8 BOM dropped); bytes that are not UTF-8 reported', async (t) => {
  const text = pod('u16');
  t.equal(decodeManifest(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])).text, text);
  const be = Buffer.from(text, 'utf16le').swap16();
  t.equal(decodeManifest(Buffer.concat([Buffer.from([0xfe, 0xff]), be])).text, text);
  t.equal(decodeManifest(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])).text, text);
  const bad = decodeManifest(Buffer.concat([Buffer.from('kind: Pod\nmetadata:\n  name: '), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('\n')]));
  t.same(bad.problem, { line: 3, reason: 'the file holds bytes that are not UTF-8; kubectl cannot read it (save it as UTF-8)' });

  const root = await mkdtemp(join(tmpdir(), 'pullguard-enc-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  await writeFile(join(root, 'u16.yaml'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(pod('u16', 'Nginx'), 'utf16le')]));
  const r = JSON.parse((await run(['check', '--offline', '-o', 'json', root])).stdout);
  t.same(r.objects.map((o: any) => [o.name, o.findings.map((f: any) => f.code)]), [['u16', ['IMAGE_REFERENCE_INVALID']]]);
});

t.test('goExt is Go filepath.Ext; globRegExp', async (t) => {
  const cases = [
    { name: 'a.yaml', ext: '.yaml' },
    { name: '.yaml', ext: '.yaml' },
    { name: 'a.tar.yml', ext: '.yml' },
    { name: 'Makefile', ext: '' },
    { name: 'a.', ext: '.' },
  ];
  for (const c of cases) t.equal(goExt(c.name), c.ext, c.name);
  const globs = [
    { pattern: '*.yaml', path: 'a.yaml', match: true },
    { pattern: '*.yaml', path: 'd/a.yaml', match: false },
    { pattern: '**/a.yaml', path: 'd/e/a.yaml', match: true },
    { pattern: '**/a.yaml', path: 'a.yaml', match: true },
    { pattern: 'd/?.yaml', path: 'd/a.yaml', match: true },
    { pattern: 'a+b.yaml', path: 'a+b.yaml', match: true },
    { pattern: 'a+b.yaml', path: 'aab.yaml', match: false },
  ];
  for (const g of globs) t.equal(globRegExp(g.pattern).test(g.path), g.match, `${g.pattern} ~ ${g.path}`);
});
