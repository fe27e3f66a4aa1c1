/**
 * Hot reload of the serving certificate without restarting the server.
 *
 * How the new pair reaches connections: `tls.Server#setSecureContext()` (Node ≥ 11) on the server
 * Fastify creates (`app.server` is a plain `https.Server` when Fastify gets `https:` options). New
 * handshakes use the new context; established connections keep theirs. We do NOT rely on an
 * `SNICallback`: it only runs when the client sends SNI, and clients that connect by IP address
 * (`https://127.0.0.1:8443`, `url:` webhooks with an IP, kube-apiserver via a Service ClusterIP
 * `url:`) send none, so they would keep getting the start-up certificate forever.
 * `secureContext()` is still provided for callers who need an SNICallback for other reasons.
 *
 * Note: `setSecureContext()` replaces *every* context option (minVersion, ciphers, ca, …), not just
 * cert/key. Pass the same TLS options the server was created with as `tlsOptions`; they are merged
 * into every reload, and `tlsOptions()` returns them with cert/key for the server's constructor.
 *
 * Usage with Fastify:
 *   const reloader = await CertificateReloader.load({ certFile, keyFile });
 *   const app = Fastify({ https: reloader.tlsOptions(), logger: … });
 *   reloader.setLogger(app.log);   // without a logger, failed reloads are silent
 *   reloader.attach(app.server);
 *   app.addHook('onClose', async () => reloader.close());
 *
 * Change detection: `fs.watch` on the *directories* holding the files — Kubernetes secret volumes
 * update by writing a new timestamped directory and atomically renaming a `..data` symlink, so the
 * events are for `..data`/`..data_tmp`, never for `tls.crt` itself, and a watch on the file would
 * stay attached to the old inode. Every event triggers a debounced re-read; nothing changes unless
 * the bytes differ. `fs.watch` is unreliable on some filesystems (NFS, some overlay and FUSE mounts,
 * inotify limits), so a slow poll (`POLL_INTERVAL_MS`) re-reads as well, and re-creates a watcher
 * that failed.
 *
 * A pair that does not validate (unparsable, key does not match: e.g. the key was written before the
 * cert) is logged once per distinct content and the current context is kept; the next event or poll
 * retries.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import type { Server as HttpServer } from 'node:http';
import tls from 'node:tls';
import {
  CertificateError,
  type CertificateInfo,
  type ValidatedKeyPair,
  errorText,
  fsErrorText,
  validateKeyPair,
} from './pem.js';

/** Fallback re-read interval, for filesystems where fs.watch misses events. */
export const POLL_INTERVAL_MS = 30_000;
/** Events arrive in bursts (kubelet: mkdir, write, symlink, rename, unlink); coalesce them. */
export const DEBOUNCE_MS = 100;

/**
 * The logging this module needs. Fastify's `app.log` / pino loggers satisfy it
 * (`warn(obj, msg)` signature).
 */
export interface CertLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** What `attach()` needs from a server: `tls.Server`, `https.Server`, `http2.Http2SecureServer`. */
export type SecureContextTarget = Pick<tls.Server, 'setSecureContext'>;

/** TLS context options other than cert/key, applied on creation and on every reload. */
export type BaseTlsOptions = Omit<tls.SecureContextOptions, 'cert' | 'key' | 'pfx' | 'passphrase'>;

export interface CertificateReloaderOptions {
  readonly certFile: string;
  readonly keyFile: string;
  readonly logger?: CertLogger;
  readonly tlsOptions?: BaseTlsOptions;
  /** Default POLL_INTERVAL_MS. */
  readonly pollIntervalMs?: number;
  /** Default DEBOUNCE_MS. */
  readonly debounceMs?: number;
  /** Use fs.watch (default true). False: poll only. */
  readonly watch?: boolean;
  /** Called after a new pair has been installed. */
  readonly onReload?: (info: CertificateInfo) => void;
}

const noopLogger: CertLogger = { info() {}, warn() {} };

export class CertificateReloader {
  readonly certFile: string;
  readonly keyFile: string;

  private logger: CertLogger;
  private readonly baseTls: BaseTlsOptions;
  private readonly pollIntervalMs: number;
  private readonly debounceMs: number;
  private readonly useWatch: boolean;
  private readonly onReload: ((info: CertificateInfo) => void) | undefined;

