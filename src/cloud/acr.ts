/**
 * Azure Container Registry credentials with pullguard's own Entra ID identity.
 *
 * 1. An Entra ID access token for the ACR audience (`https://containerregistry.azure.net/.default`
 *    for `*.azurecr.io`) from `@azure/identity`: a ChainedTokenCredential of EnvironmentCredential,
 *    WorkloadIdentityCredential (AKS workload identity: AZURE_CLIENT_ID, AZURE_TENANT_ID,
 *    AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST) and ManagedIdentityCredential.
 * 2. `POST https://<registry>/oauth2/exchange` with `grant_type=access_token, service, tenant,
 *    access_token` → `{"refresh_token": "<JWT>"}` (Azure/acr docs/AAD-OAuth.md).
 * 3. The distribution client gets Basic credentials `00000000-0000-0000-0000-000000000000` /
 *    `<refresh token>`: "the null GUID tells the container registry that this is an ACR refresh
 *    token" (AAD-OAuth.md, "Authenticating docker with an ACR refresh token"); the registry's Bearer
 *    realm `/oauth2/token` accepts them with GET + Basic (docs/Token-BasicAuth.md).
 *
 * The refresh token is cached per registry until CREDENTIAL_RENEW_MARGIN_MS before its JWT `exp`
 * (DEFAULT_ACR_REFRESH_TOKEN_LIFETIME_MS when it has none); concurrent requests share one exchange.
 * `@azure/identity` is imported on first use only.
 */
import type { TokenCredential } from '@azure/identity';
import type { RegistrySettings } from '../registry/client.js';
import { parseErrorBody } from '../registry/outcome.js';
import type { Fetched } from './cache.js';
import { CloudHttp, type FormPostResult } from './http.js';
import { CachingCredentialProvider, lazyModule, type CachingOptions } from './provider.js';
import { CloudCredentialError, type CloudDescriptor } from './types.js';

/** The username that marks an ACR refresh token as the password. */
export const ACR_REFRESH_TOKEN_USERNAME = '00000000-0000-0000-0000-000000000000';
/** Entra ID scope of the ACR audience (public cloud). */
export const ACR_SCOPE = 'https://containerregistry.azure.net/.default';
/** Refresh-token lifetime assumed when the token carries no readable `exp`. */
export const DEFAULT_ACR_REFRESH_TOKEN_LIFETIME_MS = 30 * 60_000;

const ACR_HOST = /^([a-z0-9-]+)\.azurecr\.(io|cn|us|de)$/;

/**
 * Scopes for registries outside the public cloud: the Azure Resource Manager audience of that cloud,
 * which ACR accepts unless "authentication-as-arm" is disabled on the registry.
 */
const SOVEREIGN_SCOPES: Readonly<Record<string, string>> = {
  cn: 'https://management.chinacloudapi.cn/.default',
  us: 'https://management.usgovcloudapi.net/.default',
  de: 'https://management.microsoftazure.de/.default',
};

export interface AcrHost {
  /** The registry name (`acme`). */
  readonly name: string;
  /** The lower-cased login server (`acme.azurecr.io`). */
  readonly host: string;
  /** `io`, `cn`, `us`, `de`. */
  readonly cloud: string;
}

export function parseAcrHost(domain: string): AcrHost | null {
  const host = domain.toLowerCase();
  const m = ACR_HOST.exec(host);
  return m ? { name: m[1]!, host, cloud: m[2]! } : null;
}

export type AzureCredentialKind = 'environment' | 'workload-identity' | 'managed-identity';

