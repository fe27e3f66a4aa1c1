/**
 * Configuration hot reload. A ConfigMap volume updates like a Secret volume: the kubelet writes a new
 * timestamped directory and atomically swaps the `..data` symlink, so we watch the directory, not the
 * file. Only events that name the file or `..data` count (anything else in the directory — a log being
 * appended to, say — must not delay a reload); they are debounced, with a maximum wait so a file that
 * keeps changing is still re-read. A slow poll re-reads directly, never through the debounce, so
 * changes fs.watch misses are picked up whatever else happens in the directory.
 *
 * A valid change replaces the whole configuration at once: each review reads `current` once at its
 * start, so no review ever sees half of an old and half of a new configuration. An invalid change is
 * refused, logged with every problem, and the running configuration is kept.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { ConfigError, parseConfig } from './load.js';
import type { Config } from './schema.js';

export const CONFIG_POLL_INTERVAL_MS = 30_000;
export const CONFIG_DEBOUNCE_MS = 200;
/** Longest a reload waits while relevant events keep coming (each one restarts the debounce). */
export const CONFIG_DEBOUNCE_MAX_WAIT_MS = 2_000;
/** The symlink the kubelet swaps atomically when a ConfigMap/Secret volume changes. */
const KUBELET_DATA_LINK = '..data';

export interface ConfigLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ConfigWatcherOptions {
  readonly file: string;
  readonly initial: Config;
  readonly logger: ConfigLogger;
  readonly onApplied?: (config: Config) => void | Promise<void>;
  readonly onRejected?: (err: ConfigError) => void;
  readonly pollIntervalMs?: number;
  readonly debounceMs?: number;
  readonly debounceMaxWaitMs?: number;
}

export class ConfigWatcher {
  private config: Config;
  private lastText: string | undefined;
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  /** When the first event of the pending debounce arrived. */
  private pendingSince = 0;
  private running: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly opts: ConfigWatcherOptions) {
    this.config = opts.initial;
  }

  /** The configuration in force. */
  get current(): Config {
    return this.config;
  }

  async start(): Promise<this> {
    this.lastText = await readFile(this.opts.file, 'utf8').catch(() => undefined);
    try {
      const name = basename(this.opts.file);
      this.watcher = watch(dirname(this.opts.file), (_event, filename) => {
        // No name (some platforms): cannot filter, so count it.
        if (filename === null || filename === name || filename === KUBELET_DATA_LINK) this.schedule();
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      // No watch support here: the poll below still picks changes up.
    }
    this.poll = setInterval(() => void this.reload(), this.opts.pollIntervalMs ?? CONFIG_POLL_INTERVAL_MS);
    this.poll.unref();
    return this;
  }

  private schedule(): void {
    if (this.closed) return;
    const now = Date.now();
    if (this.debounce) clearTimeout(this.debounce);
    else this.pendingSince = now;
    const quiet = this.opts.debounceMs ?? CONFIG_DEBOUNCE_MS;
    const deadline = this.pendingSince + (this.opts.debounceMaxWaitMs ?? CONFIG_DEBOUNCE_MAX_WAIT_MS);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.reload();
    }, Math.max(0, Math.min(quiet, deadline - now)));
  }

  /** Re-read the file now; resolves when done. Serialised; never rejects. */
  reload(): Promise<void> {
    this.running = this.running.then(() => this.check());
    return this.running;
  }

  private async check(): Promise<void> {
    if (this.closed) return;
    let text: string;
    try {
      text = await readFile(this.opts.file, 'utf8');
    } catch (err) {
      this.opts.logger.error({ file: this.opts.file, reason: (err as Error).message }, 'configuration unreadable; keeping the running configuration');
      return;
    }
    if (text === this.lastText) return;
    this.lastText = text;
    try {
      this.config = parseConfig(text, this.opts.file);
      this.opts.logger.info({ file: this.opts.file, mode: this.config.mode }, 'configuration reloaded');
      await this.opts.onApplied?.(this.config);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.opts.logger.error({ file: this.opts.file, problems: err.problems }, 'configuration change refused; keeping the running configuration');
      this.opts.onRejected?.(err);
    }
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    if (this.poll) clearInterval(this.poll);
    if (this.debounce) clearTimeout(this.debounce);
  }
}
