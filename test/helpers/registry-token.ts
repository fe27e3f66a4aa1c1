/**
 * A small in-process token issuer for docker-registry's `auth: token` (distribution
 * registry/auth/token): HTTPS on 127.0.0.1, `GET /token?service=…&scope=repository:<name>:<actions>`,
 * Basic credentials optional, answering `{token, access_token, expires_in, issued_at}` with an RS256
 * JWT whose header carries `x5c` (the signing certificate, which is in the registry's rootcertbundle)
 * and whose claims are iss, sub, aud, exp, nbf, iat, jti, access[{type,name,actions}].
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { X509Certificate, randomUUID, sign } from 'node:crypto';

export interface TokenUser {
  readonly password: string;
  /** Actions this user gets on a repository (empty: none). */
  readonly grant: (repository: string, requested: readonly string[]) => readonly string[];
}

export interface TokenIssuerOptions {
  readonly issuer: string;
  readonly service: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** TLS for the issuer's own HTTPS endpoint. */
  readonly tlsCertPem: string;
  readonly tlsKeyPem: string;
  readonly users: Readonly<Record<string, TokenUser>>;
  /** Actions granted without credentials. */
  readonly anonymous: (repository: string, requested: readonly string[]) => readonly string[];
  /** `expires_in` in the answers (seconds). */
  readonly expiresIn?: number;
}

export interface TokenRequestRecord {
  readonly user: string | null;
  readonly scope: string;
  readonly status: number;
}

export interface Access {
  readonly type: string;
  readonly name: string;
  readonly actions: readonly string[];
}

export interface TokenIssuer {
  readonly port: number;
  readonly realm: string;
  readonly requests: TokenRequestRecord[];
  /** Sign a token directly (for pushing fixtures). */
  mint(subject: string, access: readonly Access[]): string;
  close(): Promise<void>;
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export async function startTokenIssuer(o: TokenIssuerOptions): Promise<TokenIssuer> {
  const x5c = new X509Certificate(o.certPem).raw.toString('base64');
  const expiresIn = o.expiresIn ?? 300;
  const requests: TokenRequestRecord[] = [];

  const mint = (subject: string, access: readonly Access[]): string => {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'RS256', x5c: [x5c] };
    const claims = {
      iss: o.issuer,
      sub: subject,
      aud: o.service,
      exp: now + expiresIn,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = sign('sha256', Buffer.from(input), o.keyPem);
    return `${input}.${b64url(sig)}`;
  };

  const server: Server = createServer({ cert: o.tlsCertPem, key: o.tlsKeyPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://issuer.invalid');
    const scope = url.searchParams.getAll('scope').join(' ');
    const reply = (status: number, body: unknown): void => {
      requests.push({ user, scope, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    let user: string | null = null;
    if (url.pathname !== '/token') return reply(404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
    if (url.searchParams.get('service') !== o.service)
      return reply(400, { errors: [{ code: 'UNSUPPORTED', message: `unknown service ${url.searchParams.get('service')}` }] });
    const authz = req.headers.authorization;
    let grant = o.anonymous;
    if (authz) {
      const m = /^Basic\s+(.+)$/i.exec(authz);
      const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
      const i = decoded.indexOf(':');
      const name = i >= 0 ? decoded.slice(0, i) : '';
      const u = o.users[name];
      user = name || '?';
      if (!u || decoded.slice(i + 1) !== u.password)
        return reply(401, { errors: [{ code: 'UNAUTHORIZED', message: 'incorrect username or password' }] });
      grant = u.grant;
    }
    const access: Access[] = [];
    for (const s of url.searchParams.getAll('scope').flatMap((x) => x.split(' ')).filter(Boolean)) {
      const first = s.indexOf(':');
      const last = s.lastIndexOf(':');
      if (first < 0 || last <= first) continue;
      const type = s.slice(0, first);
      const name = s.slice(first + 1, last);
      const requested = s.slice(last + 1).split(',').filter(Boolean);
      if (type !== 'repository') continue;
      const actions = grant(name, requested).filter((a) => requested.includes(a));
      access.push({ type, name, actions });
    }
    const token = mint(user ?? '', access);
    reply(200, { token, access_token: token, expires_in: expiresIn, issued_at: new Date().toISOString() });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    realm: `https://127.0.0.1:${port}/token`,
    requests,
    mint,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
