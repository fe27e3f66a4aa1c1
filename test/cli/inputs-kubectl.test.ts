/**
 * Differential tests against kubectl itself, without a cluster: `kubectl apply -R -f DIR` pointed at a
 * server that refuses connections still walks DIR, opens and parses every file it would apply, and
 * names each one on standard error — `unable to recognize "F"` for a document it parsed (it then needs
 * the server), `error parsing F: …` / `unable to decode "F"` for one it cannot read, `open F: …` for a
 * file it cannot open. That is the oracle for:
 *
 * - which files pullguard reads, in which order (random trees: hidden directories, names ending in
 *   `.yaml`/`.YAML`/`.yaml.bak`/`.yml`/`.json`, a file named `.yaml`, directories named `x.yaml`,
 *   symlinks to files, to directories, to themselves, dangling);
 * - which documents pullguard can read and which it reports as MANIFEST_UNPARSEABLE (random files:
 *   duplicate keys, under-indented continuations, unrendered templates, broken YAML, separators
 *   with content, lists).
 *
 * Skipped where kubectl is missing, except under CI=true.
 */
import t from 'tap';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onPath, runCommand } from '../helpers/kube.js';
import { readInputs } from '../../src/cli/inputs.js';
import { parseManifests } from '../../src/workload/manifests.js';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** What kubectl did with each file, in its order: `read` (parsed) or `error`. */
async function kubectlReads(dir: string, cwd: string): Promise<{ file: string; outcome: 'read' | 'error' }[]> {
  const k = await runCommand('kubectl', ['apply', '-R', '-f', dir, '--dry-run=client', '--validate=false', '--server=http://127.0.0.1:1'], {
    cwd,
    env: { ...process.env, KUBECONFIG: '/dev/null' },
  });
  const out: { file: string; outcome: 'read' | 'error' }[] = [];
  for (const line of k.stderr.split('\n')) {
    let m = /^unable to recognize "([^"]+)"/.exec(line);
    if (m) {
      if (out.at(-1)?.file !== m[1]) out.push({ file: m[1]!, outcome: 'read' });
      continue;
    }
    m = /^(?:error parsing (\S+):|unable to decode "([^"]+)"|open (\S+):)/.exec(line);
    if (m) out.push({ file: (m[1] ?? m[2] ?? m[3])!, outcome: 'error' });
  }
  return out;
}

const CM = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

const skipReason = (): string | null => (onPath('kubectl') ? null : 'kubectl is not on PATH');

t.test('the files pullguard reads are the files kubectl apply -R reads, in the same order', async (t) => {
  const why = skipReason();
  if (why) return process.env['CI'] === 'true' ? t.fail(why) : t.plan(0, `skipped: ${why}`);
  for (let seed = 1; seed <= 6; seed++) {
    const rnd = mulberry32(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const work = await mkdtemp(join(tmpdir(), 'pullguard-kwalk-'));
    t.teardown(() => rm(work, { recursive: true, force: true }));
    const outside = join(work, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'target.txt'), CM('target'));
    await writeFile(join(outside, 'other.yaml'), CM('other'));
    const dirs = ['d'];
    await mkdir(join(work, 'd'));
    const names = ['a', 'B', '.h', '_x', 'z9', 'é', 'dir.yaml', 'v1.2'];
    const exts = ['.yaml', '.yml', '.json', '.YAML', '.yaml.bak', '.txt', ''];
    for (let i = 0; i < 40; i++) {
      const parent = pick(dirs);
      // Names that are prefixes of one another (`a1`, `a1.yaml`, `a1-b`) test the walk's order.
      const name = rnd() < 0.3 ? pick(['p', 'p-q', 'p.yaml', 'p0']) + (rnd() < 0.5 ? '' : `${i}`) : `${pick(names)}${i}`;
      const roll = rnd();
      if (roll < 0.2) {
        await mkdir(join(work, parent, name));
        dirs.push(join(parent, name));
      } else if (roll < 0.3) {
        await mkdir(join(work, parent, `${name}.yaml`)); // a directory with a manifest's extension
        dirs.push(join(parent, `${name}.yaml`));
      } else if (roll < 0.4) {
        const kind = pick(['file', 'dir', 'dangling', 'self']);
        const link = join(work, parent, `${name}${kind === 'dir' ? pick(['', '.yaml']) : '.yaml'}`);
        if (kind === 'file') await symlink(join(outside, 'target.txt'), link);
        else if (kind === 'dir') await symlink(outside, link);
        else if (kind === 'dangling') await symlink(join(work, 'nowhere'), link);
        else await symlink(link, link);
      } else {
        const ext = pick(exts);
        const file = ext === '' && rnd() < 0.3 ? '.yaml' : `${name}${ext}`;
        await writeFile(join(work, parent, file), ext === '.json' ? JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `n${i}` } }) : CM(`n${i}`));
      }
    }
    const theirs = await kubectlReads('d', work);
    const set = await readInputs([join(work, 'd')], process.stdin, { defaultExcludes: false });
    // Files read and files that could not be read, each in walk order (readInputs keeps them apart).
    const ours = {
      read: set.inputs.map((i) => i.source.slice(work.length + 1)),
      error: set.unreadable.map((u) => u.file.slice(work.length + 1)),
    };
    t.ok(theirs.length > 5, `seed ${seed}: kubectl read ${theirs.length} files`);
    t.same(ours.read, theirs.filter((x) => x.outcome === 'read').map((x) => x.file), `seed ${seed}: same files read, same order`);
    t.same(ours.error, theirs.filter((x) => x.outcome === 'error').map((x) => x.file), `seed ${seed}: same files failing, same order`);
  }
});

