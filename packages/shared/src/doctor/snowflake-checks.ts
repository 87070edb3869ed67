import type { D2sConfig } from '../config/load-config.js';
import type { DatasetConfig, SnowflakeObjectName } from '../config/schema.js';
import { SnowflakeError } from '../snowflake/errors.js';
import { listStage } from '../snowflake/sql/stage-files.js';
import { quoteIdentifier, quoteLiteral, qualifiedSchemaName } from '../snowflake/sql/quoting.js';
import { type DoctorCheck, errorText, fail, ok, skip, warn } from './check.js';
import { collectRoleGrants, type RoleGrants } from './snowflake-grants.js';
import { loginHint } from './snowflake-login-hints.js';

/** What the Snowflake checks call: the client's execute, so a test can hand in the real client. */
export interface SnowflakeProbe {
  execute<Row = Record<string, unknown>>(sql: string | ReturnType<typeof listStage>): Promise<{ rows: Row[] }>;
}

export interface SnowflakeCheckInput {
  config: Pick<D2sConfig, 'datasets' | 'mirror' | 'snowflake'>;
  client: SnowflakeProbe;
}

/** The file format d2s creates next to a table it creates (apps/import-worker prepare). */
const D2S_FILE_FORMAT = 'D2S_PARQUET';

interface Session {
  user: string;
  role: string;
  warehouse: string | null;
}

/**
 * Snowflake as d2s needs it: the login works, a warehouse is in use, and the role holds what each dataset's
 * statements need (USAGE on database, schema, stage; CREATE STAGE / FILE FORMAT / TABLE where d2s creates
 * them; INSERT on an append target, OWNERSHIP of a replace target, whose SWAP needs it), the stage answers
 * LIST, and for the mirror CREATE INTEGRATION.
 */
export async function snowflakeChecks(input: SnowflakeCheckInput): Promise<DoctorCheck[]> {
  const { config, client } = input;
  let session: Session;
  try {
    const result = await client.execute<Record<string, unknown>>(
      'SELECT CURRENT_USER() AS "USER", CURRENT_ROLE() AS "ROLE", CURRENT_WAREHOUSE() AS "WAREHOUSE"',
    );
    const row = result.rows[0] ?? {};
    session = {
      user: String(row.USER ?? config.snowflake.user ?? ''),
      role: String(row.ROLE ?? ''),
      warehouse: row.WAREHOUSE === null || row.WAREHOUSE === undefined ? null : String(row.WAREHOUSE),
    };
  } catch (error) {
    const code = error instanceof SnowflakeError ? error.snowflakeCode : undefined;
    return [
      fail(
        'snowflake.login',
        `cannot log in to Snowflake account ${config.snowflake.account ?? '(not set)'} as ${config.snowflake.user ?? '(not set)'}: ${errorText(error)}`,
        loginHint(code, config.snowflake),
      ),
    ];
  }
  const checks: DoctorCheck[] = [
    ok(
      'snowflake.login',
      `logged in to ${config.snowflake.account} as ${session.user} with role ${session.role}${config.snowflake.connection ? `, connection ${config.snowflake.connection}` : ''}`,
    ),
  ];
  checks.push(warehouseCheck(session, config.snowflake.warehouse));

  let grants: RoleGrants;
  try {
    grants = await collectRoleGrants(session.role, async (role) => {
      const result = await client.execute(`SHOW GRANTS TO ROLE ${quoteIdentifier(role)}`);
      return result.rows as Record<string, unknown>[];
    });
  } catch (error) {
    checks.push(
      warn(
        'snowflake.grants',
        `cannot read the grants of role ${session.role}: ${errorText(error)}; privileges not checked`,
        `Let the role see its own grants (SHOW GRANTS TO ROLE ${session.role}).`,
      ),
    );
    return checks;
  }
  const datasets = Object.entries(config.datasets);
  if (datasets.length === 0) checks.push(skip('snowflake.datasets', 'no datasets configured'));
  for (const [name, dataset] of datasets) {
    checks.push(...(await datasetChecks(name, dataset, session, grants, client)));
  }
  checks.push(mirrorCheck(input.config, session, grants));
  return checks;
}

