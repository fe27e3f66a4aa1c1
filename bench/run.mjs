#!/usr/bin/env node
/**
 * `npm run bench`: pullguard's admission path under load, measured next to the ceiling of this machine
 * in the same run. Results are printed as tables; docs/performance.md keeps the latest ones.
 *
 *   node bench/run.mjs [--duration SECONDS] [--quick] [--cpu-prof DIR] [--json FILE]
 *   node bench/run.mjs --only audit [--audit-workloads N] [--audit-pods-per N] [--audit-interval S]
 *                      [--audit-rate REVIEWS_PER_S] [--audit-node-options "FLAGS"]
 *                      (the continuous audit: bench/audit.bench.mjs)
 *
 * What runs (all on 127.0.0.1, everything over TLS with HTTP/1.1 keep-alive, as the API server connects):
 *   - a REAL registry (docker-registry, TLS, anonymous) with the images the reviews name, and a
 *     counting TLS proxy in front of it (bench/lib/registry.mjs);
 *   - `pullguard serve` as a child process (its own RSS), with a configuration whose `registries`
 *     trust the registry's CA: every decision runs the full engine, registry step included, and is
 *     answered from the checker's cache once warm; one JSON log line per decision goes to a pipe;
 *   - the ceiling: a bare node:https server answering a fixed "allowed" review (bench/lib/baseline.mjs),
 *     also a child process, with the same certificate; and the floor: the same server JSON.parse-ing
 *     each review and echoing its uid (the least any webhook that reads the review does);
 *   - for memory, a second `serve` in a real 256 MiB memory cgroup (the Deployment's limit) when the
 *     bench may create one (bench/lib/cgroup.mjs), else with the heap flag Node would pick for it;
 *   - the load generator, autocannon, in this process (pipelining 1, keep-alive connections).
 * Latency percentiles come from every response time autocannon reports (float ms, not its integer
 * histogram); RSS and CPU from /proc/PID of each server.
 *
 * Needs /usr/bin/docker-registry (Debian package docker-registry). Imports ../dist (built by
 * `npm run bench` through scripts/build-if-needed.mjs).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { cpus, freemem, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { f1, f2, int, log, percentile, post, procStats, sleep, waitHttps } from './lib/http.mjs';
import { freePort, registryAvailable, startCountingProxy, startRegistry } from './lib/registry.mjs';
import { inCgroup, memoryCgroup } from './lib/cgroup.mjs';
import { run as runReferenceBench } from './reference.bench.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FIXTURES = join(ROOT, '../shared/fixtures/admission');
const MAIN = join(ROOT, 'dist/cli/main.js');
/** The Deployment's memory limit (manifests/base/deployment.yaml, resources.limits.memory: 256Mi). */
const POD_MEMORY_LIMIT_BYTES = 256 * 1024 * 1024;

// ------------------------------------------------------------------------------------------------
// options

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const QUICK = flag('--quick');
const DURATION = Number(option('--duration', QUICK ? '3' : '10'));
const CPU_PROF = option('--cpu-prof', null);
const JSON_OUT = option('--json', null);
const CONNECTIONS = Number(option('--connections', '16'));
const FILL = Number(option('--fill', QUICK ? '2000' : '10000'));
/** Scenarios to run: real, large, fixed, burst, memory (default all). */
/** Extra arguments for `pullguard serve` and node options for it (experiments: --serve-args "--log-level warn"). */
const SERVE_ARGS = option('--serve-args', '').split(' ').filter(Boolean);
const SERVE_NODE_OPTIONS = option('--serve-node-options', '').split(' ').filter(Boolean);
const ONLY = new Set(option('--only', 'real,large,fixed,burst,memory').split(','));
/**
 * `--only heap`: V8 heap settings for `serve` under the Deployment's 256 MiB memory limit. Each variant
 * (`;`-separated node flags; `default` = none; `unlimited` = default flags, no cgroup) gets its own
 * cgroup and `serve`, is filled with FILL cached images, then alternates with the floor server.
 */
const HEAP_VARIANTS = option('--heap-variants', 'unlimited;default;--max-semi-space-size=4;--max-semi-space-size=8;--max-semi-space-size=16;--max-semi-space-size=32')
  .split(';')
  .map((v) => v.trim())
  .filter(Boolean);
/**
 * `--pin`: run the servers on CPU 0 (taskset) so the load generator, run as `taskset -c 1 npm run bench`,
 * has the other core to itself.
 */
const PIN = flag('--pin');
/** `--heap-rounds N`: load rounds over all heap variants (default 3). */
const HEAP_ROUNDS = Number(option('--heap-rounds', '3'));
const TASKSET = '/usr/bin/taskset';