export interface AcrProviderOptions extends CachingOptions {
  /** Per-registry settings (the registry's extra CA bundle is trusted for the exchange too). */
  readonly settings?: (registry: string) => RegistrySettings;
  /** Test/lab only: `host` → `ip[:port]` (the checker's hostOverrides). */
  readonly hostOverrides?: Readonly<Record<string, string>>;
  /** A ready credential (tests, embedding); default: the chain below, built on first use. */
  readonly credential?: TokenCredential;
  /** Which credentials the default chain tries, in order (default: all three). */
  readonly chain?: readonly AzureCredentialKind[];
  /** Options given to every credential of the chain (authorityHost, disableInstanceDiscovery, agent…). */
  readonly credentialOptions?: Readonly<Record<string, unknown>>;
  /** The Entra ID scope for a registry (default: ACR_SCOPE, or the sovereign cloud's ARM audience). */
  readonly scope?: (acr: AcrHost) => string;
  readonly userAgent?: string;
}

/** One Entra ID token request and one `/oauth2/exchange` per refresh token (`requests` counts them). */
export class AcrCredentialProvider extends CachingCredentialProvider<AcrHost> {
  readonly kind = 'acr' as const;
  readonly #o: AcrProviderOptions;
  readonly #http: CloudHttp;
  // The default chain, built on first use with @azure/identity loaded then (never at module top level).
  readonly #chain = lazyModule<TokenCredential>(async () => {
    const id = await import('@azure/identity');
    const opts = { ...this.#o.credentialOptions };
    const chain: TokenCredential[] = [];
    for (const kind of this.#o.chain ?? ['environment', 'workload-identity', 'managed-identity']) {
      if (kind === 'environment') chain.push(new id.EnvironmentCredential(opts));
      else if (kind === 'workload-identity') {
        // Without the projected token file the credential cannot work (and warns when built).
        if (process.env['AZURE_FEDERATED_TOKEN_FILE']) chain.push(new id.WorkloadIdentityCredential(opts));
      } else {
        const clientId = process.env['AZURE_CLIENT_ID'];
        chain.push(clientId ? new id.ManagedIdentityCredential({ ...opts, clientId }) : new id.ManagedIdentityCredential(opts));
      }
    }
    return new id.ChainedTokenCredential(...chain);
  });

  constructor(opts: AcrProviderOptions = {}) {
    super(opts);
    this.#o = opts;
    this.#http = new CloudHttp(opts.hostOverrides ? { hostOverrides: opts.hostOverrides } : {});
  }

  protected parseHost(registry: string): AcrHost | null {
    return parseAcrHost(registry);
  }

  protected cacheKey(a: AcrHost): string {
    return a.host;
  }

  protected notOurs(registry: string): CloudCredentialError {
    return new CloudCredentialError('acr', registry, 'invalid', `${registry} is not an Azure Container Registry login server`, 'use an image of the form <name>.azurecr.io/<repository>');
  }

  protected timedOut(a: AcrHost): CloudCredentialError {
    return new CloudCredentialError('acr', a.host, 'timeout', `getting an ACR refresh token for ${a.host} did not finish before the check's deadline`, "retry; if it persists, check pullguard's network access to Entra ID and the registry");
  }

  #tokenCredential(): Promise<TokenCredential> {
    return this.#o.credential ? Promise.resolve(this.#o.credential) : this.#chain();
  }

  protected async fetchCredential(a: AcrHost): Promise<Fetched> {
    const timeout = this.requestTimeoutMs;
    const scope = this.#o.scope?.(a) ?? (a.cloud === 'io' ? ACR_SCOPE : (SOVEREIGN_SCOPES[a.cloud] ?? ACR_SCOPE));

    // 1. Entra ID access token.
    let aad: string;
    try {
      const cred = await this.#tokenCredential();
      const t = await cred.getToken(scope, { abortSignal: AbortSignal.timeout(timeout) });
      if (!t?.token) throw new Error('the credential returned no token');
      aad = t.token;
    } catch (err) {
      throw entraError(a, scope, err);
    }
    const tenant = stringClaim(jwtClaims(aad), 'tid') ?? process.env['AZURE_TENANT_ID'] ?? '';

    // 2. ACR refresh token.
    let res: FormPostResult;
    try {
      res = await this.#http.postForm(
        `https://${a.host}/oauth2/exchange`,
        { grant_type: 'access_token', service: a.host, ...(tenant ? { tenant } : {}), access_token: aad },
        { timeoutMs: timeout, caBundle: this.#o.settings?.(a.host).caBundle, userAgent: this.#o.userAgent ?? 'pullguard' },
      );
    } catch (err) {
      const timedOut = (err as { name?: string }).name === 'TimeoutError' || (err as { name?: string }).name === 'AbortError';
      throw new CloudCredentialError('acr', a.host, timedOut ? 'timeout' : 'unavailable', `POST https://${a.host}/oauth2/exchange failed (${describe(err)})`, 'check pullguard\'s network access to the registry');
    }
    if (res.status !== 200) throw exchangeError(a, res);
    let refresh = '';
    try {
      const json = JSON.parse(res.body.toString('utf8')) as { refresh_token?: unknown };
      if (typeof json.refresh_token === 'string') refresh = json.refresh_token;
    } catch {
      refresh = '';
    }
    if (!refresh)
      throw new CloudCredentialError('acr', a.host, 'invalid', `POST https://${a.host}/oauth2/exchange answered 200 without a refresh_token`, 'check that the host is an Azure Container Registry login server');
    const exp = numberClaim(jwtClaims(refresh), 'exp');
    // `exp` is wall-clock seconds; the cache runs on its own (injectable) clock: keep the lifetime.
    const lifetime = exp !== null ? exp * 1000 - Date.now() : DEFAULT_ACR_REFRESH_TOKEN_LIFETIME_MS;
    return { credential: { username: ACR_REFRESH_TOKEN_USERNAME, password: refresh }, expiresAt: this.clock() + lifetime };
  }

  override async close(): Promise<void> {
    await super.close();
    await this.#http.close();
  }
}

