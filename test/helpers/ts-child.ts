/**
 * Run a TypeScript helper script in a fresh Node process (with the test runner's own TypeScript
 * loader, minus its coverage hook) and return the JSON object it prints as its last stdout line.
 * For tests that must see a pristine module graph: which dependencies a code path loads.
 */
import { spawn } from 'node:child_process';

export async function runTsChild<T>(script: string, args: readonly string[]): Promise<T> {
  const child = spawn(process.execPath, [...process.execArgv.filter((a) => !a.includes('processinfo')), script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env },
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const last = out.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !last.startsWith('{')) throw new Error(`${script} ${args.join(' ')} exited ${code}:\n${out}\n${err}`);
  return JSON.parse(last) as T;
}
