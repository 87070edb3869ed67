import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type MirrorStack, startMirrorStack } from './support/mirror-stack.js';

/**
 * Issue #13: mirror runs treat Idempotency-Key exactly as syncs do, and two
 * applies never run at once. The mirror routes and worker over both emulators.
 */
describe('mirror runs: one key one run, one apply at a time (real HTTP, real Redis, both emulators)', () => {
  let stack: MirrorStack;
  let seq = 0;
  const key = (name: string) => `${name}-${process.pid}-${++seq}`;
  const start = (body: unknown, headers: Record<string, string> = {}) =>
    stack.request('POST', '/v1/mirror/runs', body, headers);

  beforeAll(async () => {
    stack = await startMirrorStack({
      redisUrl: inject('redisUrl'),
      mirrorYaml: 'mirror:\n  catalogs:\n    - { name: weather }\n    - { name: sandbox_empty }\n',
    });
  }, 60_000);
  afterAll(() => stack?.close());

  it('answers one of many concurrent requests 202, and the others 409 with the running run', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => start({})));
    const created = answers.filter((a) => a.status === 202);
    expect(created).toHaveLength(1);
    const runId = created[0]?.body.id;
    for (const answer of answers.filter((a) => a.status !== 202)) {
      expect(answer.status).toBe(409);
      expect(answer.body.error).toMatchObject({
        code: 'MIRROR_RUN_ACTIVE',
        details: { activeRunId: runId, links: { activeRun: `/v1/mirror/runs/${runId}` } },
      });
    }
    await stack.waitForRun(runId);
    const next = await start({});
    expect(next.status).toBe(202);
    await stack.waitForRun(next.body.id);
  }, 120_000);

  it('names one run with one key: concurrent and later requests get it, another body gets 422', async () => {
    const headers = { 'idempotency-key': key('mirror') };
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => start({ scope: { catalogs: ['sandbox_empty'] } }, headers)),
    );
    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    for (const answer of answers.filter((a) => a.status !== 202)) {
      expect(answer).toMatchObject({ status: 200, body: { deduplicated: 'idempotency-key' } });
    }
    const runId = answers[0]?.body.id;
    await stack.waitForRun(runId);

    const later = await start({ scope: { catalogs: ['sandbox_empty'] } }, headers);
    expect(later).toMatchObject({ status: 200, body: { id: runId, status: 'succeeded' } });
    for (const other of [
      {},
      { scope: { catalogs: ['weather'] } },
      { scope: { catalogs: ['sandbox_empty'] }, includeRefresh: true },
    ]) {
      const refused = await start(other, headers);
      expect(refused.status, JSON.stringify(other)).toBe(422);
      expect(refused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    }
  }, 120_000);
});
