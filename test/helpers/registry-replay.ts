/**
 * Replays recorded registry responses (ECR, ACR, Docker Hub — see shared/notes/registries.md) over
 * HTTPS on 127.0.0.1. Tests point the real host names at it with the checker's host overrides, so the
 * whole client path (Host header, TLS name, token realm on another host) is exercised.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestPki } from './registry-pki.js';

export interface ReplayRequest {
  readonly host: string;
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
  readonly accept: string | undefined;
}

export interface ReplayResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON-serialised when not a string. */
  readonly body?: unknown;
}

export type ReplayHandler = (req: ReplayRequest) => ReplayResponse;

export interface ReplayServer {
  readonly port: number;
  readonly requests: ReplayRequest[];
  close(): Promise<void>;
}

export async function startReplayServer(t: { teardown(fn: () => unknown): void }, pki: TestPki, handler: ReplayHandler): Promise<ReplayServer> {
  const requests: ReplayRequest[] = [];
  const server: Server = createServer({ cert: pki.serverCertPem, key: pki.serverKeyPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://replay.invalid');
    const r: ReplayRequest = {
      host: (req.headers.host ?? '').replace(/:\d+$/, ''),
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
      accept: req.headers.accept,
    };
    requests.push(r);
    const out = handler(r);
    const body = out.body === undefined ? '' : typeof out.body === 'string' ? out.body : JSON.stringify(out.body);
    res.writeHead(out.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...out.headers });
    res.end(r.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const replay: ReplayServer = {
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  t.teardown(() => replay.close());
  return replay;
}

/** `{"errors":[{code,message,detail}]}` */
export function errorsBody(code: string, message: string, detail?: unknown): unknown {
  return { errors: [{ code, message, ...(detail !== undefined ? { detail } : {}) }] };
}
