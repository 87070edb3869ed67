import { randomBytes } from 'node:crypto';
import { deletePrefix, sleep, uniquePrefix } from '@d2s/testkit';
import { json, startScriptedServer } from '@d2s/testkit/scripted-http-server';
import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { closeQueues, openQueues, type Queues } from '../jobs/queues.js';
import { startWorker } from '../jobs/start-worker.js';
import { D2sMetrics } from '../metrics/metrics.js';
import { SyncFailedError } from '../errors.js';
import { recordSyncEnd } from '../sync/sync-outcome.js';
import { createNotificationProcessor, type DeliveryDeps } from './deliver-notification.js';
import { listDeliveries } from './delivery-list.js';
import { NotificationEmitter } from './notification-emitter.js';
import { backfillFinishedEvent, syncEndedEvent } from './notification-events.js';

/**
 * Outgoing webhooks on real Redis, delivered by the real `notify` worker to scripted receivers on loopback.
 * Signatures are checked with the `standardwebhooks` package (the Standard Webhooks reference library), not
 * with d2s's own signer.
 */
const logger = pino({ level: process.env.D2S_TEST_LOG ?? 'silent' });
const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

const sync = {
  syncId: 'sync_01JABCDEFGHJKMNPQRST',
  dataset: 'forecasts',
  attempt: 1,
  origin: 'api',
  parameters: { region: 'eu' },
};

interface Setup {
  queues: Queues;
  emitter: NotificationEmitter;
  metrics: D2sMetrics;
  worker: Worker;
}

