import { afterAll, describe, expect, inject, it } from 'vitest';
import { type ApiHarness, startApi } from '@d2s/testkit/api-harness';

/**
 * Fastify announces a deprecated option with a process warning (FSTDEP…) the
 * first time a server is built with it; each test file runs in a fresh module
 * graph, so this is the first build Fastify sees here.
 */
describe('building the API', () => {
  let api: ApiHarness | undefined;
  afterAll(() => api?.close());

  it('uses no deprecated Fastify option (FSTDEP024: requestIdLogLabel moved into logController)', async () => {
    const warnings: Array<{ name: string; code?: string; message: string }> = [];
    const onWarning = (warning: Error & { code?: string }) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      api = await startApi(inject('redisUrl'));
      // process-warning emits on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.code?.startsWith('FST') || /fastify/i.test(w.message))).toEqual([]);
  });
});
