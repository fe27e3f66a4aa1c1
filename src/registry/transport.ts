/**
 * HTTP for registry lookups (undici): one Agent per CA bundle, every request bounded by a signal,
 * bodies read with a size cap, and an optional host → address override for tests
 * (`acme.azurecr.io` → `127.0.0.1:8443`, TLS still verified against the original name).
 */
import { untilAborted } from './wait.js';
import { Agent, buildConnector, request, type Dispatcher } from 'undici';
import { createSecureContext, rootCertificates } from 'node:tls';
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import { BodyTooLargeError, type Headers } from './outcome.js';
import { splitHostPort } from './hosts.js';

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  /** The body when it was read (GET), else null. */
  readonly body: Buffer | null;
}

export interface HttpRequest {
  readonly url: string;
  readonly method: 'GET' | 'HEAD';
  readonly headers: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
  /** Per-request timeout (ms), on top of `signal`. */
  readonly timeoutMs: number;
  /** Read the body (up to maxBodyBytes); otherwise it is discarded. */
  readonly readBody: boolean;
  readonly maxBodyBytes: number;
  /** Extra PEM CA certificates trusted on top of the system roots. */
  readonly caBundle?: string | undefined;
}

export interface TransportOptions {
  /** `host` → `ip` or `ip:port`. Only for tests and lab setups: the Host header and TLS name stay. */
  readonly hostOverrides?: Readonly<Record<string, string>>;
  /** DNS lookup used for hosts without an override (default: the system resolver). */
  readonly lookup?: LookupFunction;
  /** Connect timeout (ms). */
  readonly connectTimeoutMs?: number;
  /** Largest response header block accepted (bytes). */
  readonly maxHeaderSize?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_HEADER_SIZE = 16 * 1024;

type ConnectFn = buildConnector.connector;

export class Transport {
  readonly #agents = new Map<string, Agent>();
  readonly #opts: TransportOptions;

  constructor(opts: TransportOptions = {}) {
    this.#opts = opts;
  }

  #agent(caBundle: string | undefined): Dispatcher {
    const key = caBundle ? createHash('sha256').update(caBundle).digest('hex') : '';
    let agent = this.#agents.get(key);
    if (agent) return agent;
    const connectTimeout = this.#opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    // One secure context per CA bundle, built once: passing `ca` to every connect instead would parse
    // the ~140 system roots plus the bundle again for each new TLS connection (about 20 ms of CPU on the
    // event loop each time; undici closes the connection after every HEAD, so that was every lookup).
    const base = buildConnector({
      timeout: connectTimeout,
      ...(caBundle ? { secureContext: createSecureContext({ ca: [...rootCertificates, caBundle] }) } : {}),
      ...(this.#opts.lookup ? { lookup: this.#opts.lookup } : {}),
    } as buildConnector.BuildOptions);
    const overrides = this.#opts.hostOverrides ?? {};
    const connect: ConnectFn = (opts, cb) => {
      const target = overrides[opts.hostname.toLowerCase()];
      if (target === undefined) return base(opts, cb);
      const { host, port } = splitHostPort(target);
      const ip = host.replace(/^\[|\]$/g, '');
      const servername = isIP(opts.hostname) ? undefined : opts.hostname;
      return base(
        {
          ...opts,
          hostname: ip,
          port: port === null ? opts.port : String(port),
          ...(servername ? { servername } : {}),
        },
        cb,
      );
    };
    agent = new Agent({
      connect,
      maxHeaderSize: this.#opts.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE,
      keepAliveTimeout: 10_000,
      connections: 32,
    });
    this.#agents.set(key, agent);
    return agent;
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const signal = AbortSignal.any([req.signal, AbortSignal.timeout(req.timeoutMs)]);
    const pending = request(req.url, {
      method: req.method,
      headers: req.headers,
      signal,
      dispatcher: this.#agent(req.caBundle),
      // undici closes the connection after every HEAD unless told otherwise (nodejs/undici#258: for
      // servers that wrongly send a body after a HEAD answer). Registries are HTTP/1.1 servers that
      // do not (distribution, ECR, ACR, GHCR, Docker Hub, Harbor, Quay and Artifactory sit behind Go
      // net/http, nginx or Tomcat, which never write a HEAD body), and a manifest HEAD is the most
      // common lookup: keeping the connection saves a TCP + TLS handshake per uncached image. Should a
      // server send stray bytes anyway, undici's parser fails that connection and the lookup is
      // answered as a transport failure (a warning), never as a wrong "not found".
      ...(req.method === 'HEAD' ? { reset: false } : {}),
    });
    // undici defers an abort that arrives while the connection (TLS handshake) is still being set up
    // until its connect timeout; do not wait for that.
    // A response that arrives after the abort is released (its body destroyed), not left open.
    const res = await untilAborted(pending, signal, (late) => (late as { body?: { destroy?: () => void } }).body?.destroy?.());
    const headers = res.headers as Headers;
    if (!req.readBody || req.method === 'HEAD') {
      await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      return { status: res.statusCode, headers, body: null };
    }
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > req.maxBodyBytes) {
      res.body.destroy();
      throw new BodyTooLargeError(`body of ${declared} bytes exceeds ${req.maxBodyBytes}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      const b = chunk as Buffer;
      size += b.length;
      if (size > req.maxBodyBytes) {
        res.body.destroy();
        throw new BodyTooLargeError(`body exceeds ${req.maxBodyBytes} bytes`);
      }
      chunks.push(b);
    }
    return { status: res.statusCode, headers, body: Buffer.concat(chunks) };
  }

  async close(): Promise<void> {
    const agents = [...this.#agents.values()];
    this.#agents.clear();
    await Promise.all(agents.map((a) => a.destroy().catch(() => undefined)));
  }
}