describe('notifications', () => {
  const redis = new Redis(inject('redisUrl'));
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(() => redis.disconnect());

  /** The config as a deployment writes it (YAML + secrets in the environment), a notify worker and an emitter. */
  async function setUp(
    endpointsYaml: string,
    env: Record<string, string> = {},
    delivery: Pick<DeliveryDeps, 'subjectEnded'> = {},
  ): Promise<Setup> {
    const prefix = uniquePrefix('notify');
    const config = loadConfig({
      env: { D2S_CONFIG: 'd2s.yaml', D2S_QUEUE_PREFIX: prefix, REDIS_URL: inject('redisUrl'), ...env },
      readFile: () => `
notifications:
  attempts: 3
  backoffMs: 50
  timeoutMs: 1000
  endpoints:
${endpointsYaml}`,
    });
    const queues = openQueues(redis, prefix);
    const metrics = new D2sMetrics({ service: 'test', defaultMetrics: false });
    const emitter = new NotificationEmitter({
      queue: queues.notify,
      settings: config.notifications,
      retentionSeconds: 600,
      logger,
      metrics,
    });
    const worker = startWorker(
      'notify',
      createNotificationProcessor({ settings: config.notifications, logger, metrics, ...delivery }),
      { config, logger, concurrency: 2 },
    );
    cleanups.push(async () => {
      await worker.close();
      await closeQueues(queues);
      await deletePrefix(redis, prefix);
    });
    return { queues, emitter, metrics, worker };
  }

  async function receiver(answer: (index: number) => number | 'hang' = () => 204) {
    const server = await startScriptedServer((_request, response, index) => {
      const status = answer(index);
      if (status === 'hang') return;
      json(response, status, status < 300 ? {} : { error: 'receiver broken' });
    });
    cleanups.push(() => server.close());
    return server;
  }

  async function until<T>(read: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last = await read();
    while (!done(last)) {
      if (Date.now() > deadline) throw new Error(`timed out; last: ${JSON.stringify(last)}`);
      await sleep(25);
      last = await read();
    }
    return last;
  }

  async function counter(metrics: D2sMetrics, name: string, labels: Record<string, string>): Promise<number> {
    const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
    const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
    return value?.value ?? 0;
  }

  it('delivers a sync.succeeded signed per Standard Webhooks, verified by the reference library', async () => {
    const secret = newSecret();
    const server = await receiver();
    const { emitter } = await setUp(`    - { name: ops, url: "${server.url}/hooks/d2s", secretEnv: OPS_SECRET }`, {
      OPS_SECRET: secret,
    });
    const event = syncEndedEvent({ ...sync, outcome: 'succeeded', rowsLoaded: 42 }, new Date('2026-12-01T10:00:00Z'));
    await emitter.emit(event);

    await until(
      () => server.requests.length,
      (n) => n === 1,
    );
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/hooks/d2s');
    expect(request?.headers['content-type']).toBe('application/json');
    const headers = request?.headers as Record<string, string>;
    // Throws unless webhook-signature is v1,<base64 HMAC-SHA256 of "id.timestamp.body"> under this secret.
    const verified = new Webhook(secret).verify(request?.body ?? '', headers);
    expect(verified).toEqual({
      id: event.id,
      type: 'sync.succeeded',
      timestamp: '2026-12-01T10:00:00.000Z',
      data: {
        syncId: sync.syncId,
        dataset: 'forecasts',
        status: 'succeeded',
        attempt: 1,
        origin: 'api',
        parameters: { region: 'eu' },
        rowsLoaded: 42,
      },
    });
    expect(headers['webhook-id']).toBe(event.id);
    expect(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    // Another secret does not verify it: the check above is not vacuous.
    expect(() => new Webhook(newSecret()).verify(request?.body ?? '', headers)).toThrow(/signature/i);
  });

  it('waits until the sync reads as ended before delivering, so a receiver that reads it on receipt sees the end', async () => {
    const secret = newSecret();
    const server = await receiver();
    let ended = false;
    const asked: string[] = [];
    const { emitter } = await setUp(
      `    - { name: ops, url: "${server.url}/hooks/d2s", secretEnv: OPS_SECRET }`,
      { OPS_SECRET: secret },
      {
        subjectEnded: async (event) => {
          asked.push(event.type);
          return ended;
        },
      },
    );
    await emitter.emit(syncEndedEvent({ ...sync, outcome: 'succeeded', rowsLoaded: 1 }, new Date()));
    await until(
      () => asked.length,
      (n) => n >= 3,
    );
    expect(server.requests).toHaveLength(0);
    ended = true;
    await until(
      () => server.requests.length,
      (n) => n === 1,
    );
    expect(asked.every((type) => type === 'sync.succeeded')).toBe(true);
  });

  it('retries after a receiver 500 with the same webhook-id, then shows the delivery as delivered', async () => {
    const secret = newSecret();
    const server = await receiver((index) => (index === 0 ? 500 : 200));
    const { emitter, queues, metrics } = await setUp(
      `    - { name: ops, url: "${server.url}", secretEnv: OPS_SECRET }`,
      {
        OPS_SECRET: secret,
      },
    );
    const event = syncEndedEvent(
      { ...sync, outcome: 'failed', error: new SyncFailedError('RUN_FAILED', 'the run failed') },
      new Date(),
    );
    await emitter.emit(event);

    const [delivery] = await until(
      () => listDeliveries(queues.notify, { limit: 10 }),
      (items) => items[0]?.status === 'delivered',
    );
    expect(delivery).toMatchObject({
      endpoint: 'ops',
      event: { id: event.id, type: 'sync.failed' },
      status: 'delivered',
      attempts: 2,
      maxAttempts: 3,
      httpStatus: 200,
    });
    expect(server.requests).toHaveLength(2);
    expect(server.requests.map((r) => r.headers['webhook-id'])).toEqual([event.id, event.id]);
    // Each attempt is signed afresh, and both verify.
    for (const request of server.requests)
      expect(new Webhook(secret).verify(request.body, request.headers as Record<string, string>)).toMatchObject({
        data: { error: { code: 'RUN_FAILED', message: 'the run failed' } },
      });
    const labels = { endpoint: 'ops', event: 'sync.failed' };
    expect(await counter(metrics, 'd2s_notification_deliveries_total', { ...labels, outcome: 'retried' })).toBe(1);
    expect(await counter(metrics, 'd2s_notification_deliveries_total', { ...labels, outcome: 'delivered' })).toBe(1);
  });

  it('delivers an event emitted twice (a retried job) once', async () => {
    const server = await receiver();
    const { emitter, queues } = await setUp(`    - { name: ops, url: "${server.url}", secretEnv: OPS_SECRET }`, {
      OPS_SECRET: newSecret(),
    });
    // The same end seen twice, at different moments: same type and subject, so the same event.
    await emitter.emit(syncEndedEvent({ ...sync, outcome: 'succeeded' }, new Date('2026-12-01T10:00:00Z')));
    await until(
      () => server.requests.length,
      (n) => n === 1,
    );
    await emitter.emit(syncEndedEvent({ ...sync, outcome: 'succeeded' }, new Date('2026-12-01T10:00:05Z')));
    await sleep(300);
    expect(server.requests).toHaveLength(1);
    expect(await listDeliveries(queues.notify, { limit: 10 })).toHaveLength(1);
  });

  it('does not deliver events an endpoint filtered out', async () => {
    const failures = await receiver();
    const everything = await receiver();
    const { emitter, queues } = await setUp(
      [
        `    - { name: failures, url: "${failures.url}", secretEnv: A_SECRET, events: [sync.failed, sync.canceled] }`,
        `    - { name: everything, url: "${everything.url}", secretEnv: B_SECRET }`,
      ].join('\n'),
      { A_SECRET: newSecret(), B_SECRET: newSecret() },
    );
    await emitter.emit(syncEndedEvent({ ...sync, outcome: 'succeeded' }, new Date()));
    const backfill = { backfillId: 'backfill_0', dataset: 'forecasts', parameter: 'day', from: 'a', to: 'b' };
    await emitter.emit(
      backfillFinishedEvent({ ...backfill, status: 'succeeded', counts: { succeeded: 2 } }, new Date()),
    );
    await emitter.emit(
      syncEndedEvent({ ...sync, syncId: 'sync_01JABCDEFGHJKMNPQRSX', outcome: 'canceled' }, new Date()),
    );

    await until(
      () => everything.requests.length,
      (n) => n === 3,
    );
    await until(
      () => failures.requests.length,
      (n) => n === 1,
    );
    await sleep(200);
    expect(failures.requests.map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual(['sync.canceled']);
    const deliveries = await listDeliveries(queues.notify, { limit: 10 });
    expect(deliveries.filter((d) => d.endpoint === 'failures')).toHaveLength(1);
    expect(deliveries.filter((d) => d.endpoint === 'everything')).toHaveLength(3);
  });

  it('sends the Slack format to a slack endpoint: text, a section and a context block, escaped', async () => {
    const server = await receiver(() => 200);
    const { emitter } = await setUp(`    - { name: team, format: slack, urlEnv: SLACK_URL }`, {
      SLACK_URL: `${server.url}/services/T000/B000/XXXX`,
    });
    const event = syncEndedEvent(
      { ...sync, outcome: 'failed', error: new SyncFailedError('LOAD_FAILED', 'column <id> & more') },
      new Date(),
    );
    await emitter.emit(event);
    await until(
      () => server.requests.length,
      (n) => n === 1,
    );
    const body = JSON.parse(server.requests[0]?.body ?? '') as Record<string, unknown>;
    expect(body).toEqual({
      text: `:x: Sync \`${sync.syncId}\` of *forecasts* failed`,
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `:x: Sync \`${sync.syncId}\` of *forecasts* failed\n*LOAD_FAILED*: column &lt;id&gt; &amp; more`,
          },
        },
        {
          type: 'context',
          elements: [{ type: 'mrkdwn', text: `d2s sync.failed · ${event.id} · ${event.timestamp}` }],
        },
      ],
    });
    expect(server.requests[0]?.url).toBe('/services/T000/B000/XXXX');
    // No secret configured for it: unsigned, but still identified.
    expect(server.requests[0]?.headers['webhook-signature']).toBeUndefined();
    expect(server.requests[0]?.headers['webhook-id']).toBe(event.id);
  });

  it('a receiver that is down: the sync end is recorded at once; the delivery fails after its attempts, shown with why', async () => {
    const down = await receiver();
    const url = down.url;
    await down.close();
    const { emitter, queues, metrics } = await setUp(`    - { name: ops, url: "${url}", secretEnv: OPS_SECRET }`, {
      OPS_SECRET: newSecret(),
    });
    const released: string[] = [];
    await recordSyncEnd(
      {
        syncs: { releaseDataset: async (dataset) => void released.push(dataset) },
        metrics,
        notifications: emitter,
        log: logger,
      },
      sync,
      'succeeded',
      { rowsLoaded: 1 },
    );
    // Recorded and returned while the delivery has not even failed its first attempt's backoff.
    const [atReturn] = await listDeliveries(queues.notify, { limit: 10 });
    expect(atReturn?.status).not.toBe('failed');
    expect(released).toEqual(['forecasts']);
    expect(await counter(metrics, 'd2s_sync_outcomes_total', { dataset: 'forecasts', outcome: 'succeeded' })).toBe(1);

    const [delivery] = await until(
      () => listDeliveries(queues.notify, { limit: 10 }),
      (items) => items[0]?.status === 'failed',
    );
    expect(delivery).toMatchObject({ status: 'failed', attempts: 3 });
    expect(delivery?.lastError?.code).toBe('NOTIFICATION_RECEIVER_UNREACHABLE');
    expect(delivery?.lastError?.message).toMatch(/Endpoint "ops" did not answer: ECONNREFUSED/);
    const labels = { endpoint: 'ops', event: 'sync.succeeded' };
    expect(await counter(metrics, 'd2s_notification_deliveries_total', { ...labels, outcome: 'retried' })).toBe(2);
    expect(await counter(metrics, 'd2s_notification_deliveries_total', { ...labels, outcome: 'failed' })).toBe(1);
  });

  it('a receiver that hangs is cut off at timeoutMs and retried, never holding the emitter', async () => {
    const server = await receiver((index) => (index === 0 ? 'hang' : 204));
    const { emitter, queues } = await setUp(`    - { name: ops, url: "${server.url}", secretEnv: OPS_SECRET }`, {
      OPS_SECRET: newSecret(),
    });
    await emitter.emit(syncEndedEvent({ ...sync, outcome: 'succeeded' }, new Date()));
    const [delivery] = await until(
      () => listDeliveries(queues.notify, { limit: 10 }),
      (items) => items[0]?.status === 'delivered',
    );
    expect(delivery?.attempts).toBe(2);
    expect(server.requests).toHaveLength(2);
  });

  it('when the queue cannot be reached, emit logs and counts the loss instead of throwing', async () => {
    const unreachable = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    unreachable.on('error', () => undefined);
    const queues = openQueues(unreachable, uniquePrefix('notify-down'));
    const metrics = new D2sMetrics({ service: 'test', defaultMetrics: false });
    const errors: unknown[] = [];
    const emitter = new NotificationEmitter({
      queue: queues.notify,
      settings: {
        attempts: 1,
        backoffMs: 10,
        timeoutMs: 100,
        concurrency: 1,
        endpoints: [
          { name: 'ops', url: 'http://127.0.0.1:1', events: undefined, format: 'standard', signingKey: undefined },
        ],
      },
      retentionSeconds: 60,
      logger: {
        ...logger,
        error: (...args: unknown[]) => void errors.push(args),
        warn: () => {},
        debug: () => {},
      } as never,
      metrics,
      addTimeoutMs: 300,
    });
    await expect(emitter.emit(syncEndedEvent({ ...sync, outcome: 'succeeded' }, new Date()))).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(await counter(metrics, 'd2s_notification_emits_total', { event: 'sync.succeeded', outcome: 'error' })).toBe(
      1,
    );
    await closeQueues(queues).catch(() => undefined);
    unreachable.disconnect();
  });
});
