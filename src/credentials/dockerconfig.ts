/**
 * Docker config parsing exactly as the kubelet does it (kubernetes/kubernetes
 * pkg/credentialprovider/config.go: DockerConfigJSON, DockerConfig, DockerConfigEntry.UnmarshalJSON,
 * decodeDockerConfigFieldAuth), with Go encoding/json semantics:
 *
 * - `.dockerconfigjson` / config.json is `{"auths": {server: entry}}`; `.dockercfg` is `{server: entry}`.
 *   A top-level `null` is an empty config; `"auths": null` empties it; two `auths` members merge.
 *   `HttpHeaders` must be an object of strings when present. Other members are ignored.
 * - Entry fields `username`, `password`, `email`, `auth` are matched case-insensitively (Go folding);
 *   a `null` field is skipped; any other non-string value fails the entry. `identitytoken` and
 *   `registrytoken` are not read.
 * - A non-empty `auth` replaces username and password: base64 (padded when the trimmed value ends in
 *   `=`, else unpadded; `\r`/`\n` ignored), split at the first `:`.
 * - One bad entry fails the whole file.
 *
 * Error messages name the problem and the registry key, never a credential value.
 */
import { inspect } from 'node:util';
import { goBase64Decode, CorruptInputError } from './go/base64.js';
import { bytesToBinary, fromBinary, goTrimSpace, toBinary } from './go/bytes.js';
import { goFoldName, goJSONBinaryString, jsonKind, JSONSyntaxError, parseJSON, type JValue } from './go/json.js';

/**
 * One credential (Go's DockerConfigEntry). The values are held in private fields: they never show up in
 * JSON.stringify, util.inspect, template strings or object spreads. Read them only to authenticate.
 *
 * Go strings are bytes: a username/password decoded from `auth` is whatever bytes the base64 held
 * (kubernetes pkg/credentialprovider/config.go decodeDockerConfigFieldAuth: `string(decoded)` then
 * `strings.SplitN(.., ":", 2)`), valid UTF-8 or not, and the kubelet hands those exact bytes to the
 * runtime. So the entry keeps bytes (as binary strings, ./go/bytes.ts); `usernameBytes`/`passwordBytes`
 * are the credential to send, `username`/`password` their UTF-8 reading (U+FFFD where not UTF-8) for
 * callers that only read text (an ECR token's expiry).
 */
export class AuthEntry {
  readonly #username: string;
  readonly #password: string;
  readonly #email: string;

  /**
   * `username`/`password` are text (encoded as UTF-8) unless `binary` is set, in which case they are
   * binary strings holding the exact bytes.
   */
  constructor(username: string, password: string, email: string, binary = false) {
    this.#username = binary ? username : toBinary(username);
    this.#password = binary ? password : toBinary(password);
    this.#email = email;
  }

