import type { Principal } from '../auth.js';
import { databricksErrors } from '../errors.js';
import type { JobFixture, JobPermissionLevel } from '../fixture-types.js';

/**
 * Jobs access control, as the Databricks docs table it ("Jobs access control",
 * docs.databricks.com/en/security/auth-authz/access-control/jobs-acl.html):
 *
 * | ability                      | CAN_VIEW | CAN_MANAGE_RUN | IS_OWNER | CAN_MANAGE |
 * | view job details, results    |    x     |       x        |    x     |     x      |
 * | run now, cancel run          |          |       x        |    x     |     x      |
 * | edit job settings            |          |                |    x     |     x      |
 *
 * The job's creator is its owner (IS_OWNER). A job whose fixture has no access_control_list has access
 * control off, as a workspace without jobs access control enabled, so every principal may use it.
 */
export type JobAction = 'view' | 'manage_run' | 'manage';

const RANK: Record<JobPermissionLevel, number> = { CAN_VIEW: 1, CAN_MANAGE_RUN: 2, IS_OWNER: 3, CAN_MANAGE: 3 };
const NEEDED: Record<JobAction, number> = {
  view: RANK.CAN_VIEW,
  manage_run: RANK.CAN_MANAGE_RUN,
  manage: RANK.CAN_MANAGE,
};

/**
 * The levels Databricks lists in its 403 message for each action. jobs/get's words are from a real 403 body
 * quoted in databricks/databricks-sdk-py#953 ("User … does not have Admin or Manage Run or Owner or View
 * permissions on job …"); run-now's ("… does not have Manage Run or Owner or Admin permissions on job …") is
 * from a public notes file quoting a real answer, not from Databricks' own material.
 */
const DENIED_LEVELS: Record<JobAction, string> = {
  view: 'Admin or Manage Run or Owner or View',
  manage_run: 'Manage Run or Owner or Admin',
  // Not quoted from a real answer: worded like the two above for the settings-editing levels.
  manage: 'Manage or Owner or Admin',
};

/** The highest level a principal holds on a job, or undefined (no permissions). */
export function permissionLevel(
  job: JobFixture,
  principal: Principal,
  ownerName: string,
): JobPermissionLevel | undefined {
  if (job.access_control_list === undefined) return 'CAN_MANAGE';
  if ((job.owner_user_name ?? ownerName) === principal.name) return 'IS_OWNER';
  let best: JobPermissionLevel | undefined;
  for (const entry of job.access_control_list) {
    const matches =
      (principal.kind === 'pat' && entry.user_name === principal.name) ||
      (principal.kind === 'oauth' && entry.service_principal_name === principal.name) ||
      (entry.group_name !== undefined && principal.groups.includes(entry.group_name));
    if (matches && (best === undefined || RANK[entry.permission_level] > RANK[best])) best = entry.permission_level;
  }
  return best;
}

/** Throws Databricks' 403 PERMISSION_DENIED unless the principal may do `action` on the job. */
export function requireJobPermission(
  job: JobFixture,
  principal: Principal | undefined,
  action: JobAction,
  ownerName: string,
): void {
  if (principal === undefined) return; // unauthenticated routes never reach here
  const level = permissionLevel(job, principal, ownerName);
  if (level !== undefined && RANK[level] >= NEEDED[action]) return;
  throw databricksErrors.jobPermissionDenied(principal.name, DENIED_LEVELS[action], job.job_id);
}
