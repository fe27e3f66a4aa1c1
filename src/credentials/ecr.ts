/**
 * Amazon ECR authorization tokens: username `AWS`, password = base64 of a JSON document whose
 * `expiration` is the expiry in epoch seconds (observed, not documented by AWS; tokens live 12 hours).
 * Everything here is tolerant: anything that does not decode is "unknown" (null).
 */

/** Whether a username is the one ECR tokens use. */
export function isEcrTokenUser(username: string): boolean {
  return username === 'AWS';
}

/**
 * The expiry (epoch seconds) of an ECR token password, or null when it is not a decodable token.
 * Never throws; never returns or logs any part of the token.
 */
export function ecrTokenExpiry(password: string): number | null {
  try {
    const s = password.trim();
    if (s.length < 8 || !/^[A-Za-z0-9+/_=\r\n-]+$/.test(s)) return null;
    const text = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    if (!text.trimStart().startsWith('{')) return null;
    const doc: unknown = JSON.parse(text);
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return null;
    const exp = (doc as Record<string, unknown>)['expiration'];
    let n: number;
    if (typeof exp === 'number') n = exp;
    else if (typeof exp === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(exp)) n = Number(exp);
    else return null;
    if (!Number.isFinite(n) || n <= 0) return null;
    // Tolerate milliseconds.
    if (n > 1e11) n = Math.floor(n / 1000);
    return n;
  } catch {
    return null;
  }
}

/** The expiry of a credential when it is an ECR token (`AWS` + decodable password), else null. */
export function ecrCredentialExpiry(username: string, password: string): number | null {
  if (!isEcrTokenUser(username)) return null;
  return ecrTokenExpiry(password);
}
