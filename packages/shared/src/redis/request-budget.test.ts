import { deletePrefix, uniquePrefix } from '@d2s/testkit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { BudgetExceededError, RequestBudget } from './request-budget.js';

/** Rate-limit budgets on real Redis: a fixed window starting at its first request, shared by every caller. */
describe('RequestBudget', () => {
  const prefix = uniquePrefix('request-budget');
  const redis = new Redis(inject('redisUrl'));
  const other = new Redis(inject('redisUrl'));
  const charge = (name: string, limit = 3, windowMs = 60_000) => ({
    key: `${prefix}:d2s:rate-limit:token:${name}`,
    limit,
    windowMs,
    holder: name,
  });
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
    other.disconnect();
  });

  it('counts down one budget across connections (API replicas), then refuses with the time left', async () => {
    const budgets = [new RequestBudget(redis), new RequestBudget(other)];
    const verdicts = [];
    for (let i = 0; i < 4; i++) verdicts.push(await (budgets[i % 2] as RequestBudget).charge(charge('ops')));
    expect(verdicts.map((v) => [v.allowed, v.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    expect(verdicts[0]?.resetMs).toBe(60_000);
    expect(verdicts[3]?.resetMs).toBeGreaterThan(55_000);
    // Another token's budget is its own.
    expect(await new RequestBudget(redis).charge(charge('webapp'))).toMatchObject({ allowed: true, remaining: 2 });
  });

  it('require() throws RATE_LIMITED (429, retryable) naming the token and the wait, never the key', async () => {
    const budget = new RequestBudget(redis);
    await budget.require(charge('cli', 1));
    const refused = await budget.require(charge('cli', 1)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BudgetExceededError);
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', httpStatus: 429, retryable: true });
    expect((refused as BudgetExceededError).message).toMatch(
      /^Too many changes from this token \(cli\): at most 1 a minute; retry after (59|60) s\.$/,
    );
    expect((refused as BudgetExceededError).details).toMatchObject({ limit: 1 });
  });

  it('a new window starts once the old one ends; a counter without an expiry gets one', async () => {
    const budget = new RequestBudget(redis);
    const short = charge('burst', 1, 200);
    expect((await budget.charge(short)).allowed).toBe(true);
    expect((await budget.charge(short)).allowed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await budget.charge(short)).allowed).toBe(true);

    const stuck = charge('stuck', 5, 60_000);
    await redis.set(stuck.key, '2');
    const verdict = await budget.charge(stuck);
    expect(verdict).toMatchObject({ allowed: true, remaining: 2, resetMs: 60_000 });
    expect(await redis.pttl(stuck.key)).toBeGreaterThan(0);
  });
});