t.test('the documents pullguard reads are the documents kubectl can parse', async (t) => {
  const why = skipReason();
  if (why) return process.env['CI'] === 'true' ? t.fail(why) : t.plan(0, `skipped: ${why}`);
  const rnd = mulberry32(77);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const work = await mkdtemp(join(tmpdir(), 'pullguard-kparse-'));
  t.teardown(() => rm(work, { recursive: true, force: true }));
  await mkdir(join(work, 'd'));
  // Each a whole one-document file; kubectl stops at a file's first bad document, so one per file.
  const variants: ((i: number) => string)[] = [
    (i) => CM(`ok${i}`),
    (i) => `${CM(`dup${i}`)}  name: again${i}\n`,
    (i) => `${CM(`pad${i}`)}  annotations:\n    a: "x\n${' '.repeat(Math.floor(rnd() * 5))}y"\n`,
    (i) => `${CM(`flow${i}`)}data: {a: "1",\n${' '.repeat(Math.floor(rnd() * 3))}b: "2"}\n`,
    (i) => `${CM(`sq${i}`)}  labels: {a: 'it''s\nok'}\n`,
    () => 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: {{ .ns }}\n',
    () => 'apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n',
    (i) => `${CM(`sep${i}`)}--- {a: 1}\n`,
    () => '- op: add\n  path: /x\n',
    () => '"just a string"\n',
    (i) => `${CM(`tab${i}`)}\tdata: 1\n`,
    (i) => `${CM(`anchor${i}`)}data:\n  a: &v x\n  b: *v\n`,
    (i) => `${CM(`merge${i}`)}x: &m {a: "1"}\ndata:\n  <<: *m\n  b: "2"\n`,
    // A file that starts with "{" is a JSON stream to kubectl, not YAML.
    (i) => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j${i}"}}\n{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"k${i}", "name": "l${i}"}}{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"m${i}"}}\n`,
    (i) => `  {"apiVersion":"v1","kind":"ConfigMap",\n"metadata":{"name":"j${i}"}}\n---\n{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"k${i}"}}\n`,
    (i) => `{apiVersion: v1, kind: ConfigMap, metadata: {name: f${i}}}\n`,
    (i) => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j${i}"}}\n[1]\n`,
    (i) => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j${i}",}}\n`,
  ];
  const files: string[] = [];
  for (let i = 0; i < 90; i++) {
    const name = `f${String(i).padStart(2, '0')}.yaml`;
    await writeFile(join(work, 'd', name), pick(variants)(i));
    files.push(join('d', name));
  }
  const theirs = new Map((await kubectlReads('d', work)).map((r) => [r.file, r.outcome]));
  t.equal(theirs.size, files.length, 'kubectl named every file');
  let agree = 0;
  for (const file of files) {
    const text = (await readInputs([join(work, file)], process.stdin)).inputs[0]!.text;
    const r = parseManifests(text, file);
    const ours = r.problems.length === 0 ? 'read' : 'error';
    if (ours === theirs.get(file)) agree++;
    else t.fail(`${file}: kubectl ${theirs.get(file)}, pullguard ${ours} ${JSON.stringify(r.problems)}\n${text}`);
  }
  t.equal(agree, files.length, 'every file: same outcome');
});
