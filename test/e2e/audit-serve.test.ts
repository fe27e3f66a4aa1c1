/**
 * The continuous audit in `serve`, end to end: a real kube-apiserver and a real registry, two serve
 * processes competing for the audit Lease; Deployments created with kubectl (plus the ReplicaSets and
 * Pods kube-controller-manager would create); a tag deleted from the registry, a pull Secret deleted
 * and restored; the leader stopped; a workload deleted. Results are read from each process's /metrics
 * and from the PolicyReport (wgpolicyk8s.io/v1alpha2) the leader writes once its CRD is installed
 * (test/fixtures/policyreport-crd.yaml; absent at first: nothing is written, nothing crashes).
 */
import t, { type Test } from 'tap';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { parse, stringify } from 'yaml';
import { kubeUnavailableReason, startKube, waitFor } from '../helpers/kube.js';
import { freePort, requireRegistry, startRegistry } from '../helpers/registry.js';
import { apply, deleteTag, deployment, kubectl, namespace, ownedObjects, pullSecret, registryConfig } from '../helpers/audit-cluster.js';
import { ROOT, startServe, type ServeChild } from '../helpers/serve.js';

// Two API-driven processes, a 30 s audit interval and a failover: longer than tap's default 120 s.
t.setTimeout(400_000);
const missing = kubeUnavailableReason({ needKubectl: true });
if (missing !== null) {
  if (process.env['CI'] === 'true') t.fail(`audit e2e prerequisites missing, and CI=true: ${missing}`);
  else t.plan(0, `skipped: ${missing}`);
} else if (requireRegistry(t)) {
  t.test('continuous audit in two serve processes', scene);
}

async function metricsOf(port: number): Promise<string> {
  try {
    const res = await request(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
    return await res.body.text();
  } catch {
    return '';
  }
}

function problems(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^pullguard_audit_problem\{([^}]*)\} (\d+)$/gm)) {
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    out.push(`${labels['namespace']}/${labels['kind']}/${labels['name']}/${labels['container']}:${labels['code']}`);
  }
  return out.sort();
}

const leader = (text: string) => /^pullguard_audit_leader 1$/m.test(text);

interface ReportResult {
  result: string;
  rule: string;
  message: string;
  policy: string;
  source: string;
  resources: { kind: string; name: string; namespace: string; uid: string }[];
  properties: Record<string, string>;
  timestamp: { seconds: number; nanos: number };
}
interface Report {
  metadata: { name: string; labels: Record<string, string> };
  summary: Record<string, number>;
  results: ReportResult[];
}

/** `namespace`'s PolicyReport `pullguard`, or undefined when there is none (or no CRD). */
async function policyReport(kube: Parameters<typeof kubectl>[0], namespace: string): Promise<Report | undefined> {
  try {
    return JSON.parse(await kubectl(kube, ['-n', namespace, 'get', 'policyreports.wgpolicyk8s.io', 'pullguard', '-o', 'json'])) as Report;
  } catch {
    return undefined;
  }
}

/** `kind/name/container:result:rule` of every result. */
const resultsOf = (r: Report) => r.results.map((x) => `${x.resources[0]!.kind}/${x.resources[0]!.name}/${x.properties['container']}:${x.result}:${x.rule}`).sort();

