/**
 * A one-line progress indicator for long `pullguard check` runs: `checking 340/2000 objects…` on
 * stderr, redrawn in place with `\r` and erased at the end. Drawn only on a terminal, only once a run
 * has taken longer than `delayMs` (a quick run shows nothing), at most every `intervalMs`.
 */

export interface Progress {
  /** `done` of `total` objects are checked. */
  update(done: number, total: number): void;
  /** Erase the line (when one was drawn). Further updates draw nothing. */
  end(): void;
}

export interface ProgressOptions {
  /** Draw only when true: a terminal on stderr. */
  readonly enabled: boolean;
  readonly delayMs?: number;
  readonly intervalMs?: number;
  readonly now?: () => number;
}

const NONE: Progress = { update() {}, end() {} };

export function progress(stream: NodeJS.WritableStream, opts: ProgressOptions): Progress {
  if (!opts.enabled) return NONE;
  const now = opts.now ?? Date.now;
  const started = now();
  const delayMs = opts.delayMs ?? 300;
  const intervalMs = opts.intervalMs ?? 100;
  let drawnAt = -Infinity;
  let width = 0;
  let ended = false;
  return {
    update(done: number, total: number): void {
      if (ended) return;
      const t = now();
      if (t - started < delayMs || t - drawnAt < intervalMs) return;
      drawnAt = t;
      const line = `checking ${done}/${total} object${total === 1 ? '' : 's'}…`;
      // Pad over a longer previous line; `\r` returns to the start without a newline.
      stream.write(`\r${line}${' '.repeat(Math.max(0, width - line.length))}`);
      width = line.length;
    },
    end(): void {
      if (ended) return;
      ended = true;
      if (width > 0) stream.write(`\r${' '.repeat(width)}\r`);
    },
  };
}
