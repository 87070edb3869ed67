/**
 * The ingest benchmark's fair peer: the smallest honest HTTP service doing the same job as POST /v1/syncs. One
 * Fastify route that validates the same body with the API's own schema (CreateSyncBody) and calls `queue.add`
 * once, answering 202 with the job id. No auth, rate limit, index, idempotency or sync view: what the real API
 * does beyond this is exactly what the ratio prices.
 *
 * Run as its own process (like the API) so the two are measured the same way:
 *   REDIS_URL=… D2S_QUEUE_PREFIX=… PORT=… node bench/dist/fair-peer.js
 */
import { CreateSyncBody } from '@d2s/api';
import { Queue } from 'bullmq';
import Fastify from 'fastify';
import { Redis } from 'ioredis';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const queue = new Queue('export', { connection: redis, prefix: process.env.D2S_QUEUE_PREFIX ?? 'bench-peer' });
await queue.waitUntilReady();
const app = Fastify({ logger: false });
let sequence = 0;

app.post('/v1/syncs', async (request, reply) => {
  const parsed = CreateSyncBody.safeParse(request.body ?? {});
  if (!parsed.success) return reply.status(400).send({ error: { code: 'INVALID_BODY' } });
  const id = `peer_${process.pid}_${sequence++}`;
  const now = new Date().toISOString();
  await queue.add(
    'sync-export',
    {
      request: {
        syncId: id,
        dataset: parsed.data.dataset,
        parameters: parsed.data.parameters ?? {},
        attempt: 1,
        requestedAt: now,
        outputUrl: `s3://d2s-bench/exports/${parsed.data.dataset}/${id}/`,
        stagePath: `${parsed.data.dataset}/${id}/`,
        origin: 'api',
      },
      progress: { step: 'trigger', polls: 0 },
    },
    { jobId: id, removeOnComplete: { age: 604800 }, removeOnFail: { age: 604800 } },
  );
  return reply.status(202).send({ id, status: 'pending' });
});
app.get('/readyz', async () => ({ status: 'ok' }));

const close = async () => {
  await app.close();
  await queue.close();
  redis.disconnect();
  process.exit(0);
};
process.once('SIGTERM', () => void close());
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