function warehouseCheck(session: Session, configured: string | undefined): DoctorCheck {
  const id = 'snowflake.warehouse';
  if (session.warehouse !== null && session.warehouse !== '') {
    return ok(id, `warehouse ${session.warehouse} in use`);
  }
  return fail(
    id,
    `no warehouse in use: every COPY and query fails with 000606 "No active warehouse selected in the current session"`,
    configured === undefined
      ? `Set snowflake.warehouse (SNOWFLAKE_WAREHOUSE) to a warehouse role ${session.role} may use, or ALTER USER ${session.user} SET DEFAULT_WAREHOUSE = <warehouse>.`
      : `GRANT USAGE ON WAREHOUSE ${configured} TO ROLE ${session.role} (and check that it exists).`,
  );
}

async function datasetChecks(
  dataset: string,
  config: DatasetConfig,
  session: Session,
  grants: RoleGrants,
  client: SnowflakeProbe,
): Promise<DoctorCheck[]> {
  const sf = config.snowflake;
  const prefix = `snowflake.dataset.${dataset}`;
  const role = session.role;
  const checks: DoctorCheck[] = [];
  const schemas = [
    { database: sf.table.database, schema: sf.table.schema },
    { database: sf.stage.database, schema: sf.stage.schema },
  ];
  const blocked: string[] = [];
  for (const database of new Set(schemas.map((s) => s.database))) {
    if (grants.holds('USAGE', 'DATABASE', [database])) continue;
    blocked.push(database);
    checks.push(
      fail(
        `${prefix}.database`,
        `role ${role} lacks USAGE on database ${database}`,
        `GRANT USAGE ON DATABASE ${quoteIdentifier(database)} TO ROLE ${quoteIdentifier(role)};`,
      ),
    );
  }
  for (const key of new Set(schemas.map((s) => `${s.database}\u0000${s.schema}`))) {
    const [database = '', schema = ''] = key.split('\u0000');
    if (grants.holds('USAGE', 'SCHEMA', [database, schema])) continue;
    blocked.push(`${database}.${schema}`);
    checks.push(
      fail(
        `${prefix}.schema`,
        `role ${role} lacks USAGE on schema ${database}.${schema}`,
        `GRANT USAGE ON SCHEMA ${qualifiedSchemaName({ database, schema })} TO ROLE ${quoteIdentifier(role)};`,
      ),
    );
  }
  if (blocked.length > 0) return checks;
  checks.push(ok(`${prefix}.schema`, `role ${role} may use the dataset's database and schema`));
  checks.push(...(await stageChecks(prefix, config, role, grants, client)));
  if (sf.createTable) checks.push(await fileFormatCheck(prefix, sf.table, role, grants, client));
  checks.push(await tableCheck(prefix, dataset, config, role, grants, client));
  return checks;
}

/** Whether an object exists, by SHOW <kind> LIKE … IN SCHEMA and an exact match on the name (LIKE is loose). */
async function exists(client: SnowflakeProbe, kind: string, object: SnowflakeObjectName): Promise<boolean> {
  const result = await client.execute<Record<string, unknown>>(
    `SHOW ${kind} LIKE ${quoteLiteral(object.name)} IN SCHEMA ${qualifiedSchemaName(object)}`,
  );
  return result.rows.some((row) => (row.name ?? row.NAME) === object.name);
}

const display = (o: SnowflakeObjectName) => `${o.database}.${o.schema}.${o.name}`;