if (!existsSync(MAIN)) {
  console.error('dist/ is missing: run "npm run bench" (it builds first) or "npm run build".');
  process.exit(2);
}
if (!registryAvailable()) {
  console.error('bench needs /usr/bin/docker-registry (Debian package docker-registry): the cached case uses a real registry.');
  process.exit(2);
}

// `--only audit`: the continuous audit's numbers (bench/audit.bench.mjs), on its own.
if (ONLY.has('audit')) {
  const { runAuditBench } = await import('./audit.bench.mjs');
  const deployment = readFileSync(join(ROOT, 'manifests/base/deployment.yaml'), 'utf8');
  // The Deployment's heap flags unless told otherwise (--audit-node-options "" for Node's defaults).
  const deploymentNodeOptions = /name: NODE_OPTIONS\s+value: (.*)/.exec(deployment)?.[1]?.trim() ?? '';
  const auditTmp = await mkdtemp(join(tmpdir(), 'pullguard-bench-audit-'));
  const auditChildren = [];
  try {
    await runAuditBench({
      tmp: auditTmp,
      main: MAIN,
      fixtures: FIXTURES,
      children: auditChildren,
      workloads: Number(option('--audit-workloads', '2000')),
      podsPer: Number(option('--audit-pods-per', '5')),
      intervalSeconds: Number(option('--audit-interval', '30')),
      nodeOptions: option('--audit-node-options', deploymentNodeOptions),
      loadSeconds: Number(option('--duration', '6')),
      rate: Number(option('--audit-rate', '400')),
      connections: CONNECTIONS,
      json: JSON_OUT,
    });
  } finally {
    for (const c of auditChildren) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await rm(auditTmp, { recursive: true, force: true });
  }
  if (ONLY.size === 1) process.exit(process.exitCode ?? 0);
}

// ------------------------------------------------------------------------------------------------
// small helpers

/** Highest VmHWM seen per process, across the resets below. */
const peaks = new Map();
function foldPeak(pid) {
  try {
    const p = Math.max(peaks.get(pid) ?? 0, procStats(pid).hwmMb);
    peaks.set(pid, p);
    return p;
  } catch {
    return peaks.get(pid) ?? NaN;
  }
}

/** Reset a process's peak RSS (VmHWM) so the next phase's peak is its own (the old one is kept in `peaks`). */
function resetPeak(pid) {
  foldPeak(pid);
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

const REVIEW_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, */*',
  'accept-encoding': 'gzip',
  'user-agent': 'kube-apiserver-admission',
};

/** One autocannon run: every response time (float ms), counts, and the server's CPU time and peak RSS over it. */
async function cannon({ port, pid, bodies, connections = CONNECTIONS, duration = DURATION, overallRate }) {
  const samples = [];
  const peakReset = resetPeak(pid);
  let peakSampled = 0;
  const sampler = setInterval(() => {
    try {
      peakSampled = Math.max(peakSampled, procStats(pid).rssMb);
    } catch {
      // process gone
    }
  }, 100);
  const before = procStats(pid);
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `https://127.0.0.1:${port}/validate?timeout=10s`,
        connections,
        pipelining: 1,
        duration,
        ...(overallRate ? { overallRate } : {}),
        requests: bodies.map((body) => ({ method: 'POST', headers: REVIEW_HEADERS, body })),
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => samples.push(responseTime));
  });
  clearInterval(sampler);
  const after = procStats(pid);
  return {
    samples,
    requests: result.requests.total,
    seconds: result.duration,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx ?? 0,
    cpuMs: after.cpuMs - before.cpuMs,
    sysMs: after.sysMs - before.sysMs,
    peakRssMb: peakReset ? after.hwmMb : Math.max(peakSampled, after.rssMb),
  };
}

/** Runs merged into one result: req/s over their total time, percentiles over all responses. */
function summarize(runs) {
  const sorted = Float64Array.from(runs.flatMap((r) => r.samples)).sort();
  const requests = runs.reduce((a, r) => a + r.requests, 0);
  const seconds = runs.reduce((a, r) => a + r.seconds, 0);
  return {
    requests,
    rps: requests / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted[sorted.length - 1] ?? NaN,
    errors: runs.reduce((a, r) => a + r.errors, 0),
    non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
    cpuUsPerReq: (runs.reduce((a, r) => a + r.cpuMs, 0) * 1000) / Math.max(1, requests),
    sysUsPerReq: (runs.reduce((a, r) => a + r.sysMs, 0) * 1000) / Math.max(1, requests),
  };
}

