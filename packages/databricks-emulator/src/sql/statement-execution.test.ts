import { setTimeout as sleep } from 'node:timers/promises';
import { WorkspaceClient } from '@databricks/sdk-experimental';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestEmulator, type TestEmulator } from '../../test-support/harness.js';
import {
  ANALYST_PAT,
  OUTSIDER_PAT,
  OWNER_PAT,
  PIPELINE_CLIENT,
  permissionsFixture,
} from '../../test-support/permissions-fixture.js';
import type { DatabricksFixture } from '../fixture-types.js';

/*
 * SQL warehouses and the SQL Statement Execution API 2.0, driven by Databricks' own SDK (WarehousesService,
 * StatementExecutionService of @databricks/sdk-experimental) and by raw HTTP. Shapes from the SDK's models
 * (node_modules/@databricks/sdk-experimental/dist/apis/sql/model.d.ts): ExecuteStatementRequest (wait_timeout
 * "0s or between 5 and 50", on_wait_timeout CONTINUE|CANCEL, INLINE + JSON_ARRAY), StatementResponse
 * {statement_id, status {state, error {error_code, message}}, manifest, result}, ResultManifest (schema,
 * total_chunk_count, chunks, total_row_count, truncated), ResultData (chunk_index, row_offset, row_count,
 * data_array of strings or null, next_chunk_index, next_chunk_internal_link), GetWarehouseResponse.state.
 */
function sqlFixture(): DatabricksFixture {
  const fixture = permissionsFixture();
  fixture.settings = { ...fixture.settings, statement_chunk_rows: 2 };
  fixture.sql_warehouses = [
    { id: 'wh-running', name: 'Serverless Starter' },
    { id: 'wh-slow', name: 'Slow', statement_latency_ms: 8000 },
    { id: 'wh-stopped', name: 'Stopped', state: 'STOPPED', start_ms: 400 },
  ];
  fixture.catalogs.push({
    name: 'ops',
    grants: [
      { principal: PIPELINE_CLIENT.id, privileges: ['USE CATALOG', 'USE SCHEMA', 'CREATE TABLE', 'MODIFY', 'SELECT'] },
      { principal: 'analyst@example.com', privileges: ['USE CATALOG', 'USE SCHEMA', 'SELECT'] },
    ],
    schemas: [{ name: 'inventory' }],
  });
  return fixture;
}

