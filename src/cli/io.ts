/** What a CLI command may touch, injected so commands run in-process in tests. */
export interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdoutIsTTY: boolean;
  /** Whether stderr is a terminal (progress indicators are drawn only there). Absent means no. */
  readonly stderrIsTTY?: boolean;
}

/** Exit statuses shared by every command. */
export const EXIT = {
  OK: 0,
  /** `check`: something would be denied. */
  DENIED: 1,
  /** `serve`: could not start or stopped on an error. */
  FAILED: 1,
  /** Bad usage, or input that cannot be read or parsed. */
  USAGE: 2,
} as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
  };
}
