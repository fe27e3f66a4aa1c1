import t from 'tap';
import { appendFile, mkdir, mkdtemp, rename, symlink, writeFile } from 'node:fs/promises';
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

/** Resolves on the first applied configuration, or rejects after `ms` (a liveness bound, not a timing assertion). */
function appliedWithin(ms: number): { onApplied: () => void; applied: Promise<void> } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const applied = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const timer = setTimeout(() => reject(new Error(`no reload within ${ms} ms`)), ms);
  return {
    onApplied: () => {
      clearTimeout(timer);
      resolve();
    },
    applied,
  };
}

/** Append to a file beside the config every few milliseconds until stopped (a busy log). */
function busyNeighbour(path: string): () => Promise<void> {
  let stop = false;
  const done = (async () => {
    let n = 0;
    while (!stop) {
      await appendFile(path, `line ${n++}\n`);
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
  return async () => {
    stop = true;
    await done;
  };
}

t.test('a file appended to continuously beside the config does not starve a reload', async (t) => {
  const dir = await mkdtemp(`${tmpdir()}/pullguard-config-`);
  const file = `${dir}/config.yaml`;
  await writeFile(file, ENFORCE);
  const stop = busyNeighbour(`${dir}/pullguard.log`);
  t.teardown(stop);
  await new Promise((r) => setTimeout(r, 100)); // the neighbour is busy before the change
  const { onApplied, applied } = appliedWithin(5_000);
  // A poll and a debounce shorter than the neighbour's gaps would be, without filtering, reset forever.
  const watcher = await new ConfigWatcher({ file, initial: parseConfig(ENFORCE, file), logger: silent, onApplied, debounceMs: 250, pollIntervalMs: 300 }).start();
  t.teardown(() => watcher.close());
  await writeAtomic(file, WARN);
  await applied;
  t.equal(watcher.current.mode, 'warn');
});

t.test('a ConfigMap volume swap (..data) is picked up while a neighbour is busy', async (t) => {
  const dir = await mkdtemp(`${tmpdir()}/pullguard-config-`);
  // The kubelet's layout: config.yaml -> ..data/config.yaml, ..data -> ..<timestamp>/
  await mkdir(`${dir}/..2026_01_01_00_00_00.1`);
  await writeFile(`${dir}/..2026_01_01_00_00_00.1/config.yaml`, ENFORCE);
  await symlink('..2026_01_01_00_00_00.1', `${dir}/..data`);
  await symlink('..data/config.yaml', `${dir}/config.yaml`);
  const file = `${dir}/config.yaml`;
  const stop = busyNeighbour(`${dir}/other.log`);
  t.teardown(stop);
  const { onApplied, applied } = appliedWithin(5_000);
  const watcher = await new ConfigWatcher({ file, initial: parseConfig(ENFORCE, file), logger: silent, onApplied, debounceMs: 50, pollIntervalMs: 60_000 }).start();
  t.teardown(() => watcher.close());
  await mkdir(`${dir}/..2026_01_01_00_00_01.2`);
  await writeFile(`${dir}/..2026_01_01_00_00_01.2/config.yaml`, WARN);
  await symlink('..2026_01_01_00_00_01.2', `${dir}/..data_tmp`);
  await rename(`${dir}/..data_tmp`, `${dir}/..data`);
  await applied;
  t.equal(watcher.current.mode, 'warn');
});

t.test('a config that keeps changing is still re-read within the debounce maximum wait', async (t) => {
  const dir = await mkdtemp(`${tmpdir()}/pullguard-config-`);
  const file = `${dir}/config.yaml`;
  await writeFile(file, ENFORCE);
  const { onApplied, applied } = appliedWithin(5_000);
  // No poll to fall back on: only the maximum wait can end a debounce that events keep restarting.
  const watcher = await new ConfigWatcher({ file, initial: parseConfig(ENFORCE, file), logger: silent, onApplied, debounceMs: 300, debounceMaxWaitMs: 400, pollIntervalMs: 60_000 }).start();
  t.teardown(() => watcher.close());
  let stop = false;
  const writer = (async () => {
    for (let n = 0; !stop; n++) {
      await writeAtomic(file, `${WARN}# ${n}\n`);
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
  t.teardown(async () => {
    stop = true;
    await writer;
  });
  await applied;
  t.equal(watcher.current.mode, 'warn');
});

t.test('the poll re-reads directly, not through the debounce', async (t) => {
  const dir = await mkdtemp(`${tmpdir()}/pullguard-config-`);
  const file = `${dir}/config.yaml`;
  await writeFile(file, ENFORCE);
  const { onApplied, applied } = appliedWithin(5_000);
  // A debounce far longer than the bound: only a direct poll can apply the change in time.
  const watcher = await new ConfigWatcher({ file, initial: parseConfig(ENFORCE, file), logger: silent, onApplied, debounceMs: 60_000, debounceMaxWaitMs: 60_000, pollIntervalMs: 100 }).start();
  t.teardown(() => watcher.close());
  await writeAtomic(file, WARN);
  await applied;
  t.equal(watcher.current.mode, 'warn');
});
