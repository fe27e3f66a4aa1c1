/**
 * Whoever reads the container's standard output (the container runtime, a log shipper) may stall.
 * Decision lines are written asynchronously (src/cli/serve.ts logDestination), so a stalled reader
 * never holds up a review: lines wait in a bounded buffer, and beyond it they are dropped and counted.
 *
 * - `serve` as a child process with its stdout pipe no longer read: far more decision lines than the
 *   pipe and the reader's buffer hold, every review still answered; once reading resumes, every line
 *   arrives.
 * - logDestination on a FIFO nobody reads, with a small bound: lines past it are dropped and counted,
 *   and dropped + delivered = written.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, readSync } from 'node:fs';
import https from 'node:https';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { logDestination } from '../../src/cli/serve.js';
import { loadFixture, withImage } from '../helpers/fixtures.js';
import { startServe } from '../helpers/serve.js';

/** ~300-byte decision lines: 3,000 of them are ~1 MB, far beyond a 64 KiB pipe plus the reader's buffer. */
const REVIEWS = 3000;
const CONCURRENCY = 16;

function post(port: number, ca: string, agent: https.Agent, payload: string): Promise<{ status: number | null; body: string }> {
  return new Promise((resolve) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: '/validate?timeout=5s',
        method: 'POST',
        agent,
        ca,
        servername: 'pullguard.pullguard.svc',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        timeout: 5000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? null, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', (err) => resolve({ status: null, body: err.message }));
    req.end(payload);
  });
}

t.test('serve: a stalled stdout reader holds up no review, and loses no line', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pullguard-stall-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const { child, port, stdout, detachStdout } = await startServe(t, ['--cert-dir', join(dir, 'certs')]);
  const ca = await readFile(join(dir, 'certs', 'ca.crt'), 'utf8');

  // Stop reading: the pipe fills, then the child's writes cannot complete.
  detachStdout();
  child.stdout.pause();
  const before = stdout();

  // Decided without a registry (the reference is invalid): one decision line each.
  const pod = loadFixture('pod-create-good-pod.json');
  const agent = new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  t.teardown(() => agent.destroy());
  let next = 0;
  let answered = 0;
  const wrong: string[] = [];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REVIEWS) {
        const r = withImage(pod, 'NOT/A:valid image');
        r.request.uid = `stall-${next++}`;
        const a = await post(port, ca, agent, JSON.stringify(r));
        if (a.status === 200 && JSON.parse(a.body).response?.uid === r.request.uid) answered++;
        else {
          wrong.push(`${r.request.uid}: ${a.status} ${a.body.slice(0, 200)}`);
          next = REVIEWS; // a blocked server would cost 5 s per review: stop at the first miss
        }
      }
    }),
  );
  t.equal(answered, REVIEWS, `all ${REVIEWS} reviews answered while nobody read stdout`);
  t.same(wrong, [], 'no wrong or missing answer');

  // Resume reading: every decision line arrives.
  let after = '';
  child.stdout.on('data', (d: string) => (after += d));
  child.stdout.resume();
  const count = (): number => (after.match(/"uid":"stall-\d+"[^\n]*"msg":"review"/g) ?? []).length;
  const deadline = Date.now() + 15_000;
  while (count() < REVIEWS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.equal(count(), REVIEWS, 'every decision line reached stdout once reading resumed');
  t.notMatch(before + after, /"msg":"review"[^\n]*\n[^{]/, 'lines are whole');

  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  t.equal(code, 0, 'exit 0 after SIGTERM');
  t.match(after, /"msg":"stopped"/, 'the last line is written before exit');
});

t.test('logDestination: lines beyond the bound are dropped and counted', async (t) => {
  const mkfifo = spawnSync('mkfifo', ['--version'], { encoding: 'utf8' });
  if (mkfifo.error) {
    t.plan(0, 'skipped: mkfifo (coreutils) is not installed');
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'pullguard-drop-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const fifo = join(dir, 'out');
  t.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  // The reading end must be open for the writing end to open; it is read only at the end.
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  t.teardown(() => {
    closeSync(reader);
  });

  let dropped = 0;
  const MAX = 32 * 1024;
  const stream = logDestination({ fd: writer, maxBytes: MAX, onDropped: (n) => (dropped += n) });
  const log = pino({ base: null, timestamp: false }, stream);
  const WRITTEN = 2000; // ~100 KB of lines: more than the FIFO (64 KiB) and the bound together
  for (let i = 0; i < WRITTEN; i++) log.info({ i, pad: 'x'.repeat(20) }, 'line');
  t.ok(dropped > 0, `${dropped} lines dropped beyond the ${MAX}-byte bound`);
  t.ok(dropped < WRITTEN, 'not everything was dropped');

  // Read the FIFO until every line not dropped has arrived.
  let delivered = 0;
  const buf = Buffer.alloc(65536);
  const deadline = Date.now() + 10_000;
  while (delivered + dropped < WRITTEN && Date.now() < deadline) {
    try {
      const n = readSync(reader, buf, 0, buf.length, null);
      for (let i = 0; i < n; i++) if (buf[i] === 0x0a) delivered++;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  t.equal(delivered + dropped, WRITTEN, `delivered ${delivered} + dropped ${dropped} = written`);
  stream.destroy();
});
