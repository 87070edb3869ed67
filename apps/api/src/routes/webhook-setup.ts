import { D2sError, RequestError, type WebhookSetupResult } from '@d2s/shared';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseOr400 } from '../http-errors.js';

export const WebhookSetupBody = z.object({
  url: z
    .string()
    .regex(/^https?:\/\/[^\s]+$/, 'an http(s) URL')
    .describe('Where Databricks reaches this API’s hook, e.g. https://d2s.example.com/v1/hooks/databricks'),
});

export const WebhookSetupAnswer = z.object({
  destinationId: z.string(),
  destinationCreated: z.boolean(),
  jobs: z.array(z.object({ jobId: z.number(), attached: z.enum(['already', 'now']) })),
});

/**
 * `POST /v1/hooks/databricks/setup` (admin): creates d2s's generic webhook notification destination in
 * Databricks (with databricks.webhook's credentials) and attaches it to every configured dataset's job.
 * Running it again changes nothing.
 */
export async function webhookSetupRoutes(
  app: FastifyInstance,
  deps: { setUp: (url: string) => Promise<WebhookSetupResult> },
): Promise<void> {
  app.post('/v1/hooks/databricks/setup', { config: { scope: 'admin' } }, async (request) => {
    const { url } = parseOr400(WebhookSetupBody, request.body ?? {}, 'body');
    try {
      const result = await deps.setUp(url);
      request.log.info(
        { destinationId: result.destinationId, attached: result.jobs.filter((j) => j.attached === 'now').length },
        'Databricks webhook destination set up',
      );
      return result;
    } catch (error) {
      if (error instanceof RequestError) throw error;
      // Databricks refused or failed (permissions, quota, network): its words, as a 502.
      if (error instanceof D2sError)
        throw new RequestError(error.code, 502, error.message, { cause: error, details: error.details });
      throw error;
    }
  });
}
