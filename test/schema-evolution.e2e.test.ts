import type { JobFixture } from '@d2s/databricks-emulator';
import type { SchemaChange, SyncView } from '@d2s/shared';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type SyncStack, startSyncStack } from './support/sync-stack.js';

/**
 * schema.evolution against both emulators, the real snowflake-sdk driver and the real API, import
 * worker and export worker. One export job writes 2 × 10 rows of (id, name, amount, batch); its
 * `schema` job parameter picks the column list a later release of the job writes: v2 adds
 * `discount`, v3 turns `amount` from a double into a string (a type Snowflake cannot change a FLOAT
 * column to). What Snowflake allows is cited in packages/snowflake-emulator/src/engine/statements/
 * alter-column.test.ts; the rules d2s applies are the README's ("Schema evolution").
 */
const ORDERS_JOB: JobFixture = {
  job_id: 1010,
  name: 'export-orders',
  max_concurrent_runs: 10,
  parameters: [
    { name: 'output_path', default: 's3://d2s-sandbox/exports/manual' },
    { name: 'batch', default: 'b1' },
    { name: 'schema', default: '' },
  ],
  timing: { pending_ms: 300, running_ms: 600, terminating_ms: 100 },
  export: {
    dataset: 'orders',
    files: 2,
    rows_per_file: 10,
    seed: 7,
    columns: [
      { name: 'id', type: 'BIGINT', generate: { kind: 'sequence', start: 1 } },
      { name: 'name', type: 'STRING', generate: { kind: 'choice', values: ['Ada', 'Grace', 'Edsger'] } },
      { name: 'amount', type: 'DOUBLE', generate: { kind: 'uniform', min: 1, max: 100 } },
      { name: 'batch', type: 'STRING', generate: { kind: 'parameter', parameter: 'batch' } },
    ],
    schema_versions: {
      parameter: 'schema',
      columns: {
        v2: [
          { name: 'id', type: 'BIGINT', generate: { kind: 'sequence', start: 1 } },
          { name: 'name', type: 'STRING', generate: { kind: 'choice', values: ['Ada', 'Grace', 'Edsger'] } },
          { name: 'amount', type: 'DOUBLE', generate: { kind: 'uniform', min: 1, max: 100 } },
          { name: 'batch', type: 'STRING', generate: { kind: 'parameter', parameter: 'batch' } },
          { name: 'discount', type: 'DOUBLE', generate: { kind: 'uniform', min: 0, max: 5 } },
        ],
        v3: [
          { name: 'id', type: 'BIGINT', generate: { kind: 'sequence', start: 1 } },
          { name: 'name', type: 'STRING', generate: { kind: 'choice', values: ['Ada', 'Grace', 'Edsger'] } },
          { name: 'amount', type: 'STRING', generate: { kind: 'choice', values: ['12.50', 'n/a'] } },
          { name: 'batch', type: 'STRING', generate: { kind: 'parameter', parameter: 'batch' } },
        ],
      },
    },
  },
};

const dataset = (name: string, table: string, load: string, evolution: string, createTable = true, grants = '[]') => `
  ${name}:
    databricks: { jobId: 1010, outputParameter: output_path }
    export: { s3Prefix: s3://d2s-sandbox/exports/${name}, maxRunDurationSeconds: 600 }
    snowflake:
      stage: { database: D2S_SANDBOX, schema: PUBLIC, name: ORDERS_STAGE }
      stageUrl: s3://d2s-sandbox/exports/
      createStage: true
      table: { database: D2S_SANDBOX, schema: PUBLIC, name: ${table} }
      createTable: ${createTable}
      grants: ${grants}
    load: ${load}
    schema: { evolution: ${evolution} }
    parameters:
      batch: { type: string, required: true }
      schema: { type: string, enum: ['', v2, v3] }
    singleActive: false`;

const DATASETS = `
datasets:${dataset('orders_strict', 'ORDERS_STRICT', '{ mode: append }', 'strict')}${dataset(
  'orders_add',
  'ORDERS_ADD',
  '{ mode: append }',
  'add-columns',
)}${dataset('orders_merge', 'ORDERS_MERGE', '{ mode: merge, keys: [id] }', 'add-columns')}${dataset(
  'orders_replace',
  'ORDERS_REPLACE',
  '{ mode: replace }',
  'replace-schema',
  true,
  '[ANALYST]',
)}${dataset('orders_wide', 'ORDERS_WIDE', '{ mode: append }', 'strict', false)}`;