async function stageChecks(
  prefix: string,
  config: DatasetConfig,
  role: string,
  grants: RoleGrants,
  client: SnowflakeProbe,
): Promise<DoctorCheck[]> {
  const sf = config.snowflake;
  const id = `${prefix}.stage`;
  const name = display(sf.stage);
  let found: boolean;
  try {
    found = await exists(client, 'STAGES', sf.stage);
  } catch (error) {
    return [fail(id, `cannot look up stage ${name}: ${errorText(error)}`, 'Check the dataset’s snowflake.stage.')];
  }
  const schemaParts = [sf.stage.database, sf.stage.schema];
  const grantUsage = `GRANT USAGE ON STAGE ${qualifiedSchemaName(sf.stage)}.${quoteIdentifier(sf.stage.name)} TO ROLE ${quoteIdentifier(role)};`;
  if (!found) {
    // SHOW lists only what the role holds a privilege on: "not there" and "not granted" look the same.
    if (!sf.createStage) {
      return [
        fail(
          id,
          `stage ${name} does not exist, or role ${role} holds no privilege on it`,
          `If it exists: ${grantUsage} Else create it (CREATE STAGE … URL = '${sf.stageUrl}') or set createStage: true.`,
        ),
      ];
    }
    const checks: DoctorCheck[] = [];
    if (grants.holds('CREATE STAGE', 'SCHEMA', schemaParts)) {
      checks.push(ok(id, `stage ${name} does not exist yet; role ${role} may create it (createStage)`));
    } else {
      checks.push(
        fail(
          id,
          `stage ${name} does not exist and role ${role} lacks CREATE STAGE on schema ${sf.stage.database}.${sf.stage.schema}`,
          `GRANT CREATE STAGE ON SCHEMA ${qualifiedSchemaName(sf.stage)} TO ROLE ${quoteIdentifier(role)}; or create the stage yourself.`,
        ),
      );
    }
    const integration = sf.storageIntegration;
    if (integration !== undefined && !grants.holds('USAGE', 'INTEGRATION', [integration])) {
      checks.push(
        fail(
          `${prefix}.storage-integration`,
          `role ${role} lacks USAGE on storage integration ${integration}, which the stage d2s creates uses`,
          `GRANT USAGE ON INTEGRATION ${quoteIdentifier(integration)} TO ROLE ${quoteIdentifier(role)};`,
        ),
      );
    }
    return checks;
  }
  if (!grants.holds('USAGE', 'STAGE', [sf.stage.database, sf.stage.schema, sf.stage.name])) {
    return [fail(id, `role ${role} lacks USAGE on stage ${name}`, grantUsage)];
  }
  const path = stagePathOf(config);
  try {
    const listed = await client.execute(listStage(sf.stage, path));
    return [ok(id, `stage ${name} answers LIST (${listed.rows.length} files under ${path || '/'})`)];
  } catch (error) {
    return [
      fail(
        id,
        `stage ${name} does not answer LIST: ${errorText(error)}`,
        `Check the stage's URL (${sf.stageUrl}) and its storage integration or credentials (DESC STAGE ${name}).`,
      ),
    ];
  }
}

