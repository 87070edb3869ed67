import type { D2sConfig } from '../config/load-config.js';
import type { DatasetConfig } from '../config/schema.js';
import type { CurrentUser } from '../databricks/current-user-api.js';
import {
  DatabricksAuthError,
  DatabricksNetworkError,
  DatabricksNotFoundError,
  DatabricksPermissionError,
} from '../databricks/errors.js';
import type { Job, JobPermissionLevel, JobPermissions } from '../databricks/job-definition-types.js';
import type { NotificationDestinationSummary } from '../databricks/job-notifications-api.js';
import { DESTINATION_NAME_PREFIX } from '../sync/webhook-setup.js';
import type { EffectivePrivilege, SchemaInfo, TableInfo } from '../databricks/unity-catalog-types.js';
import { type DoctorCheck, errorText, fail, ok, skip, warn } from './check.js';

/** What the Databricks checks call: a subset of DatabricksClient, so a test can hand in the real one. */
export interface DatabricksProbe {
  currentUser: { me(): Promise<CurrentUser> };
  jobs: {
    getJob(jobId: number): Promise<Job>;
    getJobPermissions(jobId: number): Promise<JobPermissions>;
  };
  /** Notification destinations, to find d2s's push destination when push is configured. */
  notifications?: { listDestinations(): Promise<NotificationDestinationSummary[]> };
  unityCatalog: {
    listSchemas(catalogName: string): Promise<SchemaInfo[]>;
    iterateTables(catalogName: string, schemaName: string): AsyncIterable<TableInfo>;
    effectivePrivileges(type: 'schema', fullName: string, principal: string): Promise<EffectivePrivilege[]>;
  };
}

export interface DatabricksCheckInput {
  config: Pick<D2sConfig, 'datasets' | 'mirror'> & {
    databricks: Pick<D2sConfig['databricks'], 'host'> & { webhook?: unknown };
  };
  client: DatabricksProbe;
  /**
   * The notification destination d2s's push endpoint is registered as, when push is configured: each dataset's
   * job must name it in its webhook_notifications. Undefined skips the check.
   */
  pushDestinationId?: string | undefined;
}

const RANK: Record<string, number> = { CAN_VIEW: 1, CAN_MANAGE_RUN: 2, IS_OWNER: 3, CAN_MANAGE: 3 };

/**
 * Databricks as d2s needs it: the credentials work (SCIM Me), every dataset's job exists, declares the
 * parameters d2s passes and lets d2s's principal run it, and every mirrored catalog is readable with
 * EXTERNAL USE SCHEMA granted to the integration's principal.
 */
export async function databricksChecks(input: DatabricksCheckInput): Promise<DoctorCheck[]> {
  const { client, config } = input;
  let me: CurrentUser;
  try {
    me = await client.currentUser.me();
  } catch (error) {
    return [authFailure(error, config.databricks.host)];
  }
  const principal = me.userName;
  const checks: DoctorCheck[] = [ok('databricks.auth', `authenticated to ${config.databricks.host} as ${principal}`)];
  const push = await pushDestination(input);
  if (push.check) checks.push(push.check);
  const withDestination = { ...input, pushDestinationId: push.id };
  const datasets = Object.entries(config.datasets);
  if (datasets.length === 0) checks.push(skip('databricks.jobs', 'no datasets configured'));
  for (const [name, dataset] of datasets) {
    checks.push(...(await jobChecks(name, dataset, me, withDestination)));
  }
  checks.push(...(await mirrorChecks(input, principal)));
  return checks;
}

/**
 * Which destination the jobs should notify: the one given, else (push configured) the destination
 * `d2s setup webhook` creates, found by its name. Push configured without one is a warning of its own.
 */