  private certBytes: Buffer;
  private keyBytes: Buffer;
  private certPem: string;
  private keyPem: string;
  private currentInfo: CertificateInfo;
  private context: tls.SecureContext | undefined;

  private readonly servers = new Set<SecureContextTarget>();
  private readonly watchers = new Map<string, FSWatcher>();
  private pollTimer: NodeJS.Timeout | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private lastFailure: string | undefined;
  private closed = false;

  /**
   * Read and validate the pair, then start watching. Throws `CertificateError` (message names the
   * file and the problem) when the initial pair is unusable.
   */
  static async load(opts: CertificateReloaderOptions): Promise<CertificateReloader> {
    const cert = await readBytes(opts.certFile);
    const key = await readBytes(opts.keyFile);
    const pair = validateKeyPair(cert, key, opts.certFile, opts.keyFile);
    const reloader = new CertificateReloader(opts, cert, key, pair.info);
    reloader.start();
    return reloader;
  }

  private constructor(opts: CertificateReloaderOptions, cert: Buffer, key: Buffer, info: CertificateInfo) {
    this.certFile = opts.certFile;
    this.keyFile = opts.keyFile;
    this.logger = opts.logger ?? noopLogger;
    this.baseTls = opts.tlsOptions ?? {};
    this.pollIntervalMs = opts.pollIntervalMs ?? POLL_INTERVAL_MS;
    this.debounceMs = opts.debounceMs ?? DEBOUNCE_MS;
    this.useWatch = opts.watch ?? true;
    this.onReload = opts.onReload;
    this.certBytes = cert;
    this.keyBytes = key;
    this.certPem = cert.toString('utf8');
    this.keyPem = key.toString('utf8');
    this.currentInfo = info;
  }

  /** The serving certificate currently in use. */
  get info(): CertificateInfo {
    return this.currentInfo;
  }

  /** Current PEMs. */
  get cert(): string {
    return this.certPem;
  }
  get key(): string {
    return this.keyPem;
  }

  /** Options for the server constructor: `Fastify({ https: reloader.tlsOptions() })`. */
  tlsOptions(): tls.SecureContextOptions & { cert: string; key: string } {
    return { ...this.baseTls, cert: this.certPem, key: this.keyPem };
  }

  /** A SecureContext for the current pair (cached until the next reload), e.g. for an SNICallback. */
  secureContext(): tls.SecureContext {
    this.context ??= tls.createSecureContext(this.tlsOptions());
    return this.context;
  }

  /**
   * Install the current pair on `server` now and after every reload (`setSecureContext`).
   * Works for `https.Server`, `tls.Server` and `http2.Http2SecureServer`. Also accepts an
   * `http.Server`-typed value, because that is how Fastify types `app.server` even when it was
   * created with `https:` options (it is an `https.Server` at run time): `reloader.attach(app.server)`.
   * Throws TypeError when the server has no `setSecureContext` (a plain-HTTP server).
   */
  attach(server: SecureContextTarget | HttpServer): this {
    const target = server as Partial<SecureContextTarget>;
    if (typeof target.setSecureContext !== 'function') {
      throw new TypeError('CertificateReloader.attach: server has no setSecureContext(); is it an HTTPS server?');
    }
    const t = target as SecureContextTarget;
    this.servers.add(t);
    t.setSecureContext(this.tlsOptions());
    return this;
  }

  /** Use this logger from now on (e.g. Fastify's `app.log`, which exists only after the server is built). */
  setLogger(logger: CertLogger): void {
    this.logger = logger;
  }

  detach(server: SecureContextTarget | HttpServer): void {
    this.servers.delete(server as SecureContextTarget);
  }

  /**
   * Re-read the files now. Resolves true when a new, valid pair was installed; false when unchanged,
   * invalid (logged; old pair kept) or closed. Never rejects. Calls are serialised.
   */
  reload(): Promise<boolean> {
    const run = this.queue.then(() => this.check());
    this.queue = run.catch(() => undefined);
    return run.catch((err: unknown) => {
      this.logger.warn({ err: errorText(err) }, 'TLS certificate reload failed; keeping the current certificate');
      return false;
    });
  }

  /** Stop watching and polling. Idempotent. Attached servers keep the last installed context. */
  close(): void {
    this.closed = true;
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.debounceTimer = undefined;
    this.pollTimer = undefined;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    this.servers.clear();
  }