function roleFix(a: AcrHost): string {
  return `assign the AcrPull role to pullguard's identity on ${a.host} (az role assignment create --assignee <pullguard client id> --role AcrPull --scope <registry resource id>; docs/cloud.md)`;
}

function describe(err: unknown): string {
  const e = err as { name?: unknown; message?: unknown; code?: unknown };
  const parts = [typeof e?.code === 'string' ? e.code : '', typeof e?.message === 'string' ? e.message : String(err)].filter(Boolean);
  const s = parts.join(' ').replace(/\s+/g, ' ').trim();
  return s.length > 300 ? `${s.slice(0, 299)}…` : s;
}

/** An error from @azure/identity → why pullguard has no Entra ID token. */
export function entraError(a: AcrHost, scope: string, err: unknown): CloudCredentialError {
  const e = (err ?? {}) as { name?: string; errors?: unknown[]; statusCode?: number };
  const unavailable = (x: unknown): boolean => (x as { name?: string })?.name === 'CredentialUnavailableError';
  const identityFix =
    'give pullguard an Entra ID identity: AKS workload identity (ServiceAccount annotation azure.workload.identity/client-id and pod label azure.workload.identity/use: "true"), or a managed identity (docs/cloud.md); or set cloud.acr: false';
  if (unavailable(err) || (e.name === 'AggregateAuthenticationError' && Array.isArray(e.errors) && e.errors.every(unavailable)))
    return new CloudCredentialError('acr', a.host, 'no-identity', `pullguard has no Entra ID identity to get a token for ${scope} (${describe(err)})`, identityFix);
  let cause: unknown = err;
  if (e.name === 'AggregateAuthenticationError' && Array.isArray(e.errors)) cause = e.errors.find((x) => !unavailable(x)) ?? err;
  const c = (cause ?? {}) as { name?: string; statusCode?: number };
  if (c.name === 'AbortError' || c.name === 'TimeoutError')
    return new CloudCredentialError('acr', a.host, 'timeout', `Entra ID did not issue a token for ${scope} in time (${describe(cause)})`, 'check pullguard\'s network access to Entra ID (login.microsoftonline.com)');
  if (c.name === 'AuthenticationError' && typeof c.statusCode === 'number' && c.statusCode >= 400 && c.statusCode < 500)
    return new CloudCredentialError(
      'acr',
      a.host,
      'rejected',
      `Entra ID refused pullguard's credentials for ${scope} (${describe(cause)})`,
      'check pullguard\'s identity: the federated credential for its ServiceAccount, the client id and the tenant (docs/cloud.md)',
    );
  return new CloudCredentialError('acr', a.host, 'unavailable', `no Entra ID token for ${scope} (${describe(cause)})`, 'retry; if it persists, check pullguard\'s identity setup and its network access to Entra ID');
}

