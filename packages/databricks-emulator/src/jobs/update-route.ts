import { databricksErrors } from '../errors.js';
import type { Route } from '../http/router.js';
import { applyNotificationUpdate } from '../notifications/job-notification-settings.js';
import type { NotificationDestinationStore } from '../notification-destinations/store.js';
import { requireJobPermission } from './job-permissions.js';
import { parseId, type RunRegistry } from './run-registry.js';

/**
 * `POST jobs/update` (2.1 and 2.2): `{job_id, new_settings, fields_to_remove}` → `{}`. Editing a job's settings
 * needs CAN_MANAGE or ownership (Databricks jobs access control docs). Only the notification settings can be
 * changed here; see applyNotificationUpdate.
 */
export function jobUpdateRoutes(deps: {
  registry: RunRegistry;
  destinations: NotificationDestinationStore;
  ownerName: string;
}): Route[] {
  return ['2.1', '2.2'].map((version): Route => ({
    method: 'POST',
    pattern: `/api/${version}/jobs/update`,
    name: 'jobs/update',
    family: 'databricks',
    authenticated: true,
    handler: (ctx) => {
      const body = ctx.json();
      const jobId = parseId(body.job_id, 'job_id');
      ctx.note.jobId = jobId;
      const job = deps.registry.job(jobId);
      if (!job) throw databricksErrors.jobDoesNotExist(jobId);
      requireJobPermission(job, ctx.principal, 'manage', deps.ownerName);
      applyNotificationUpdate(job, body, deps.destinations);
      return { status: 200, body: {} };
    },
  }));
}
