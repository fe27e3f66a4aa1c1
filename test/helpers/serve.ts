/**
 * `node dist/cli/main.js serve` as a child process, as Kubernetes runs it: built first if dist/ is
 * stale, listening on 127.0.0.1 on a free port (read from Fastify's "Server listening at" line), with
 * its output collected. Killed at teardown if still running.
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STARTUP_TIMEOUT_MS = 20_000;

export interface ServeChild {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly port: number;
  /** Everything written to stdout and stderr so far (stdout only while the test reads it). */
  stdout(): string;
  stderr(): string;
  /** Stop collecting stdout (the test reads it itself from here on). */
  detachStdout(): void;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

export function buildDist(): void {
  const build = spawnSync(process.execPath, ['scripts/build-if-needed.mjs'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (build.status !== 0) throw new Error(`scripts/build-if-needed.mjs failed:\n${build.stderr}${build.stdout}`);
}

/** Start `serve` with `args` (after `--listen 127.0.0.1:0 --metrics-listen off`) and wait until it listens. */
export async function startServe(t: { teardown(fn: () => unknown): void }, args: readonly string[]): Promise<ServeChild> {
  buildDist();
  const child = spawn(process.execPath, ['dist/cli/main.js', 'serve', '--listen', '127.0.0.1:0', '--metrics-listen', 'off', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KUBERNETES_SERVICE_HOST: '' },
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  const onStdout = (d: string): void => {
    stdout += d;
  };
  child.stdout.setEncoding('utf8').on('data', onStdout);
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${stdout}\n${stderr}`)), STARTUP_TIMEOUT_MS);
    const check = (): void => {
      const m = /Server listening at https:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`serve exited early:\n${stdout}\n${stderr}`));
    });
  });
  return {
    child,
    port,
    stdout: () => stdout,
    stderr: () => stderr,
    detachStdout: () => child.stdout.off('data', onStdout),
    exited,
  };
}