  get username(): string {
    return fromBinary(this.#username);
  }

  get password(): string {
    return fromBinary(this.#password);
  }

  /** The username's exact bytes. */
  get usernameBytes(): Buffer {
    return Buffer.from(this.#username, 'latin1');
  }

  /** The password's exact bytes. */
  get passwordBytes(): Buffer {
    return Buffer.from(this.#password, 'latin1');
  }

  /** Username and password as binary strings (one code unit per byte), for Go-exact encoding. */
  get binary(): { readonly username: string; readonly password: string } {
    return { username: this.#username, password: this.#password };
  }

  get email(): string {
    return this.#email;
  }

  /** True when both username and password are empty (e.g. a `null` entry). */
  get empty(): boolean {
    return this.#username === '' && this.#password === '';
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'AuthEntry [redacted]';
  }
}

/** One `server → entry` pair, the server key exactly as written. */
export interface DockerConfigItem {
  readonly key: string;
  readonly entry: AuthEntry;
}

/**
 * The items the parsers produce: the key as written stays readable through `key` (the keyring needs it
 * verbatim), but serialises and inspects with `userinfo@` redacted, since a key like
 * `https://user:password@registry` carries a password.
 */
export class ConfigItem implements DockerConfigItem {
  readonly #key: string;
  readonly entry: AuthEntry;

  constructor(key: string, entry: AuthEntry) {
    this.#key = key;
    this.entry = entry;
  }

  get key(): string {
    return this.#key;
  }

  /** The key for display (`userinfo@` redacted). */
  get displayKey(): string {
    return redactConfigKey(this.#key);
  }

  toJSON(): { key: string; entry: string } {
    return { key: this.displayKey, entry: '[redacted]' };
  }

  [inspect.custom](): string {
    return `ConfigItem(${JSON.stringify(this.displayKey)}) [credentials redacted]`;
  }
}

/** A parsed docker config: its entries (duplicate keys collapsed, last value wins, as in a Go map). */
export type DockerConfig = readonly DockerConfigItem[];

export type DockerConfigParse =
  | { readonly ok: true; readonly config: DockerConfig }
  | { readonly ok: false; readonly error: string };

export type AuthFieldDecode =
  /** username/password: binary strings (the exact decoded bytes). */
  | { readonly ok: true; readonly username: string; readonly password: string }
  | { readonly ok: false; readonly error: string };

/**
 * A config key for display: `userinfo@` (which Go's URL parsing drops, and which may hold a password)
 * replaced by `***@`. Everything else is kept as written.
 */
export function redactConfigKey(key: string): string {
  let start = 0;
  if (key.startsWith('https://')) start = 8;
  else if (key.startsWith('http://')) start = 7;
  let end = key.length;
  for (const ch of ['/', '?', '#']) {
    const i = key.indexOf(ch, start);
    if (i >= 0 && i < end) end = i;
  }
  const at = end > start ? key.lastIndexOf('@', end - 1) : -1;
  if (at < start) return key;
  return key.slice(0, start) + '***@' + key.slice(at + 1);
}

function q(s: string): string {
  return JSON.stringify(s);
}

/**
 * Go's decodeDockerConfigFieldAuth. Errors never include the value. The username and password are
 * binary strings: the decoded bytes split at the first `:` byte, kept as they are (Go's
 * `string(decoded)` does not validate UTF-8).
 */
export function decodeDockerConfigFieldAuth(field: string): AuthFieldDecode {
  const padded = goTrimSpace(field).endsWith('=');
  let decoded: Uint8Array;
  try {
    decoded = goBase64Decode(Buffer.from(field, 'utf8'), padded);
  } catch (e) {
    if (e instanceof CorruptInputError) {
      return {
        ok: false,
        error: `field "auth" is not valid base64 (${padded ? 'padded' : 'unpadded'} standard encoding; bad input at byte ${e.offset})`,
      };
    }
    throw e;
  }
  const bin = bytesToBinary(decoded);
  const colon = bin.indexOf(':');
  if (colon < 0) {
    return { ok: false, error: 'field "auth" does not decode to "username:password" (no ":" found)' };
  }
  return { ok: true, username: bin.slice(0, colon), password: bin.slice(colon + 1) };
}

const FIELDS: Record<string, 'username' | 'password' | 'email' | 'auth'> = {
  USERNAME: 'username',
  PASSWORD: 'password',
  EMAIL: 'email',
  AUTH: 'auth',
};

/**
 * Go's DockerConfigEntry.UnmarshalJSON on a parsed value. Returns the entry in the state Go leaves it
 * (empty on a type error; email kept but username/password empty on a bad `auth`) and the error.
 */
function decodeEntryValue(v: JValue): { entry: AuthEntry; error: string | null } {
  if (v.t === 'null') return { entry: new AuthEntry('', '', ''), error: null };
  if (v.t !== 'obj') {
    return { entry: new AuthEntry('', '', ''), error: `must be an object, not ${jsonKind(v)}` };
  }
  const got = { username: '', password: '', email: '', auth: '' };
  let typeError: string | null = null;
  for (const [name, val] of v.members) {
    const field = FIELDS[goFoldName(name)];
    if (field === undefined) continue;
    if (val.t === 'null') continue;
    if (val.t !== 'str') {
      typeError ??= `field ${q(name)} must be a string, not ${jsonKind(val)}`;
      continue;
    }
    got[field] = val.v;
  }
  if (typeError !== null) return { entry: new AuthEntry('', '', ''), error: typeError };
  if (got.auth.length === 0) return { entry: new AuthEntry(got.username, got.password, got.email), error: null };
  const dec = decodeDockerConfigFieldAuth(got.auth);
  if (!dec.ok) return { entry: new AuthEntry('', '', got.email), error: dec.error };
  return { entry: new AuthEntry(dec.username, dec.password, got.email, true), error: null };
}

/** Decode one entry from JSON text (Go: json.Unmarshal(data, &DockerConfigEntry{})). */
export function decodeDockerConfigEntry(json: string): { entry: AuthEntry; error: string | null } {
  let v: JValue;
  try {
    v = parseJSON(json);
  } catch (e) {
    if (e instanceof JSONSyntaxError) return { entry: new AuthEntry('', '', ''), error: e.message };
    throw e;
  }
  return decodeEntryValue(v);
}

class HardError extends Error {}

function decodeServerMap(v: JValue & { t: 'obj' }, into: Map<string, AuthEntry>): void {
  for (const [key, val] of v.members) {
    const { entry, error } = decodeEntryValue(val);
    if (error !== null) throw new HardError(`entry ${q(redactConfigKey(key))}: ${error}`);
    into.set(key, entry);
  }
}

function parseTop(data: string | Uint8Array): JValue | { error: string } {
  try {
    return parseJSON(data);
  } catch (e) {
    if (e instanceof JSONSyntaxError) return { error: e.message };
    throw e;
  }
}

function finish(map: Map<string, AuthEntry> | null): DockerConfigParse {
  const config: DockerConfigItem[] = [];
  if (map) for (const [key, entry] of map) config.push(new ConfigItem(key, entry));
  return { ok: true, config };
}

/** Parse `.dockerconfigjson` / config.json content (`{"auths": {...}}`). */
export function parseDockerConfigJSON(data: string | Uint8Array): DockerConfigParse {
  const top = parseTop(data);
  if ('error' in top) return { ok: false, error: top.error };
  if (top.t === 'null') return finish(null);
  if (top.t !== 'obj') return { ok: false, error: `the document must be an object with an "auths" member, not ${jsonKind(top)}` };
  let auths: Map<string, AuthEntry> | null = null;
  let typeError: string | null = null;
  try {
    for (const [name, val] of top.members) {
      const f = goFoldName(name);
      if (f === 'AUTHS') {
        if (val.t === 'null') {
          auths = null;
        } else if (val.t === 'obj') {
          auths ??= new Map();
          decodeServerMap(val, auths);
        } else {
          typeError ??= `${q(name)} must be an object, not ${jsonKind(val)}`;
        }
      } else if (f === 'HTTPHEADERS') {
        if (val.t === 'null') continue;
        if (val.t !== 'obj') {
          typeError ??= `${q(name)} must be an object of strings, not ${jsonKind(val)}`;
          continue;
        }
        for (const [hname, hval] of val.members) {
          if (hval.t !== 'str' && hval.t !== 'null') {
            typeError ??= `${q(name)} header ${q(hname)} must be a string, not ${jsonKind(hval)}`;
          }
        }
      }
    }
  } catch (e) {
    if (e instanceof HardError) return { ok: false, error: e.message };
    throw e;
  }
  if (typeError !== null) return { ok: false, error: typeError };
  return finish(auths);
}

/** Parse legacy `.dockercfg` content (a top-level `{server: entry}` map). */
export function parseDockercfg(data: string | Uint8Array): DockerConfigParse {
  const top = parseTop(data);
  if ('error' in top) return { ok: false, error: top.error };
  if (top.t === 'null') return finish(null);
  if (top.t !== 'obj') return { ok: false, error: `the document must be an object mapping registry to entry, not ${jsonKind(top)}` };
  const map = new Map<string, AuthEntry>();
  try {
    decodeServerMap(top, map);
  } catch (e) {
    if (e instanceof HardError) return { ok: false, error: e.message };
    throw e;
  }
  return finish(map);
}

/** Go's DockerConfigEntry.MarshalJSON: `{"username","password","email","auth"}`, empty fields omitted. */
export function encodeDockerConfigEntry(entry: AuthEntry): string {
  const { username, password } = entry.binary;
  const parts: string[] = [];
  if (username !== '') parts.push(`"username":${goJSONBinaryString(username)}`);
  if (password !== '') parts.push(`"password":${goJSONBinaryString(password)}`);
  if (entry.email !== '') parts.push(`"email":${goJSONBinaryString(toBinary(entry.email))}`);
  const auth = Buffer.from(`${username}:${password}`, 'latin1').toString('base64');
  parts.push(`"auth":"${auth}"`);
  return fromBinary(`{${parts.join(',')}}`);
}
