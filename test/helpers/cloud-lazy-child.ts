/**
 * Child process for test/cloud/lazy-load.test.ts: registers a module resolution hook that records
 * every module resolved from @aws-sdk/*, @azure/* or google-auth-library and its gcp-metadata/gaxios
 * (by specifier or by resolved URL), THEN imports
 * pullguard and runs one scenario, and prints `{"loaded": [...], "detail": ...}` as its last line.
 *
 *   offline   `pullguard check --offline` with cloud.ecr, cloud.acr and cloud.gar on, over ECR, ACR and GAR images
 *   webhook   the webhook app (build + POST /validate) without cloud config, for ECR/ACR/GAR images on a
 *             node-provider registry, with the registry checker wired (connections refused locally)
 *   control   the providers asked for a credential: the SDKs must show up (proves the hook sees them)
 */
import { register } from 'node:module';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';

const dir = mkdtempSync(join(tmpdir(), 'pullguard-lazy-'));
const log = join(dir, 'loaded.txt');
writeFileSync(log, '');
const hook = `
import { appendFileSync } from 'node:fs';
let log = '';
export async function initialize(data) { log = data.log; }
const CLOUD = /^(@(aws-sdk|azure)\\/|(google-auth-library|gcp-metadata|gaxios)(\\/|$))/;
const CLOUD_URL = /\\/node_modules\\/(@(aws-sdk|azure)|google-auth-library|gcp-metadata|gaxios)\\//;
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (CLOUD.test(specifier) || CLOUD_URL.test(r.url ?? '')) appendFileSync(log, specifier + '\\n');
  return r;
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`, { parentURL: import.meta.url, data: { log } });

// No cloud identity of any kind, and no metadata services: nothing here may leave the machine.
for (const k of Object.keys(process.env)) if (/^(AWS|AZURE|IDENTITY|MSI|GOOGLE|GCE|GCLOUD|CLOUDSDK)_/.test(k)) delete process.env[k];
process.env['AWS_EC2_METADATA_DISABLED'] = 'true';
process.env['AWS_CONFIG_FILE'] = '/nonexistent/pullguard/aws-config';
process.env['AWS_SHARED_CREDENTIALS_FILE'] = '/nonexistent/pullguard/aws-credentials';
// Google: no credential file, no gcloud directory, and a metadata server address where nothing listens.
process.env['CLOUDSDK_CONFIG'] = join(dir, 'gcloud');
process.env['GCLOUD_PROJECT'] = 'pullguard-test';
process.env['GCE_METADATA_HOST'] = '127.0.0.1:1';
process.env['METADATA_SERVER_DETECTION'] = 'ping-only';

const ECR_IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:1.0';
const ACR_IMAGE = 'acme.azurecr.io/team/app:1.0';
const GAR_IMAGE = 'europe-west1-docker.pkg.dev/p/images/app:1.0';
const mode = process.argv[2];
let detail: unknown = null;

if (mode === 'offline') {
  const { main } = await import('../../src/cli/main.js');
  const cfg = join(dir, 'config.yaml');
  writeFileSync(cfg, 'cloud: {ecr: true, acr: true, gar: true}\nnodeCredentialProviders: ["*.dkr.ecr.*.amazonaws.com", "*.azurecr.io", "*.pkg.dev"]\n');
  const manifests = [ECR_IMAGE, ACR_IMAGE, GAR_IMAGE]
    .map((image, i) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}` }, spec: { containers: [{ name: 'app', image }] } }))
    // One JSON object per line: a stream that starts with "{" is JSON to kubectl (and pullguard), and
    // `---` between JSON objects is where kubectl would stop reading.
    .join('\n');
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d) => (out += d));
  const code = await main(['check', '--offline', '-o', 'json', '-c', cfg, '-'], {
    stdout,
    stderr: new PassThrough(),
    stdin: Readable.from([manifests]),
    env: {},
    stdoutIsTTY: false,
  });
  detail = { code, objects: (JSON.parse(out) as { objects: unknown[] }).objects.length };
} else if (mode === 'webhook') {
  await import('../../src/cli/main.js'); // the whole CLI graph, serve included
  const { build } = await import('../../src/server/app.js');
  const { engineDeps, makeRegistryChecker } = await import('../../src/cli/wiring.js');
  const { configFromValue } = await import('../../src/config/load.js');
  const { ClusterStore } = await import('../../src/cluster/store.js');
  const { loadFixture, withImage } = await import('./fixtures.js');
  const config = configFromValue({ nodeCredentialProviders: ['*.dkr.ecr.*.amazonaws.com', '*.azurecr.io', '*.pkg.dev'] }, 'test');
  const registry = await makeRegistryChecker(config, {
    extra: { hostOverrides: { '123456789012.dkr.ecr.eu-west-1.amazonaws.com': '127.0.0.1:1', 'acme.azurecr.io': '127.0.0.1:1', 'europe-west1-docker.pkg.dev': '127.0.0.1:1' } },
  });
  const deps = engineDeps(config, { state: new ClusterStore(), registry });
  const app = await build({ deps: () => deps });
  const codes: string[] = [];
  for (const image of [ECR_IMAGE, ACR_IMAGE, GAR_IMAGE]) {
    const res = await app.inject({ method: 'POST', url: '/validate?timeout=5s', headers: { 'content-type': 'application/json' }, payload: withImage(loadFixture('pod-create-good-pod.json'), image) });
    const body = res.json() as { response: { allowed: boolean; auditAnnotations?: Record<string, string> } };
    codes.push(`${body.response.allowed}:${Object.values(body.response.auditAnnotations ?? {}).join(',')}`);
  }
  await app.close();
  await registry.close();
  detail = codes;
} else if (mode === 'control') {
  const { EcrCredentialProvider, AcrCredentialProvider, GarCredentialProvider } = await import('../../src/cloud/index.js');
  const ecr = new EcrCredentialProvider();
  const acr = new AcrCredentialProvider({ chain: ['environment'] });
  const gar = new GarCredentialProvider();
  const reasons = await Promise.all([
    ecr.credential('123456789012.dkr.ecr.eu-west-1.amazonaws.com').catch((e: { reason?: string }) => e.reason),
    acr.credential('acme.azurecr.io').catch((e: { reason?: string }) => e.reason),
    gar.credential('europe-west1-docker.pkg.dev').catch((e: { reason?: string }) => e.reason),
  ]);
  detail = reasons;
} else {
  throw new Error(`unknown mode ${mode}`);
}

const loaded = existsSync(log) ? [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))] : [];
process.stdout.write(`\n${JSON.stringify({ loaded, detail })}\n`);
process.exit(0);