async function load(opts) {
  return summarize([await cannon(opts)]);
}

// ------------------------------------------------------------------------------------------------
// reviews

function fixture(name) {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
}

function podSpecOf(review) {
  const o = review.request.object;
  return o.kind === 'Pod' ? o.spec : o.spec.template.spec;
}

function withImages(review, images) {
  const copy = structuredClone(review);
  const spec = podSpecOf(copy);
  const first = spec.containers[0];
  spec.containers = images.map((image, i) => ({
    ...structuredClone(first),
    name: images.length === 1 ? first.name : `c${i}`,
    image,
    ...(images.length === 1 ? {} : { ports: [{ containerPort: 8000 + i, protocol: 'TCP' }], env: [{ name: 'INDEX', value: String(i) }] }),
  }));
  return copy;
}

/** The answer a review of an existing image gets: allowed, its uid, nothing found about the image. */
function checkAnswer(answer, review, what) {
  const body = JSON.parse(answer.body);
  const r = body.response ?? {};
  const ok =
    answer.status === 200 &&
    body.apiVersion === 'admission.k8s.io/v1' &&
    body.kind === 'AdmissionReview' &&
    r.uid === review.request.uid &&
    r.allowed === true &&
    // The registry answered (from its cache once warm): no registry or image finding. The recorded
    // Deployment names a pull secret, which a webhook without cluster data reports as unverified.
    !/REGISTRY_|IMAGE_|MANIFEST_|PLATFORM_/.test(r.auditAnnotations?.findings ?? '') &&
    (r.auditAnnotations?.findings ?? 'PULL_SECRET_UNVERIFIED') === 'PULL_SECRET_UNVERIFIED';
  if (!ok) throw new Error(`${what}: unexpected answer ${answer.status} ${answer.body.slice(0, 600)}`);
}

// ------------------------------------------------------------------------------------------------
// formatting

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ')} |`;
  return [line(headers), `|${widths.map((w, i) => (i === 0 ? `-${'-'.repeat(w)}-` : `-${'-'.repeat(w)}:`)).join('|')}|`, ...rows.map(line)].join('\n');
}

// ------------------------------------------------------------------------------------------------
// main

const started = Date.now();
const tmp = await mkdtemp(join(tmpdir(), 'pullguard-bench-'));
const children = [];
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

