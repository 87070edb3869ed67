import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { redactSecrets } from '@d2s/shared';
import type { Queue } from 'bullmq';
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import { installAdminPageHeaders } from './security-headers.js';

export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Bull Board for operators, in its own encapsulated scope behind the same
 * tokens as the API. Queues are read-only unless `readOnly` is false, and job
 * data passes through a redacting formatter.
 */
export async function bullBoard(
  app: FastifyInstance,
  deps: { queues: Queue[]; authenticate: preHandlerAsyncHookHandler; readOnly?: boolean },
): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  const adapters = deps.queues.map((queue) => {
    const adapter = new BullMQAdapter(queue, {
      readOnlyMode: deps.readOnly ?? true,
      allowRetries: !(deps.readOnly ?? true),
    });
    adapter.setFormatter('data', (data) => redactSecrets(data));
    adapter.setFormatter('returnValue', (value) => redactSecrets(value));
    return adapter;
  });
  createBullBoard({ queues: adapters, serverAdapter, options: { uiConfig: { boardTitle: 'd2s queues' } } });
  await app.register(async (scope) => {
    scope.addHook('onRequest', deps.authenticate);
    installAdminPageHeaders(scope);
    await scope.register(serverAdapter.registerPlugin(), { prefix: BULL_BOARD_PATH });
  });
}
