import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { PRIVILEGES, parsePrivilege } from './unity-catalog/privileges.js';
import type {
  ColumnFixture,
  DatabricksFixture,
  GeneratorSpec,
  HttpFaultSpec,
  JobFixture,
  RunFaultSpec,
  SchemaFixture,
  TableFixture,
} from './fixture-types.js';

export type * from './fixture-types.js';

/** Thrown when a fixture does not have the expected shape; the message names the offending path. */
export class FixtureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FixtureError';
  }
}

const COLUMN_TYPES = ['STRING', 'BIGINT', 'INT', 'DOUBLE', 'BOOLEAN', 'DATE', 'TIMESTAMP', 'TIMESTAMP_NTZ'];
const TABLE_FORMATS = ['uniform', 'iceberg', 'delta', 'view'];
const GENERATOR_KINDS = ['sequence', 'uniform', 'choice', 'parameter', 'date_cycle', 'offset', 'timestamp_step'];

/** Settings that are switches; every other setting is a non-negative number. */
const BOOLEAN_SETTINGS = new Set(['empty_string_last_page_token']);

/** Reads and validates a YAML (or JSON) fixture file. */
export async function loadFixture(path: string): Promise<DatabricksFixture> {
  const text = await readFile(path, 'utf8');
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new FixtureError(`${path}: not valid YAML: ${(error as Error).message}`);
  }
  return validateFixture(raw, path);
}

/** Checks a parsed fixture and returns it typed; throws FixtureError naming the first bad field. */
export function validateFixture(raw: unknown, source = 'fixture'): DatabricksFixture {
  const f = object(raw, source);
  if (f.workspace !== undefined) {
    const workspace = object(f.workspace, `${source}.workspace`);
    if (workspace.metastore_admins !== undefined) {
      array(workspace.metastore_admins, `${source}.workspace.metastore_admins`).forEach((a, i) => {
        string(a, `${source}.workspace.metastore_admins[${i}]`);
      });
    }
  }
  const auth = object(f.auth, `${source}.auth`);
  array(auth.personal_access_tokens ?? [], `${source}.auth.personal_access_tokens`).forEach((t, i) => {
    string(
      object(t, `${source}.auth.personal_access_tokens[${i}]`).token,
      `${source}.auth.personal_access_tokens[${i}].token`,
    );
  });
  array(auth.oauth_clients ?? [], `${source}.auth.oauth_clients`).forEach((c, i) => {
    const p = `${source}.auth.oauth_clients[${i}]`;
    const client = object(c, p);
    string(client.client_id, `${p}.client_id`);
    string(client.client_secret, `${p}.client_secret`);
    optionalNumber(client.token_ttl_seconds, `${p}.token_ttl_seconds`, 1);
  });
  auth.personal_access_tokens ??= [];
  auth.oauth_clients ??= [];

  const jobs = array(f.jobs ?? [], `${source}.jobs`);
  const jobIds = new Set<number>();
  jobs.forEach((j, i) => {
    const id = validateJob(j, `${source}.jobs[${i}]`);
    if (jobIds.has(id)) throw new FixtureError(`${source}.jobs[${i}].job_id: duplicate job_id ${id}`);
    jobIds.add(id);
  });
  f.jobs = jobs;

  const catalogs = array(f.catalogs ?? [], `${source}.catalogs`);
  const catalogNames = new Set<string>();
  catalogs.forEach((c, i) => {
    const p = `${source}.catalogs[${i}]`;
    const catalog = object(c, p);
    const name = identifier(catalog.name, `${p}.name`);
    if (catalogNames.has(name)) throw new FixtureError(`${p}.name: duplicate catalog '${name}'`);
    catalogNames.add(name);
    optionalString(catalog.storage_root, `${p}.storage_root`);
    optionalStringMap(catalog.tags, `${p}.tags`);
    validateAccess(catalog, p);
    const schemas = array(catalog.schemas ?? [], `${p}.schemas`);
    catalog.schemas = schemas;
    schemas.forEach((s, k) => {
      validateSchema(s, `${p}.schemas[${k}]`);
    });
  });
  f.catalogs = catalogs;

  if (f.faults !== undefined) {
    const faults = object(f.faults, `${source}.faults`);
    array(faults.http ?? [], `${source}.faults.http`).forEach((h, i) => {
      validateHttpFault(h, `${source}.faults.http[${i}]`);
    });
    array(faults.runs ?? [], `${source}.faults.runs`).forEach((r, i) => {
      validateRunFault(r, `${source}.faults.runs[${i}]`);
    });
  }
  if (f.rate_limits !== undefined) validateRateLimits(f.rate_limits, `${source}.rate_limits`);
  const warehouseIds = new Set<string>();
  array(f.sql_warehouses ?? [], `${source}.sql_warehouses`).forEach((raw, i) => {
    const p = `${source}.sql_warehouses[${i}]`;
    const w = object(raw, p);
    if (typeof w.id !== 'string' || w.id === '') throw new FixtureError(`${p}.id: expected a non-empty string`);
    if (warehouseIds.has(w.id)) throw new FixtureError(`${p}.id: duplicate warehouse id ${w.id}`);
    warehouseIds.add(w.id);
    if (typeof w.name !== 'string' || w.name === '') throw new FixtureError(`${p}.name: expected a non-empty string`);
    if (w.state !== undefined && w.state !== 'RUNNING' && w.state !== 'STOPPED')
      throw new FixtureError(`${p}.state: expected RUNNING or STOPPED`);
    for (const key of ['auto_stop_mins', 'start_ms', 'statement_latency_ms']) optionalNumber(w[key], `${p}.${key}`, 0);
  });
  if (f.settings !== undefined) {
    const s = object(f.settings, `${source}.settings`);
    for (const key of Object.keys(s)) {
      if (BOOLEAN_SETTINGS.has(key)) {
        if (typeof s[key] !== 'boolean') throw new FixtureError(`${source}.settings.${key}: expected true or false`);
      } else {
        optionalNumber(s[key], `${source}.settings.${key}`, 0);
      }
    }
  }
  return f as unknown as DatabricksFixture;
}