async function pushDestination(input: DatabricksCheckInput): Promise<{ id?: string; check?: DoctorCheck }> {
  if (input.pushDestinationId !== undefined) return { id: input.pushDestinationId };
  if (input.config.databricks.webhook === undefined || !input.client.notifications) return {};
  const id = 'databricks.push-destination';
  try {
    const found = (await input.client.notifications.listDestinations()).find((d) =>
      d.display_name?.startsWith(DESTINATION_NAME_PREFIX),
    );
    if (found) return { id: found.id, check: ok(id, `notification destination ${found.display_name} (${found.id})`) };
    return {
      check: warn(
        id,
        'push is configured (databricks.webhook) but no d2s notification destination exists; completion is polled',
        'Run d2s setup webhook --url https://<d2s api>/v1/hooks/databricks (see "Completion pushed by Databricks").',
      ),
    };
  } catch (error) {
    return {
      check: warn(
        id,
        `cannot list notification destinations: ${errorText(error)}`,
        'Listing destinations needs a workspace admin; or check the destination by hand in the admin settings.',
      ),
    };
  }
}

function authFailure(error: unknown, host: string | undefined): DoctorCheck {
  const id = 'databricks.auth';
  if (error instanceof DatabricksAuthError) {
    return fail(
      id,
      `Databricks at ${host} refused the credentials: ${errorText(error)}`,
      'Create a new personal access token (DATABRICKS_TOKEN) or check DATABRICKS_CLIENT_ID / DATABRICKS_CLIENT_SECRET of the service principal.',
    );
  }
  if (error instanceof DatabricksNetworkError) {
    return fail(
      id,
      `Databricks at ${host} cannot be reached: ${errorText(error)}`,
      'Check databricks.host / DATABRICKS_HOST (https://<workspace>.cloud.databricks.com) and the network path to it.',
    );
  }
  return fail(
    id,
    `Databricks at ${host} did not answer SCIM Me: ${errorText(error)}`,
    'Check databricks.host and the credentials; the same call is `databricks current-user me`.',
  );
}

async function jobChecks(
  dataset: string,
  config: DatasetConfig,
  me: CurrentUser,
  input: DatabricksCheckInput,
): Promise<DoctorCheck[]> {
  const jobId = config.databricks.jobId;
  const prefix = `databricks.job.${dataset}`;
  const grant = `grant CAN_MANAGE_RUN on job ${jobId} to ${me.userName} (job → Permissions)`;
  let job: Job;
  try {
    job = await input.client.jobs.getJob(jobId);
  } catch (error) {
    if (error instanceof DatabricksNotFoundError) {
      return [
        fail(
          `${prefix}.exists`,
          `job ${jobId} of dataset ${dataset} does not exist`,
          `Set datasets.${dataset}.databricks.jobId to the id of the export job (Jobs & Pipelines → the job → Job details).`,
        ),
      ];
    }
    if (error instanceof DatabricksPermissionError) {
      return [fail(`${prefix}.exists`, `${me.userName} may not see job ${jobId} of dataset ${dataset}`, `${grant}.`)];
    }
    return [fail(`${prefix}.exists`, `cannot read job ${jobId}: ${errorText(error)}`, 'Run d2s doctor again.')];
  }
  const checks: DoctorCheck[] = [
    ok(`${prefix}.exists`, `job ${jobId} (${job.settings?.name ?? 'unnamed'}) exists for dataset ${dataset}`),
  ];
  checks.push(parametersCheck(`${prefix}.parameters`, dataset, config, job));
  checks.push(await permissionCheck(`${prefix}.can-manage-run`, jobId, me, input, grant));
  checks.push(webhookCheck(`${prefix}.push-notification`, job, input.pushDestinationId));
  return checks;
}

/** run-now refuses job_parameters the job does not declare, so each name d2s passes must be declared. */
function parametersCheck(id: string, dataset: string, config: DatasetConfig, job: Job): DoctorCheck {
  const declared = new Set((job.settings?.parameters ?? []).map((p) => p.name));
  const passed = [config.databricks.outputParameter, ...Object.keys(config.parameters)];
  const missing = passed.filter((name) => !declared.has(name));
  if (missing.length === 0) {
    return ok(id, `job ${job.job_id} declares every parameter d2s passes (${passed.join(', ')})`);
  }
  return fail(
    id,
    `job ${job.job_id} does not declare ${missing.map((m) => `"${m}"`).join(', ')}, which dataset ${dataset} passes`,
    `Add job parameter${missing.length === 1 ? '' : 's'} ${missing.join(', ')} to job ${job.job_id} (job → Job parameters), or change datasets.${dataset}.${missing.includes(config.databricks.outputParameter) ? 'databricks.outputParameter' : 'parameters'}.`,
  );
}