/** The dataset's export prefix relative to the stage URL (LIST reads only that much). */
function stagePathOf(config: DatasetConfig): string {
  const base = config.snowflake.stageUrl.replace(/\/*$/, '/');
  const prefix = config.export.s3Prefix.replace(/\/*$/, '/');
  const relative = prefix.startsWith(base) ? prefix.slice(base.length) : '';
  return /^[A-Za-z0-9_.=+/-]*$/.test(relative) ? relative : '';
}

async function fileFormatCheck(
  prefix: string,
  table: SnowflakeObjectName,
  role: string,
  grants: RoleGrants,
  client: SnowflakeProbe,
): Promise<DoctorCheck> {
  const id = `${prefix}.file-format`;
  const format = { database: table.database, schema: table.schema, name: D2S_FILE_FORMAT };
  try {
    if (await exists(client, 'FILE FORMATS', format)) {
      if (grants.holds('USAGE', 'FILE_FORMAT', [format.database, format.schema, format.name])) {
        return ok(id, `file format ${display(format)} exists`);
      }
      return fail(
        id,
        `role ${role} lacks USAGE on file format ${display(format)}`,
        `GRANT USAGE ON FILE FORMAT ${qualifiedSchemaName(format)}.${quoteIdentifier(format.name)} TO ROLE ${quoteIdentifier(role)};`,
      );
    }
  } catch (error) {
    return warn(id, `cannot look up file format ${display(format)}: ${errorText(error)}`, 'Run d2s doctor again.');
  }
  if (grants.holds('CREATE FILE FORMAT', 'SCHEMA', [format.database, format.schema])) {
    return ok(id, `file format ${display(format)} does not exist yet; role ${role} may create it`);
  }
  return fail(
    id,
    `file format ${display(format)} does not exist and role ${role} lacks CREATE FILE FORMAT on schema ${format.database}.${format.schema}`,
    `GRANT CREATE FILE FORMAT ON SCHEMA ${qualifiedSchemaName(format)} TO ROLE ${quoteIdentifier(role)};`,
  );
}

async function tableCheck(
  prefix: string,
  dataset: string,
  config: DatasetConfig,
  role: string,
  grants: RoleGrants,
  client: SnowflakeProbe,
): Promise<DoctorCheck> {
  const sf = config.snowflake;
  const id = `${prefix}.table`;
  const name = display(sf.table);
  const tableParts = [sf.table.database, sf.table.schema, sf.table.name];
  const schemaParts = [sf.table.database, sf.table.schema];
  const onSchema = qualifiedSchemaName(sf.table);
  const onTable = `${onSchema}.${quoteIdentifier(sf.table.name)}`;
  const mayCreate = grants.holds('CREATE TABLE', 'SCHEMA', schemaParts);
  const grantCreate = `GRANT CREATE TABLE ON SCHEMA ${onSchema} TO ROLE ${quoteIdentifier(role)};`;
  let found: boolean;
  try {
    found = await exists(client, 'TABLES', sf.table);
  } catch (error) {
    return fail(id, `cannot look up table ${name}: ${errorText(error)}`, 'Check the dataset’s snowflake.table.');
  }
  if (!found) {
    if (!sf.createTable) {
      return fail(
        id,
        `target table ${name} does not exist, or role ${role} holds no privilege on it`,
        `If it exists: GRANT INSERT, SELECT ON TABLE ${onTable} TO ROLE ${quoteIdentifier(role)}; else create it, or set datasets.${dataset}.snowflake.createTable: true for d2s to create it from the first run's files.`,
      );
    }
    return mayCreate
      ? ok(id, `table ${name} does not exist yet; role ${role} may create it (createTable)`)
      : fail(id, `table ${name} does not exist and role ${role} lacks CREATE TABLE on schema ${onSchema}`, grantCreate);
  }
  if (config.load.mode === 'replace') {
    // Replace loads a staging table created next to the target and swaps it in; the SWAP needs OWNERSHIP of both.
    if (!grants.owns('TABLE', tableParts)) {
      return fail(
        id,
        `replace mode swaps ${name}, which needs OWNERSHIP; role ${role} does not own it`,
        `GRANT OWNERSHIP ON TABLE ${onTable} TO ROLE ${quoteIdentifier(role)} COPY CURRENT GRANTS;`,
      );
    }
    if (!mayCreate) {
      return fail(
        id,
        `replace mode creates a staging table; role ${role} lacks CREATE TABLE on ${onSchema}`,
        grantCreate,
      );
    }
    return ok(id, `role ${role} owns ${name} and may create its staging table (replace)`);
  }
  if (grants.holds('INSERT', 'TABLE', tableParts)) return ok(id, `role ${role} may INSERT into ${name} (append)`);
  return fail(
    id,
    `role ${role} lacks INSERT on ${name}, which COPY INTO needs`,
    `GRANT INSERT, SELECT ON TABLE ${onTable} TO ROLE ${quoteIdentifier(role)};`,
  );
}

function mirrorCheck(config: SnowflakeCheckInput['config'], session: Session, grants: RoleGrants): DoctorCheck {
  const id = 'snowflake.mirror.create-integration';
  if (config.mirror.catalogs.length === 0) return skip(id, 'no catalogs to mirror (mirror.catalogs)');
  if (grants.holds('CREATE INTEGRATION', 'ACCOUNT')) {
    return ok(id, `role ${session.role} may create the mirror's catalog integrations`);
  }
  return fail(
    id,
    `role ${session.role} lacks CREATE INTEGRATION on the account; the mirror cannot create its catalog integrations`,
    `GRANT CREATE INTEGRATION ON ACCOUNT TO ROLE ${quoteIdentifier(session.role)}; (as ACCOUNTADMIN)`,
  );
}
