import { ConfigError } from '../config/load.js';
import { InputError } from './inputs.js';
import { EXIT, UsageError, type Io } from './io.js';
import { OutputFileError, renderReport, writeOutputFile, type OutputFormat } from './outputs.js';
import { summaryLine, type FailOn, type Report } from './report.js';

/**
 * The failures a report command (`check`, `audit`) answers with exit 2 and one line on stderr: bad
 * usage, unreadable input or configuration, a report file that cannot be written. Anything else is
 * not known here (null): the caller reports it as an internal error.
 */
export function knownFailure(command: string, err: unknown, io: Io): number | null {
  if (err instanceof UsageError || err instanceof InputError || err instanceof ConfigError || err instanceof OutputFileError) {
    io.stderr.write(`pullguard ${command}: ${err.message}\n`);
    if (err instanceof UsageError) io.stderr.write(`Run "pullguard ${command} --help" for usage.\n`);
    return EXIT.USAGE;
  }
  if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    io.stderr.write(`pullguard ${command}: ${(err as Error).message}\nRun "pullguard ${command} --help" for usage.\n`);
    return EXIT.USAGE;
  }
  return null;
}

/**
 * Writes a rendered report where the user asked (`--output-file`, or standard output) — the same for
 * `check` and `audit`. With a file, the job log still gets its one-line result on stderr. Returns the
 * exit status of a known failure (the file cannot be written), else null.
 */
export async function deliverReport(
  command: string,
  report: Report,
  options: { readonly output: OutputFormat; readonly outputFile: string | undefined; readonly failOn: FailOn },
  io: Io,
): Promise<number | null> {
  const toFile = options.outputFile !== undefined;
  const color = !toFile && io.stdoutIsTTY && !io.env['NO_COLOR'];
  const rendered = await renderReport(report, options.output, { color, failOn: options.failOn, cwd: process.cwd() });
  if (options.outputFile === undefined) {
    io.stdout.write(rendered);
    return null;
  }
  try {
    await writeOutputFile(options.outputFile, rendered);
  } catch (err) {
    const code = knownFailure(command, err, io);
    if (code !== null) return code;
    throw err;
  }
  io.stderr.write(`pullguard ${command}: ${summaryLine(report)}; report written to ${options.outputFile}\n`);
  return null;
}
