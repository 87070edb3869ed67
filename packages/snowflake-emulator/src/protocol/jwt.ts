import { verify } from 'node:crypto';
import type { SnowflakeUserConfig, UserRegistry } from './users.js';

export type JwtVerdict = { ok: true; user: SnowflakeUserConfig } | { ok: false; reason: string };

function decodePart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Seconds since the epoch; the Node driver sends iat/exp in milliseconds, others in seconds. */
function epochSeconds(value: unknown): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  return value > 1e12 ? value / 1000 : value;
}

/**
 * Verifies a key-pair JWT the way Snowflake documents it: RS256, signed by
 * one of the user's registered keys; `iss` = `ACCOUNT.USER.SHA256:<fingerprint>`
 * (that key's fingerprint), `sub` = `ACCOUNT.USER`, upper-cased; not expired,
 * and living at most an hour.
 */
export function verifyKeyPairJwt(
  token: string,
  account: string,
  loginName: string,
  users: UserRegistry,
  nowMs: number,
): JwtVerdict {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'not a JWT' };
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodePart(headerPart);
  const payload = decodePart(payloadPart);
  if (!header || !payload) return { ok: false, reason: 'undecodable JWT' };
  if (header.alg !== 'RS256') return { ok: false, reason: `unsupported alg ${String(header.alg)}` };
  const user = users.get(loginName);
  if (!user) return { ok: false, reason: 'unknown user' };
  const qualified = `${account.toUpperCase()}.${loginName.toUpperCase()}`;
  if (payload.sub !== qualified) return { ok: false, reason: `sub ${String(payload.sub)} is not ${qualified}` };
  const iss = String(payload.iss ?? '');
  if (!iss.startsWith(`${qualified}.`)) return { ok: false, reason: `iss ${iss} does not name ${qualified}` };
  const fingerprint = iss.slice(qualified.length + 1);
  const key = users.keys(user).find((k) => k.fingerprint === fingerprint);
  if (!key) return { ok: false, reason: 'the fingerprint matches no registered public key' };
  const signed = Buffer.from(`${headerPart}.${payloadPart}`);
  if (!verify('RSA-SHA256', signed, key.key, Buffer.from(signaturePart, 'base64url')))
    return { ok: false, reason: 'bad signature' };
  const exp = epochSeconds(payload.exp);
  const iat = epochSeconds(payload.iat);
  const now = nowMs / 1000;
  if (exp === undefined || iat === undefined) return { ok: false, reason: 'iat/exp missing' };
  if (exp < now - 60) return { ok: false, reason: 'expired' };
  if (iat > now + 60) return { ok: false, reason: 'issued in the future' };
  if (exp - iat > 3600 + 60) return { ok: false, reason: 'lifetime above one hour' };
  return { ok: true, user };
}
