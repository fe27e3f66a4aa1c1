/**
 * `npm run bench -- --only audit`: the continuous audit's four numbers (issue 17), each next to a
 * no-audit baseline from the same run.
 *
 *   (a) registry cost: 2,000 workloads naming 2,000 distinct images at the real local registry — the
 *       manifest requests of the first full cycle, and of the second (unchanged images);
 *   (b) an image deleted from the registry (docker-registry, deletion enabled): time from the DELETE
 *       until the leader's /metrics reports it, with a short interval (the deleted image is the one
 *       audited last in a cycle: the worst position);
 *   (c) admission p99 of cached real reviews at a fixed rate (`--audit-rate`, default 400/s: a busy
 *       cluster's API server, below saturation) while a cycle runs, against a `serve` without the
 *       audit, same run, taking turns: once with the audit as shipped (serve C: interval 600 s, 300
 *       lookups per registry per minute), once at the bench's short interval (serve A: 20× the
 *       shipped audit rate; also against A itself before it leads); and the admission-first gate:
 *       reviews naming new images during a cycle (admission lookups in flight), how often and how long
 *       audit lookups yielded to them;
 *   (d) peak RSS of the auditing `serve` with 10,000 Pods (2,000 Deployments × 1 ReplicaSet × 5 Pods,
 *       14,000 workload objects) in view, inside a 256 MiB memory cgroup (the Deployment's limit) when
 *       the bench may create one, with the Deployment's NODE_OPTIONS.
 *
 * What is real: docker-registry (TLS) behind a counting proxy, `pullguard serve` as built (dist/),
 * every request it makes. What is not: the Kubernetes API — an in-memory server
 * (bench/lib/fake-apiserver.mjs) serving discovery, paged lists and idle watches, so the objects
 * reach `serve` through its real list+watch code path without a kube-apiserver and etcd holding
 * 14,000 objects on this machine. The Pods are the recorded Pod with managedFields and a status
 * added (~3 KB of JSON each), the Deployments the recorded Deployment.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { inCgroup, memoryCgroup } from './lib/cgroup.mjs';
import { startFakeApiServer } from './lib/fake-apiserver.mjs';
import { f1, f2, int, log, percentile, post, procStats, sleep, waitHttps } from './lib/http.mjs';
import { freePort, startCountingProxy, startRegistry } from './lib/registry.mjs';

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function metricsText(port) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/metrics', timeout: 5000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    req.on('error', reject);
    req.end();
  });
}

const metricValue = (text, name) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);

async function cannon({ port, bodies, connections, duration, overallRate }) {
  const samples = [];
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `https://127.0.0.1:${port}/validate?timeout=10s`,
        connections,
        pipelining: 1,
        duration,
        ...(overallRate ? { overallRate } : {}),
        requests: bodies.map((body) => ({ method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, */*' }, body })),
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (_c, _s, _b, ms) => samples.push(ms));
  });
  return { samples, requests: result.requests.total, seconds: result.duration, errors: result.errors + result.timeouts + (result.non2xx ?? 0) };
}

function summarize(runs) {
  const sorted = Float64Array.from(runs.flatMap((r) => r.samples)).sort();
  const requests = runs.reduce((a, r) => a + r.requests, 0);
  return { requests, rps: requests / runs.reduce((a, r) => a + r.seconds, 0), p50: percentile(sorted, 50), p99: percentile(sorted, 99), errors: runs.reduce((a, r) => a + r.errors, 0) };
}

/** A recorded review with its (first) container's image replaced. */
function withImage(review, image) {
  const copy = structuredClone(review);
  const o = copy.request.object;
  const spec = o.kind === 'Pod' ? o.spec : o.spec.template.spec;
  spec.containers = [{ ...spec.containers[0], image }];
  delete spec.imagePullSecrets;
  copy.request.uid = randomUUID();
  return copy;
}

