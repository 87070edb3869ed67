import { uniquePrefix } from '@d2s/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { MirrorPlanNotFoundError } from './mirror-errors.js';
import { MirrorPlanStore, type ReviewedPlan } from './mirror-plan-store.js';

/** A reviewed plan of `tables` create-table actions, shaped like the planner's (repetitive, as real ones are). */
function reviewedPlan(id: string, tables: number): ReviewedPlan {
  const actions = Array.from({ length: tables }, (_, i) => ({
    id: `act_${i}`,
    kind: 'create-table',
    target: `SALES_MIRROR.ORDERS_${Math.floor(i / 100)}.TABLE_${i}`,
    ucFullName: `sales.orders_${Math.floor(i / 100)}.table_${i}`,
    sql: `CREATE ICEBERG TABLE IF NOT EXISTS "SALES_MIRROR"."ORDERS_${Math.floor(i / 100)}"."TABLE_${i}" CATALOG = 'D2S_UC_SALES' CATALOG_TABLE_NAME = 'table_${i}' CATALOG_NAMESPACE = 'orders_${Math.floor(i / 100)}' AUTO_REFRESH = TRUE COMMENT = 'd2s mirror of sales.orders.table_${i}'`,
    dependsOn: ['act_integration'],
  }));
  return {
    plan: { id, expiresAt: '2026-12-03T00:00:00.000Z', createdAt: '2026-12-02T00:00:00.000Z', actions } as never,
    digest: { unityCatalog: 'a'.repeat(64), snowflake: 'b'.repeat(64), settings: 'c'.repeat(64) } as never,
    request: { scope: {}, includeRefresh: false, force: false } as never,
  };
}

describe('MirrorPlanStore (real Redis)', () => {
  const redis = new Redis(inject('redisUrl'));
  afterAll(() => redis.disconnect());

  it('keeps a 5,000-table plan gzipped, several times smaller than its JSON, and reads it back whole', async () => {
    const store = new MirrorPlanStore(redis, uniquePrefix('plans'));
    const reviewed = reviewedPlan('plan_big', 5_000);
    await store.save(reviewed, 60);
    const stored = await redis.getBuffer(store.planKey('plan_big'));
    const json = Buffer.byteLength(JSON.stringify(reviewed));
    expect(stored?.length).toBeLessThan(json / 5);
    expect(await store.load('plan_big')).toEqual(reviewed);
    expect(await redis.ttl(store.planKey('plan_big'))).toBeGreaterThan(0);
  });

  it('still reads a plan saved as plain JSON before plans were compressed', async () => {
    const store = new MirrorPlanStore(redis, uniquePrefix('plans'));
    const reviewed = reviewedPlan('plan_old', 3);
    await redis.set(store.planKey('plan_old'), JSON.stringify(reviewed), 'EX', 60);
    expect(await store.load('plan_old')).toEqual(reviewed);
  });

  it('answers not found for an unknown id, and expired for one issued whose plan is gone', async () => {
    const store = new MirrorPlanStore(redis, uniquePrefix('plans'));
    await expect(store.load('plan_none')).rejects.toBeInstanceOf(MirrorPlanNotFoundError);
    await store.save(reviewedPlan('plan_gone', 1), 60);
    await redis.del(store.planKey('plan_gone'));
    const error = await store.load('plan_gone').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MirrorPlanNotFoundError);
    expect((error as MirrorPlanNotFoundError).code).toBe('PLAN_EXPIRED');
  });
});
