/**
 * The one HTTP call the cloud providers make themselves (ACR `POST /oauth2/exchange`), over undici
 * with the same conventions as the registry transport: the system roots plus a registry's extra CA
 * bundle, a size cap on bodies, a timeout, and the test/lab host → address override (TLS name kept).
 */
import { Agent, buildConnector, request, type Dispatcher } from 'undici';
import { rootCertificates } from 'node:tls';
import { isIP } from 'node:net';
import { splitHostPort } from '../registry/hosts.js';

export interface FormPostResult {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface CloudHttpOptions {
  /** `host` → `ip` or `ip:port` (tests and lab setups only). */
  readonly hostOverrides?: Readonly<Record<string, string>>;
  readonly connectTimeoutMs?: number;
}

export const MAX_CLOUD_BODY_BYTES = 256 * 1024;

export class CloudHttp {
  readonly #agents = new Map<string, Agent>();
  readonly #o: CloudHttpOptions;
  readonly #overrides: Record<string, string>;

  constructor(opts: CloudHttpOptions = {}) {
    this.#o = opts;
    this.#overrides = Object.fromEntries(Object.entries(opts.hostOverrides ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  }

  #agent(caBundle: string | undefined): Dispatcher {
    const key = caBundle ?? '';
    let agent = this.#agents.get(key);
    if (agent) return agent;
    const base = buildConnector({
      timeout: this.#o.connectTimeoutMs ?? 5_000,
      ...(caBundle ? { ca: [...rootCertificates, caBundle] } : {}),
    } as buildConnector.BuildOptions);
    const overrides = this.#overrides;
    const connect: buildConnector.connector = (opts, cb) => {
      const target = overrides[opts.hostname.toLowerCase()];
      if (target === undefined) return base(opts, cb);
      const { host, port } = splitHostPort(target);
      const servername = isIP(opts.hostname) ? undefined : opts.hostname;
      return base({ ...opts, hostname: host.replace(/^\[|\]$/g, ''), port: port === null ? opts.port : String(port), ...(servername ? { servername } : {}) }, cb);
    };
    agent = new Agent({ connect, keepAliveTimeout: 10_000, connections: 8 });
    this.#agents.set(key, agent);
    return agent;
  }

  /** POST an `application/x-www-form-urlencoded` body; reads the answer (capped). Throws on transport errors. */
  async postForm(url: string, form: Readonly<Record<string, string>>, opts: { readonly timeoutMs: number; readonly caBundle?: string | undefined; readonly userAgent?: string }): Promise<FormPostResult> {
    const res = await request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        'user-agent': opts.userAgent ?? 'pullguard',
      },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(opts.timeoutMs),
      dispatcher: this.#agent(opts.caBundle),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      const b = chunk as Buffer;
      size += b.length;
      if (size > MAX_CLOUD_BODY_BYTES) {
        res.body.destroy();
        throw new Error(`answer larger than ${MAX_CLOUD_BODY_BYTES} bytes`);
      }
      chunks.push(b);
    }
    return { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) };
  }

  async close(): Promise<void> {
    const agents = [...this.#agents.values()];
    this.#agents.clear();
    await Promise.all(agents.map((a) => a.destroy().catch(() => undefined)));
  }
}