async function permissionCheck(
  id: string,
  jobId: number,
  me: CurrentUser,
  input: DatabricksCheckInput,
  grant: string,
): Promise<DoctorCheck> {
  let permissions: JobPermissions;
  try {
    permissions = await input.client.jobs.getJobPermissions(jobId);
  } catch (error) {
    if (error instanceof DatabricksPermissionError) {
      return warn(
        id,
        `${me.userName} may not read the permissions of job ${jobId}, so CAN_MANAGE_RUN could not be confirmed`,
        `Make sure of it: ${grant}.`,
      );
    }
    return warn(id, `cannot read the permissions of job ${jobId}: ${errorText(error)}`, `Make sure of it: ${grant}.`);
  }
  const level = highestLevel(permissions, me);
  if (level !== undefined && (RANK[level] ?? 0) >= (RANK.CAN_MANAGE_RUN ?? 2)) {
    return ok(id, `${me.userName} holds ${level} on job ${jobId}`);
  }
  return fail(
    id,
    level === undefined
      ? `${me.userName} holds no permission on job ${jobId}: run-now would be refused`
      : `${me.userName} holds only ${level} on job ${jobId}: run-now would be refused (needs CAN_MANAGE_RUN)`,
    `${grant[0]?.toUpperCase()}${grant.slice(1)}.`,
  );
}

/**
 * The principal's highest level in the job's access control list: entries for the user (a PAT's user name), the
 * service principal (its application id is the SCIM userName), or any group it belongs to. Every workspace user
 * is in `users`; `admins` have CAN_MANAGE on every job.
 */
export function highestLevel(permissions: JobPermissions, me: CurrentUser): JobPermissionLevel | undefined {
  const groups = new Set(['users', ...(me.groups ?? []).flatMap((g) => (g.display ? [g.display] : []))]);
  if (groups.has('admins')) return 'CAN_MANAGE';
  let best: JobPermissionLevel | undefined;
  for (const entry of permissions.access_control_list ?? []) {
    const mine =
      entry.user_name === me.userName ||
      entry.service_principal_name === me.userName ||
      (entry.group_name !== undefined && groups.has(entry.group_name));
    if (!mine) continue;
    for (const permission of entry.all_permissions ?? []) {
      const level = permission.permission_level;
      if (level !== undefined && (best === undefined || (RANK[level] ?? 0) > (RANK[best] ?? 0))) best = level;
    }
  }
  return best;
}

function webhookCheck(id: string, job: Job, destinationId: string | undefined): DoctorCheck {
  if (destinationId === undefined) return skip(id, 'push notifications are not configured; completion is polled');
  const hooks = job.settings?.webhook_notifications ?? {};
  const on = (list: Array<{ id: string }> | undefined) => (list ?? []).some((hook) => hook.id === destinationId);
  const missing = [...(on(hooks.on_success) ? [] : ['on_success']), ...(on(hooks.on_failure) ? [] : ['on_failure'])];
  if (missing.length === 0) return ok(id, `job ${job.job_id} notifies destination ${destinationId} when a run ends`);
  return warn(
    id,
    `job ${job.job_id} does not notify destination ${destinationId} ${missing.join(' and ')}; d2s falls back to polling`,
    `Add the notification destination ${destinationId} to the job's ${missing.join(' and ')} system notifications (job → Job notifications → Add → Webhook).`,
  );
}

