import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { buildMetricsApp, createMetrics } from '../../src/server/metrics.js';
import { build } from '../../src/server/app.js';
import { defaultConfig } from '../../src/config/load.js';
import { loadFixture, withImage } from '../helpers/fixtures.js';

const PROMTOOL = '/usr/bin/promtool';

/**
 * A strict parser for the Prometheus text exposition format (0.0.4): every line must be valid.
 * Values are Go floats (Prometheus reads them with strconv.ParseFloat, which ignores the case of NaN).
 */
export function parsePrometheusText(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(meta[3] as string)) throw new Error(`bad TYPE: ${line}`);
        types.set(meta[2] as string, meta[3] as string);
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.eE+-]+|[Nn][Aa][Nn]|[+-]Inf)( \d+)?$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    samples.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  if (types.size === 0) throw new Error('no TYPE lines');
  return samples;
}

t.test('reviews, latency and findings are exported as valid Prometheus text', async (t) => {
  const metrics = createMetrics();
  const deps = { config: defaultConfig() };
  const app = await build({ deps: () => deps, onDecision: metrics.observeDecision });
  t.teardown(() => app.close());
  const headers = { 'content-type': 'application/json' };
  await app.inject({ method: 'POST', url: '/validate', headers, payload: loadFixture('pod-create-good-pod.json') });
  await app.inject({ method: 'POST', url: '/validate', headers, payload: withImage(loadFixture('deployment-create-good-deploy.json'), 'BAD') });
  await app.inject({ method: 'POST', url: '/validate', headers, payload: loadFixture('pod-create-good-pod-dryrun.json') });

  const metricsApp = await buildMetricsApp(metrics.registry);
  t.teardown(() => metricsApp.close());
  const res = await metricsApp.inject('/metrics');
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/plain; version=0.0.4/);
  const samples = parsePrometheusText(res.body);
  t.equal(samples.get('pullguard_admission_reviews_total{kind="Pod",operation="CREATE",verdict="allow",dry_run="false"}'), 1);
  t.equal(samples.get('pullguard_admission_reviews_total{kind="Pod",operation="CREATE",verdict="allow",dry_run="true"}'), 1);
  t.equal(samples.get('pullguard_admission_reviews_total{kind="Deployment",operation="CREATE",verdict="deny",dry_run="false"}'), 1);
  t.equal(samples.get('pullguard_findings_total{code="IMAGE_REFERENCE_INVALID"}'), 1);
  t.equal(samples.get('pullguard_admission_review_duration_seconds_count{kind="Pod",verdict="allow"}'), 2);
  t.ok(samples.has('pullguard_process_resident_memory_bytes'), 'default process metrics');
});

t.test("pullguard_carrier_defaults_known follows whether Tekton's defaults are read, at each scrape", async (t) => {
  let known = false;
  const metrics = createMetrics({ defaultMetrics: false, carrierDefaultsKnown: () => ({ tekton: known }) });
  const metricsApp = await buildMetricsApp(metrics.registry);
  t.teardown(() => metricsApp.close());
  const scrape = async () => parsePrometheusText((await metricsApp.inject('/metrics')).body).get('pullguard_carrier_defaults_known{project="tekton"}');
  t.equal(await scrape(), 0, 'not read');
  known = true;
  t.equal(await scrape(), 1, 'read');
  const without = createMetrics({ defaultMetrics: false });
  t.notMatch(await without.registry.metrics(), 'pullguard_carrier_defaults_known', 'without cluster data there is no such gauge');
});

t.test("the webhook's exposition passes Prometheus' own linter (promtool check metrics)", async (t) => {
  if (!existsSync(PROMTOOL)) {
    if (process.env['CI'] === 'true') t.fail(`${PROMTOOL} missing under CI (Debian package prometheus; .ci/run installs it)`);
    else t.pass('promtool check metrics', { skip: `${PROMTOOL} not installed (Debian package prometheus)` });
    return;
  }
  // pullguard's own metrics: prom-client's default Node.js gauges (`nodejs_active_handles_total`) are
  // named by prom-client, and promtool flags their `_total` suffix.
  const metrics = createMetrics({ defaultMetrics: false, carrierDefaultsKnown: () => ({ tekton: true, argo: false }) });
  metrics.reloads.inc({ result: 'applied' });
  const text = await metrics.registry.metrics();
  t.match(text, 'pullguard_carrier_defaults_known{project="argo"} 0');
  const lint = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
    child.stdin.end(text);
  });
  t.equal(lint.code, 0, `promtool check metrics: ${lint.out}`);
});
