import { SyncFailedError } from '@d2s/shared';
import { type CurrentUserApi, DatabricksPermissionError } from '@d2s/shared/databricks';
import type { Logger } from '@d2s/shared';

/** The job permission each Jobs call needs (Databricks "Jobs access control"). */
const NEEDED: Record<string, 'CAN_MANAGE_RUN' | 'CAN_VIEW'> = {
  'jobs/run-now': 'CAN_MANAGE_RUN',
  'jobs/runs/cancel': 'CAN_MANAGE_RUN',
  'jobs/runs/get': 'CAN_VIEW',
  'jobs/runs/get-output': 'CAN_VIEW',
};

export interface PermissionFailureDeps {
  currentUser?: Pick<CurrentUserApi, 'me'> | undefined;
  log: Logger;
}

/**
 * Turns Databricks' 403 PERMISSION_DENIED on a Jobs call into a sync failure that says what to grant, on
 * which job, to whom: no retry can fix a missing permission, so the sync fails at once. The principal is
 * who `scim/v2/Me` says the credentials are, else the user named in Databricks' message ("User X does not
 * have … permissions on job N").
 */
export async function failForMissingPermission(
  error: unknown,
  jobId: number,
  deps: PermissionFailureDeps,
): Promise<SyncFailedError | undefined> {
  if (!(error instanceof DatabricksPermissionError)) return undefined;
  const permission = NEEDED[error.endpoint] ?? 'CAN_MANAGE_RUN';
  const principal = (await principalOf(deps)) ?? principalInMessage(error.message);
  const who = principal ?? 'the principal d2s uses for Databricks';
  const hint = `Grant ${permission} on job ${jobId} to ${who} (job → Permissions in the Databricks UI, or PATCH /api/2.0/permissions/jobs/${jobId}).`;
  return new SyncFailedError(
    'DATABRICKS_PERMISSION_DENIED',
    // Databricks' own words stay in the message (they name the levels that would do); the hint follows.
    `${who} lacks ${permission} on job ${jobId}. ${error.message}. ${hint}`,
    {
      cause: error,
      details: {
        permission,
        jobId,
        ...(principal ? { principal } : {}),
        endpoint: error.endpoint,
        ...(error.status !== undefined ? { status: error.status } : {}),
        ...(error.errorCode ? { errorCode: error.errorCode } : {}),
        hint,
        ...(error.requestId ? { requestId: error.requestId } : {}),
      },
    },
  );
}

async function principalOf(deps: PermissionFailureDeps): Promise<string | undefined> {
  if (!deps.currentUser) return undefined;
  try {
    return (await deps.currentUser.me({ maxRetryWaitMs: 2_000 })).userName;
  } catch (error) {
    deps.log.debug({ err: error }, 'could not read scim/v2/Me for the permission hint');
    return undefined;
  }
}

function principalInMessage(message: string): string | undefined {
  return /User "?([^"\s]+)"? does not have/.exec(message)?.[1];
}
