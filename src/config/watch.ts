/**
 * Configuration hot reload. A ConfigMap volume updates like a Secret volume: the kubelet writes a new
 * timestamped directory and atomically swaps the `..data` symlink, so we watch the directory, not the
 * file, and re-read on any event (debounced), plus a slow poll where fs.watch misses events.
 *
 * A valid change replaces the whole configuration at once: each review reads `current` once at its
 * start, so no review ever sees half of an old and half of a new configuration. An invalid change is
 * refused, logged with every problem, and the running configuration is kept.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError, parseConfig } from './load.js';
import type { Config } from './schema.js';

export const CONFIG_POLL_INTERVAL_MS = 30_000;
export const CONFIG_DEBOUNCE_MS = 200;

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
}

export class ConfigWatcher {
  private config: Config;
  private lastText: string | undefined;
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
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
      this.watcher = watch(dirname(this.opts.file), () => this.schedule());
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      // No watch support here: the poll below still picks changes up.
    }
    this.poll = setInterval(() => this.schedule(), this.opts.pollIntervalMs ?? CONFIG_POLL_INTERVAL_MS);
    this.poll.unref();
    return this;
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.reload();
    }, this.opts.debounceMs ?? CONFIG_DEBOUNCE_MS);
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