describe('schema evolution', () => {
  let stack: SyncStack;

  beforeAll(async () => {
    stack = await startSyncStack({
      redisUrl: inject('redisUrl'),
      datasetsYaml: DATASETS,
      snowflake: true,
      databricksFixture: (sandbox) => ({ ...sandbox, jobs: [...sandbox.jobs, ORDERS_JOB] }),
    });
  }, 60_000);
  afterAll(() => stack?.close());

  const sync = async (name: string, batch: string, schema = ''): Promise<SyncView> => {
    const created = await stack.request('POST', '/v1/syncs', { dataset: name, parameters: { batch, schema } });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    return stack.waitForStatus(
      created.body.id as string,
      (s) => ['succeeded', 'failed', 'canceled'].includes(s.status),
      90_000,
    );
  };
  const succeeded = async (name: string, batch: string, schema = '') => {
    const view = await sync(name, batch, schema);
    expect(view.status, JSON.stringify(view.error)).toBe('succeeded');
    return view;
  };
  const columns = async (table: string) =>
    (await stack.sql(`DESCRIBE TABLE D2S_SANDBOX.PUBLIC.${table}`)).map((r) => `${String(r.name)} ${String(r.type)}`);
  const count = async (table: string) =>
    Number((await stack.sql(`SELECT COUNT(*) AS N FROM D2S_SANDBOX.PUBLIC.${table}`))[0]?.N);
  const statementsOf = (id: string, pattern: RegExp) =>
    (stack.snowflake?.emulator.queryLog.entries() ?? []).filter(
      (e) => e.queryTag === `d2s:sync:${id}` && pattern.test(e.sql),
    );
  const BASE = ['id NUMBER(38,0)', 'name VARCHAR(16777216)', 'amount FLOAT', 'batch VARCHAR(16777216)'];

  it('strict: the first run creates the table; a run with a new column fails before touching it', async () => {
    const first = await succeeded('orders_strict', 'b1');
    expect(first.load?.schemaChanges).toEqual([]);
    expect(await columns('ORDERS_STRICT')).toEqual(BASE);

    const view = await sync('orders_strict', 'b2', 'v2');
    expect(view.status).toBe('failed');
    expect(view.error?.code).toBe('SCHEMA_MISMATCH');
    expect(view.error?.message).toContain('+ new column "discount" FLOAT (schema.evolution: strict adds no columns)');
    expect(view.error?.message).toContain('the target was not changed');
    expect(statementsOf(view.id, /^(COPY INTO|ALTER TABLE)/)).toEqual([]);
    expect(await columns('ORDERS_STRICT')).toEqual(BASE);
    expect(await count('ORDERS_STRICT')).toBe(20);
  });

  it('add-columns (append): the new column is added, the old rows get NULL, the result lists the change', async () => {
    await succeeded('orders_add', 'b1');
    const view = await succeeded('orders_add', 'b2', 'v2');
    const added: SchemaChange[] = [{ kind: 'add-column', column: 'discount', to: 'FLOAT' }];
    expect(view.load?.schemaChanges).toEqual(added);
    expect(await columns('ORDERS_ADD')).toEqual([...BASE, 'discount FLOAT']);
    const byBatch = await stack.sql(
      'SELECT "batch", COUNT(*) AS N, COUNT("discount") AS WITH_DISCOUNT FROM D2S_SANDBOX.PUBLIC.ORDERS_ADD GROUP BY "batch" ORDER BY "batch"',
    );
    expect(byBatch).toEqual([
      { batch: 'b1', N: 20, WITH_DISCOUNT: 0 },
      { batch: 'b2', N: 20, WITH_DISCOUNT: 20 },
    ]);
    // The same run again: the column is there, nothing to change.
    expect((await succeeded('orders_add', 'b3', 'v2')).load?.schemaChanges).toEqual([]);
  });

  it('an incompatible change (a FLOAT column arriving as strings) fails, leaving rows and columns as they were', async () => {
    const before = await stack.sql('SELECT * FROM D2S_SANDBOX.PUBLIC.ORDERS_ADD ORDER BY "batch", "id"');
    const view = await sync('orders_add', 'b4', 'v3');
    expect(view.status).toBe('failed');
    expect(view.error?.code).toBe('SCHEMA_MISMATCH');
    expect(view.error?.message).toContain(
      '~ column "amount" is FLOAT in the target, VARCHAR(16777216) in the files (Snowflake cannot change a column from FLOAT to VARCHAR(16777216))',
    );
    expect(statementsOf(view.id, /^(COPY INTO|ALTER TABLE)/)).toEqual([]);
    expect(await columns('ORDERS_ADD')).toEqual([...BASE, 'discount FLOAT']);
    expect(await stack.sql('SELECT * FROM D2S_SANDBOX.PUBLIC.ORDERS_ADD ORDER BY "batch", "id"')).toEqual(before);
  });

  it('add-columns (merge): the target gains the column before its private staging table copies it', async () => {
    await succeeded('orders_merge', 'b1');
    const view = await succeeded('orders_merge', 'b2', 'v2');
    expect(view.load?.schemaChanges).toEqual([{ kind: 'add-column', column: 'discount', to: 'FLOAT' }]);
    expect(view.load?.merge?.updated).toBe(20);
    expect(await columns('ORDERS_MERGE')).toEqual([...BASE, 'discount FLOAT']);
    const rows = await stack.sql(
      'SELECT COUNT("discount") AS N, MIN("batch") AS B FROM D2S_SANDBOX.PUBLIC.ORDERS_MERGE',
    );
    expect(rows).toEqual([{ N: 20, B: 'b2' }]);
  });

  it('replace-schema: the swapped-in table has the files schema, a retyped column included', async () => {
    await succeeded('orders_replace', 'b1');
    const view = await succeeded('orders_replace', 'b2', 'v3');
    expect(view.load?.schemaChanges).toEqual([
      { kind: 'retype', column: 'amount', from: 'FLOAT', to: 'VARCHAR(16777216)' },
    ]);
    expect(await columns('ORDERS_REPLACE')).toEqual([
      'id NUMBER(38,0)',
      'name VARCHAR(16777216)',
      'amount VARCHAR(16777216)',
      'batch VARCHAR(16777216)',
    ]);
    // The staging table built from the files kept the target's grants through the SWAP.
    const grants = (await stack.sql('SHOW GRANTS ON TABLE D2S_SANDBOX.PUBLIC.ORDERS_REPLACE')).map(
      (r) => `${String(r.privilege)} ${String(r.grantee_name)}`,
    );
    expect(grants.sort()).toEqual(['OWNERSHIP SYSADMIN', 'SELECT ANALYST']);
    expect(await stack.sql('SELECT DISTINCT "batch" FROM D2S_SANDBOX.PUBLIC.ORDERS_REPLACE')).toEqual([
      { batch: 'b2' },
    ]);
  });

  it('widens a VARCHAR Snowflake can lengthen, even under strict, and a retry after a lost ALTER answer reports it', async () => {
    await stack.sql(
      'CREATE TABLE D2S_SANDBOX.PUBLIC.ORDERS_WIDE ("id" NUMBER(38,0), "name" VARCHAR(20), "amount" FLOAT, "batch" VARCHAR(16777216))',
    );
    const emulator = stack.snowflake?.emulator;
    if (!emulator) throw new Error('no Snowflake emulator');
    // The ALTER takes effect but its answer is an error (the client retries it: SET DATA TYPE to the type the
    // column now has changes nothing); then every COPY of the first attempt fails, so the import job's attempt
    // fails after its ALTER, as a crash there would leave it, and the job's retry finds the column widened.
    emulator.admin.faultStatements([
      { match: /^ALTER TABLE .*"ORDERS_WIDE" ALTER COLUMN/, action: 'fail-after' },
      { match: /^COPY INTO .*"ORDERS_WIDE"/, action: 'fail', count: 4, code: '000603', sqlState: 'XX000' },
    ]);
    const view = await succeeded('orders_wide', 'b1');
    expect(view.load?.schemaChanges).toEqual([
      { kind: 'widen', column: 'name', from: 'VARCHAR(20)', to: 'VARCHAR(16777216)' },
    ]);
    expect(statementsOf(view.id, /ALTER COLUMN/).map((e) => e.status)).toEqual(['FAILED_WITH_ERROR', 'SUCCESS']);
    expect(statementsOf(view.id, /^COPY INTO/).map((e) => e.status)).toEqual([
      'FAILED_WITH_ERROR',
      'FAILED_WITH_ERROR',
      'FAILED_WITH_ERROR',
      'FAILED_WITH_ERROR',
      'SUCCESS',
    ]);
    expect(statementsOf(view.id, /^DESCRIBE TABLE/), 'the retry planned again').toHaveLength(2);
    expect(await columns('ORDERS_WIDE')).toEqual(BASE);
    expect(await count('ORDERS_WIDE')).toBe(20);
  }, 120_000);
});
