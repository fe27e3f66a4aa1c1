/**
 * The little of the Kubernetes API pullguard needs, over undici: paged lists and watches of core
 * objects as JSON. One Agent carries the connection's TLS settings (a secure context built once);
 * auth headers are asked of the connection for every request, so rotated tokens are picked up.
 *
 * Every call has a deadline: a list page must arrive whole within LIST_TIMEOUT_MS; a watch must
 * answer within WATCH_HEADERS_TIMEOUT_MS and then never stay silent longer than its own
 * timeoutSeconds plus WATCH_IDLE_GRACE_MS (the server ends it at timeoutSeconds, and bookmarks or
 * events arrive before that), so a half-open connection is noticed.
 */
import { createSecureContext } from 'node:tls';
import { Agent, errors as undiciErrors, type Dispatcher } from 'undici';
import type { ClusterConnection } from './kubeconfig.js';
import { untilAborted } from '../registry/wait.js';

/**
 * Client certificate files are read again this often (client-go transport/cert_rotation.go,
 * CertCallbackRefreshDuration: 5 minutes). When the pair changed, every connection is closed so the
 * next ones present the new certificate, as client-go's connrotation.Dialer CloseAll does.
 */
export const CLIENT_CERT_RELOAD_MS = 5 * 60_000;
/** Connect + TLS handshake (client-go rest/transport: TLSHandshakeTimeout 10 s). */
export const CONNECT_TIMEOUT_MS = 10_000;
/** A whole list page, body included: the kube-apiserver's own --request-timeout default (1 min). */
export const LIST_TIMEOUT_MS = 60_000;
/** From sending a watch to its response headers (the server answers at once, before any event). */
export const WATCH_HEADERS_TIMEOUT_MS = 30_000;
/** A watch may be silent for its timeoutSeconds plus this before the connection is taken as dead. */
export const WATCH_IDLE_GRACE_MS = 30_000;
/** Idle keep-alive connections are closed after this (the API server's own idle timeout is 90 s+). */
export const KEEP_ALIVE_TIMEOUT_MS = 30_000;
/** Of an error answer only this much is read: enough for a Status, never a huge body. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Longest error message kept from a body that is not a Status. */
export const MAX_ERROR_TEXT_CHARS = 200;
/**
 * Longest watch event line. An object is at most ~1.5 MiB in etcd (a Secret at most 1 MiB of data,
 * base64 in JSON); a line far beyond that is a broken stream, not an object.
 */
export const MAX_WATCH_LINE_BYTES = 16 * 1024 * 1024;

const USER_AGENT = 'pullguard';
const NEWLINE = 0x0a;

/** An API request that failed: `statusCode` when the server answered with an error status. */
export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly statusCode?: number,
    /** The Status `reason` (`Forbidden`, `Expired` …) when the answer carried one. */
    readonly reason?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KubeApiError';
  }
}

export interface ListParams {
  readonly fieldSelector?: string;
  readonly labelSelector?: string;
  readonly limit?: number;
  /** The previous page's metadata.continue. */
  readonly continue?: string;
}

export interface ListResult {
  readonly items: readonly unknown[];
  readonly metadata: { readonly resourceVersion?: string; readonly continue?: string };
}

/** Page size for list calls (client-go's pager uses 500). */
export const LIST_PAGE_SIZE = 500;

/**
 * Every object of a collection, page by page (client-go tools/pager), and the resourceVersion of the
 * last page: the version a watch resumes from.
 */
export async function listAll(
  client: { list(path: string, params: ListParams, signal?: AbortSignal): Promise<ListResult> },
  path: string,
  params: Pick<ListParams, 'fieldSelector' | 'labelSelector'> = {},
  signal?: AbortSignal,
): Promise<{ readonly items: unknown[]; readonly resourceVersion: string | undefined }> {
  const items: unknown[] = [];
  let cont: string | undefined;
  let resourceVersion: string | undefined;
  do {
    const page = await client.list(path, { ...params, limit: LIST_PAGE_SIZE, ...(cont ? { continue: cont } : {}) }, signal);
    for (const item of page.items) items.push(item);
    resourceVersion = page.metadata.resourceVersion;
    cont = page.metadata.continue;
  } while (cont);
  return { items, resourceVersion };
}