async function mirrorChecks(input: DatabricksCheckInput, principal: string): Promise<DoctorCheck[]> {
  const mirror = input.config.mirror;
  if (mirror.catalogs.length === 0) return [skip('databricks.mirror', 'no catalogs to mirror (mirror.catalogs)')];
  const checks: DoctorCheck[] = [];
  const integrationPrincipal = mirror.oauthClientId;
  if (integrationPrincipal === undefined) {
    checks.push(
      fail(
        'databricks.mirror.oauth-client',
        'mirror.oauthClientId is not set: Snowflake has no principal to read Unity Catalog as',
        'Set mirror.oauthClientId (a service principal application id) and D2S_MIRROR_OAUTH_CLIENT_SECRET.',
      ),
    );
  }
  for (const catalog of mirror.catalogs) {
    const id = `databricks.mirror.${catalog.name}`;
    let schemas: SchemaInfo[];
    try {
      schemas = await input.client.unityCatalog.listSchemas(catalog.name);
    } catch (error) {
      checks.push(catalogFailure(`${id}.visible`, catalog.name, principal, error));
      continue;
    }
    const wanted = (catalog.schemas ?? schemas.map((s) => s.name)).filter((s) => s !== 'information_schema');
    const listed = new Set(schemas.map((s) => s.name));
    checks.push(ok(`${id}.visible`, `catalog ${catalog.name} is visible to ${principal} (${wanted.length} schemas)`));
    for (const schema of wanted) {
      const fullName = `${catalog.name}.${schema}`;
      if (!listed.has(schema)) {
        checks.push(
          fail(
            `${id}.${schema}.readable`,
            `schema ${fullName} is not visible to ${principal}`,
            `Grant USE SCHEMA on schema ${fullName} to ${principal}, or drop it from mirror.catalogs[].schemas.`,
          ),
        );
        continue;
      }
      checks.push(await schemaReadable(`${id}.${schema}.readable`, input, catalog.name, schema, principal));
      if (integrationPrincipal !== undefined) {
        checks.push(await externalUse(`${id}.${schema}.external-use`, input, fullName, integrationPrincipal));
      }
    }
  }
  return checks;
}

function catalogFailure(id: string, catalog: string, principal: string, error: unknown): DoctorCheck {
  if (error instanceof DatabricksPermissionError) {
    return fail(
      id,
      `${principal} may not use catalog ${catalog}: ${errorText(error)}`,
      `Grant USE CATALOG on catalog ${catalog} to ${principal}.`,
    );
  }
  if (error instanceof DatabricksNotFoundError) {
    return fail(
      id,
      `catalog ${catalog} does not exist (or is hidden from ${principal})`,
      `Check mirror.catalogs[].name, or grant USE CATALOG on catalog ${catalog} to ${principal}.`,
    );
  }
  return fail(id, `cannot list the schemas of catalog ${catalog}: ${errorText(error)}`, 'Run d2s doctor again.');
}

/** Listing a schema's tables is what discovery does; it needs USE SCHEMA, and SELECT or BROWSE per table. */
async function schemaReadable(
  id: string,
  input: DatabricksCheckInput,
  catalog: string,
  schema: string,
  principal: string,
): Promise<DoctorCheck> {
  const fullName = `${catalog}.${schema}`;
  try {
    for await (const _table of input.client.unityCatalog.iterateTables(catalog, schema)) break;
    return ok(id, `${principal} may list the tables of ${fullName}`);
  } catch (error) {
    if (error instanceof DatabricksPermissionError) {
      return fail(
        id,
        `${principal} may not list the tables of ${fullName}: ${errorText(error)}`,
        `Grant USE SCHEMA and SELECT on schema ${fullName} to ${principal}.`,
      );
    }
    return fail(id, `cannot list the tables of ${fullName}: ${errorText(error)}`, 'Run d2s doctor again.');
  }
}

/** Without EXTERNAL USE SCHEMA the Iceberg REST catalog vends Snowflake no storage credentials. */
async function externalUse(
  id: string,
  input: DatabricksCheckInput,
  schema: string,
  integrationPrincipal: string,
): Promise<DoctorCheck> {
  const grantIt = `Grant EXTERNAL USE SCHEMA on schema ${schema} to ${integrationPrincipal}.`;
  try {
    const privileges = await input.client.unityCatalog.effectivePrivileges('schema', schema, integrationPrincipal);
    if (privileges.some((p) => p.privilege === 'EXTERNAL_USE_SCHEMA')) {
      return ok(id, `${integrationPrincipal} holds EXTERNAL USE SCHEMA on ${schema}`);
    }
    return fail(
      id,
      `${integrationPrincipal} (mirror.oauthClientId) lacks EXTERNAL USE SCHEMA on ${schema}: Snowflake gets no storage credentials for its tables`,
      grantIt,
    );
  } catch (error) {
    return warn(
      id,
      `cannot read the privileges of ${integrationPrincipal} on ${schema}: ${errorText(error)}`,
      `Make sure of it: ${grantIt}`,
    );
  }
}
