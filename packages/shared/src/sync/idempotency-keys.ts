import type { RedisClient } from '../redis/connections.js';

/** What an idempotency key is bound to: the one sync (or mirror run) it names, and the request that named it. */
export interface KeyBinding {
  id: string;
  /** `requestFingerprint` of the request that bound the key; another request with the key is refused. */
  fingerprint: string;
}

/**
 * Idempotency keys bound to what they name, in Redis, for the retention period.
 * A key is bound once (SET NX): whatever happens later (the sync it joined
 * ends, the dataset frees up), the same key keeps naming the same sync.
 */
export class IdempotencyKeyStore {
  readonly #redis: RedisClient;
  readonly #redisKey: (scope: string, key: string) => string;
  readonly #ttlSeconds: number;

  constructor(redis: RedisClient, redisKey: (scope: string, key: string) => string, ttlSeconds: number) {
    this.#redis = redis;
    this.#redisKey = redisKey;
    this.#ttlSeconds = ttlSeconds;
  }

  async get(scope: string, key: string): Promise<KeyBinding | undefined> {
    const text = await this.#redis.get(this.#redisKey(scope, key));
    return text === null ? undefined : parseBinding(text);
  }

  /** Binds the key unless it is bound already; returns the binding in force (this one, or the earlier one). */
  async bind(scope: string, key: string, binding: KeyBinding): Promise<KeyBinding> {
    const redisKey = this.#redisKey(scope, key);
    const set = await this.#redis.set(redisKey, JSON.stringify(binding), 'EX', this.#ttlSeconds, 'NX');
    if (set === 'OK') return binding;
    return (await this.get(scope, key)) ?? binding;
  }
}

function parseBinding(text: string): KeyBinding | undefined {
  try {
    const value = JSON.parse(text) as Partial<KeyBinding>;
    return typeof value.id === 'string' && typeof value.fingerprint === 'string'
      ? { id: value.id, fingerprint: value.fingerprint }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A canonical text for "what was asked": the same request gives the same text
 * whatever the order of its fields, so it can be compared with a bound key's.
 */
export function requestFingerprint(request: Record<string, unknown>): string {
  return JSON.stringify(sortKeys(request));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