describe('SQL warehouses and statement execution', () => {
  let emu: TestEmulator;
  let owner: WorkspaceClient;
  let pipeline: WorkspaceClient;
  const pat = (token: string) => new WorkspaceClient({ host: emu.url, token, authType: 'pat' });
  const run = (client: WorkspaceClient, statement: string, extra: Record<string, unknown> = {}) =>
    client.statementExecution.executeStatement({
      warehouse_id: 'wh-running',
      statement,
      wait_timeout: '10s',
      ...extra,
    });

  beforeAll(async () => {
    emu = await startTestEmulator({ fixture: sqlFixture() });
    owner = pat(OWNER_PAT);
    pipeline = new WorkspaceClient({
      host: emu.url,
      clientId: PIPELINE_CLIENT.id,
      clientSecret: PIPELINE_CLIENT.secret,
      authType: 'oauth-m2m',
    });
  });
  afterAll(() => emu.stop());

  it('lists and gets warehouses with their state', async () => {
    const listed = [];
    for await (const w of owner.warehouses.list({})) listed.push(w);
    expect(listed.map((w) => [w.id, w.state])).toEqual([
      ['wh-running', 'RUNNING'],
      ['wh-slow', 'RUNNING'],
      ['wh-stopped', 'STOPPED'],
    ]);
    const one = await owner.warehouses.get({ id: 'wh-running' });
    expect(one).toMatchObject({ id: 'wh-running', name: 'Serverless Starter', state: 'RUNNING' });
    expect(one.odbc_params?.path).toBe('/sql/1.0/warehouses/wh-running');
    const missing = await api(emu, 'GET', '/api/2.0/sql/warehouses/nope', { token: OWNER_PAT });
    expect(missing.status).toBe(404);
    expect(missing.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('creates a Delta table and a view that Unity Catalog lists as MANAGED DELTA and VIEW', async () => {
    const created = await run(
      pipeline,
      "CREATE TABLE IF NOT EXISTS `ops`.`inventory`.`items` (table_id STRING COMMENT 'key', n BIGINT, seen_at TIMESTAMP) USING DELTA COMMENT \"d2s\" TBLPROPERTIES ('delta.feature.x' = 'supported')",
    );
    expect(created.status?.state).toBe('SUCCEEDED');
    expect(created.manifest?.total_row_count).toBe(0);
    const again = await run(pipeline, 'CREATE TABLE IF NOT EXISTS ops.inventory.items (other STRING) USING DELTA');
    expect(again.status?.state).toBe('SUCCEEDED');
    const view = await run(
      pipeline,
      'CREATE OR REPLACE VIEW ops.inventory.items_vw AS SELECT table_id AS `Table id`, n FROM ops.inventory.items',
    );
    expect(view.status?.state).toBe('SUCCEEDED');

    const table = await owner.tables.get({ full_name: 'ops.inventory.items' });
    expect(table).toMatchObject({ table_type: 'MANAGED', data_source_format: 'DELTA', owner: PIPELINE_CLIENT.id });
    expect(table.columns?.map((c) => [c.name, c.type_name])).toEqual([
      ['table_id', 'STRING'],
      ['n', 'LONG'],
      ['seen_at', 'TIMESTAMP'],
    ]);
    const listed = [];
    for await (const t of owner.tables.list({ catalog_name: 'ops', schema_name: 'inventory' })) listed.push(t);
    expect(listed.map((t) => [t.name, t.table_type])).toEqual([
      ['items', 'MANAGED'],
      ['items_vw', 'VIEW'],
    ]);
    // Re-creating the view keeps its table id.
    const viewId = listed[1]?.table_id;
    await run(pipeline, 'CREATE OR REPLACE VIEW ops.inventory.items_vw AS SELECT table_id FROM ops.inventory.items');
    expect((await owner.tables.get({ full_name: 'ops.inventory.items_vw' })).table_id).toBe(viewId);
  });

  it('merges with typed named parameters, idempotently, and reads rows back as JSON_ARRAY strings in chunks', async () => {
    const merge = `MERGE INTO ops.inventory.items AS t
      USING (VALUES (:id1, :n1, :at), (:id2, :n2, :at), (:id3, :n3, :at), ('it''s', 4, :at), (:id5, NULL, :at)) AS s(table_id, n, seen_at)
      ON t.table_id = s.table_id
      WHEN MATCHED AND (t.n IS DISTINCT FROM s.n) THEN UPDATE SET n = s.n, seen_at = s.seen_at
      WHEN NOT MATCHED THEN INSERT (table_id, n, seen_at) VALUES (s.table_id, s.n, s.seen_at)`;
    const parameters = [
      { name: 'id1', value: 'a' },
      { name: 'id2', value: "b'; DROP TABLE x; --" },
      { name: 'id3', value: 'c' },
      { name: 'id5', value: 'e' },
      { name: 'n1', value: '1', type: 'BIGINT' },
      { name: 'n2', value: '2', type: 'BIGINT' },
      { name: 'n3', type: 'BIGINT' },
      { name: 'at', value: '2024-06-01T12:00:00Z', type: 'TIMESTAMP' },
    ];
    const first = await run(pipeline, merge, { parameters });
    expect(first.status?.error).toBeUndefined();
    expect(first.status?.state).toBe('SUCCEEDED');
    expect(first.result?.data_array).toEqual([['5']]);
    const second = await run(pipeline, merge, { parameters });
    expect(second.result?.data_array).toEqual([['0']]);

    const select = await run(owner, 'SELECT table_id, n, seen_at FROM items ORDER BY table_id', {
      catalog: 'ops',
      schema: 'inventory',
    });
    expect(select.manifest).toMatchObject({
      format: 'JSON_ARRAY',
      total_row_count: 5,
      total_chunk_count: 3,
      truncated: false,
      schema: { column_count: 3 },
    });
    expect(select.manifest?.schema?.columns?.map((c) => c.type_name)).toEqual(['STRING', 'LONG', 'TIMESTAMP']);
    expect(select.result).toMatchObject({ chunk_index: 0, row_offset: 0, row_count: 2, next_chunk_index: 1 });
    expect(select.result?.data_array).toEqual([
      ['a', '1', '2024-06-01T12:00:00.000Z'],
      ["b'; DROP TABLE x; --", '2', '2024-06-01T12:00:00.000Z'],
    ]);
    const chunk1 = await owner.statementExecution.getStatementResultChunkN({
      statement_id: select.statement_id ?? '',
      chunk_index: 1,
    });
    expect(chunk1.data_array).toEqual([
      ['c', null, '2024-06-01T12:00:00.000Z'],
      ['e', null, '2024-06-01T12:00:00.000Z'],
    ]);
    const chunk2 = await api(emu, 'GET', chunk1.next_chunk_internal_link ?? '', { token: OWNER_PAT });
    expect(chunk2.body).toMatchObject({
      chunk_index: 2,
      row_offset: 4,
      row_count: 1,
      data_array: [["it's", '4', '2024-06-01T12:00:00.000Z']],
    });
    expect(chunk2.body.next_chunk_index).toBeUndefined();

    const view = await run(owner, 'SELECT count(*) AS rows FROM ops.inventory.items_vw');
    expect(view.result?.data_array).toEqual([['5']]);
  });

  it('runs asynchronously with wait_timeout 0s: PENDING, then RUNNING; cancel ends it CANCELED before it runs', async () => {
    const submitted = await api(emu, 'POST', '/api/2.0/sql/statements', {
      token: OWNER_PAT,
      body: {
        warehouse_id: 'wh-slow',
        statement: "INSERT INTO ops.inventory.items VALUES ('never', 9, NULL)",
        wait_timeout: '0s',
      },
    });
    expect(submitted.status).toBe(200);
    expect(submitted.body.status).toEqual({ state: 'PENDING' });
    const id = submitted.body.statement_id as string;
    await sleep(50);
    expect((await owner.statementExecution.getStatement({ statement_id: id })).status?.state).toBe('RUNNING');
    await owner.statementExecution.cancelExecution({ statement_id: id });
    const canceled = await owner.statementExecution.getStatement({ statement_id: id });
    expect(canceled.status?.state).toBe('CANCELED');
    expect(canceled.result).toBeUndefined();
    const count = await run(owner, "SELECT count(*) FROM ops.inventory.items WHERE table_id = 'never'");
    expect(count.result?.data_array).toEqual([['0']]);
    // Another principal cannot see the statement.
    expect((await api(emu, 'GET', `/api/2.0/sql/statements/${id}`, { token: ANALYST_PAT })).status).toBe(404);
  });

  it('starts a stopped warehouse on demand, the statement PENDING meanwhile', async () => {
    const submitted = await api(emu, 'POST', '/api/2.0/sql/statements', {
      token: OWNER_PAT,
      body: { warehouse_id: 'wh-stopped', statement: 'SELECT 1 AS one', wait_timeout: '0s' },
    });
    const id = submitted.body.statement_id as string;
    await sleep(50);
    expect((await owner.warehouses.get({ id: 'wh-stopped' })).state).toBe('STARTING');
    expect((await owner.statementExecution.getStatement({ statement_id: id })).status?.state).toBe('PENDING');
    await sleep(600);
    const done = await owner.statementExecution.getStatement({ statement_id: id });
    expect(done.status?.state).toBe('SUCCEEDED');
    expect(done.result?.data_array).toEqual([['1']]);
    expect((await owner.warehouses.get({ id: 'wh-stopped' })).state).toBe('RUNNING');
  });

  it('cancels a statement still running at wait_timeout when on_wait_timeout is CANCEL', async () => {
    const answer = await api(emu, 'POST', '/api/2.0/sql/statements', {
      token: OWNER_PAT,
      body: { warehouse_id: 'wh-slow', statement: 'SELECT 1', wait_timeout: '5s', on_wait_timeout: 'CANCEL' },
    });
    expect(answer.body.status).toEqual({ state: 'CANCELED' });
  }, 15_000);

  it('answers 400 INVALID_PARAMETER_VALUE for a bad request, as the ExecuteStatementRequest docs restrict it', async () => {
    const post = (body: Record<string, unknown>) =>
      api(emu, 'POST', '/api/2.0/sql/statements', {
        token: OWNER_PAT,
        body: { warehouse_id: 'wh-running', statement: 'SELECT 1', ...body },
      });
    for (const body of [
      { wait_timeout: '3s' },
      { wait_timeout: '51s' },
      { wait_timeout: '10' },
      { on_wait_timeout: 'WAIT' },
      { format: 'CSV' },
      { statement: '' },
      { warehouse_id: undefined },
      { warehouse_id: 'nope' },
      { parameters: [{ value: 'x' }] },
      { parameters: 'x' },
    ]) {
      const answer = await post(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    }
    const malformed = await api(emu, 'POST', '/api/2.0/sql/statements', { token: OWNER_PAT, body: [1] });
    expect(malformed.status).toBe(400);
  });

  it('fails statements with the statement error: unknown names, unbound parameters, missing privileges', async () => {
    const failure = async (client: WorkspaceClient, statement: string, extra: Record<string, unknown> = {}) => {
      const answer = await run(client, statement, extra);
      expect(answer.status?.state, statement).toBe('FAILED');
      expect(answer.status?.error?.error_code).toBe('BAD_REQUEST');
      return answer.status?.error?.message ?? '';
    };
    expect(await failure(owner, 'SELECT * FROM ops.inventory.nope')).toMatch(
      /^\[TABLE_OR_VIEW_NOT_FOUND\] The table or view `ops`.`inventory`.`nope` cannot be found\..*SQLSTATE: 42P01$/s,
    );
    expect(await failure(owner, 'SELECT * FROM nocat.x.y')).toContain('[NO_SUCH_CATALOG_EXCEPTION]');
    expect(await failure(owner, 'SELECT * FROM ops.inventory.items WHERE n = :n')).toContain(
      '[UNBOUND_SQL_PARAMETER] Found the unbound parameter: n.',
    );
    expect(await failure(owner, 'UPDATE ops.inventory.items SET n = 1')).toContain('[UNSUPPORTED_FEATURE]');
    expect(await failure(owner, 'SELECT * FROM lake.curated.visible')).toContain('fixture tables have no rows here');

    const analyst = pat(ANALYST_PAT);
    expect(await failure(analyst, 'CREATE TABLE ops.inventory.mine (a STRING)')).toBe(
      "[INSUFFICIENT_PERMISSIONS] Insufficient privileges:\nUser does not have CREATE TABLE on Schema 'ops.inventory'. SQLSTATE: 42501",
    );
    expect(await failure(analyst, "INSERT INTO ops.inventory.items VALUES ('z', 1, NULL)")).toContain(
      "User does not have MODIFY on Table 'ops.inventory.items'.",
    );
    expect(await failure(pat(OUTSIDER_PAT), 'SELECT * FROM ops.inventory.items')).toContain(
      "User does not have USE CATALOG on Catalog 'ops'.",
    );
    // A reader with the privileges reads.
    expect((await run(analyst, 'SELECT count(*) FROM ops.inventory.items')).status?.state).toBe('SUCCEEDED');
  });

  it('reads information_schema.table_tags from the tags Unity Catalog keeps, filtered to what the caller may read', async () => {
    const tags = async (client: WorkspaceClient) =>
      (
        await run(
          client,
          'SELECT schema_name, table_name, tag_name, tag_value FROM `lake`.information_schema.table_tags ORDER BY table_name, tag_name',
        )
      ).result?.data_array ?? [];
    expect(await tags(owner)).toEqual([['curated', 'hidden', 'team', 'core']]);
    const assigned = await api(emu, 'POST', '/api/2.1/unity-catalog/entity-tag-assignments', {
      token: OWNER_PAT,
      body: { entity_type: 'tables', entity_name: 'lake.curated.visible', tag_key: 'tier', tag_value: 'gold' },
    });
    expect(assigned.status).toBe(200);
    expect(await tags(owner)).toEqual([
      ['curated', 'hidden', 'team', 'core'],
      ['curated', 'visible', 'tier', 'gold'],
    ]);
    // analyst@ may read lake.curated.visible only.
    expect(await tags(pat(ANALYST_PAT))).toEqual([['curated', 'visible', 'tier', 'gold']]);
    expect(
      (await run(pat(OUTSIDER_PAT), 'SELECT * FROM lake.information_schema.table_tags')).status?.error?.message,
    ).toContain("User does not have USE CATALOG on Catalog 'lake'.");
  });
});