function validateJob(raw: unknown, p: string): number {
  const job = object(raw, p) as Partial<Record<keyof JobFixture, unknown>>;
  const id = integer(job.job_id, `${p}.job_id`, 1);
  string(job.name, `${p}.name`);
  optionalNumber(job.max_concurrent_runs, `${p}.max_concurrent_runs`, 1);
  array(job.parameters ?? [], `${p}.parameters`).forEach((param, i) => {
    const o = object(param, `${p}.parameters[${i}]`);
    string(o.name, `${p}.parameters[${i}].name`);
    if (o.default === undefined || o.default === null) o.default = '';
    o.default = String(o.default);
  });
  if (job.outcome !== undefined) oneOf(job.outcome, ['SUCCESS', 'FAILED', 'INTERNAL_ERROR'], `${p}.outcome`);
  if (job.timing !== undefined) {
    const t = object(job.timing, `${p}.timing`);
    for (const key of ['pending_ms', 'running_ms', 'terminating_ms']) optionalNumber(t[key], `${p}.timing.${key}`, 0);
  }
  const tasks = array(job.tasks ?? [], `${p}.tasks`);
  tasks.forEach((t, i) => {
    const q = `${p}.tasks[${i}]`;
    const task = object(t, q);
    string(task.task_key, `${q}.task_key`);
    if (task.max_retries !== undefined && task.max_retries !== -1) integer(task.max_retries, `${q}.max_retries`, 0);
    optionalNumber(task.min_retry_interval_millis, `${q}.min_retry_interval_millis`, 0);
    if (task.retry_on_timeout !== undefined && typeof task.retry_on_timeout !== 'boolean') {
      throw new FixtureError(`${q}.retry_on_timeout: expected true or false`);
    }
    if (task.fail_attempts !== undefined) integer(task.fail_attempts, `${q}.fail_attempts`, 0);
  });
  optionalNumber(job.task_count, `${p}.task_count`, 1);
  optionalString(job.owner_user_name, `${p}.owner_user_name`);
  if (job.access_control_list !== undefined) {
    array(job.access_control_list, `${p}.access_control_list`).forEach((e, i) => {
      const q = `${p}.access_control_list[${i}]`;
      const entry = object(e, q);
      const named = ['user_name', 'service_principal_name', 'group_name'].filter((k) => entry[k] !== undefined);
      if (named.length !== 1) {
        throw new FixtureError(`${q}: give exactly one of user_name, service_principal_name, group_name`);
      }
      string(entry[named[0] as string], `${q}.${named[0] as string}`);
      oneOf(entry.permission_level, ['CAN_VIEW', 'CAN_MANAGE_RUN', 'IS_OWNER', 'CAN_MANAGE'], `${q}.permission_level`);
      // "A job cannot have a group as an owner." (Databricks jobs access control docs)
      if (entry.permission_level === 'IS_OWNER') {
        throw new FixtureError(`${q}: the owner is owner_user_name, not an access_control_list entry`);
      }
    });
  }
  if (job.export !== undefined) {
    const e = object(job.export, `${p}.export`);
    string(e.dataset, `${p}.export.dataset`);
    integer(e.files, `${p}.export.files`, 1);
    integer(e.rows_per_file, `${p}.export.rows_per_file`, 0);
    optionalString(e.output_parameter, `${p}.export.output_parameter`);
    validateColumns(e.columns, `${p}.export.columns`);
    if (e.schema_versions !== undefined) {
      const versions = object(e.schema_versions, `${p}.export.schema_versions`);
      string(versions.parameter, `${p}.export.schema_versions.parameter`);
      for (const [name, columns] of Object.entries(object(versions.columns, `${p}.export.schema_versions.columns`)))
        validateColumns(columns, `${p}.export.schema_versions.columns.${name}`);
    }
  }
  return id;
}

