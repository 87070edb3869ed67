import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { RedisClient } from '../redis/connections.js';
import { MirrorPlanNotFoundError } from './mirror-errors.js';
import type { PlanStateDigest } from './plan-fingerprint.js';
import type { MirrorPlan } from './plan.js';

/** What was asked for, so the same plan can be computed again to check that it still holds. */
export interface ReviewedPlanRequest {
  scope: NonNullable<MirrorPlan['scope']>;
  includeRefresh: boolean;
  force: boolean;
}

/** A plan saved for review, with the state it was computed from. */
export interface ReviewedPlan {
  plan: MirrorPlan & { id: string; expiresAt: string };
  digest: PlanStateDigest;
  request: ReviewedPlanRequest;
}

const gzipped = promisify(gzip);
const gunzipped = promisify(gunzip);
/** The first bytes of every gzip stream; a plan saved as plain JSON (before plans were compressed) starts with `{`. */
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

/** How much longer than the plan its id is remembered, so an expired id answers 410 and not 404. */
const EXPIRED_MEMORY_SECONDS = 30 * 86_400;

/**
 * Reviewed mirror plans in Redis, under the queue prefix (one hash-tagged slot), each expiring after
 * mirror.planTtlSeconds. A second, longer-lived key remembers that the id was issued. Plans are stored
 * gzipped: a 5,000-table plan is megabytes of repetitive JSON, kept for a day in Redis's memory.
 */
export class MirrorPlanStore {
  readonly #redis: RedisClient;
  readonly #base: string;

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    this.#base = `${prefix}:d2s:mirror`;
  }

  planKey(id: string): string {
    return `${this.#base}:plan:${id}`;
  }

  issuedKey(id: string): string {
    return `${this.#base}:plan-issued:${id}`;
  }

  async save(reviewed: ReviewedPlan, ttlSeconds: number): Promise<void> {
    const id = reviewed.plan.id;
    await this.#redis
      .multi()
      .set(this.planKey(id), await gzipped(JSON.stringify(reviewed)), 'EX', ttlSeconds)
      .set(this.issuedKey(id), reviewed.plan.createdAt, 'EX', ttlSeconds + EXPIRED_MEMORY_SECONDS)
      .exec();
  }

  /** The plan; MirrorPlanNotFoundError (404 unknown, 410 expired) when there is none. */
  async load(id: string): Promise<ReviewedPlan> {
    const [raw, issued] = await Promise.all([
      this.#redis.getBuffer(this.planKey(id)),
      this.#redis.get(this.issuedKey(id)),
    ]);
    if (raw === null) throw new MirrorPlanNotFoundError(id, issued !== null);
    const text = raw.subarray(0, 2).equals(GZIP_MAGIC) ? await gunzipped(raw) : raw;
    return JSON.parse(text.toString('utf8')) as ReviewedPlan;
  }
}