let registry;
let proxy;
try {
  log(`bench: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM (${(freemem() / 2 ** 30).toFixed(1)} free), node ${process.version}`);
  log('starting docker-registry …');
  registry = await startRegistry(join(tmp, 'registry'));
  proxy = await startCountingProxy(registry);
  const R = registry.host;
  const P = proxy.host;

  const bigTags = Array.from({ length: 50 }, (_, i) => `c${i}`);
  await registry.push('bench/app', ['pod', 'dryrun', 'run', 'deploy', 'proxy-warm', ...bigTags]);

  // Reviews: the recorded API-server bodies with their images moved to the local registry.
  const pod = withImages(fixture('pod-create-good-pod.json'), [`${R}/bench/app:pod`]);
  const dryrun = withImages(fixture('pod-create-good-pod-dryrun.json'), [`${R}/bench/app:dryrun`]);
  const viaRun = withImages(fixture('pod-create-via-run.json'), [`${R}/bench/app:run`]);
  const deploy = withImages(fixture('deployment-create-good-deploy.json'), [`${R}/bench/app:deploy`]);
  const big = withImages(fixture('pod-create-good-pod.json'), bigTags.map((t) => `${R}/bench/app:${t}`));
  big.request.uid = randomUUID();
  big.request.name = big.request.object.metadata.name = 'big-pod';
  const mixed = [pod, dryrun, viaRun, deploy];
  const mixedBodies = mixed.map((r) => JSON.stringify(r));
  const bigBody = JSON.stringify(big);
  log(`bodies: real reviews ${mixedBodies.map((b) => b.length).join(', ')} bytes; 50-container Pod ${bigBody.length} bytes`);

  // pullguard serve, child process, configured to check registries and trust the bench CA.
  const config = {
    ...(process.env.BENCH_CONFIG ? JSON.parse(process.env.BENCH_CONFIG) : {}),
    registries: { [R]: { caFile: registry.caFile }, [P]: { caFile: registry.caFile } },
  };
  await writeFile(join(tmp, 'config.yaml'), JSON.stringify(config, null, 2));
  const certDir = join(tmp, 'certs');
  let logLines = 0;
  /** `pullguard serve` as Kubernetes runs it (plus node flags); its decision log is read (and counted) from a pipe. */
  /** `gc`: when given, V8's --trace-gc lines on stdout are tallied into it (count and pause ms per kind). */
  const startServe = async (nodeFlags, { cgroupProcs, pin = false, gc = null } = {}) => {
    const port = await freePort();
    const args = [...nodeFlags, MAIN, 'serve', '--listen', `127.0.0.1:${port}`, '--cert-dir', certDir, '--metrics-listen', 'off', '--config', join(tmp, 'config.yaml'), ...SERVE_ARGS];
    // taskset execs node (same PID), so /proc readings stay the server's own.
    const [exe, exeArgs] = pin ? [TASKSET, ['-c', '0', process.execPath, ...args]] : [process.execPath, args];
    const [cmd, cmdArgs] = cgroupProcs ? inCgroup(cgroupProcs, exe, exeArgs) : [exe, exeArgs];
    const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBERNETES_SERVICE_HOST: '' } });
    children.push(child);
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (chunk) => {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) logLines++;
      if (!gc) return;
      const text = partial + chunk.toString('latin1');
      const cut = text.lastIndexOf('\n');
      partial = text.slice(cut + 1);
      for (const m of text.slice(0, cut).matchAll(/ms: (Scavenge|Mark-Compact|Mark-sweep|Mark-Compact \(reduce\)|Minor Mark-Compact)\b[^\n]*?MB, ([\d.]+) \/ [\d.]+ ms/g)) {
        if (m[1] === 'Scavenge' || m[1] === 'Minor Mark-Compact') {
          gc.scavenges++;
          gc.scavengeMs += Number(m[2]);
        } else {
          gc.majors++;
          gc.majorMs += Number(m[2]);
        }
      }
    });
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) log(`pullguard serve exited ${code}: ${stderr}`);
    });
    await waitHttps(port);
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    /** SIGTERM, as Kubernetes stops it; resolves the exit code (null after 10 s). */
    const stop = async () => {
      child.kill('SIGTERM');
      const exit = await Promise.race([exited, sleep(10_000).then(() => ({ code: null, signal: 'timeout' }))]);
      return exit.code;
    };
    return { child, pid: child.pid, port, stop };
  };
  /** With --cpu-prof, each server writes its profile to its own folder: DIR/pullguard, DIR/baseline, DIR/floor. */
  const profiling = (name) => (CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', join(CPU_PROF, name)] : []);
  const serve = await startServe([...SERVE_NODE_OPTIONS, ...profiling('pullguard')]);
  const servePort = serve.port;

  const basePort = await freePort();
  const baseline = spawn(process.execPath, [...profiling('baseline'), join(ROOT, 'bench/lib/baseline.mjs'), String(basePort), join(certDir, 'tls.crt'), join(certDir, 'tls.key')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(baseline);
  await waitHttps(basePort, { path: '/' });
  const floorPort = await freePort();
  const floor = spawn(process.execPath, [...profiling('floor'), join(ROOT, 'bench/lib/baseline.mjs'), String(floorPort), join(certDir, 'tls.crt'), join(certDir, 'tls.key'), 'parse'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(floor);
  await waitHttps(floorPort, { path: '/' });

  // Correctness first (and the registry lookups that fill the cache): every review is allowed, uid echoed, no warning.
  const agent = new HttpsAgent({ keepAlive: true, maxSockets: 8 });
  for (const r of [...mixed, big]) checkAnswer(await post(servePort, JSON.stringify(r), agent), r, `pullguard ${r.request.name}`);
  const atStart = procStats(serve.pid);
  log(`pullguard serve pid ${serve.pid}: RSS ${f1(atStart.rssMb)} MB after the first reviews; baseline pid ${baseline.pid}`);

  log('warm-up (JIT) …');
  await load({ port: servePort, pid: serve.pid, bodies: mixedBodies, duration: QUICK ? 1 : 3 });
  await load({ port: basePort, pid: baseline.pid, bodies: mixedBodies, duration: QUICK ? 1 : 2 });
  await load({ port: floorPort, pid: floor.pid, bodies: mixedBodies, duration: QUICK ? 1 : 2 });
  await load({ port: servePort, pid: serve.pid, bodies: [bigBody], duration: QUICK ? 1 : 2 });

  const results = [];
  const note = (scenario, server, r) => {
    if (r.errors > 0 || r.non2xx > 0) log(`  !! ${server}: ${r.errors} errors, ${r.non2xx} non-2xx`);
    results.push({ scenario, server, ...r });
    return r;
  };
  /**
   * Baseline (ceiling), floor and pullguard in alternating rounds (half the duration each, twice), so
   * drift on the machine hits all alike.
   */
  const pair = async (scenario, opts) => {
    log(`${scenario}: baseline, floor and pullguard, alternating …`);
    const b = [];
    const f = [];
    const p = [];
    const half = Math.max(1, Math.round((opts.duration ?? DURATION) / 2));
    for (let round = 0; round < 2; round++) {
      b.push(await cannon({ port: basePort, pid: baseline.pid, ...opts, duration: half }));
      f.push(await cannon({ port: floorPort, pid: floor.pid, ...opts, duration: half }));
      p.push(await cannon({ port: servePort, pid: serve.pid, ...opts, duration: half }));
    }
    return {
      b: note(scenario, 'baseline', summarize(b)),
      f: note(scenario, 'floor (baseline + JSON.parse)', summarize(f)),
      p: note(scenario, 'pullguard', summarize(p)),
    };
  };

  const real = ONLY.has('real') ? await pair('real reviews (3 Pods, 1 Deployment)', { bodies: mixedBodies }) : null;
  const large = ONLY.has('large') ? await pair('Pod with 50 containers', { bodies: [bigBody] }) : null;
  const fixed = ONLY.has('fixed') ? await pair('1,000 reviews/s (real reviews)', { bodies: mixedBodies, overallRate: 1000, connections: 8 }) : null;

  // Memory with FILL distinct cached images: pushed as tags of one manifest, looked up through
  // pullguard by 50-container reviews (each lookup a real HEAD at the registry), then a load run.
  // Twice: the serve process above (V8 sizes its heap from this machine's RAM), and one started with
  // the heap Node gives itself under the Deployment's 256 MiB memory limit (old space 128 MiB).
  const memory = [];
  if (ONLY.has('memory')) {
    log(`memory: pushing ${FILL} tags …`);
    const tags = Array.from({ length: FILL }, (_, i) => `f${i}`);
    const t0 = Date.now();
    await registry.push('bench/fill', tags, 32);
    const pushS = (Date.now() - t0) / 1000;
    log(`  pushed in ${pushS.toFixed(1)} s`);
    const fillThrough = async (port, pid, label) => {
      log(`memory (${label}): looking ${FILL} images up through pullguard …`);
      const before = procStats(pid);
      const t1 = Date.now();
      const queue = [];
      for (let i = 0; i < tags.length; i += 50) {
        const r = withImages(pod, tags.slice(i, i + 50).map((t) => `${R}/bench/fill:${t}`));
        r.request.uid = randomUUID();
        queue.push(r);
      }
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let r = queue.shift(); r; r = queue.shift()) checkAnswer(await post(port, JSON.stringify(r), agent), r, 'fill');
        }),
      );
      const fillS = (Date.now() - t1) / 1000;
      const afterFill = procStats(pid);
      const underLoad = note(`real reviews, ${FILL.toLocaleString('en-US')} images cached`, label, await load({ port, pid, bodies: mixedBodies, duration: Math.max(3, Math.round(DURATION / 2)) }));
      memory.push({ label, images: FILL, pushS, fillS, before, afterFill, underLoad, end: procStats(pid) });
    };
    await fillThrough(servePort, serve.pid, 'pullguard');
    // The Deployment's limit (manifests/base/deployment.yaml): a real memory cgroup when the bench may
    // make one, else the heap Node would size for it, given as a flag (say which in the label).
    const cgroup = memoryCgroup(`pullguard-bench-${process.pid}`, POD_MEMORY_LIMIT_BYTES);
    let pod256;
    let label;
    if ('procs' in cgroup) {
      pod256 = await startServe(SERVE_NODE_OPTIONS, { cgroupProcs: cgroup.procs });
      label = 'pullguard in a 256 MiB memory cgroup';
    } else {
      log(`  no memory cgroup (${cgroup.reason}); emulating the pod's heap with --max-old-space-size=128`);
      pod256 = await startServe([...SERVE_NODE_OPTIONS, '--max-old-space-size=128']);
      label = 'pullguard, 256 MiB pod heap (flag)';
    }
    try {
      checkAnswer(await post(pod256.port, JSON.stringify(pod), agent), pod, label);
      await load({ port: pod256.port, pid: pod256.pid, bodies: mixedBodies, duration: QUICK ? 1 : 2 });
      await fillThrough(pod256.port, pod256.pid, label);
    } finally {
      await pod256.stop();
      if ('remove' in cgroup) cgroup.remove();
    }
  }

  // Heap settings under the Deployment's memory limit (issue 17 §4): every variant gets its own `serve`
  // (with --trace-gc, read from its stdout) in its own 256 MiB memory cgroup, all started and filled
  // with FILL cached images first; then rounds of real reviews go to the floor server and to each
  // variant in turn (same core when --pin), so drift on a shared machine hits every variant alike.
  const heap = [];
  if (ONLY.has('heap')) {
    const tags = Array.from({ length: FILL }, (_, i) => `h${i}`);
    log(`heap: pushing ${FILL} tags …`);
    await registry.push('bench/heap', tags, 32);
    const floorPinPort = await freePort();
    const floorArgs = [join(ROOT, 'bench/lib/baseline.mjs'), String(floorPinPort), join(certDir, 'tls.crt'), join(certDir, 'tls.key'), 'parse'];
    const heapFloor = PIN ? spawn(TASKSET, ['-c', '0', process.execPath, ...floorArgs], { stdio: ['ignore', 'ignore', 'inherit'] }) : spawn(process.execPath, floorArgs, { stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(heapFloor);
    await waitHttps(floorPinPort, { path: '/' });
    const variants = [];
    try {
      for (const variant of HEAP_VARIANTS) {
        const unlimited = variant === 'unlimited';
        const flags = variant === 'default' || unlimited ? [] : variant.split(/\s+/);
        const cgroup = unlimited ? { reason: 'unlimited' } : memoryCgroup(`pullguard-heap-${process.pid}-${variants.length}`, POD_MEMORY_LIMIT_BYTES);
        if (!unlimited && !('procs' in cgroup)) {
          log(`heap: no memory cgroup (${cgroup.reason}); skipping ${variant}`);
          continue;
        }
        log(`heap (${variant}): start, fill ${FILL} images …`);
        const gc = { scavenges: 0, scavengeMs: 0, majors: 0, majorMs: 0 };
        const s = await startServe(['--trace-gc', ...flags], { ...('procs' in cgroup ? { cgroupProcs: cgroup.procs } : {}), pin: PIN, gc });
        variants.push({ variant, s, cgroup, gc, runs: [], gcRuns: [] });
        checkAnswer(await post(s.port, JSON.stringify(pod), agent), pod, variant);
        const t1 = Date.now();
        const queue = [];
        for (let i = 0; i < tags.length; i += 50) {
          const r = withImages(pod, tags.slice(i, i + 50).map((t) => `${R}/bench/heap:${t}`));
          r.request.uid = randomUUID();
          queue.push(r);
        }
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            for (let r = queue.shift(); r; r = queue.shift()) checkAnswer(await post(s.port, JSON.stringify(r), agent), r, 'heap fill');
          }),
        );
        variants.at(-1).fillS = (Date.now() - t1) / 1000;
        variants.at(-1).afterFill = procStats(s.pid);
        await load({ port: s.port, pid: s.pid, bodies: mixedBodies, duration: 2 }); // JIT warm-up
      }
      await load({ port: floorPinPort, pid: heapFloor.pid, bodies: mixedBodies, duration: 2 });
      const floorRuns = [];
      const half = Math.max(1, Math.round(DURATION / 2));
      for (let round = 0; round < HEAP_ROUNDS; round++) {
        log(`heap: round ${round + 1} of ${HEAP_ROUNDS} …`);
        floorRuns.push(await cannon({ port: floorPinPort, pid: heapFloor.pid, bodies: mixedBodies, duration: half }));
        for (const v of variants) {
          const g0 = { ...v.gc };
          const r = await cannon({ port: v.s.port, pid: v.s.pid, bodies: mixedBodies, duration: half });
          v.runs.push(r);
          v.gcRuns.push({ requests: r.requests, scavenges: v.gc.scavenges - g0.scavenges, scavengeMs: v.gc.scavengeMs - g0.scavengeMs, majors: v.gc.majors - g0.majors, majorMs: v.gc.majorMs - g0.majorMs });
        }
      }
      const ff = summarize(floorRuns);
      for (const v of variants) {
        const pf = summarize(v.runs);
        const requests = v.gcRuns.reduce((a, g) => a + g.requests, 0);
        const sum = (k) => v.gcRuns.reduce((a, g) => a + g[k], 0);
        if (pf.errors + pf.non2xx > 0) log(`  !! ${v.variant}: ${pf.errors} errors, ${pf.non2xx} non-2xx`);
        heap.push({
          variant: v.variant,
          fillS: v.fillS,
          afterFill: v.afterFill,
          p: pf,
          f: ff,
          wholePeakMb: foldPeak(v.s.pid),
          gcPer1k: { scavenges: (sum('scavenges') * 1000) / requests, scavengeMs: (sum('scavengeMs') * 1000) / requests, majors: (sum('majors') * 1000) / requests, majorMs: (sum('majorMs') * 1000) / requests },
        });
      }
    } finally {
      for (const v of variants) {
        await v.s.stop();
        if ('remove' in v.cgroup) v.cgroup.remove();
      }
      heapFloor.kill('SIGTERM');
    }
  }

  // Burst: 1,000 concurrent reviews naming an image nobody asked for yet, through the counting proxy.
  let burst = null;
  if (ONLY.has('burst')) {
    log('burst: 1,000 concurrent reviews of a new image …');
    // First contact with the proxy's host (its /v2/ ping) on another image, so the count below is the burst's own.
    const warm = withImages(pod, [`${P}/bench/app:proxy-warm`]);
    checkAnswer(await post(servePort, JSON.stringify(warm), agent), warm, 'proxy warm-up');
    const burstTag = `burst-${Date.now().toString(36)}`;
    await registry.push('bench/app', [burstTag]);
    const burstAgent = new HttpsAgent({ keepAlive: true, maxSockets: 1000, maxFreeSockets: 1000 });
    // Open 1,000 keep-alive connections first, so the reviews themselves arrive together.
    await Promise.all(
      Array.from(
        { length: 1000 },
        () =>
          new Promise((resolve, reject) => {
            const req = httpsRequest({ host: '127.0.0.1', port: servePort, path: '/healthz', agent: burstAgent, rejectUnauthorized: false }, (res) => {
              res.resume();
              res.on('end', resolve);
            });
            req.on('error', reject);
            req.end();
          }),
      ),
    );
    const reviews = Array.from({ length: 1000 }, () => {
      const r = withImages(pod, [`${P}/bench/app:${burstTag}`]);
      r.request.uid = randomUUID();
      return r;
    });
    const bodies = reviews.map((r) => JSON.stringify(r));
    proxy.reset();
    const t0 = process.hrtime.bigint();
    const answers = await Promise.all(bodies.map((b) => post(servePort, b, burstAgent)));
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    answers.forEach((a, i) => checkAnswer(a, reviews[i], 'burst'));
    const lat = Float64Array.from(answers.map((a) => a.ms)).sort();
    const manifestRequests = proxy.count(/\/manifests\//);
    burst = {
      reviews: answers.length,
      manifestRequests,
      otherRequests: proxy.requests.length - manifestRequests,
      wallMs,
      p50: percentile(lat, 50),
      p99: percentile(lat, 99),
      max: lat[lat.length - 1],
      rssAfterMb: procStats(serve.pid).rssMb,
    };
    burstAgent.destroy();
  }
  agent.destroy();
  const wholePeak = foldPeak(serve.pid);

  // Stop pullguard the way Kubernetes does; it must exit 0.
  const exitCode = await serve.stop();
  baseline.kill('SIGTERM');
  floor.kill('SIGTERM');

  // The parser bench (dist/reference), short.
  const reference = await runReferenceBench({ ms: QUICK ? 100 : 250 });

  // ----------------------------------------------------------------------------------------------
  // report
  const rows = results.map((r) => [
    r.scenario,
    r.server,
    int(r.rps),
    f2(r.p50),
    f2(r.p99),
    f2(r.p999),
    f1(r.peakRssMb),
    int(r.cpuUsPerReq),
    int(r.sysUsPerReq),
    r.errors + r.non2xx === 0 ? '0' : `${r.errors}+${r.non2xx}`,
  ]);
  const out = [];
  out.push(`pullguard bench — ${new Date().toISOString()} — node ${process.version}, ${cpus().length} CPUs, ${(totalmem() / 2 ** 30).toFixed(1)} GiB`);
  out.push(`TLS, HTTP/1.1 keep-alive, autocannon pipelining 1, ${CONNECTIONS} connections (8 at the fixed rate), ${DURATION} s per scenario; latency in ms`);
  out.push('');
  out.push(table(['scenario', 'server', 'req/s', 'p50', 'p99', 'p99.9', 'peak RSS MB', 'CPU µs/req', 'of it sys', 'errors'], rows));
  out.push('');
  const ratio = (x) => `${((x.p.rps / x.b.rps) * 100).toFixed(0)} % (${int(x.p.rps)} / ${int(x.b.rps)} req/s); by server CPU ${((x.b.cpuUsPerReq / x.p.cpuUsPerReq) * 100).toFixed(0)} %`;
  const yes = (ok) => (ok ? 'yes' : 'no');
  const targets = [];
  if (real) targets.push(['throughput ≥ 70 % of the bare ceiling (real reviews)', ratio(real), yes(real.p.rps >= 0.7 * real.b.rps)]);
  if (real) targets.push(['  the floor (JSON.parse + uid echo), same run', ratio({ p: real.f, b: real.b }), '—']);
  if (large) targets.push(['  same, 50-container Pod', ratio(large), yes(large.p.rps >= 0.7 * large.b.rps)]);
  if (large) targets.push(['  the floor, 50-container Pod', ratio({ p: large.f, b: large.b }), '—']);
  if (fixed) targets.push(['p99 < 5 ms at 1,000 reviews/s', `${f2(fixed.p.p99)} ms (p99.9 ${f2(fixed.p.p999)}; baseline p99 ${f2(fixed.b.p99)})`, yes(fixed.p.p99 < 5)]);
  for (const m of memory)
    targets.push([
      `peak RSS < 150 MB with ${m.images.toLocaleString('en-US')} cached images (${m.label})`,
      `${f1(m.underLoad.peakRssMb)} MB under load (RSS ${f1(m.before.rssMb)} MB before the fill, ${f1(m.afterFill.rssMb)} MB after)`,
      yes(m.underLoad.peakRssMb < 150),
    ]);
  if (burst)
    targets.push([
      'burst: 1,000 concurrent reviews of a new image → 1 manifest request',
      `${burst.manifestRequests} manifest, ${burst.otherRequests} other request(s); 1,000 allowed in ${int(burst.wallMs)} ms`,
      yes(burst.manifestRequests === 1),
    ]);
  out.push(table(['target (2 cores, cached decisions)', 'measured', 'met'], targets));
  if (heap.length > 0) {
    out.push('');
    out.push(`heap settings: serve (--trace-gc) in a 256 MiB memory cgroup (unless "unlimited")${PIN ? ', servers on CPU 0' : ''}, ${FILL.toLocaleString('en-US')} images cached, real reviews; ${HEAP_ROUNDS} rounds of ${Math.max(1, Math.round(DURATION / 2))} s per variant, interleaved with the floor`);
    out.push(
      table(
        ['node flags', 'req/s', 'of the floor', 'p50', 'p99', 'CPU µs/req', 'scavenges /1k req', 'ms /1k req', 'major GCs /1k req', 'ms /1k req', 'RSS after fill MB', 'peak RSS MB'],
        heap.map((h) => [
          h.variant,
          int(h.p.rps),
          `${(h.p.rps / h.f.rps).toFixed(2)} (floor ${int(h.f.rps)})`,
          f2(h.p.p50),
          f2(h.p.p99),
          int(h.p.cpuUsPerReq),
          f1(h.gcPer1k.scavenges),
          f1(h.gcPer1k.scavengeMs),
          f2(h.gcPer1k.majors),
          f1(h.gcPer1k.majorMs),
          f1(h.afterFill.rssMb),
          f1(h.wholePeakMb),
        ]),
      ),
    );
  }
  out.push('');
  for (const m of memory)
    out.push(`memory (${m.label}): ${m.images.toLocaleString('en-US')} images checked through pullguard in ${m.fillS.toFixed(1)} s (${int(m.images / m.fillS)} lookups/s).`);
  if (burst) out.push(`burst: latency p50 ${f1(burst.p50)} ms, p99 ${f1(burst.p99)} ms, max ${f1(burst.max)} ms (1,000 requests in flight at once); RSS ${f1(burst.rssAfterMb)} MB after it.`);
  out.push(`pullguard serve: RSS ${f1(atStart.rssMb)} MB after start-up, peak ${f1(wholePeak)} MB over the whole run; ${logLines.toLocaleString('en-US')} log lines read; SIGTERM → exit ${exitCode ?? 'timeout'}`);
  out.push('');
  out.push('parser (dist/reference, parseImageReference):');
  out.push(table(['shape', 'ops/s', 'ns/op'], reference.map((r) => [r.shape, int(r.opsPerSec), int(r.nsPerOp)])));
  out.push('');
  out.push(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(out.join('\n'));
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ results, burst, memory, heap, reference }, null, 2));
  if (exitCode !== 0) process.exitCode = 1;
} finally {
  // SIGTERM first, so that a profiled server writes its .cpuprofile; SIGKILL what is still there after 2 s.
  const alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
  for (const c of alive) c.kill('SIGTERM');
  await Promise.race([Promise.all(alive.map((c) => new Promise((r) => c.once('exit', r)))), sleep(2000)]);
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await proxy?.close();
  await registry?.stop();
  await rm(tmp, { recursive: true, force: true });
}
