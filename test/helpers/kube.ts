/**
 * A real kube-apiserver (v1.20.2, ../shared/tools/kube-apiserver) for tests: started from a private
 * PULLGUARD_KUBE_HOME on free ports, so tests running in parallel (and anyone's own `start`) do not
 * collide, and stopped by the tool's `stop` (by PID) in the test's teardown, even on failure.
 *
 * Missing prerequisites skip the test with the reason — except under CI=true, where they fail it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import net from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const KUBE_TOOLS = resolve(ROOT, '../shared/tools/kube-apiserver');

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run a command to completion; never throws for a non-zero exit. */
export function runCommand(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

export function onPath(cmd: string): boolean {
  return (process.env['PATH'] ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, cmd)));
}

export function kubeHome(): string {
  return process.env['PULLGUARD_KUBE_HOME'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'pullguard-kube');
}

/** A TCP port nobody listens on now (0 = any ephemeral port). */
export function portFree(port: number): Promise<number | null> {
  return new Promise((resolvePort) => {
    const server = net.createServer();
    server.once('error', () => resolvePort(null));
    server.listen(port, '127.0.0.1', () => {
      const { port: got } = server.address() as net.AddressInfo;
      server.close(() => resolvePort(got));
    });
  });
}

/** Three consecutive free ports below 32768 (outside Linux's range for outgoing connections). */
async function apiserverPorts(): Promise<[number, number, number]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await Promise.all([base, base + 1, base + 2].map(portFree));
    if (free.every((p) => p !== null)) return [base, base + 1, base + 2];
  }
  throw new Error('no three consecutive free ports found between 20000 and 32000');
}

export async function waitFor<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Why the API server cannot run here (with kubectl when `needKubectl`), or null. */
export function kubeUnavailableReason(opts: { needKubectl?: boolean } = {}): string | null {
  const missing: string[] = [];
  const etcdBin = process.env['ETCD_BIN'] ?? '/usr/bin/etcd';
  if (opts.needKubectl && !onPath('kubectl')) missing.push('kubectl is not on PATH');
  if (!existsSync(join(kubeHome(), 'bin', 'kube-apiserver'))) missing.push(`no kube-apiserver in ${kubeHome()}/bin (run ${join(KUBE_TOOLS, 'build')})`);
  if (!existsSync(etcdBin)) missing.push(`no etcd at ${etcdBin} (run ${join(KUBE_TOOLS, 'build')})`);
  if (!existsSync(join(KUBE_TOOLS, 'start'))) missing.push(`no ${join(KUBE_TOOLS, 'start')} (../shared must sit beside the project)`);
  return missing.length ? missing.join('; ') : null;
}

export interface Kube {
  /** Private home: kubeconfig, pki/, run/logs/. */
  readonly home: string;
  readonly kubeconfig: string;
  /** `https://127.0.0.1:PORT` */
  readonly server: string;
  readonly apiPort: number;
  /** Scratch directory of this test run (removed at teardown when the test passed). */
  readonly work: string;
}

type TeardownTest = { teardown(fn: () => unknown): void; passing(): boolean; comment(...args: unknown[]): void };

/** Start a fresh API server (empty cluster); stopped at the test's teardown. */
export async function startKube(t: TeardownTest, extraEnv: NodeJS.ProcessEnv = {}): Promise<Kube> {
  const work = await mkdtemp(join(tmpdir(), 'pullguard-kube-'));
  const home = join(work, 'kube');
  await mkdir(join(home, 'bin'), { recursive: true });
  await symlink(join(kubeHome(), 'bin', 'kube-apiserver'), join(home, 'bin', 'kube-apiserver'));
  // The PKI of the default home, when there is one, saves regenerating it (start checks it anyway).
  if (existsSync(join(kubeHome(), 'pki'))) await cp(join(kubeHome(), 'pki'), join(home, 'pki'), { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv, PULLGUARD_KUBE_HOME: home };
  let started = false;
  t.teardown(async () => {
    if (started) await runCommand(join(KUBE_TOOLS, 'stop'), [], { env, timeoutMs: 30_000 });
    if (t.passing()) await rm(work, { recursive: true, force: true });
    else t.comment(`kube-apiserver logs kept in ${join(home, 'run', 'logs')}`);
  });
  let start: Run | undefined;
  let apiPort = 0;
  for (let attempt = 0; attempt < 3; attempt++) {
    const [api, etcd, peer] = await apiserverPorts();
    apiPort = api;
    Object.assign(env, { API_PORT: String(api), ETCD_PORT: String(etcd), ETCD_PEER_PORT: String(peer) });
    started = true; // stop is harmless when start did not get far
    start = await runCommand(join(KUBE_TOOLS, 'start'), [], { env, timeoutMs: 90_000 });
    if (start.code === 0 || !/already in use/.test(start.stderr)) break;
  }
  if (start?.code !== 0) throw new Error(`kube-apiserver did not start:\n${start?.stderr}`);
  return { home, kubeconfig: join(home, 'kubeconfig'), server: `https://127.0.0.1:${apiPort}`, apiPort, work };
}
