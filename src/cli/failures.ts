import { ConfigError } from '../config/load.js';
import { InputError } from './inputs.js';
import { EXIT, UsageError, type Io } from './io.js';
import { OutputFileError } from './outputs.js';

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
