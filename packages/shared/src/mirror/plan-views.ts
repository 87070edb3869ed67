import { Secret } from '../secret.js';
import { ACTION_KINDS, type MirrorActionKind } from './mirror-action.js';
import type { MirrorSettings } from './mirror-settings.js';
import type { MirrorPlan, MirrorPlanSummary } from './plan.js';
import { statementsFor } from './statements.js';

/** The kinds of DDL a dry run can be limited to. */
export type PlanKindFilter = 'integrations' | 'tables';

const INTEGRATION_KINDS: ReadonlySet<MirrorActionKind> = new Set(['create-integration', 'update-integration']);

/**
 * The plan limited to one kind of DDL, for review or to run by hand: `integrations` (the catalog
 * integrations, usually run by an account admin) or `tables` (schemas and Iceberg tables). A filtered
 * plan is a view: it has no id, so it cannot be applied as a reviewed plan.
 */
export function filterPlan(plan: MirrorPlan, only: PlanKindFilter): MirrorPlan {
  const keep = (kind: MirrorActionKind) => INTEGRATION_KINDS.has(kind) === (only === 'integrations');
  const actions = plan.actions.filter((a) => keep(a.kind));
  const { id: _id, expiresAt: _expires, ...rest } = plan;
  const counts = Object.fromEntries(ACTION_KINDS.map((k) => [k, 0])) as Record<MirrorActionKind, number>;
  for (const action of actions) counts[action.kind]++;
  const summary: MirrorPlanSummary = { ...plan.summary, ...counts, actions: actions.length };
  return { ...rest, actions, summary };
}

/**
 * The client-side variable that stands for the OAuth client secret in offline DDL. `&{ name }` is the
 * variable syntax both Snowflake CLI (`snow sql -f plan.sql -D "name=value"`,
 * https://docs.snowflake.com/en/developer-guide/snowflake-cli/sql/execute-sql "Using variables for SQL
 * templates") and SnowSQL (`snowsql -f plan.sql -D name=value -o variable_substitution=true`) substitute
 * before the statement leaves the machine, so the secret is never in the file.
 */
export const OFFLINE_SECRET_VARIABLE = 'd2s_oauth_client_secret';

/**
 * Runnable DDL for a plan computed from Unity Catalog alone (no Snowflake connection): integrations,
 * then schemas, then tables, each statement idempotent (IF NOT EXISTS), the OAuth secret written as the
 * client-side variable `&{d2s_oauth_client_secret}`.
 */
export function offlinePlanSql(plan: MirrorPlan, settings: MirrorSettings): string {
  const placeholder = new Secret(`&{${OFFLINE_SECRET_VARIABLE}}`);
  const withVariable: MirrorSettings = { ...settings, oauthClientSecret: placeholder };
  const lines = [
    `-- d2s mirror DDL, generated offline from Unity Catalog at ${plan.createdAt} (Snowflake was not consulted).`,
    '-- Every statement is idempotent (IF NOT EXISTS): run it again safely.',
    `-- The OAuth client secret is the client-side variable &{${OFFLINE_SECRET_VARIABLE}}; pass it when running the file:`,
    `--   snow sql -f plan.sql -D "${OFFLINE_SECRET_VARIABLE}=<secret>"`,
    `--   snowsql -f plan.sql -D ${OFFLINE_SECRET_VARIABLE}=<secret> -o variable_substitution=true`,
    '',
  ];
  for (const action of plan.actions) {
    lines.push(`-- ${action.kind} ${action.id}: ${action.reason.replaceAll('\n', ' ')}`);
    // The placeholder is the only "secret" these statements hold, so their text is safe to write.
    for (const statement of statementsFor(action, withVariable)) lines.push(`${statement.text()};`);
    lines.push('');
  }
  if (plan.skipped.length > 0) {
    lines.push('-- Skipped Unity Catalog tables:');
    for (const skip of plan.skipped) lines.push(`--   ${skip.fullName} [${skip.code}]: ${skip.reason}`);
    lines.push('');
  }
  return lines.join('\n');
}
