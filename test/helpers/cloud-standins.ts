/**
 * Stand-ins for the cloud services the ECR/ACR credential providers talk to, on 127.0.0.1, answering
 * with the services' documented shapes and counting requests:
 *
 * - ECR API (AWS JSON 1.1): `POST /` with `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken`
 *   → `{"authorizationData":[{"authorizationToken": base64("AWS:<password>"), "expiresAt": <epoch s>, "proxyEndpoint"}]}`,
 *   or `{"__type":"AccessDeniedException","message":…}` (HTTP 400) for denied accounts. Plain HTTP:
 *   the SDK reaches it through `AWS_ENDPOINT_URL_ECR`.
 * - Entra ID (HTTPS): `GET /<tenant>/v2.0/.well-known/openid-configuration` (the fields MSAL checks:
 *   authorization_endpoint, token_endpoint, issuer, jwks_uri) and `POST /<tenant>/oauth2/v2.0/token`
 *   (client_credentials) → `{token_type, expires_in, access_token}`.
 * - An ACR front (HTTPS, the registry's certificate): `POST /oauth2/exchange` (form: grant_type=access_token,
 *   service, tenant, access_token) → `{"refresh_token"}`; `GET /oauth2/token?service&scope` with Basic
 *   `00000000-0000-0000-0000-000000000000:<refresh token>` → `{"access_token"}` minted by the test
 *   registry's token issuer (so the REAL registry accepts it); everything else is proxied to the registry.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import type { TestRegistry } from './registry.js';

const b64url = (s: string): string => Buffer.from(s).toString('base64url');

/** An unsigned JWT-shaped token (the stand-ins recognise their own tokens by value). */
export function fakeJwt(claims: Record<string, unknown>): string {
  return `${b64url(JSON.stringify({ typ: 'JWT', alg: 'none' }))}.${b64url(JSON.stringify(claims))}.${b64url(randomUUID())}`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function listen(server: HttpServer | HttpsServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function closer(server: HttpServer | HttpsServer): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// ECR

export interface EcrRequestRecord {
  readonly target: string;
  /** Region of the SigV4 credential scope (the client's region). */
  readonly region: string | null;
  readonly registryIds: readonly string[];
  readonly signed: boolean;
  readonly status: number;
}

export interface EcrStandIn {
  readonly url: string;
  readonly requests: EcrRequestRecord[];
  /** GetAuthorizationToken requests so far. */
  count(): number;
  close(): Promise<void>;
}

export interface EcrStandInOptions {
  /** The registry password the tokens carry (the test registry's htpasswd has `AWS` with it). */
  readonly password: string;
  /** Token lifetime (default 12 hours, as ECR's). */
  readonly expiresInSeconds?: number;
  /** Accounts for which the caller's identity lacks ecr:GetAuthorizationToken. */
  readonly deniedAccounts?: readonly string[];
  /** Answer this late (so concurrent callers overlap). */
  readonly delayMs?: number;
}

export async function startEcrStandIn(o: EcrStandInOptions): Promise<EcrStandIn> {
  const requests: EcrRequestRecord[] = [];
  const server = createHttpServer(async (req, res) => {
    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const auth = String(req.headers.authorization ?? '');
    const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/ecr\/aws4_request/.exec(auth);
    let registryIds: string[] = [];
    try {
      const json = JSON.parse(body || '{}') as { registryIds?: unknown };
      if (Array.isArray(json.registryIds)) registryIds = json.registryIds.map(String);
    } catch {
      registryIds = [];
    }
    const reply = async (status: number, payload: unknown, type?: string): Promise<void> => {
      requests.push({ target, region: scope?.[1] ?? null, registryIds, signed: auth.startsWith('AWS4-HMAC-SHA256 '), status });
      if (o.delayMs) await sleep(o.delayMs);
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': randomUUID(),
        ...(type ? { 'x-amzn-errortype': `${type}:` } : {}),
      });
      res.end(JSON.stringify(payload));
    };
    if (req.method !== 'POST' || target !== 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken')
      return reply(400, { __type: 'UnknownOperationException', message: `unknown target ${target}` }, 'UnknownOperationException');
    if (!auth.startsWith('AWS4-HMAC-SHA256 '))
      return reply(400, { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' }, 'MissingAuthenticationTokenException');
    const account = registryIds[0] ?? '123456789012';
    if (o.deniedAccounts?.includes(account))
      return reply(
        400,
        {
          __type: 'AccessDeniedException',
          Message: `User: arn:aws:sts::${account}:assumed-role/pullguard/botocore-session is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action`,
        },
        'AccessDeniedException',
      );
    const expiresAt = Date.now() / 1000 + (o.expiresInSeconds ?? 12 * 3600);
    const region = scope?.[1] ?? 'us-east-1';
    return reply(200, {
      authorizationData: [
        {
          authorizationToken: Buffer.from(`AWS:${o.password}`).toString('base64'),
          expiresAt,
          proxyEndpoint: `https://${account}.dkr.ecr.${region}.amazonaws.com`,
        },
      ],
    });
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    count: () => requests.filter((r) => r.target.endsWith('.GetAuthorizationToken') && r.status === 200).length,
    close: closer(server),
  };
}

/** An ECR-token-shaped password: base64 of JSON with `expiration` (as ECR's are). */
export function ecrPassword(expiresInSeconds = 12 * 3600): string {
  return Buffer.from(JSON.stringify({ payload: randomUUID(), datakey: randomUUID(), version: '2', type: 'DATA_KEY', expiration: Math.floor(Date.now() / 1000) + expiresInSeconds })).toString('base64');
}

// ---------------------------------------------------------------------------------------------
// Entra ID

export interface EntraStandIn {
  readonly authorityHost: string;
  readonly tenant: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Access tokens issued (the ACR front accepts these only). */
  readonly issued: Set<string>;
  readonly tokenRequests: Array<{ scope: string; clientId: string; status: number }>;
  readonly discoveryRequests: string[];
  close(): Promise<void>;
}

export async function startEntraStandIn(o: { readonly certPem: string; readonly keyPem: string; readonly tokenLifetimeSeconds?: number }): Promise<EntraStandIn> {
  const tenant = randomUUID();
  const clientId = randomUUID();
  const clientSecret = `secret-${randomUUID()}`;
  const issued = new Set<string>();
  const tokenRequests: Array<{ scope: string; clientId: string; status: number }> = [];
  const discoveryRequests: string[] = [];
  let origin = '';
  const server = createHttpsServer({ cert: o.certPem, key: o.keyPem }, async (req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const json = (status: number, payload: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(payload));
    };
    if (req.method === 'GET' && url.pathname.endsWith('/.well-known/openid-configuration')) {
      discoveryRequests.push(url.pathname);
      return json(200, {
        token_endpoint: `${origin}/${tenant}/oauth2/v2.0/token`,
        authorization_endpoint: `${origin}/${tenant}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${origin}/${tenant}/oauth2/v2.0/devicecode`,
        end_session_endpoint: `${origin}/${tenant}/oauth2/v2.0/logout`,
        issuer: `${origin}/${tenant}/v2.0`,
        jwks_uri: `${origin}/${tenant}/discovery/v2.0/keys`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        tenant_region_scope: 'EU',
      });
    }
    if (req.method === 'POST' && url.pathname === `/${tenant}/oauth2/v2.0/token`) {
      const form = new URLSearchParams(await readBody(req));
      const scope = form.get('scope') ?? '';
      const cid = form.get('client_id') ?? '';
      const record = (status: number): void => void tokenRequests.push({ scope, clientId: cid, status });
      if (form.get('grant_type') !== 'client_credentials' || cid !== clientId || form.get('client_secret') !== clientSecret) {
        record(401);
        return json(401, {
          error: 'invalid_client',
          error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${cid}'.`,
          error_codes: [7000215],
          timestamp: new Date().toISOString(),
          trace_id: randomUUID(),
          correlation_id: randomUUID(),
        });
      }
      record(200);
      const lifetime = o.tokenLifetimeSeconds ?? 3599;
      const now = Math.floor(Date.now() / 1000);
      const token = fakeJwt({ aud: scope.replace(/\/\.default$/, ''), iss: `https://sts.windows.net/${tenant}/`, iat: now, nbf: now, exp: now + lifetime, tid: tenant, oid: clientId, appid: clientId, sub: clientId });
      issued.add(token);
      return json(200, { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: token });
    }
    return json(404, { error: 'not_found', error_description: `no such endpoint ${url.pathname}` });
  });
  const port = await listen(server);
  origin = `https://127.0.0.1:${port}`;
  return { authorityHost: origin, tenant, clientId, clientSecret, issued, tokenRequests, discoveryRequests, close: closer(server) };
}

// ---------------------------------------------------------------------------------------------
// ACR front: /oauth2/exchange and /oauth2/token of an ACR login server, the rest proxied to the registry

export interface AcrFront {
  readonly port: number;
  /** `127.0.0.1:PORT`: the address the ACR host name is overridden to. */
  readonly address: string;
  readonly exchanges: Array<{ status: number; service: string; tenant: string }>;
  readonly tokens: Array<{ status: number; scope: string; user: string }>;
  /** Whether pullguard's identity has AcrPull (tokens then grant pull; otherwise no access). */
  acrPull: boolean;
  /** Refuse the exchange itself (401 UNAUTHORIZED), as for a token ACR does not accept. */
  refuseExchange: boolean;
  close(): Promise<void>;
}

export interface AcrFrontOptions {
  /** The login server name (`acme.azurecr.io`); the registry must use it as its token service. */
  readonly host: string;
  readonly entra: EntraStandIn;
  /** Refresh-token lifetime (JWT exp). */
  readonly refreshLifetimeSeconds?: number;
  readonly delayMs?: number;
}

export async function startAcrFront(reg: TestRegistry, o: AcrFrontOptions): Promise<AcrFront> {
  if (!reg.issuer) throw new Error('the ACR front needs a token-auth registry');
  const issuer = reg.issuer;
  const agent = new Agent({ connect: { ca: reg.caPem } });
  const refreshTokens = new Map<string, number>();
  const front: AcrFront = {
    port: 0,
    address: '',
    exchanges: [],
    tokens: [],
    acrPull: true,
    refuseExchange: false,
    close: async () => undefined,
  };
  const server = createHttpsServer({ cert: reg.pki.serverCertPem, key: reg.pki.serverKeyPem }, async (req, res) => {
    const url = new URL(req.url ?? '/', `https://${o.host}`);
    const json = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(payload));
    };
    if (url.pathname === '/oauth2/exchange') {
      const form = new URLSearchParams(await readBody(req));
      const service = form.get('service') ?? '';
      const tenant = form.get('tenant') ?? '';
      const ok =
        req.method === 'POST' &&
        String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded') &&
        form.get('grant_type') === 'access_token' &&
        service === o.host &&
        tenant === o.entra.tenant &&
        o.entra.issued.has(form.get('access_token') ?? '');
      if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs));
      if (!ok || front.refuseExchange) {
        front.exchanges.push({ status: 401, service, tenant });
        return json(401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required, visit https://aka.ms/acr/authorization for more information.' }] });
      }
      const now = Math.floor(Date.now() / 1000);
      const refresh = fakeJwt({ jti: randomUUID(), sub: o.entra.clientId, nbf: now, exp: now + (o.refreshLifetimeSeconds ?? 3 * 3600), iat: now, iss: 'Azure Container Registry', aud: o.host, version: '1.0', grant_type: 'refresh_token', tenant });
      refreshTokens.set(refresh, now + (o.refreshLifetimeSeconds ?? 3 * 3600));
      front.exchanges.push({ status: 200, service, tenant });
      return json(200, { refresh_token: refresh });
    }
    if (url.pathname === '/oauth2/token') {
      const scope = url.searchParams.get('scope') ?? '';
      const m = /^Basic\s+(.+)$/i.exec(String(req.headers.authorization ?? ''));
      const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
      const i = decoded.indexOf(':');
      const user = i >= 0 ? decoded.slice(0, i) : '';
      const password = i >= 0 ? decoded.slice(i + 1) : '';
      const exp = refreshTokens.get(password);
      const valid = req.method === 'GET' && user === '00000000-0000-0000-0000-000000000000' && exp !== undefined && exp > Date.now() / 1000 && url.searchParams.get('service') === o.host;
      if (!valid) {
        front.tokens.push({ status: 401, scope, user });
        return json(401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required, visit https://aka.ms/acr/authorization for more information.' }] });
      }
      const access = scope
        .split(' ')
        .filter(Boolean)
        .map((s) => {
          const [type, ...rest] = s.split(':');
          const actions = (rest.pop() ?? '').split(',').filter(Boolean);
          return { type: type ?? '', name: rest.join(':'), actions: front.acrPull ? actions.filter((a) => a === 'pull') : [] };
        });
      front.tokens.push({ status: 200, scope, user });
      return json(200, { access_token: issuer.mint(o.entra.clientId, access) });
    }
    // The registry API itself.
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || ['connection', 'keep-alive', 'transfer-encoding', 'host'].includes(k)) continue;
      headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    try {
      const up = await request(`${reg.url}${req.url ?? '/'}`, { method: (req.method ?? 'GET') as 'GET', headers, dispatcher: agent });
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !['connection', 'keep-alive', 'transfer-encoding'].includes(k)) out[k] = v;
      res.writeHead(up.statusCode, out);
      const data = Buffer.from(await up.body.arrayBuffer());
      res.end(req.method === 'HEAD' ? undefined : data);
    } catch {
      res.destroy();
    }
  });
  const port = await listen(server);
  const close = closer(server);
  return Object.assign(front, {
    port,
    address: `127.0.0.1:${port}`,
    close: async () => {
      await close();
      await agent.close();
    },
  });
}

