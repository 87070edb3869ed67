import { Secret } from '@d2s/shared';
import { createSnowflakeClient, type SnowflakeClient, SnowflakeError } from '@d2s/shared/snowflake';
import { SANDBOX } from '@d2s/snowflake-emulator';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GRANTED_DATASETS, type SyncStack, startSyncStack } from './support/sync-stack.js';

/**
 * A consumer's access to a table d2s replaces. Snowflake's `ALTER TABLE … SWAP
 * WITH` exchanges the two tables' grants along with their data
 * (https://docs.snowflake.com/en/sql-reference/sql/alter-table, SWAP WITH), so
 * a staging table without the target's grants would take them away at the
 * swap; d2s creates it with `LIKE … COPY GRANTS`
 * (https://docs.snowflake.com/en/sql-reference/sql/create-table, COPY GRANTS).
 * The consumer reads through the real driver as the sandbox's D2S_ANALYST
 * (role ANALYST), which holds nothing on the table but what the dataset's
 * `snowflake.grants` gives it.
 */
describe('grants through replace-mode syncs', () => {
  let stack: SyncStack;
  let analyst: SnowflakeClient;
  const TABLE = 'D2S_SANDBOX.PUBLIC.FORECASTS_GRANTED';

  beforeAll(async () => {
    stack = await startSyncStack({ redisUrl: inject('redisUrl'), datasetsYaml: GRANTED_DATASETS, snowflake: true });
    analyst = createSnowflakeClient(
      {
        account: SANDBOX.account,
        user: SANDBOX.analystUser,
        role: SANDBOX.analystRole,
        warehouse: SANDBOX.warehouse,
        database: SANDBOX.database,
        schema: SANDBOX.schema,
        accessUrl: stack.snowflake?.emulator.url as string,
        authenticator: 'SNOWFLAKE',
        auth: { kind: 'password', password: new Secret(SANDBOX.analystPassword) },
        poolMax: 1,
        statementTimeoutSeconds: 60,
      },
      { retry: { baseDelayMs: 20, maxDelayMs: 100 } },
    );
  }, 60_000);
  afterAll(async () => {
    await analyst?.close();
    await stack?.close();
  });

  async function syncTo(parameters?: Record<string, unknown>) {
    const created = await stack.request('POST', '/v1/syncs', {
      dataset: 'forecasts_granted',
      ...(parameters ? { parameters } : {}),
    });
    expect(created.status).toBe(202);
    return stack.waitForStatus(created.body.id, (s) => ['succeeded', 'failed', 'canceled'].includes(s.status), 60_000);
  }

  /** What the consumer sees: the row count and first forecast date, through its own session. */
  async function consumerReads(): Promise<{ rows: number; firstDate: string }> {
    const result = await analyst.execute(`SELECT COUNT(*) AS "N", MIN("date") AS "D" FROM ${TABLE}`);
    const row = result.rows[0] ?? {};
    const date = row.D instanceof Date ? row.D.toISOString().slice(0, 10) : String(row.D);
    return { rows: Number(row.N), firstDate: date };
  }

  /** The non-ownership grants on the target, as SHOW GRANTS lists them. */
  async function grantsOnTarget(): Promise<string[]> {
    const rows = await stack.sql(`SHOW GRANTS ON TABLE ${TABLE}`);
    return rows.map((r) => `${String(r.privilege)} ${String(r.grantee_name)}`).sort();
  }

  it('keeps the consumer reading the table before a replace, after it, and after a failed one', async () => {
    // Before d2s created the table, the consumer cannot see it.
    const hidden = await analyst.execute(`SELECT 1 FROM ${TABLE}`).catch((e: unknown) => e);
    expect(hidden).toBeInstanceOf(SnowflakeError);
    expect((hidden as SnowflakeError).snowflakeCode).toBe('002003');

    const first = await syncTo();
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    const afterCreate = await consumerReads();
    expect(afterCreate.rows).toBe(10_000);
    expect(afterCreate.firstDate).toBe('2024-06-01');
    const grants = await grantsOnTarget();
    expect(grants).toEqual(['OWNERSHIP SYSADMIN', 'SELECT ANALYST']);

    const replaced = await syncTo({ forecast_date: '2024-07-01' });
    expect(replaced.status, JSON.stringify(replaced.error)).toBe('succeeded');
    const afterReplace = await consumerReads();
    expect(afterReplace.rows).toBe(10_000);
    expect(afterReplace.firstDate).toBe('2024-07-01');
    expect(await grantsOnTarget()).toEqual(grants);

    stack.snowflake?.emulator.admin.failFiles([{ match: /part-00001/, message: 'Numeric value out of range' }]);
    try {
      const failed = await syncTo({ forecast_date: '2024-08-01' });
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatchObject({ code: 'LOAD_FAILED', stage: 'import' });
    } finally {
      stack.snowflake?.emulator.admin.failFiles([]);
    }
    expect(await consumerReads()).toEqual(afterReplace);
    expect(await grantsOnTarget()).toEqual(grants);
  });

  it('keeps grants given by hand on the target through a replace', async () => {
    // A grant d2s does not manage (an administrator's) survives the swap too.
    await stack.sql(`CREATE ROLE IF NOT EXISTS AUDITOR`);
    await stack.sql(`GRANT SELECT ON TABLE ${TABLE} TO ROLE AUDITOR`);
    const replaced = await syncTo({ forecast_date: '2024-09-01' });
    expect(replaced.status, JSON.stringify(replaced.error)).toBe('succeeded');
    expect(await grantsOnTarget()).toEqual(['OWNERSHIP SYSADMIN', 'SELECT ANALYST', 'SELECT AUDITOR']);
    expect((await consumerReads()).firstDate).toBe('2024-09-01');
  });
});