function validateSchema(raw: unknown, p: string): void {
  const schema = object(raw, p) as Partial<Record<keyof SchemaFixture, unknown>>;
  identifier(schema.name, `${p}.name`);
  optionalStringMap(schema.tags, `${p}.tags`);
  validateAccess(schema, p);
  const names = new Set<string>();
  array(schema.tables ?? [], `${p}.tables`).forEach((t, i) => {
    const name = validateTableEntry(t, `${p}.tables[${i}]`);
    if (names.has(name)) throw new FixtureError(`${p}.tables[${i}].name: duplicate table '${name}'`);
    names.add(name);
  });
  if (schema.generated_tables !== undefined) {
    const q = `${p}.generated_tables`;
    const g = object(schema.generated_tables, q);
    integer(g.count, `${q}.count`, 0);
    identifier(g.name_prefix, `${q}.name_prefix`);
    array(g.formats ?? [], `${q}.formats`).forEach((format, i) => {
      oneOf(format, TABLE_FORMATS, `${q}.formats[${i}]`);
    });
    validateColumns(g.columns, `${q}.columns`);
    validateGrants(g.grants, `${q}.grants`);
  }
}

/** `owner` and `grants` of a securable; unknown privilege names are refused, as GRANT refuses them. */
function validateAccess(securable: Record<string, unknown>, p: string): void {
  optionalString(securable.owner, `${p}.owner`);
  validateGrants(securable.grants, `${p}.grants`);
}

function validateGrants(raw: unknown, p: string): void {
  if (raw === undefined) return;
  array(raw, p).forEach((g, i) => {
    const grant = object(g, `${p}[${i}]`);
    string(grant.principal, `${p}[${i}].principal`);
    array(grant.privileges, `${p}[${i}].privileges`).forEach((privilege, k) => {
      const q = `${p}[${i}].privileges[${k}]`;
      if (typeof privilege !== 'string' || parsePrivilege(privilege) === undefined) {
        throw new FixtureError(
          `${q}: unknown privilege ${JSON.stringify(privilege)}; expected one of ${PRIVILEGES.join(', ')}`,
        );
      }
    });
  });
}

function validateColumns(raw: unknown, p: string): void {
  const columns = array(raw, p);
  if (columns.length === 0) throw new FixtureError(`${p}: at least one column is required`);
  const names = new Set<string>();
  columns.forEach((c, i) => {
    const q = `${p}[${i}]`;
    const column = object(c, q) as Partial<Record<keyof ColumnFixture, unknown>>;
    const name = identifier(column.name, `${q}.name`);
    if (names.has(name)) throw new FixtureError(`${q}.name: duplicate column '${name}'`);
    names.add(name);
    oneOf(column.type, COLUMN_TYPES, `${q}.type`);
    if (column.generate !== undefined) {
      const g = object(column.generate, `${q}.generate`) as Partial<Record<string, unknown>>;
      oneOf(g.kind, GENERATOR_KINDS, `${q}.generate.kind`);
      const kind = g.kind as GeneratorSpec['kind'];
      if (kind === 'uniform' || kind === 'offset') {
        number(g.min, `${q}.generate.min`);
        number(g.max, `${q}.generate.max`);
      }
      if (kind === 'offset' && !names.has(string(g.column, `${q}.generate.column`))) {
        throw new FixtureError(`${q}.generate.column: must name an earlier column`);
      }
      if (kind === 'choice' && array(g.values, `${q}.generate.values`).length === 0) {
        throw new FixtureError(`${q}.generate.values: at least one value is required`);
      }
      if (kind === 'parameter') string(g.parameter, `${q}.generate.parameter`);
    }
  });
}