async function scene(t: Test): Promise<void> {
  const [kube, reg] = await Promise.all([startKube(t), startRegistry(t, { auth: 'htpasswd', seed: false })]);
  await reg.pusher.image('team/app', '1.0', { seed: 'one' });
  await reg.pusher.image('team/app', '2.0', { seed: 'two' });
  const config = await registryConfig(reg, { audit: { intervalSeconds: 30, lease: { durationSeconds: 3 } } });
  const withSecret = { imagePullSecrets: [{ name: 'regcred' }] };
  await namespace(kube, 'pullguard');
  await namespace(kube, 'shop');
  await apply(kube, pullSecret('regcred', 'shop', reg.host, reg.users.alice));
  const web = deployment('web', `${reg.host}/team/app:1.0`, withSecret);
  const api = deployment('api', `${reg.host}/team/app:2.0`, withSecret);
  await kubectl(kube, ['-n', 'shop', 'apply', '-f', '-'], [web, api].map((o) => JSON.stringify(o)).join('\n'));
  await ownedObjects(kube, 'shop', web);
  await ownedObjects(kube, 'shop', api);

  // One serving certificate for both replicas (generating an RSA key under a loaded machine takes seconds).
  let firstCerts: string | undefined;
  const start = async (): Promise<{ serve: ServeChild; metrics: number }> => {
    const metrics = await freePort();
    const certs = await mkdtemp(join(tmpdir(), 'pullguard-audit-certs-'));
    if (firstCerts) await cp(firstCerts, certs, { recursive: true });
    else firstCerts = certs;
    const serve = await startServe(t, ['--kubeconfig', kube.kubeconfig, '--namespace', 'pullguard', '-c', config, '--cert-dir', certs, '--metrics-listen', `127.0.0.1:${metrics}`]);
    return { serve, metrics };
  };
  const replicas = [await start(), await start()];
  const status = async () => Promise.all(replicas.map(async (r) => ({ r, text: await metricsOf(r.metrics) })));

  let lead: { serve: ServeChild; metrics: number } | undefined;
  await t.test('one replica leads and audits; its first cycle passes every workload', async (t) => {
    const s = await waitFor('a leader with a completed cycle', 30_000, async () => {
      const all = await status();
      const leaders = all.filter((x) => leader(x.text));
      return leaders.length === 1 && /^pullguard_audit_workloads\{result="pass"\} 2$/m.test(leaders[0]!.text) ? all : undefined;
    });
    const leaders = s.filter((x) => leader(x.text));
    t.equal(leaders.length, 1, 'exactly one leader');
    lead = leaders[0]!.r;
    const follower = s.find((x) => !leader(x.text))!;
    t.match(follower.text, /^pullguard_audit_leader 0$/m);
    t.notMatch(follower.text, /^pullguard_audit_workloads\{result="pass"\} [1-9]/m, 'the follower does not audit');
    t.match(leaders[0]!.text, /^pullguard_audit_last_cycle_timestamp_seconds \d/m);
    t.match(leaders[0]!.text, /^pullguard_registry_lookups_by_reason_total\{reason="audit",registry="127\.0\.0\.1:\d+"\} [12]$/m, 'one lookup per distinct image');
    t.same(problems(leaders[0]!.text), []);
  });

  await t.test('no PolicyReport CRD: nothing written, said once, nothing crashes; then the CRD is installed', async (t) => {
    const text = await metricsOf(lead!.metrics);
    t.match(text, /^pullguard_audit_policyreports_available 0$/m);
    t.notMatch(text, /pullguard_audit_policyreport_writes_total\{/, 'no write attempted');
    const said = lead!.serve.stdout().split('\n').filter((l) => l.includes('the PolicyReport CRD is not installed'));
    t.equal(said.length, 1, 'said once in the log');
    t.match(said[0], /"level":40/, 'as a warning');
    t.equal(await policyReport(kube, 'shop'), undefined);
    await kubectl(kube, ['apply', '-f', join(ROOT, 'test/fixtures/policyreport-crd.yaml')]);
    await kubectl(kube, ['wait', '--for=condition=Established', '--timeout=30s', 'crd/policyreports.wgpolicyk8s.io']);
  });

  await t.test('a tag deleted: the next cycle reports IMAGE_TAG_NOT_FOUND for exactly the workload using it', async (t) => {
    await deleteTag(reg, 'team/app', '2.0');
    const text = await waitFor('IMAGE_TAG_NOT_FOUND', 60_000, async () => {
      const m = await metricsOf(lead!.metrics);
      return problems(m).length > 0 ? m : undefined;
    });
    t.same(problems(text), ['shop/Deployment/api/app:IMAGE_TAG_NOT_FOUND']);
    t.match(text, /^pullguard_audit_workloads\{result="fail"\} 1$/m);
    // The CRD installed after the first cycle is found at the end of the next one, without a restart.
    const report = await waitFor('the PolicyReport with the failure', 60_000, async () => {
      const r = await policyReport(kube, 'shop');
      return r?.results.some((x) => x.result === 'fail') ? r : undefined;
    });
    t.same(resultsOf(report), ['Deployment/api/app:fail:IMAGE_TAG_NOT_FOUND', 'Deployment/web/app:pass:IMAGE_PULLABLE'], 'fail for exactly the workload using the tag; one result per workload container');
    t.same(report.summary, { pass: 1, fail: 1, warn: 0, error: 0, skip: 0 });
    t.same(report.metadata.labels, { 'app.kubernetes.io/managed-by': 'pullguard' });
    const fail = report.results.find((x) => x.result === 'fail')!;
    t.match(fail, { policy: 'image-pullable', source: 'pullguard', properties: { container: 'app', image: `${reg.host}/team/app:2.0`, codes: 'IMAGE_TAG_NOT_FOUND' } });
    t.match(fail.message, new RegExp(`^container "app" \\(image "${reg.host.replace(/\./g, '\\.')}/team/app:2\\.0"\\): `), 'the container named one way, the image as written');
    t.equal(fail.resources[0]!.uid, (await kubectl(kube, ['-n', 'shop', 'get', 'deployment', 'api', '-o', 'jsonpath={.metadata.uid}'])).trim());
    t.ok(fail.timestamp.seconds > 0);
    const writes = await metricsOf(lead!.metrics);
    t.match(writes, /^pullguard_audit_policyreports_available 1$/m);
    t.match(writes, /^pullguard_audit_policyreport_writes_total\{result="created"\} 1$/m, 'one report created');
    const follower = replicas.find((r) => r !== lead)!;
    t.notMatch(await metricsOf(follower.metrics), /pullguard_audit_policyreport_writes_total\{/, 'the follower writes nothing');
    const events = await waitFor('an Event on the Deployment', 10_000, async () => {
      const out = await kubectl(kube, ['-n', 'shop', 'get', 'events', '-o', 'json']);
      const items = (JSON.parse(out) as { items: { reason: string; type: string; message: string; involvedObject: { kind: string; name: string } }[] }).items;
      return items.some((e) => e.reason === 'ImageNotPullable') ? items : undefined;
    });
    const notPullable = events.filter((e) => e.reason === 'ImageNotPullable');
    t.same(notPullable.map((e) => `${e.involvedObject.kind}/${e.involvedObject.name}`), ['Deployment/api'], 'an Event on exactly the workload using the tag');
    t.equal(notPullable[0]!.type, 'Warning');
    t.match(notPullable[0]!.message, /IMAGE_TAG_NOT_FOUND: container "app"/);
  });

  await t.test('a pull Secret deleted: re-audited at once; restored: cleared', async (t) => {
    await kubectl(kube, ['-n', 'shop', 'delete', 'secret', 'regcred']);
    const gone = await waitFor('PULL_SECRET_NOT_FOUND', 20_000, async () => {
      const m = await metricsOf(lead!.metrics);
      return problems(m).some((p) => p.includes('web/app:PULL_SECRET_NOT_FOUND')) ? m : undefined;
    });
    t.ok(problems(gone).includes('shop/Deployment/api/app:PULL_SECRET_NOT_FOUND'));
    const goneReport = await waitFor('PULL_SECRET_NOT_FOUND in the PolicyReport', 20_000, async () => {
      const r = await policyReport(kube, 'shop');
      return r?.results.some((x) => x.resources[0]!.name === 'web' && (x.properties['codes'] ?? '').includes('PULL_SECRET_NOT_FOUND')) ? r : undefined;
    });
    const web = goneReport.results.find((x) => x.resources[0]!.name === 'web')!;
    t.not(web.result, 'pass');
    t.match(web.message, /PULL_SECRET_NOT_FOUND|regcred/);
    await apply(kube, pullSecret('regcred', 'shop', reg.host, reg.users.alice));
    const back = await waitFor('cleared', 20_000, async () => {
      const m = await metricsOf(lead!.metrics);
      return problems(m).every((p) => !p.includes('PULL_SECRET')) && problems(m).length > 0 ? m : undefined;
    });
    t.same(problems(back), ['shop/Deployment/api/app:IMAGE_TAG_NOT_FOUND']);
    const backReport = await waitFor('web passing again in the PolicyReport', 20_000, async () => {
      const r = await policyReport(kube, 'shop');
      return r?.results.some((x) => x.resources[0]!.name === 'web' && x.result === 'pass') ? r : undefined;
    });
    t.same(resultsOf(backReport), ['Deployment/api/app:fail:IMAGE_TAG_NOT_FOUND', 'Deployment/web/app:pass:IMAGE_PULLABLE'], 'the result clears to pass');
    const events = await waitFor('web pullable again', 10_000, async () => {
      const out = await kubectl(kube, ['-n', 'shop', 'get', 'events', '--field-selector', 'involvedObject.name=web', '-o', 'json']);
      const items = (JSON.parse(out) as { items: { reason: string }[] }).items.map((e) => e.reason);
      return items.includes('ImagePullable') ? items : undefined;
    });
    // State changes only: broken once, pullable once — not one Event per cycle.
    t.same(events.sort(), ['ImageNotPullable', 'ImagePullable']);
  });

  await t.test('the leader stops: the other replica takes over and reports', async (t) => {
    const other = replicas.find((r) => r !== lead)!;
    lead!.serve.child.kill('SIGTERM');
    await lead!.serve.exited;
    const text = await waitFor('the other replica leading with results', 30_000, async () => {
      const m = await metricsOf(other.metrics);
      return leader(m) && problems(m).length > 0 ? m : undefined;
    });
    t.same(problems(text), ['shop/Deployment/api/app:IMAGE_TAG_NOT_FOUND']);
    lead = other;
  });

  await t.test('a workload deleted: its result leaves the PolicyReport', async (t) => {
    await kubectl(kube, ['-n', 'shop', 'delete', 'deployment', 'api']);
    // No kube-controller-manager here: the ReplicaSet and Pods it would garbage-collect go by hand.
    await kubectl(kube, ['-n', 'shop', 'delete', 'replicaset', 'api-5d8f']);
    await kubectl(kube, ['-n', 'shop', 'delete', 'pod', 'api-5d8f-0', 'api-5d8f-1']);
    const report = await waitFor('the report without api', 30_000, async () => {
      const r = await policyReport(kube, 'shop');
      return r && r.results.every((x) => x.resources[0]!.name !== 'api') ? r : undefined;
    });
    t.same(resultsOf(report), ['Deployment/web/app:pass:IMAGE_PULLABLE']);
    t.same(report.summary, { pass: 1, fail: 0, warn: 0, error: 0, skip: 0 });
  });

  await t.test('audit settings reloaded from the configuration file: interval, budget, lease', async (t) => {
    const current = parse(await readFile(config, 'utf8')) as Record<string, any>;
    await writeFile(config, stringify({ ...current, audit: { intervalSeconds: 45, registryLookupsPerMinute: 7, lease: { durationSeconds: 6 } } }));
    const line = await waitFor('the reload applied', 40_000, () =>
      lead!.serve
        .stdout()
        .split('\n')
        .find((l) => l.includes('audit settings applied')),
    );
    t.match(JSON.parse(line), { intervalSeconds: 45, registryLookupsPerMinute: 7, lease: { name: 'pullguard-audit', durationSeconds: 6 } });
    // The election restarts with the new duration: the Lease says so once it is held again.
    await waitFor('the Lease with the new duration', 30_000, async () => {
      const d = await kubectl(kube, ['-n', 'pullguard', 'get', 'lease', 'pullguard-audit', '-o', 'jsonpath={.spec.leaseDurationSeconds}']);
      return d.trim() === '6' ? true : undefined;
    });
    const text = await waitFor('leading and auditing again', 30_000, async () => {
      const m = await metricsOf(lead!.metrics);
      return leader(m) && /^pullguard_audit_workloads\{result="pass"\} 1$/m.test(m) ? m : undefined;
    });
    t.match(text, /^pullguard_config_reloads_total\{result="applied"\} 1$/m);
    t.equal(lead!.serve.child.exitCode, null, 'still running');
  });
}