export interface WatchParams {
  readonly resourceVersion?: string;
  /** The server ends the watch after this many seconds. */
  readonly timeoutSeconds: number;
  readonly fieldSelector?: string;
  readonly allowWatchBookmarks?: boolean;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
const EVENT_TYPES: readonly string[] = ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'];

export interface KubeClientOptions {
  /** Deadlines (tests shorten them). */
  readonly listTimeoutMs?: number;
  readonly watchHeadersTimeoutMs?: number;
  readonly watchIdleGraceMs?: number;
  readonly connectTimeoutMs?: number;
  /** How often client certificate files are read again (CLIENT_CERT_RELOAD_MS; tests shorten it). */
  readonly certReloadMs?: number;
  /** Where certificate reloads are reported. */
  readonly logger?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export class KubeClient {
  private agent: Agent;
  /** The client certificate and key in use (to tell whether a reload changed them). */
  private clientPair: { readonly cert: string; readonly key: string } | null;
  private readonly reloadTimer: NodeJS.Timeout | undefined;
  private readonly listTimeoutMs: number;
  private readonly watchHeadersTimeoutMs: number;
  private readonly watchIdleGraceMs: number;

  constructor(
    readonly connection: ClusterConnection,
    private readonly opts: KubeClientOptions = {},
  ) {
    const { cert, key, reloadClientCertificate } = connection.tls;
    this.clientPair = cert && key ? { cert, key } : null;
    this.agent = this.makeAgent();
    this.listTimeoutMs = opts.listTimeoutMs ?? LIST_TIMEOUT_MS;
    this.watchHeadersTimeoutMs = opts.watchHeadersTimeoutMs ?? WATCH_HEADERS_TIMEOUT_MS;
    this.watchIdleGraceMs = opts.watchIdleGraceMs ?? WATCH_IDLE_GRACE_MS;
    if (reloadClientCertificate) {
      this.reloadTimer = setInterval(() => void this.reloadClientCertificate(), opts.certReloadMs ?? CLIENT_CERT_RELOAD_MS);
      this.reloadTimer.unref();
    }
  }

  private makeAgent(): Agent {
    const { ca, rejectUnauthorized, servername } = this.connection.tls;
    // Built once per certificate: passing ca/cert/key to every connect would parse them (and the
    // system roots) again for each TLS connection.
    const secureContext = createSecureContext({ ...(ca ? { ca } : {}), ...(this.clientPair ?? {}) });
    return new Agent({
      connect: { secureContext, rejectUnauthorized, ...(servername ? { servername } : {}), timeout: this.opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS },
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    });
  }

  /**
   * Read the client certificate files again (CLIENT_CERT_RELOAD_MS). A changed pair replaces the
   * connections: requests in flight on the old ones — watches — fail and are resumed by their
   * reflectors. A pair that cannot be read or used keeps the current one. Returns whether it changed.
   */
  async reloadClientCertificate(): Promise<boolean> {
    const reload = this.connection.tls.reloadClientCertificate;
    if (!reload) return false;
    let pair: { readonly cert: string; readonly key: string };
    try {
      pair = await reload();
      // Refuse a certificate that does not go with its key before it replaces anything.
      createSecureContext(pair);
    } catch (err) {
      this.opts.logger?.warn({ reason: (err as Error).message }, 'cannot use the client certificate files again; keeping the current certificate');
      return false;
    }
    if (this.clientPair && pair.cert === this.clientPair.cert && pair.key === this.clientPair.key) return false;
    this.clientPair = pair;
    const old = this.agent;
    this.agent = this.makeAgent();
    void old.destroy().catch(() => undefined);
    this.opts.logger?.info({}, 'client certificate changed; connections to the API server reopened with it');
    return true;
  }

  /** One page of `path` (`/api/v1/secrets`). */
  async list(path: string, params: ListParams = {}, signal?: AbortSignal): Promise<ListResult> {
    const deadline = AbortSignal.timeout(this.listTimeoutMs);
    const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
    const what = `list ${path}`;
    try {
      const res = await this.open(
        path,
        { fieldSelector: params.fieldSelector, labelSelector: params.labelSelector, limit: params.limit, continue: params.continue },
        combined,
        { headersTimeout: this.listTimeoutMs, bodyTimeout: this.listTimeoutMs },
      );
      const body = (await untilAborted(res.body.json(), combined)) as unknown;
      return listResult(body);
    } catch (err) {
      if (deadline.aborted && !signal?.aborted) {
        throw new KubeApiError(`${what}: no complete answer from the API server within ${this.listTimeoutMs / 1000} s`, undefined, undefined, { cause: err });
      }
      throw this.wrap(err, what, signal);
    }
  }

  /** One object (`/api/v1/namespaces/ns/pods/name`); a KubeApiError with statusCode 404 when it does not exist. */
  async get(path: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const body = await this.send('GET', path, undefined, signal);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new KubeApiError(`GET ${path}: the answer is not an object`);
    return body as Record<string, unknown>;
  }

  /**
   * Watch `path` from `params.resourceVersion`, calling `onEvent` for every event (ERROR events
   * included: their object is a Status). Resolves when the server ends the watch; rejects with a
   * KubeApiError (statusCode set when the server refused it), or with the abort reason.
   */
  async watch(
    path: string,
    params: WatchParams,
    onEvent: (type: WatchEventType, object: unknown) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const what = `watch ${path}`;
    const idleMs = params.timeoutSeconds * 1000 + this.watchIdleGraceMs;
    try {
      const res = await this.open(
        path,
        {
          watch: 1,
          allowWatchBookmarks: params.allowWatchBookmarks,
          resourceVersion: params.resourceVersion,
          timeoutSeconds: params.timeoutSeconds,
          fieldSelector: params.fieldSelector,
        },
        signal,
        { headersTimeout: this.watchHeadersTimeoutMs, bodyTimeout: idleMs },
      );
      const lines = new LineSplitter(MAX_WATCH_LINE_BYTES);
      const deliver = (line: Buffer) => {
        const event = parseEvent(line);
        if (event) onEvent(event.type, event.object);
      };
      try {
        for await (const chunk of res.body) lines.push(chunk as Buffer, deliver);
        lines.end(deliver);
      } finally {
        discard(res.body);
      }
    } catch (err) {
      if (err instanceof undiciErrors.BodyTimeoutError) {
        throw new KubeApiError(`${what}: the API server sent nothing for ${idleMs / 1000} s`, undefined, undefined, { cause: err });
      }
      if (err instanceof undiciErrors.HeadersTimeoutError) {
        throw new KubeApiError(`${what}: no answer from the API server within ${this.watchHeadersTimeoutMs / 1000} s`, undefined, undefined, { cause: err });
      }
      throw this.wrap(err, what, signal);
    }
  }

  /**
   * One request that changes something (or reads one object): `GET`, `POST`, `PUT`, `PATCH` (merge
   * patch) or `DELETE` of `path`, with a JSON body. Resolves with the answer's JSON; rejects with a
   * KubeApiError carrying the status (409 Conflict for a stale resourceVersion, 404 Not Found …).
   * Same deadline as a list page.
   */
  async send(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
    const deadline = AbortSignal.timeout(this.listTimeoutMs);
    const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
    const what = `${method} ${path}`;
    try {
      const res = await this.open(path, {}, combined, { headersTimeout: this.listTimeoutMs, bodyTimeout: this.listTimeoutMs }, method, body);
      return (await untilAborted(res.body.json(), combined)) as unknown;
    } catch (err) {
      if (deadline.aborted && !signal?.aborted) {
        throw new KubeApiError(`${what}: no complete answer from the API server within ${this.listTimeoutMs / 1000} s`, undefined, undefined, { cause: err });
      }
      throw this.wrap(err, what, signal);
    }
  }

  async close(): Promise<void> {
    if (this.reloadTimer) clearInterval(this.reloadTimer);
    await this.agent.destroy().catch(() => undefined);
  }

  private async open(
    path: string,
    query: Query,
    signal: AbortSignal,
    timeouts: { headersTimeout: number; bodyTimeout: number },
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' = 'GET',
    body?: unknown,
  ): Promise<Dispatcher.ResponseData> {
    const server = this.connection.server;
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') search.set(k, String(v));
    // A server URL with a path (an API proxy: https://rancher/k8s/clusters/c-1) prefixes every request.
    const fullPath = `${server.pathname.replace(/\/+$/, '')}${path}${search.size ? `?${search}` : ''}`;
    const auth = await untilAborted(this.connection.headers(), signal);
    const pending = this.agent.request({
      origin: server.origin,
      path: fullPath,
      method,
      headers: {
        ...auth,
        accept: 'application/json',
        'user-agent': USER_AGENT,
        ...(body !== undefined ? { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal,
      ...timeouts,
    });
    // undici defers an abort that arrives during the TLS handshake until the connect timeout; a
    // response that arrives after the abort is released, not left open.
    const res = await untilAborted(pending, signal, (late) => discard(late.body));
    if (res.statusCode < 200 || res.statusCode > 299) throw await errorFromAnswer(res);
    const type = String(res.headers['content-type'] ?? '');
    if (!/^application\/json\b/i.test(type)) {
      discard(res.body);
      throw new KubeApiError(`the API server answered with content-type "${type}", not application/json`, res.statusCode);
    }
    return res;
  }

  /** An error as a KubeApiError naming the call, except an abort by the caller (its reason, as is). */
  private wrap(err: unknown, what: string, signal: AbortSignal | undefined): unknown {
    if (signal?.aborted) return signal.reason ?? err;
    if (err instanceof KubeApiError) return new KubeApiError(`${what}: ${err.message}`, err.statusCode, err.reason, { cause: err });
    const message = err instanceof Error ? err.message : String(err);
    return new KubeApiError(`${what} at ${this.connection.server.origin}: ${message}`, undefined, undefined, { cause: err });
  }
}

function listResult(body: unknown): ListResult {
  const o = body as { items?: unknown; metadata?: { resourceVersion?: unknown; continue?: unknown } } | null;
  if (typeof o !== 'object' || o === null || !Array.isArray(o.items)) {
    throw new KubeApiError('the answer is not a list (no items)');
  }
  const rv = o.metadata?.resourceVersion;
  const cont = o.metadata?.continue;
  return {
    items: o.items as unknown[],
    metadata: {
      ...(typeof rv === 'string' && rv !== '' ? { resourceVersion: rv } : {}),
      ...(typeof cont === 'string' && cont !== '' ? { continue: cont } : {}),
    },
  };
}

function parseEvent(line: Buffer): { type: WatchEventType; object: unknown } | null {
  const text = line.toString('utf8').trim();
  if (text === '') return null;
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    throw new KubeApiError('the stream holds a line that is not JSON');
  }
  const e = event as { type?: unknown; object?: unknown } | null;
  if (typeof e !== 'object' || e === null || typeof e.type !== 'string' || !EVENT_TYPES.includes(e.type) || typeof e.object !== 'object' || e.object === null) {
    throw new KubeApiError('the stream holds a line that is not a watch event');
  }
  return { type: e.type as WatchEventType, object: e.object };
}

/** Newline-delimited records from a byte stream; a record may span chunks, a chunk may hold several. */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxLineBytes: number) {}

  push(chunk: Buffer, onLine: (line: Buffer) => void): void {
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE, start); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      const piece = chunk.subarray(start, nl);
      const line = this.pending.length ? Buffer.concat([...this.pending, piece]) : piece;
      this.pending = [];
      this.pendingBytes = 0;
      start = nl + 1;
      onLine(line);
    }
    if (start < chunk.length) {
      this.pendingBytes += chunk.length - start;
      if (this.pendingBytes > this.maxLineBytes) throw new KubeApiError(`a watch event is longer than ${this.maxLineBytes} bytes`);
      // Copied: undici may reuse the chunk's memory.
      this.pending.push(Buffer.from(chunk.subarray(start)));
    }
  }