// ---------------------------------------------------------------------------------------------
// GCE / GKE metadata server

export interface MetadataRequestRecord {
  readonly path: string;
  /** `scopes` query parameter of a token request. */
  readonly scopes: string | null;
  /** The request carried `Metadata-Flavor: Google` (the server refuses others, as the real one does). */
  readonly flavored: boolean;
  readonly status: number;
}

export interface MetadataStandIn {
  /** `127.0.0.1:PORT`, for GCE_METADATA_HOST. */
  readonly host: string;
  readonly requests: MetadataRequestRecord[];
  /** What the server does now: `present` (a service account), `absent` (404 everywhere: no metadata server here), `denied` (403 on the token). */
  mode: 'present' | 'absent' | 'denied';
  /** The access token it issues (the test registry's password for `oauth2accesstoken`). */
  token: string;
  /** Lifetime of the tokens it issues (seconds, as `expires_in`). */
  expiresIn: number;
  /** Token requests answered 200 so far. */
  count(): number;
  close(): Promise<void>;
}

/**
 * The metadata server as google-auth-library's Compute client and gcp-metadata use it: `GET
 * /computeMetadata/v1/instance` (the availability ping), `…/instance/service-accounts/default/token`
 * → `{access_token, expires_in, token_type}`, `…/project/project-id`; every answer with
 * `Metadata-Flavor: Google`, every request refused without that header.
 */
