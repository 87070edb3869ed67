import { createHash, randomBytes } from 'node:crypto';
import type { RedisClient } from '@d2s/shared';
import type { ApiPrincipal } from './token-registry.js';

export interface StreamToken {
  token: string;
  expiresAt: string;
}

/**
 * Short-lived tokens for one sync's event stream, for browsers: EventSource
 * cannot send an Authorization header, and the long-lived API token must never
 * sit in a URL. An authenticated call mints one; it opens (and reopens, as
 * EventSource reconnects) only that sync's stream, only until it expires.
 * Kept in Redis as a digest, so any API replica accepts it and a leaked Redis
 * dump does not hold usable tokens.
 */
export class StreamTokenStore {
  readonly #redis: RedisClient;
  readonly #keyOf: (digest: string) => string;
  readonly #ttlSeconds: number;
  readonly #now: () => number;

  constructor(options: { redis: RedisClient; prefix: string; ttlSeconds: number; now?: () => number }) {
    this.#redis = options.redis;
    this.#keyOf = (digest) => `${options.prefix}:d2s:stream-token:${digest}`;
    this.#ttlSeconds = options.ttlSeconds;
    this.#now = options.now ?? Date.now;
  }

  async mint(syncId: string, minter: ApiPrincipal): Promise<StreamToken> {
    const token = `st_${randomBytes(24).toString('base64url')}`;
    const grant = JSON.stringify({ syncId, name: minter.name });
    await this.#redis.set(this.#keyOf(digestOf(token)), grant, 'EX', this.#ttlSeconds);
    return { token, expiresAt: new Date(this.#now() + this.#ttlSeconds * 1000).toISOString() };
  }

  /** The principal a stream token stands for, if it is valid for this sync. */
  async resolve(token: string, syncId: string): Promise<ApiPrincipal | undefined> {
    if (!/^st_[A-Za-z0-9_-]{32}$/.test(token)) return undefined;
    const grant = await this.#redis.get(this.#keyOf(digestOf(token)));
    if (grant === null) return undefined;
    const parsed = JSON.parse(grant) as { syncId: string; name: string };
    if (parsed.syncId !== syncId) return undefined;
    return { name: `${parsed.name} (stream token)`, scopes: ['read'], syncId };
  }
}

const digestOf = (token: string) => createHash('sha256').update(token).digest('base64url');
