/**
 * `WWW-Authenticate` parsing (RFC 7235 §4.1 / RFC 9110 §11.6.1): one header may carry several
 * challenges, each `scheme [token68 | #auth-param]`, and auth-param values may be quoted strings
 * with commas and backslash escapes inside (`scope="repository:a/b:pull,push"`).
 */

export interface AuthChallenge {
  /** Lower-cased scheme (`basic`, `bearer`). */
  readonly scheme: string;
  /** Parameters with lower-cased names (`realm`, `service`, `scope`, `error`). First occurrence wins. */
  readonly params: Readonly<Record<string, string>>;
  /** The token68 form (`Negotiate abc==`), when the challenge used it. */
  readonly token68?: string;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*(?=[ \t]*(,|$))/;

export function parseWwwAuthenticate(header: string | readonly string[] | null | undefined): AuthChallenge[] {
  if (header == null) return [];
  const text = typeof header === 'string' ? header : header.join(', ');
  const out: AuthChallenge[] = [];
  let i = 0;
  const n = text.length;

  const skipWs = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  const skipWsAndCommas = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === ',')) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < n && TCHAR.test(text[i]!)) i++;
    return text.slice(start, i);
  };
  const readQuoted = (): string => {
    // text[i] === '"'
    i++;
    let s = '';
    while (i < n) {
      const c = text[i]!;
      if (c === '\\' && i + 1 < n) {
        s += text[i + 1];
        i += 2;
        continue;
      }
      if (c === '"') {
        i++;
        return s;
      }
      s += c;
      i++;
    }
    return s; // unterminated: take what there is
  };

  while (i < n) {
    skipWsAndCommas();
    if (i >= n) break;
    const scheme = readToken();
    if (scheme === '') {
      // Not a token: skip one character to make progress on garbage.
      i++;
      continue;
    }
    const params: Record<string, string> = {};
    let token68: string | undefined;
    skipWs();
    const rest = text.slice(i);
    const m68 = TOKEN68.exec(rest);
    if (m68 && !/^[A-Za-z0-9\-._~+/]+[ \t]*=[ \t]*[^=, \t]/.test(rest)) {
      token68 = m68[0];
      i += m68[0].length;
    } else {
      // auth-params until a token that is not followed by '=' (the next challenge's scheme)
      for (;;) {
        skipWsAndCommas();
        if (i >= n) break;
        const save = i;
        const name = readToken();
        if (name === '') {
          i++;
          continue;
        }
        skipWs();
        if (text[i] !== '=') {
          i = save; // next challenge
          break;
        }
        i++;
        skipWs();
        let value: string;
        if (text[i] === '"') value = readQuoted();
        else {
          const start = i;
          while (i < n && text[i] !== ',' && text[i] !== ' ' && text[i] !== '\t') i++;
          value = text.slice(start, i);
        }
        const key = name.toLowerCase();
        if (!(key in params)) params[key] = value;
      }
    }
    out.push(token68 === undefined ? { scheme: scheme.toLowerCase(), params } : { scheme: scheme.toLowerCase(), params, token68 });
  }
  return out;
}

/** The challenge a registry client should answer: Bearer over Basic, others ignored. */
export function pickChallenge(challenges: readonly AuthChallenge[]): AuthChallenge | null {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic') ?? challenges[0] ?? null;
}
