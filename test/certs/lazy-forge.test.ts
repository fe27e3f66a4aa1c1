// node-forge (~12 MB of RSS) is loaded only when pullguard must build certificates: a webhook whose
// certificates are mounted (cert-manager, `pullguard certs`, or generated on an earlier start) never
// loads it. Each case runs in a fresh Node process (test/helpers/forge-lazy-child.ts).
import t from 'tap';
import { runTsChild } from '../helpers/ts-child.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('../helpers/forge-lazy-child.ts', import.meta.url));

function runChild(dir: string): Promise<{ forgeLoaded: boolean; generated: boolean }> {
  return runTsChild(CHILD, [dir]);
}

t.test('node-forge is loaded to generate certificates, and not when they exist', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pullguard-forge-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  t.same(await runChild(dir), { forgeLoaded: true, generated: true }, 'an empty directory: certificates built with forge');
  t.same(await runChild(dir), { forgeLoaded: false, generated: false }, 'the same directory again: forge never loaded');
});
