// node-forge (~12 MB of RSS) is loaded only when pullguard must build certificates: a webhook whose
// certificates are mounted (cert-manager, `pullguard certs`, or generated on an earlier start) never
// loads it. Each case runs in a fresh Node process (test/helpers/forge-lazy-child.ts).
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('../helpers/forge-lazy-child.ts', import.meta.url));

async function runChild(dir: string): Promise<{ forgeLoaded: boolean; generated: boolean }> {
  const child = spawn(process.execPath, [...process.execArgv.filter((a) => !a.includes('processinfo')), CHILD, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const last = out.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !last.startsWith('{')) throw new Error(`child exited ${code}:\n${out}\n${err}`);
  return JSON.parse(last) as { forgeLoaded: boolean; generated: boolean };
}

t.test('node-forge is loaded to generate certificates, and not when they exist', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pullguard-forge-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  t.same(await runChild(dir), { forgeLoaded: true, generated: true }, 'an empty directory: certificates built with forge');
  t.same(await runChild(dir), { forgeLoaded: false, generated: false }, 'the same directory again: forge never loaded');
});
