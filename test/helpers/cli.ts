import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI in-process with captured streams. */
export async function run(argv: string[], stdinText = '', env: Record<string, string> = {}): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const io: Io = { stdout, stderr, stdin: Readable.from([stdinText]), env, stdoutIsTTY: false };
  const code = await main(argv, io);
  return { code, stdout: out, stderr: err };
}