  /** For tests and diagnostics: whether any watcher or timer is still active. */
  get active(): boolean {
    return this.watchers.size > 0 || this.pollTimer !== undefined || this.debounceTimer !== undefined;
  }

  // -------------------------------------------------------------------------------------------

  private start(): void {
    this.ensureWatchers();
    // unref: the HTTPS server keeps the process alive, not the reloader; close() clears it anyway.
    this.pollTimer = setInterval(() => {
      this.ensureWatchers();
      void this.reload();
    }, this.pollIntervalMs);
    this.pollTimer.unref();
  }

  private ensureWatchers(): void {
    if (!this.useWatch || this.closed) return;
    for (const dir of new Set([dirname(this.certFile), dirname(this.keyFile)])) {
      if (this.watchers.has(dir)) continue;
      let watcher: FSWatcher;
      try {
        // persistent: false, for the same reason as unref() above.
        watcher = watch(dir, { persistent: false }, () => this.schedule());
      } catch (err) {
        this.logger.warn(
          { dir, err: errorText(err), pollIntervalMs: this.pollIntervalMs },
          'cannot watch the certificate directory; relying on polling',
        );
        continue;
      }
      watcher.on('error', (err) => {
        watcher.close();
        if (this.watchers.get(dir) === watcher) this.watchers.delete(dir);
        this.logger.warn(
          { dir, err: errorText(err), pollIntervalMs: this.pollIntervalMs },
          'certificate directory watch failed; relying on polling until it can be re-established',
        );
      });
      this.watchers.set(dir, watcher);
    }
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      void this.reload();
    }, this.debounceMs);
    this.debounceTimer.unref();
  }

  private async check(): Promise<boolean> {
    if (this.closed) return false;
    let cert: Buffer;
    let key: Buffer;
    try {
      cert = await readBytes(this.certFile);
      key = await readBytes(this.keyFile);
    } catch (err) {
      // Mid-rotation a path can briefly dangle; the next event or poll retries.
      this.failed(`read:${errorText(err)}`, errorText(err));
      return false;
    }
    if (this.closed) return false;
    if (cert.equals(this.certBytes) && key.equals(this.keyBytes)) {
      this.lastFailure = undefined;
      return false;
    }

    let pair: ValidatedKeyPair;
    try {
      pair = validateKeyPair(cert, key, this.certFile, this.keyFile);
    } catch (err) {
      this.failed(digest(cert, key), errorText(err));
      return false;
    }
    const options = { ...this.baseTls, cert: pair.cert, key: pair.key };
    let context: tls.SecureContext;
    try {
      context = tls.createSecureContext(options); // fail here, before touching any server
      for (const server of this.servers) server.setSecureContext(options);
    } catch (err) {
      this.failed(digest(cert, key), `TLS rejected the pair: ${errorText(err)}`);
      return false;
    }

    const previous = this.currentInfo;
    this.certBytes = cert;
    this.keyBytes = key;
    this.certPem = pair.cert;
    this.keyPem = pair.key;
    this.currentInfo = pair.info;
    this.context = context;
    this.lastFailure = undefined;
    this.logger.info(
      {
        certFile: this.certFile,
        subject: pair.info.subject,
        sans: pair.info.sans,
        notAfter: pair.info.notAfter.toISOString(),
        fingerprint: pair.info.fingerprint,
        previousFingerprint: previous.fingerprint,
      },
      'reloaded TLS certificate',
    );
    this.onReload?.(pair.info);
    return true;
  }

  /** Log a failed reload, once per distinct failure (the poll would otherwise repeat it forever). */
  private failed(key: string, reason: string): void {
    if (this.lastFailure === key) return;
    this.lastFailure = key;
    this.logger.warn(
      { certFile: this.certFile, keyFile: this.keyFile, err: reason, fingerprint: this.currentInfo.fingerprint },
      'new TLS certificate/key not usable (yet); keeping the current certificate and retrying on the next change',
    );
  }
}

async function readBytes(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new CertificateError(fsErrorText(file, 'read', err), file, { cause: err });
  }
}

function digest(cert: Buffer, key: Buffer): string {
  return createHash('sha256').update(cert).update('\0').update(key).digest('hex');
}