/** A non-200 answer of `/oauth2/exchange`. */
export function exchangeError(a: AcrHost, res: FormPostResult): CloudCredentialError {
  const errors = parseErrorBody(res.body);
  const text = errors.length
    ? errors.map((e) => (e.message ? `${e.code}: ${e.message}` : e.code)).join('; ')
    : res.body.toString('utf8', 0, Math.min(res.body.length, 200)).replace(/\s+/g, ' ').trim();
  const said = `POST https://${a.host}/oauth2/exchange answered ${res.status}${text ? ` ${text}` : ''}`;
  if (res.status === 401 || res.status === 403 || errors.some((e) => e.code === 'DENIED' || e.code === 'UNAUTHORIZED'))
    return new CloudCredentialError('acr', a.host, 'permission', `${a.host} refused pullguard's Entra ID token (${said}); pullguard's identity has no pull role on the registry`, roleFix(a));
  if (res.status === 429 || res.status >= 500) return new CloudCredentialError('acr', a.host, 'unavailable', said, 'retry later');
  return new CloudCredentialError('acr', a.host, 'invalid', said, 'check that the host is an Azure Container Registry login server');
}

/** The claims of a JWT (not verified: only read for `tid` and `exp`), or null. */
export function jwtClaims(token: string): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const json: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function stringClaim(c: Record<string, unknown> | null, k: string): string | null {
  const v = c?.[k];
  return typeof v === 'string' && v ? v : null;
}

function numberClaim(c: Record<string, unknown> | null, k: string): number | null {
  const v = c?.[k];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null;
}

/** Azure Container Registry, the `cloud.acr` row of the cloud table (./index.ts). */
export const acr: CloudDescriptor = {
  id: 'acr',
  recognises: (host) => parseAcrHost(host) !== null,
  alwaysPrivate: true,
  nodePreset: {
    name: 'aks',
    // The AKS nodes' acr-credential-provider configuration (../shared/notes/registries.md,
    // "Node-side credential providers"): one pattern per cloud, as ACR_HOST takes them.
    matchImages: ['*.azurecr.io', '*.azurecr.cn', '*.azurecr.de', '*.azurecr.us'],
    source: 'AKS node acr-credential-provider config (../shared/notes/registries.md)',
  },
  provider: (ctx) => new AcrCredentialProvider({ settings: ctx.settings, ...(ctx.hostOverrides ? { hostOverrides: ctx.hostOverrides } : {}) }),
  texts: {
    label: 'ACR',
    product: 'an Azure Container Registry',
    privacy: 'requires authentication',
    identity: 'Entra ID identity',
    authority: 'Entra ID',
    principal: 'identity',
    tokenPermission: (host) => `the AcrPull role on ${host}`,
    readGrant: (host) => ({ fix: `assign the AcrPull role to pullguard's identity on ${host}`, short: 'assign it AcrPull' }),
    enable: (host) => `a workload identity with the AcrPull role on ${host}`,
    nodeAccess: 'attach the registry to the cluster (az aks update --attach-acr)',
    docs: 'docs/cloud.md#azure-container-registry',
  },
};
