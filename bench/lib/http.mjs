/**
 * Helpers both benchmarks (bench/run.mjs, bench/audit.bench.mjs) use: waiting for `serve`, posting a
 * review, reading a process's CPU and memory, percentiles and number formats.
 */
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const log = (s) => process.stderr.write(`${s}\n`);

export const f1 = (n) => (Number.isFinite(n) ? n.toFixed(1) : '–');
export const f2 = (n) => (Number.isFinite(n) ? n.toFixed(2) : '–');
export const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');

/** /proc/PID/status and /proc/PID/stat readings (Linux). */
export function procStats(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  const sysTicks = Number(fields[12]); // stime: system calls, socket writes included
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024, cpuMs: (ticks * 1000) / 100, sysMs: (sysTicks * 1000) / 100 };
}

/** The p-th percentile (nearest rank) of ascending `sorted`; NaN when empty. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Resolves once `https://127.0.0.1:PORT<path>` answers 200 (self-signed certificates accepted). */
export async function waitHttps(port, { path = '/healthz', timeoutMs = 30_000 } = {}) {
  const started = Date.now();
  for (;;) {
    const status = await new Promise((resolve) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path, rejectUnauthorized: false, timeout: 1000 }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(null));
      req.end();
    });
    if (status === 200) return;
    if (Date.now() - started > timeoutMs) throw new Error(`https://127.0.0.1:${port}${path} did not answer 200`);
    await sleep(100);
  }
}

/** POST one review with node:https; resolves { status, body, ms }. */
export function post(port, body, agent, path = '/validate?timeout=10s') {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        rejectUnauthorized: false,
        headers: { 'content-type': 'application/json', accept: 'application/json, */*', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8'), ms: Number(process.hrtime.bigint() - started) / 1e6 }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