export async function startMetadataStandIn(o: { token: string; expiresIn?: number; delayMs?: number }): Promise<MetadataStandIn> {
  const requests: MetadataRequestRecord[] = [];
  const state = { mode: 'present' as MetadataStandIn['mode'], token: o.token, expiresIn: o.expiresIn ?? 3599 };
  const server = createHttpServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://metadata.google.internal');
    const flavored = req.headers['metadata-flavor'] === 'Google';
    const reply = async (status: number, body: string, type = 'application/text'): Promise<void> => {
      requests.push({ path: url.pathname, scopes: url.searchParams.get('scopes'), flavored, status });
      if (o.delayMs) await sleep(o.delayMs);
      res.writeHead(status, { 'metadata-flavor': 'Google', 'content-type': type });
      res.end(body);
    };
    if (!flavored) return reply(403, 'Missing Metadata-Flavor:Google header.');
    if (state.mode === 'absent') return reply(404, 'Not Found');
    const p = url.pathname.replace(/\/+$/, '');
    if (p === '/computeMetadata/v1/instance') return reply(200, 'attributes/\nservice-accounts/\n');
    if (p === '/computeMetadata/v1/project/project-id') return reply(200, 'pullguard-test');
    if (p === '/computeMetadata/v1/instance/service-accounts/default/token') {
      if (state.mode === 'denied') return reply(403, 'Unable to generate access token; IAM returned 403 Forbidden: Permission \'iam.serviceAccounts.getAccessToken\' denied');
      return reply(200, JSON.stringify({ access_token: state.token, expires_in: state.expiresIn, token_type: 'Bearer' }), 'application/json');
    }
    return reply(404, 'Not Found');
  });
  const port = await listen(server);
  const standIn: MetadataStandIn = {
    host: `127.0.0.1:${port}`,
    requests,
    get mode() {
      return state.mode;
    },
    set mode(m) {
      state.mode = m;
    },
    get token() {
      return state.token;
    },
    set token(v) {
      state.token = v;
    },
    get expiresIn() {
      return state.expiresIn;
    },
    set expiresIn(v) {
      state.expiresIn = v;
    },
    count: () => requests.filter((r) => r.path.endsWith('/service-accounts/default/token') && r.status === 200).length,
    close: closer(server),
  };
  return standIn;
}
