import { createHash, timingSafeEqual } from 'node:crypto';
import type { D2sMetrics, NotificationOutcome, RunNotification, RunWakeups, Secret } from '@d2s/shared';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { body, parseOr400 } from '../http-errors.js';

/** A Databricks id: the docs' payloads send them as strings of digits; a JSON number is read the same way. */
const DatabricksId = z
  .union([z.string().regex(/^\d{1,16}$/, 'a string of digits'), z.number().int().nonnegative()])
  .transform(Number)
  .refine(Number.isSafeInteger, 'too large');

/**
 * The body Databricks POSTs to a generic webhook destination for a job event, as the job notifications docs
 * give it ("HTTP webhook payloads", docs.databricks.com/aws/en/jobs/notifications): `event_type`
 * (`jobs.on_start`, `jobs.on_success`, `jobs.on_failure`, `jobs.on_duration_warning_threshold_exceeded`, …),
 * `workspace_id`, `run.run_id` and `job.{job_id, name}`; a task's notification adds `task.task_key` and
 * `run.parent_run_id`. Fields it may add later are ignored; a missing or mistyped one is a 400.
 */
export const JobNotificationBody = z.object({
  event_type: z.string().regex(/^jobs\.on_[a-z_]+$/, 'a jobs.on_* event type'),
  workspace_id: z.union([z.string().regex(/^\d+$/, 'a string of digits'), z.number().int().nonnegative()]),
  run: z.object({ run_id: DatabricksId, parent_run_id: DatabricksId.optional() }),
  job: z.object({ job_id: DatabricksId, name: z.string() }),
  task: z.object({ task_key: z.string().min(1) }).optional(),
});

export const JobNotificationAnswer = z.object({
  outcome: z
    .enum(['woke', 'not-parked', 'duplicate', 'unknown-run', 'finished', 'not-an-end', 'task-event'])
    .describe('What the notification did; only `woke` moved a sync along, the rest are harmless'),
});

/** Event types as metric labels: the documented ones, anything else as `other` (labels stay a bounded set). */
const KNOWN_EVENTS = new Set([
  'jobs.on_start',
  'jobs.on_success',
  'jobs.on_failure',
  'jobs.on_duration_warning_threshold_exceeded',
  'jobs.on_streaming_backlog_exceeded',
]);

export interface DatabricksHookDeps {
  /** What Databricks' webhook destination sends as HTTP Basic credentials. */
  credentials: { username: string; password: Secret };
  wakeups: Pick<RunWakeups, 'receive'>;
  metrics?: Pick<D2sMetrics, 'databricksNotifications'>;
}

/**
 * `POST /v1/hooks/databricks`: job notifications from Databricks. Authenticated with d2s's own webhook
 * credentials (Basic, compared in constant time), never with an API token. A notification only wakes the
 * sync's export, which then reads the run with `runs/get` as on any poll: a forged or stray one costs at
 * most one extra read. Every notification is counted by event and outcome, rejected ones included.
 */
export async function databricksHookRoutes(app: FastifyInstance, deps: DatabricksHookDeps): Promise<void> {
  const expected = {
    username: digest(deps.credentials.username),
    password: digest(deps.credentials.password.reveal()),
  };
  const count = (event: string, outcome: string) =>
    deps.metrics?.databricksNotifications.inc({ event: KNOWN_EVENTS.has(event) ? event : 'other', outcome });

  // Checked before the body is read, so nothing of an unauthenticated request is parsed.
  const requireCredentials = async (request: FastifyRequest, reply: FastifyReply) => {
    if (credentialsMatch(request.headers.authorization, expected)) return;
    count('unknown', 'unauthorized');
    request.log.warn('Databricks notification with missing or wrong credentials refused');
    return reply
      .status(401)
      .header('www-authenticate', 'Basic realm="d2s-databricks-hook", charset="UTF-8"')
      .send(body('UNAUTHORIZED', 'Missing or wrong webhook credentials.'));
  };
  // Malformed JSON never reaches the handler; its 400 is counted here like a schema mismatch.
  app.addHook('onResponse', async (_request, reply) => {
    if (reply.statusCode === 400 || reply.statusCode === 415) count('unknown', 'bad-payload');
  });

  app.post('/v1/hooks/databricks', { onRequest: requireCredentials }, async (request) => {
    const payload = parseOr400(JobNotificationBody, request.body, 'body');
    const notification: RunNotification = {
      eventType: payload.event_type,
      workspaceId: String(payload.workspace_id),
      runId: payload.run.run_id,
      jobId: payload.job.job_id,
      jobName: payload.job.name,
      ...(payload.task ? { taskKey: payload.task.task_key } : {}),
      ...(payload.run.parent_run_id !== undefined ? { parentRunId: payload.run.parent_run_id } : {}),
    };
    const outcome: NotificationOutcome = await deps.wakeups.receive(notification);
    count(payload.event_type, outcome);
    request.log.info(
      { runId: notification.runId, jobId: notification.jobId, event: notification.eventType, outcome },
      'Databricks notification',
    );
    return { outcome };
  });
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Basic credentials against the expected ones; both halves compared as digests, in constant time. */
function credentialsMatch(header: string | undefined, expected: { username: Buffer; password: Buffer }): boolean {
  const [scheme = '', value = ''] = (header ?? '').split(/\s+/, 2);
  if (!/^basic$/i.test(scheme)) return false;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const userOk = timingSafeEqual(digest(decoded.slice(0, colon)), expected.username);
  const passwordOk = timingSafeEqual(digest(decoded.slice(colon + 1)), expected.password);
  return userOk && passwordOk;
}
