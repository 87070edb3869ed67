import { databricksErrors } from '../errors.js';
import type { JobFixture } from '../fixture-types.js';
import type { Route } from '../http/router.js';
import { requireJobPermission } from './job-permissions.js';
import { parseId, type RunRegistry } from './run-registry.js';

export interface JobPermissionRoutesDeps {
  registry: RunRegistry;
  /** The workspace user who owns the fixture's jobs unless a job names its owner. */
  ownerName: string;
}

/**
 * `GET /api/2.0/permissions/jobs/{job_id}`: the job's access control list as the Permissions API answers it
 * (SDK model `jobs.JobPermissions`: `object_id` "/jobs/<id>", `object_type` "job", `access_control_list` of
 * `{user_name | group_name | service_principal_name, all_permissions: [{permission_level, inherited,
 * inherited_from_object}]}`; databricks-sdk-js jobs API `getPermissions`). The owner is listed with IS_OWNER
 * and the `admins` group with CAN_MANAGE inherited from the jobs root ("/jobs/"), as a workspace lists them.
 * A job with access control off grants CAN_MANAGE to `users` (every workspace user).
 *
 * Who may read it is not documented; the emulator asks CAN_VIEW, as for jobs/get (not confirmed from a source).
 */
export function jobPermissionRoutes(deps: JobPermissionRoutesDeps): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/api/2.0/permissions/jobs/:job_id',
      name: 'permissions/jobs',
      family: 'databricks',
      authenticated: true,
      handler: (ctx) => {
        const jobId = parseId(ctx.params.job_id, 'job_id');
        ctx.note.jobId = jobId;
        const job = deps.registry.job(jobId);
        if (!job) throw databricksErrors.jobDoesNotExist(jobId);
        requireJobPermission(job, ctx.principal, 'view', deps.ownerName);
        return { status: 200, body: renderJobPermissions(job, deps.ownerName) };
      },
    },
  ];
}

export function renderJobPermissions(job: JobFixture, ownerName: string): Record<string, unknown> {
  const direct = (level: string) => [{ permission_level: level, inherited: false }];
  const entries: Record<string, unknown>[] = [
    { user_name: job.owner_user_name ?? ownerName, all_permissions: direct('IS_OWNER') },
  ];
  if (job.access_control_list === undefined) {
    entries.push({
      group_name: 'users',
      all_permissions: [{ permission_level: 'CAN_MANAGE', inherited: true, inherited_from_object: ['/jobs/'] }],
    });
  }
  for (const entry of job.access_control_list ?? []) {
    const who =
      entry.user_name !== undefined
        ? { user_name: entry.user_name }
        : entry.service_principal_name !== undefined
          ? { service_principal_name: entry.service_principal_name }
          : { group_name: entry.group_name };
    entries.push({ ...who, all_permissions: direct(entry.permission_level) });
  }
  entries.push({
    group_name: 'admins',
    all_permissions: [{ permission_level: 'CAN_MANAGE', inherited: true, inherited_from_object: ['/jobs/'] }],
  });
  return { object_id: `/jobs/${job.job_id}`, object_type: 'job', access_control_list: entries };
}