export function validateHttpFault(raw: unknown, p = 'fault'): HttpFaultSpec {
  const fault = object(raw, p);
  string(fault.route, `${p}.route`);
  optionalNumber(fault.status, `${p}.status`, 100);
  optionalNumber(fault.retry_after_seconds, `${p}.retry_after_seconds`, 0);
  optionalNumber(fault.latency_ms, `${p}.latency_ms`, 0);
  optionalNumber(fault.count, `${p}.count`, 0);
  if (fault.when !== undefined) oneOf(fault.when, ['before', 'after'], `${p}.when`);
  if (fault.html !== undefined && typeof fault.html !== 'boolean')
    throw new FixtureError(`${p}.html: expected true or false`);
  if (fault.html === true && (typeof fault.status !== 'number' || fault.status < 500)) {
    throw new FixtureError(`${p}.html: an HTML error page needs a 5xx status`);
  }
  if (fault.status === undefined && fault.latency_ms === undefined) {
    throw new FixtureError(`${p}: give a status, a latency_ms, or both`);
  }
  return fault as unknown as HttpFaultSpec;
}

export function validateRunFault(raw: unknown, p = 'fault'): RunFaultSpec {
  const fault = object(raw, p);
  oneOf(fault.outcome, ['FAILED', 'INTERNAL_ERROR'], `${p}.outcome`);
  optionalNumber(fault.job_id, `${p}.job_id`, 1);
  optionalNumber(fault.count, `${p}.count`, 1);
  optionalString(fault.message, `${p}.message`);
  return fault as unknown as RunFaultSpec;
}

export function validateRateLimits(raw: unknown, p = 'rate_limits'): Record<string, number> {
  const limits = object(raw, p);
  for (const [route, perSecond] of Object.entries(limits)) {
    if (typeof perSecond !== 'number' || !Number.isInteger(perSecond) || perSecond < 1) {
      throw new FixtureError(`${p}.${route}: expected a whole number of requests per second >= 1`);
    }
  }
  return limits as Record<string, number>;
}

/** Validates one table entry (as given to the admin API); returns it typed. */
export function validateTable(raw: unknown, p = 'table'): TableFixture {
  validateTableEntry(raw, p);
  return raw as TableFixture;
}

function validateTableEntry(raw: unknown, q: string): string {
  const table = object(raw, q) as Partial<Record<keyof TableFixture, unknown>>;
  const name = identifier(table.name, `${q}.name`);
  oneOf(table.format, TABLE_FORMATS, `${q}.format`);
  if (table.table_type !== undefined) oneOf(table.table_type, ['MANAGED', 'EXTERNAL'], `${q}.table_type`);
  if (table.table_type === 'EXTERNAL') string(table.storage_location, `${q}.storage_location`);
  optionalNumber(table.rows, `${q}.rows`, 0);
  optionalStringMap(table.properties, `${q}.properties`);
  optionalStringMap(table.tags, `${q}.tags`);
  validateAccess(table, q);
  validateColumns(table.columns, `${q}.columns`);
  return name;
}

function object(value: unknown, p: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FixtureError(`${p}: expected an object`);
  }
  return value as Record<string, unknown>;
}

function array(value: unknown, p: string): unknown[] {
  if (!Array.isArray(value)) throw new FixtureError(`${p}: expected a list`);
  return value;
}

function string(value: unknown, p: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new FixtureError(`${p}: expected a non-empty string`);
  return value;
}

function identifier(value: unknown, p: string): string {
  const s = string(value, p);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(s)) throw new FixtureError(`${p}: '${s}' is not a valid name`);
  return s;
}

function optionalString(value: unknown, p: string): void {
  if (value !== undefined) string(value, p);
}

function number(value: unknown, p: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new FixtureError(`${p}: expected a number`);
  return value;
}

function integer(value: unknown, p: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new FixtureError(`${p}: expected an integer >= ${min}`);
  }
  return value;
}

function optionalNumber(value: unknown, p: string, min: number): void {
  if (value === undefined) return;
  if (number(value, p) < min) throw new FixtureError(`${p}: expected a number >= ${min}`);
}

function oneOf(value: unknown, allowed: string[], p: string): void {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new FixtureError(`${p}: expected one of ${allowed.join(', ')}`);
  }
}

function optionalStringMap(value: unknown, p: string): void {
  if (value === undefined) return;
  const map = object(value, p);
  for (const [key, v] of Object.entries(map)) {
    if (typeof v !== 'string') map[key] = String(v);
  }
}