  /** The last record when the stream did not end with a newline. */
  end(onLine: (line: Buffer) => void): void {
    if (this.pending.length) onLine(Buffer.concat(this.pending));
    this.pending = [];
    this.pendingBytes = 0;
  }
}

/**
 * Drop a response body that is not (or no longer) read. undici reports destroying an unfinished body
 * as an 'error' event (RequestAbortedError); nobody listens any more, so it is swallowed here.
 */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  if (!body.destroyed) body.destroy();
}

/** The error for a non-2xx answer: the Status message when the body is one, else the status line. */
async function errorFromAnswer(res: Dispatcher.ResponseData): Promise<KubeApiError> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      const b = chunk as Buffer;
      chunks.push(b.subarray(0, MAX_ERROR_BODY_BYTES - size));
      size += b.length;
      if (size >= MAX_ERROR_BODY_BYTES) break;
    }
  } catch {
    // The status code is what matters; a body cut short is not worth more than that.
  } finally {
    discard(res.body);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  type StatusBody = { kind?: unknown; message?: unknown; reason?: unknown } | null;
  let status: StatusBody;
  try {
    status = JSON.parse(text) as StatusBody;
  } catch {
    status = null;
  }
  const reason = typeof status?.reason === 'string' && status.reason !== '' ? status.reason : undefined;
  if (status?.kind === 'Status' && typeof status.message === 'string' && status.message !== '') {
    return new KubeApiError(`HTTP ${res.statusCode}: ${status.message}`, res.statusCode, reason);
  }
  const firstLine = text.split('\n', 1)[0]?.trim() ?? '';
  const snippet = firstLine.length > MAX_ERROR_TEXT_CHARS ? `${firstLine.slice(0, MAX_ERROR_TEXT_CHARS)}…` : firstLine;
  return new KubeApiError(`HTTP ${res.statusCode}${snippet ? `: ${snippet}` : ''}`, res.statusCode, reason);
}
