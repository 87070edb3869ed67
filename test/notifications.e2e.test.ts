import { randomBytes } from 'node:crypto';
import { sleep } from '@d2s/testkit';
import { json, startScriptedServer } from '@d2s/testkit/scripted-http-server';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LOAD_DATASETS, type SyncStack, startSyncStack } from './support/sync-stack.js';

/**
 * Completion notifications (#15) through the real API, export and import workers, the notify worker and
 * both emulators: a sync's end reaches a receiver signed per Standard Webhooks (checked with the
 * `standardwebhooks` reference library), a receiver that never answers does not hold the sync, and each
 * delivery is visible in the API.
 */
describe('notifications end to end', () => {
  let stack: SyncStack;
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  let ok: Awaited<ReturnType<typeof startScriptedServer>>;
  let stuck: Awaited<ReturnType<typeof startScriptedServer>>;
  const statusAtReceipt = new Map<string, string>();

  beforeAll(async () => {
    // Like a receiver that reads the sync on receipt: by then the API must already say it ended.
    ok = await startScriptedServer((request, response) => {
      void (async () => {
        const event = JSON.parse(request.body) as { type: string; data: { syncId?: string } };
        if (event.data.syncId) {
          const read = await stack.request('GET', `/v1/syncs/${event.data.syncId}`);
          statusAtReceipt.set(event.data.syncId, read.body.status);
        }
        json(response, 204, {});
      })();
    });
    // Accepts the connection and never answers.
    stuck = await startScriptedServer(() => undefined);
    stack = await startSyncStack({
      redisUrl: inject('redisUrl'),
      snowflake: true,
      env: { OK_SECRET: secret, STUCK_SECRET: `whsec_${randomBytes(32).toString('base64')}` },
      datasetsYaml: `${LOAD_DATASETS}
notifications:
  attempts: 2
  backoffMs: 200
  timeoutMs: 20000
  endpoints:
    - { name: ok, url: "${ok.url}/d2s", secretEnv: OK_SECRET }
    - { name: stuck, url: "${stuck.url}/d2s", secretEnv: STUCK_SECRET, events: [sync.succeeded] }
`,
    });
  }, 60_000);
  afterAll(async () => {
    // The stuck receiver first: its open attempt then fails at once instead of holding the worker's close.
    await stuck?.close();
    await stack?.close();
    await ok?.close();
  });

  const until = async (done: () => boolean) => {
    const deadline = Date.now() + 10_000;
    while (!done() && Date.now() < deadline) await sleep(25);
  };

  const eventsAt = (server: typeof ok) =>
    server.requests.map((r) => new Webhook(secret).verify(r.body, r.headers as Record<string, string>)) as Array<{
      type: string;
      data: Record<string, unknown>;
    }>;

  it('a sync succeeds while one receiver hangs; the other gets sync.succeeded, signed; both show in the API', async () => {
    const created = await stack.request('POST', '/v1/syncs', { dataset: 'forecasts_append' });
    expect(created.status).toBe(202);
    const sync = await stack.waitForStatus(created.body.id, (s) => ['succeeded', 'failed'].includes(s.status), 60_000);
    expect(sync.status).toBe('succeeded');

    // The sync is done while the stuck receiver still holds its first (and only) attempt open.
    const atEnd = await stack.request('GET', '/v1/notifications/deliveries?limit=10');
    expect(atEnd.status).toBe(200);
    const stuckDelivery = (atEnd.body.items as Array<{ endpoint: string; status: string }>).find(
      (d) => d.endpoint === 'stuck',
    );
    expect(stuckDelivery?.status).not.toBe('delivered');

    const deadline = Date.now() + 10_000;
    while (ok.requests.length < 1 && Date.now() < deadline) await sleep(25);
    const [event] = eventsAt(ok);
    expect(event).toMatchObject({
      type: 'sync.succeeded',
      data: { syncId: sync.id, dataset: 'forecasts_append', status: 'succeeded', rowsLoaded: 10_000 },
    });
    expect(ok.requests[0]?.url).toBe('/d2s');
    await until(() => statusAtReceipt.has(sync.id));
    expect(statusAtReceipt.get(sync.id)).toBe('succeeded');

    let listed: Array<{ endpoint: string; status: string; event: { type: string }; httpStatus?: number }> = [];
    while (Date.now() < deadline) {
      listed = (await stack.request('GET', '/v1/notifications/deliveries?status=delivered')).body.items;
      if (listed.length > 0) break;
      await sleep(50);
    }
    expect(listed).toEqual([
      expect.objectContaining({
        endpoint: 'ok',
        status: 'delivered',
        event: expect.objectContaining({ type: 'sync.succeeded' }),
        httpStatus: 204,
      }),
    ]);
  }, 90_000);

  it('a canceled sync sends sync.canceled to the endpoint that wants it, not to one filtered to successes', async () => {
    const before = ok.requests.length;
    const stuckBefore = stuck.requests.length;
    const created = await stack.request('POST', '/v1/syncs', {
      dataset: 'forecasts_append',
      parameters: { forecast_date: '2024-06-03' },
    });
    expect((await stack.request('POST', `/v1/syncs/${created.body.id}/cancel`)).status).toBe(202);
    await stack.waitForStatus(created.body.id, (s) => s.status === 'canceled', 60_000);
    const deadline = Date.now() + 10_000;
    while (ok.requests.length === before && Date.now() < deadline) await sleep(25);
    expect(eventsAt(ok).at(-1)).toMatchObject({
      type: 'sync.canceled',
      data: { syncId: created.body.id, status: 'canceled', error: { code: 'SYNC_CANCELED' } },
    });
    await until(() => statusAtReceipt.has(created.body.id));
    expect(statusAtReceipt.get(created.body.id)).toBe('canceled');
    await sleep(200);
    expect(stuck.requests.length).toBe(stuckBefore);
  }, 90_000);

  it('refuses a bad deliveries query with a 400', async () => {
    const answer = await stack.request('GET', '/v1/notifications/deliveries?status=lost');
    expect(answer.status).toBe(400);
  });
});
