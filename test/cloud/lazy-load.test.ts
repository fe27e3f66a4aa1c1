// The cloud SDKs are loaded only when a provider is asked for a credential: `pullguard check --offline`
// and the webhook without `cloud` config never load @aws-sdk/*, @azure/* or google-auth-library. Each scenario runs in a
// fresh Node process whose module resolution hook records every module resolved from those scopes
// (test/helpers/cloud-lazy-child.ts); the control scenario shows the hook does see them.
import t from 'tap';
import { runTsChild } from '../helpers/ts-child.js';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('../helpers/cloud-lazy-child.ts', import.meta.url));

function runChild(mode: string): Promise<{ loaded: string[]; detail: unknown }> {
  return runTsChild(CHILD, [mode]);
}

t.test('pullguard check --offline (cloud.ecr, cloud.acr and cloud.gar on) loads no cloud SDK', async (t) => {
  const r = await runChild('offline');
  t.same(r.detail, { code: 0, objects: 3 }, 'the check ran over the three images');
  t.same(r.loaded, []);
});

t.test('the webhook without cloud config loads no cloud SDK, also for ECR/ACR/GAR images', async (t) => {
  const r = await runChild('webhook');
  t.equal((r.detail as string[]).length, 3, 'the three reviews answered');
  t.same(r.loaded, []);
});

t.test('control: asking a provider loads its SDK (the hook sees them)', async (t) => {
  const r = await runChild('control');
  t.same(r.detail, ['no-identity', 'no-identity', 'no-identity']);
  t.ok(r.loaded.includes('@aws-sdk/client-ecr'), `loaded: ${r.loaded.slice(0, 5).join(', ')}`);
  t.ok(r.loaded.includes('@azure/identity'));
  t.ok(r.loaded.includes('google-auth-library'));
});
