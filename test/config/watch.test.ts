import t from 'tap';
import { mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { ConfigWatcher } from '../../src/config/watch.js';
import { parseConfig } from '../../src/config/load.js';
import { build } from '../../src/server/app.js';
import { loadFixture, withImage } from '../helpers/fixtures.js';

const ENFORCE = 'mode: enforce\n';
const WARN = 'mode: warn\n';
const INVALID = 'mode: sometimes\n';

const silent = { info() {}, error() {} };

async function writeAtomic(file: string, text: string) {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

t.test('valid changes apply, invalid ones are refused and the running config kept', async (t) => {
  const dir = await mkdtemp(`${tmpdir()}/pullguard-config-`);
  const file = `${dir}/config.yaml`;
  await writeFile(file, ENFORCE);
  const applied: string[] = [];
  const rejected: string[][] = [];
  const watcher = await new ConfigWatcher({
    file,
    initial: parseConfig(ENFORCE, file),
    logger: silent,
    onApplied: (c) => { applied.push(c.mode); },
    onRejected: (e) => rejected.push([...e.problems]),
    pollIntervalMs: 60_000,
  }).start();
  t.teardown(() => watcher.close());

  await writeAtomic(file, WARN);
  await watcher.reload();
  t.equal(watcher.current.mode, 'warn');
  await writeAtomic(file, INVALID);
  await watcher.reload();
  t.equal(watcher.current.mode, 'warn', 'invalid change refused');
  t.same(rejected, [['mode: must be one of "enforce", "warn", "off"']]);
  await writeAtomic(file, ENFORCE);
  await watcher.reload();
  t.same(applied, ['warn', 'enforce']);
});

t.test('the file watch picks a change up without an explicit reload', async (t) => {
  const dir = await mkdtemp(`${tmpdir()}/pullguard-config-`);
  const file = `${dir}/config.yaml`;
  await writeFile(file, ENFORCE);
  let resolveApplied!: () => void;
  const appliedOnce = new Promise<void>((r) => (resolveApplied = r));
  const watcher = await new ConfigWatcher({
    file, initial: parseConfig(ENFORCE, file), logger: silent, onApplied: () => resolveApplied(), debounceMs: 20, pollIntervalMs: 200,
  }).start();
  t.teardown(() => watcher.close());
  await writeAtomic(file, WARN);
  await appliedOnce;
  t.equal(watcher.current.mode, 'warn');
});

t.test('reloads under concurrent reviews: no review fails or sees a half-applied config', async (t) => {
  const dir = await mkdtemp(`${tmpdir()}/pullguard-config-`);
  const file = `${dir}/config.yaml`;
  await writeFile(file, ENFORCE);
  const watcher = await new ConfigWatcher({ file, initial: parseConfig(ENFORCE, file), logger: silent, pollIntervalMs: 60_000 }).start();
  t.teardown(() => watcher.close());
  const app = await build({ deps: () => ({ config: watcher.current }) });
  t.teardown(() => app.close());

  const bad = withImage(loadFixture('pod-create-good-pod.json'), 'NGINX');
  const texts = [WARN, INVALID, ENFORCE, INVALID, WARN, ENFORCE];
  const reviews: Promise<{ status: number; body: any }>[] = [];
  for (let round = 0; round < texts.length; round++) {
    for (let i = 0; i < 50; i++) {
      const review = structuredClone(bad);
      review.request.uid = `uid-${round}-${i}`;
      reviews.push(
        app.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload: review })
          .then((r) => ({ status: r.statusCode, body: r.json() })),
      );
    }
    await writeAtomic(file, texts[round] as string);
    await watcher.reload();
  }
  const answers = await Promise.all(reviews);
  let denied = 0;
  let warned = 0;
  answers.forEach((a, n) => {
    t.equal(a.status, 200);
    t.equal(a.body.response.uid, `uid-${Math.floor(n / 50)}-${n % 50}`);
    const r = a.body.response;
    // Exactly one of the two whole configurations: enforce denies with no warnings, warn admits with one.
    if (r.allowed) {
      warned++;
      t.equal(r.warnings.length, 1);
      t.equal(r.auditAnnotations.verdict, 'warn');
    } else {
      denied++;
      t.equal(r.status.code, 403);
      t.equal(r.warnings, undefined);
    }
  });
  t.equal(denied + warned, 300);
  t.ok(denied > 0 && warned > 0, `both configurations were seen (${denied} denied, ${warned} warned)`);
  t.equal(watcher.current.mode, 'enforce');
});
