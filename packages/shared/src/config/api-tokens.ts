import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ConfigError } from '../errors.js';

/**
 * What a token may do. `read`: status, lists, events, datasets, schedules (read).
 * `sync`: request, cancel and retry syncs. `mirror`: plan and apply mirror runs.
 * `admin`: change schedules, Bull Board, metrics.
 */
export const API_SCOPES = ['read', 'sync', 'mirror', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/**
 * One API token as the API keeps it: a name for logs and audit lines, its
 * scopes, and the SHA-256 of the token, never the token itself. Several
 * entries may share a name (an old and a new token while one is rotated).
 */
export interface ApiTokenEntry {
  name: string;
  scopes: ApiScope[];
  /** Lower-case hex SHA-256 of the token. */
  sha256: string;
}

const TokenName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)');

/** A token entry in the config file: only its hash, so the file holds no secret. */
export const ApiTokenHashConfig = z.strictObject({
  name: TokenName,
  scopes: z.array(z.enum(API_SCOPES)).min(1),
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'the hex SHA-256 of the token (sha256sum)'),
});

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

const SCOPED_ENTRY = /^([A-Za-z0-9_.-]{1,64}):([a-z]+(?:\+[a-z]+)*):(.+)$/;

/**
 * Parses `D2S_API_TOKENS`: comma-separated entries, each either
 * `name:scope+scope:token` (for example `webapp:read+sync:Zq3…`) or a bare
 * token, which keeps its old meaning (every scope) and is named `token-<n>`.
 * Tokens are hashed here; the text is not kept.
 */
export function parseApiTokens(text: string, variable = 'D2S_API_TOKENS'): ApiTokenEntry[] {
  const entries = text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  return entries.map((entry, index) => {
    const scoped = SCOPED_ENTRY.exec(entry);
    if (!scoped) return { name: `token-${index + 1}`, scopes: [...API_SCOPES], sha256: sha256Hex(entry) };
    const [, name = '', scopeText = '', token = ''] = scoped;
    const scopes = scopeText.split('+');
    const unknown = scopes.filter((s) => !(API_SCOPES as readonly string[]).includes(s));
    if (unknown.length > 0) {
      // Never echo the entry: it holds the token.
      throw new ConfigError(
        `${variable}: entry ${index + 1} ("${name}") names unknown scope(s) ${unknown.join(', ')} (known: ${API_SCOPES.join(', ')})`,
        { details: { key: variable, entry: index + 1 } },
      );
    }
    return { name, scopes: [...new Set(scopes)] as ApiScope[], sha256: sha256Hex(token) };
  });
}
