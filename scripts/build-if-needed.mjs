#!/usr/bin/env node
// Build dist/ when it is missing or older than any file under src/ (used by `npm start` and
// `npm run bench`, so a fresh clone needs no separate build step, and by the tests that run dist/).
//
// Several callers may run at once (tap runs test files in parallel, and on a fresh clone each test
// that starts dist/cli/main.js asks for a build): one builds while holding a lock, the others wait
// for it and then find dist/ fresh. Without the lock each of them ran its own tsc (~12 s of CPU), and
// a test could start dist/cli/main.js while another tsc was half-way through rewriting dist/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ENTRY = 'dist/cli/main.js';
/** mkdir is atomic: whoever creates this directory builds. It holds the builder's PID. */
const LOCK = 'dist/.build-lock';
/** Longer than any tsc run of this project on a loaded machine; then we say who holds the lock. */
const LOCK_WAIT_MS = 300_000;
const LOCK_POLL_MS = 200;
/** A lock without a PID file this old was left by a builder killed between mkdir and writing it. */
const LOCK_NO_PID_STALE_MS = 10_000;

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const stale = () => !existsSync(ENTRY) || statSync(ENTRY).mtimeMs < newest('src');

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The lock is abandoned when its builder is gone (killed run); then it may be taken over. */
function abandoned() {
  let pid;
  try {
    pid = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
  } catch {
    try {
      return Date.now() - statSync(LOCK).mtimeMs > LOCK_NO_PID_STALE_MS;
    } catch {
      return false; // released meanwhile
    }
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return err.code === 'ESRCH';
  }
}

function acquire() {
  mkdirSync('dist', { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    if (abandoned()) {
      rmSync(LOCK, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`build-if-needed: ${LOCK} still held after ${LOCK_WAIT_MS / 1000} s (pid file: ${join(LOCK, 'pid')}); remove it if no build is running`);
    }
    sleep(LOCK_POLL_MS);
  }
}

if (stale()) {
  acquire();
  try {
    // Another caller may have built while we waited for the lock.
    if (stale()) {
      process.stderr.write('building dist/ (tsc)…\n');
      execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
