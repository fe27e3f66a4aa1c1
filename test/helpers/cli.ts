import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  readonly stdin?: string;
  readonly env?: Record<string, string>;
  readonly stdoutIsTTY?: boolean;
  readonly stderrIsTTY?: boolean;
  /** The command to run (default: the whole CLI, `main`); tests that mock a module pass theirs. */
  readonly entry?: (argv: string[], io: Io) => Promise<number>;
}

/** Run a CLI entry point in-process with captured streams. */
export async function runWith(argv: string[], opts: RunOptions = {}): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const io: Io = {
    stdout,
    stderr,
    stdin: Readable.from([opts.stdin ?? '']),
    env: opts.env ?? {},
    stdoutIsTTY: opts.stdoutIsTTY ?? false,
    stderrIsTTY: opts.stderrIsTTY ?? false,
  };
  const code = await (opts.entry ?? main)(argv, io);
  return { code, stdout: out, stderr: err };
}

/** Run the CLI in-process with captured streams. */
export function run(argv: string[], stdinText = '', env: Record<string, string> = {}): Promise<Run> {
  return runWith(argv, { stdin: stdinText, env });
}