/**
 * @param {{ root: string, tmp: string, main: string, fixtures: string, children: import('node:child_process').ChildProcess[],
 *           workloads: number, podsPer: number, intervalSeconds: number, nodeOptions: string, loadSeconds: number, connections: number, json: string | null }} o
 */
export async function runAuditBench(o) {
  const started = Date.now();
  const fixture = (name) => JSON.parse(readFileSync(join(o.fixtures, name), 'utf8'));
  const registry = await startRegistry(join(o.tmp, 'audit-registry'), { deletion: true });
  const proxy = await startCountingProxy(registry);
  const R = registry.host;
  const P = proxy.host;
  const cleanups = [() => proxy.close(), () => registry.stop()];
  try {
    // --- images: N distinct references (tags of one manifest: a HEAD per tag), the last one its own
    // manifest (deleting it must not take the others' tags with it), plus admission's own.
    const N = o.workloads;
    log(`audit: pushing ${N} images …`);
    const tags = Array.from({ length: N - 1 }, (_, i) => `a${i}`);
    await registry.push('bench/audit', tags, 32);
    await registry.push('bench/victim', ['v1']);
    const gateTags = Array.from({ length: 200 }, (_, i) => `g${i}`);
    await registry.push('bench/app', ['pod', 'dryrun', 'run', 'deploy', ...gateTags]);
    const images = [...tags.map((t) => `${P}/bench/audit:${t}`), `${P}/bench/victim:v1`];

    // --- the cluster: N Deployments, each with a ReplicaSet and `podsPer` Pods (owned, same image).
    const deployTemplate = fixture('deployment-create-good-deploy.json').request.object;
    const podTemplate = fixture('pod-create-good-pod.json').request.object;
    const deployments = [];
    const replicasets = [];
    const pods = [];
    const pad = (i) => String(i).padStart(5, '0');
    for (let i = 0; i < N; i++) {
      const name = `app-${pad(i)}`;
      const d = structuredClone(deployTemplate);
      d.metadata = { ...d.metadata, name, namespace: 'bench', uid: `d-${i}`, labels: { app: name } };
      d.spec.selector = { matchLabels: { app: name } };
      d.spec.template.metadata = { labels: { app: name } };
      d.spec.template.spec.containers = [{ ...d.spec.template.spec.containers[0], image: images[i] }];
      delete d.spec.template.spec.imagePullSecrets;
      deployments.push(d);
      const rsName = `${name}-7d9c5`;
      replicasets.push({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: rsName, namespace: 'bench', uid: `rs-${i}`, labels: { app: name }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: `d-${i}`, controller: true, blockOwnerDeletion: true }], managedFields: d.metadata.managedFields },
        spec: { replicas: o.podsPer, selector: d.spec.selector, template: d.spec.template },
        status: { replicas: o.podsPer, readyReplicas: o.podsPer, availableReplicas: o.podsPer, observedGeneration: 1 },
      });
      for (let k = 0; k < o.podsPer; k++) {
        const p = structuredClone(podTemplate);
        p.metadata = { ...p.metadata, name: `${rsName}-${k}x${i}`, namespace: 'bench', uid: `p-${i}-${k}`, labels: { app: name, 'pod-template-hash': '7d9c5' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, uid: `rs-${i}`, controller: true, blockOwnerDeletion: true }] };
        p.spec = { ...p.spec, containers: [{ ...p.spec.containers[0], image: images[i] }], nodeName: `node-${k}`, serviceAccountName: 'default' };
        p.status = {
          phase: 'Running',
          conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: '2026-11-24T00:34:01Z' })),
          hostIP: '10.0.0.4',
          podIP: `10.244.${k}.${i % 250}`,
          podIPs: [{ ip: `10.244.${k}.${i % 250}` }],
          startTime: '2026-11-24T00:33:56Z',
          containerStatuses: [{ name: 'app', state: { running: { startedAt: '2026-11-24T00:34:00Z' } }, lastState: {}, ready: true, restartCount: 0, image: images[i], imageID: `${images[i].split(':')[0]}@sha256:${'0'.repeat(64)}`, containerID: `containerd://${'f'.repeat(64)}`, started: true }],
          qosClass: 'BestEffort',
        };
        pods.push(p);
      }
    }
    const podBytes = JSON.stringify(pods[0]).length;
    const api = await startFakeApiServer({
      pki: registry.pki,
      collections: {
        'apps/deployments': deployments,
        'apps/replicasets': replicasets,
        '/pods': pods,
        '/namespaces': [{ metadata: { name: 'bench', uid: 'ns-bench' } }, { metadata: { name: 'pullguard', uid: 'ns-pg' } }],
        '/serviceaccounts': [{ metadata: { name: 'default', namespace: 'bench', uid: 'sa-bench' } }],
      },
    });
    cleanups.unshift(() => api.close());
    api.holdLease('pullguard', 'pullguard-audit');
    api.holdLease('pullguard', 'pullguard-audit-default');
    const kubeconfig = join(o.tmp, 'audit-kubeconfig');
    await writeFile(kubeconfig, api.kubeconfig);
    log(`audit: in-memory API with ${int(deployments.length)} Deployments, ${int(replicasets.length)} ReplicaSets, ${int(pods.length)} Pods (${int(podBytes)} bytes of JSON per Pod)`);

    // --- two serve processes: A audits (interval short, budget wide), B has the audit off.
    const baseConfig = { registries: { [R]: { caFile: registry.caFile }, [P]: { caFile: registry.caFile } } };
    const auditConfig = { ...baseConfig, audit: { enabled: true, intervalSeconds: o.intervalSeconds, registryLookupsPerMinute: 100000 } };
    const offConfig = { ...baseConfig, audit: { enabled: false } };
    // C: the audit as shipped (interval 600 s, 300 lookups per registry per minute), its own Lease.
    const defaultConfig = { ...baseConfig, audit: { enabled: true, lease: { name: 'pullguard-audit-default' } } };
    await writeFile(join(o.tmp, 'audit-default.yaml'), JSON.stringify(defaultConfig));
    await writeFile(join(o.tmp, 'audit-on.yaml'), JSON.stringify(auditConfig));
    await writeFile(join(o.tmp, 'audit-off.yaml'), JSON.stringify(offConfig));
    const certDir = join(o.tmp, 'audit-certs');
    const startServe = async (label, configFile) => {
      const port = await freePort();
      const metricsPort = await freePort();
      const cgroup = memoryCgroup(`pullguard-audit-${process.pid}-${label}`, 256 * 1024 * 1024);
      const args = [o.main, 'serve', '--listen', `127.0.0.1:${port}`, '--cert-dir', certDir, '--metrics-listen', `127.0.0.1:${metricsPort}`, '--config', configFile, '--kubeconfig', kubeconfig, '--namespace', 'pullguard'];
      const [cmd, cmdArgs] = 'procs' in cgroup ? inCgroup(cgroup.procs, process.execPath, args) : [process.execPath, args];
      const env = { ...process.env, KUBERNETES_SERVICE_HOST: '', NODE_OPTIONS: o.nodeOptions };
      const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'pipe'], env });
      o.children.push(child);
      const events = [];
      let partial = '';
      child.stdout.on('data', (chunk) => {
        const text = partial + chunk.toString('utf8');
        const cut = text.lastIndexOf('\n');
        partial = text.slice(cut + 1);
        for (const line of text.slice(0, cut).split('\n')) {
          if (!line.includes('"msg":"audit') && !line.includes('became the leader')) continue;
          try {
            const e = JSON.parse(line);
            if (typeof e.msg === 'string' && (e.msg.startsWith('audit') || e.msg.startsWith('became the leader'))) events.push({ at: Date.now(), ...e });
          } catch {
            // not JSON
          }
        }
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
      child.on('exit', (code, signal) => {
        if (code !== 0 && signal === null) log(`serve ${label} exited ${code}: ${stderr}`);
      });
      await waitHttps(port);
      return {
        label,
        pid: child.pid,
        port,
        metricsPort,
        events,
        cgroup,
        peakCgroupMb() {
          if (!('dir' in cgroup)) return NaN;
          for (const f of ['memory.max_usage_in_bytes', 'memory.peak']) {
            try {
              return Number(readFileSync(join(cgroup.dir, f), 'utf8')) / 2 ** 20;
            } catch {
              // the other cgroup version
            }
          }
          return NaN;
        },
        async stop() {
          child.kill('SIGTERM');
          await Promise.race([new Promise((r) => child.once('exit', r)), sleep(10_000)]);
          if ('remove' in cgroup) {
            try {
              cgroup.remove();
            } catch {
              // still busy; harmless
            }
          }
        },
      };
    };
    const A = await startServe('audit', join(o.tmp, 'audit-on.yaml'));
    cleanups.unshift(() => A.stop());
    const B = await startServe('no-audit', join(o.tmp, 'audit-off.yaml'));
    cleanups.unshift(() => B.stop());
    const C = await startServe('default', join(o.tmp, 'audit-default.yaml'));
    let cStopped = false;
    cleanups.unshift(() => (cStopped ? Promise.resolve() : C.stop()));
    const limited = 'procs' in A.cgroup;
    log(`audit: serve A (audits) pid ${A.pid}, serve B (audit off) pid ${B.pid}, ${limited ? 'each in a 256 MiB memory cgroup' : `no memory cgroup (${A.cgroup.reason})`}, NODE_OPTIONS="${o.nodeOptions}"`);

    // --- admission reviews (cached after the first answer), checked once.
    const reviews = [
      withImage(fixture('pod-create-good-pod.json'), `${R}/bench/app:pod`),
      withImage(fixture('pod-create-good-pod-dryrun.json'), `${R}/bench/app:dryrun`),
      withImage(fixture('pod-create-via-run.json'), `${R}/bench/app:run`),
      withImage(fixture('deployment-create-good-deploy.json'), `${R}/bench/app:deploy`),
    ];
    const bodies = reviews.map((r) => JSON.stringify(r));
    const agent = new HttpsAgent({ keepAlive: true, maxSockets: 16 });
    for (const s of [A, B, C]) {
      for (const r of reviews) {
        const a = await post(s.port, JSON.stringify(r), agent);
        const body = JSON.parse(a.body);
        if (a.status !== 200 || body.response?.uid !== r.request.uid || body.response?.allowed !== true || /REGISTRY_|IMAGE_/.test(body.response?.auditAnnotations?.findings ?? '')) throw new Error(`serve ${s.label}: unexpected answer ${a.body.slice(0, 400)}`);
      }
    }
    log('audit: warm-up (JIT) …');
    for (const s of [A, B, C]) await cannon({ port: s.port, bodies, connections: o.connections, duration: 2 });
    const waitEventOf = async (server, pred, what, timeoutMs) => {
      const t0 = Date.now();
      for (;;) {
        const e = server.events.find(pred);
        if (e) return e;
        if (Date.now() - t0 > timeoutMs) throw new Error(`serve ${server.label}: no "${what}" within ${timeoutMs / 1000} s (events: ${server.events.map((x) => x.msg).join(' | ')})`);
        await sleep(50);
      }
    };

    // --- (c) with the audit as shipped: C leads (interval 600 s: its first cycle's starts are spread
    // over 300 s), and while that cycle runs, C and B (no audit) take turns under the same load.
    api.releaseLease('pullguard-audit-default');
    const cStart = await waitEventOf(C, (e) => e.msg.startsWith('audit: workloads listed'), 'first cycle starts', 120_000);
    log(`audit: C (shipped settings) leads, ${int(cStart.workloads)} objects listed; its cycle runs, B and C take turns`);
    await sleep(2000);
    const shipped = { B: [], C: [] };
    const cT0 = Date.now();
    for (let i = 0; i < 3; i++) {
      shipped.B.push(await cannon({ port: B.port, bodies, connections: o.connections, duration: o.loadSeconds, overallRate: o.rate }));
      shipped.C.push(await cannon({ port: C.port, bodies, connections: o.connections, duration: o.loadSeconds, overallRate: o.rate }));
    }
    const cAudited = Math.round(((Date.now() - cT0) / 1000) * (N / 300));
    const peakC = procStats(C.pid);
    const cgC = C.peakCgroupMb();
    await C.stop();
    cStopped = true;
    const sShippedB = summarize(shipped.B);
    const sShippedC = summarize(shipped.C);

    // --- (c) before A leads: B and A, both without an audit running.
    const rounds = { B: [], Aidle: [], Acycle: [] };
    for (let i = 0; i < 2; i++) {
      rounds.B.push(await cannon({ port: B.port, bodies, connections: o.connections, duration: o.loadSeconds, overallRate: o.rate }));
      rounds.Aidle.push(await cannon({ port: A.port, bodies, connections: o.connections, duration: o.loadSeconds, overallRate: o.rate }));
    }
    const beforeLead = procStats(A.pid);

    // --- A leads: lists 14,000 objects, then cycles.
    proxy.reset();
    const released = Date.now();
    api.releaseLease('pullguard-audit');
    const waitEvent = (pred, what, timeoutMs) => waitEventOf(A, pred, what, timeoutMs);
    const firstStart = await waitEvent((e) => e.msg.startsWith('audit: workloads listed'), 'first cycle starts', 120_000);
    const listedMs = firstStart.at - released;
    const afterList = procStats(A.pid);
    log(`audit: A leads; ${int(firstStart.workloads)} workload objects listed ${f1(listedMs / 1000)} s after the Lease was released; cycle 1 runs`);
    // During cycle 1 (its starts spread over half the interval): A under load, twice.
    for (let i = 0; i < 2; i++) rounds.Acycle.push(await cannon({ port: A.port, bodies, connections: o.connections, duration: Math.min(o.loadSeconds, Math.max(1, Math.floor((o.intervalSeconds * 0.5) / 2 - 1))), overallRate: o.rate }));
    const cycleDone = (n) => waitEvent((e) => e.msg === 'audit cycle done' && A.events.filter((x) => x.msg === 'audit cycle done').indexOf(e) === n - 1, `cycle ${n} done`, o.intervalSeconds * 4000 + 60_000);
    const c1 = await cycleDone(1);
    /**
     * Requests that reached the registry within a cycle: from its start (log time minus its duration)
     * to its log line. No slack: a cycle that overran the interval is followed at once by the next.
     */
    const inCycle = (c) => proxy.requests.filter((r) => r.at >= c.time - c.durationMs && r.at <= c.time);
    const distinctOf = (c) => new Set(inCycle(c).filter((r) => /\/manifests\//.test(r.path)).map((r) => r.path)).size;
    const manifestsOf = (c) => inCycle(c).filter((r) => /\/manifests\//.test(r.path)).length;
    // Cycle 2 starts one interval after cycle 1 started: the gate demo runs inside it — reviews naming
    // images nobody asked for yet (admission lookups in flight), on A during its cycle and on B.
    const m0 = await metricsText(A.metricsPort);
    const cycle2Start = c1.at - c1.durationMs + o.intervalSeconds * 1000;
    await sleep(Math.max(0, cycle2Start - Date.now() + 1000));
    const fresh = async (s, from) => {
      const lat = [];
      const queue = gateTags.slice(from, from + 100).map((t) => withImage(reviews[0], `${R}/bench/app:${t}`));
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let r = queue.shift(); r; r = queue.shift()) lat.push((await post(s.port, JSON.stringify(r), agent)).ms);
        }),
      );
      return Float64Array.from(lat).sort();
    };
    const freshA = await fresh(A, 0);
    const freshB = await fresh(B, 100);
    const m1 = await metricsText(A.metricsPort);
    const c2 = await cycleDone(2);
    const manifest1 = manifestsOf(c1);
    const other1 = inCycle(c1).length - manifest1;
    const manifest2 = manifestsOf(c2);
    const other2 = inCycle(c2).length - manifest2;
    const cpuAfter2 = procStats(A.pid).cpuMs;

    // --- (b) the image the cycle audits last is deleted; how long until A's /metrics reports it.
    const victim = images[N - 1];
    await registry.deleteManifest('bench/victim', 'v1');
    const deletedAt = Date.now();
    let reportedAt = null;
    const deadline = deletedAt + (o.intervalSeconds + 60) * 1000 * 2;
    while (Date.now() < deadline) {
      const text = await metricsText(A.metricsPort);
      if (text.split('\n').some((l) => l.startsWith('pullguard_audit_problem{') && l.includes(`image="${victim}"`) && l.includes('IMAGE_TAG_NOT_FOUND'))) {
        reportedAt = Date.now();
        break;
      }
      await sleep(500);
    }
    const detectS = reportedAt === null ? NaN : (reportedAt - deletedAt) / 1000;

    // Server CPU per audited workload: cycle 3, with no admission load (only /metrics polled).
    const c3 = await cycleDone(3);
    const cpuPerWorkloadMs = (procStats(A.pid).cpuMs - cpuAfter2) / c3.workloads;

    // --- (d) memory
    const peakA = procStats(A.pid);
    const peakB = procStats(B.pid);
    const cgA = A.peakCgroupMb();
    const cgB = B.peakCgroupMb();
    const cycles = A.events.filter((e) => e.msg === 'audit cycle done');
    agent.destroy();

    const sB = summarize(rounds.B);
    const sAi = summarize(rounds.Aidle);
    const sAc = summarize(rounds.Acycle);
    const yields = metricValue(m1, 'pullguard_audit_admission_yields_total') - metricValue(m0, 'pullguard_audit_admission_yields_total');
    const yieldS = metricValue(m1, 'pullguard_audit_admission_yield_seconds_total') - metricValue(m0, 'pullguard_audit_admission_yield_seconds_total');
    const yes = (ok) => (ok ? 'yes' : 'no');
    const out = [];
    out.push(`pullguard bench --only audit — ${new Date().toISOString()} — node ${process.version}; serve NODE_OPTIONS="${o.nodeOptions}"`);
    out.push(`${int(N)} Deployments × 1 ReplicaSet × ${o.podsPer} Pods (${int(deployments.length + replicasets.length + pods.length)} workload objects, ${int(pods.length)} Pods) from an in-memory API (bench/lib/fake-apiserver.mjs) through serve's real list+watch; ${int(N)} distinct images at a real docker-registry behind a counting proxy; audit.intervalSeconds ${o.intervalSeconds}, registryLookupsPerMinute 100000, concurrency 4 (default); ${limited ? 'each serve in its own 256 MiB memory cgroup' : `NO memory cgroup (${A.cgroup.reason})`}`);
    out.push('');
    out.push(
      table(
        ['number (issue 17)', 'with the audit', 'no-audit baseline (same run)', 'target', 'met'],
        [
          ['(a) manifest requests, cycle 1', `${int(manifest1)} (${int(distinctOf(c1))} distinct; +${int(other1)} other) for ${int(c1.workloads)} workloads, cycle ${f1(c1.durationMs / 1000)} s`, '0 (no audit)', `≤ ${int(N)}`, yes(manifest1 <= N)],
          ['(a) manifest requests, cycle 2 (unchanged)', `${int(manifest2)} (${int(distinctOf(c2))} distinct; +${int(other2)} other), cycle ${f1(c2.durationMs / 1000)} s`, '0', `≤ cycle 1`, yes(manifest2 <= manifest1)],
          ['(b) deleted image reported after', `${f1(detectS)} s (interval ${o.intervalSeconds} s; the last workload of a cycle)`, '—', `≤ ${o.intervalSeconds + 60} s`, yes(detectS <= o.intervalSeconds + 60)],
          [`(c) admission p99, cached reviews at ${int(o.rate)}/s, shipped audit settings`, `${f2(sShippedC.p99)} ms during a cycle (p50 ${f2(sShippedC.p50)}, ${int(sShippedC.rps)} req/s; ≈ ${int(cAudited)} workloads audited meanwhile)`, `${f2(sShippedB.p99)} ms (p50 ${f2(sShippedB.p50)}, ${int(sShippedB.rps)} req/s)`, '≤ 1.2 × baseline', `${yes(sShippedC.p99 <= 1.2 * sShippedB.p99)} (${f2(sShippedC.p99 / sShippedB.p99)} ×)`],
          [`(c) same, audit ${int(N / (o.intervalSeconds * 0.5))} workloads/s (interval ${o.intervalSeconds} s)`, `${f2(sAc.p99)} ms during a cycle (p50 ${f2(sAc.p50)}, ${int(sAc.rps)} req/s); ${f2(sAi.p99)} ms same serve before it led`, `${f2(sB.p99)} ms (p50 ${f2(sB.p50)}, ${int(sB.rps)} req/s)`, '≤ 1.2 × baseline', `${yes(sAc.p99 <= 1.2 * sB.p99)} (${f2(sAc.p99 / sB.p99)} ×)`],
          ['(c) admission, 100 reviews of new images', `p50 ${f1(percentile(freshA, 50))} / p99 ${f1(percentile(freshA, 99))} ms during cycle 2; audit lookups yielded ${int(yields)} × (${f2(yieldS)} s)`, `p50 ${f1(percentile(freshB, 50))} / p99 ${f1(percentile(freshB, 99))} ms`, 'audit yields', yes(yields > 0)],
          [
            `(d) peak RSS, ${int(pods.length)} Pods in view`,
            `${f1(peakA.hwmMb)} MB (cgroup peak ${f1(cgA)} MiB; ${f1(beforeLead.rssMb)} MB before leading, ${f1(afterList.rssMb)} MB after the list)`,
            `${f1(peakB.hwmMb)} MB (cgroup peak ${f1(cgB)} MiB); shipped settings (C): ${f1(peakC.hwmMb)} MB (cgroup ${f1(cgC)} MiB)`,
            '< 200 MiB in 256 MiB',
            yes(peakA.hwmMb < 200),
          ],
        ],
      ),
    );
    out.push('');
    out.push(`cycles: ${cycles.map((c) => `${int(c.workloads)} workloads in ${f1(c.durationMs / 1000)} s`).join('; ')}; list of ${int(deployments.length + replicasets.length + pods.length)} objects took ${f1(listedMs / 1000)} s after the Lease was free; API requests: ${JSON.stringify(api.requests)}`);
    out.push(`audit CPU: ${f2(cpuPerWorkloadMs)} ms of serve CPU per audited workload (cycle 3, no admission load): ${f1((cpuPerWorkloadMs * N) / (o.intervalSeconds * 0.5) / 10)} % of a core over this bench's ${o.intervalSeconds * 0.5} s spread; ${f2((cpuPerWorkloadMs * N) / 300 / 10)} % at the default interval (600 s, spread over 300 s)`);
    out.push(`errors under load: B ${sB.errors}, A idle ${sAi.errors}, A during cycle ${sAc.errors}; total ${((Date.now() - started) / 1000).toFixed(0)} s`);
    console.log(out.join('\n'));
    if (o.json) writeFileSync(o.json, JSON.stringify({ shipped: { B: sShippedB, C: sShippedC, cAudited, peakC, cgC }, cpuPerWorkloadMs, manifest1, manifest2, other1, other2, detectS, p99: { B: sB, Aidle: sAi, Acycle: sAc }, fresh: { A: [...freshA], B: [...freshB] }, yields, yieldS, peakA, peakB, cgA, cgB, cycles }, null, 2));
  } finally {
    for (const c of cleanups) await c().catch?.(() => undefined);
  }
}
