import { MirrorInventory, MirrorService } from '@d2s/shared';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type MirrorStack, startMirrorStack } from './support/mirror-stack.js';

/**
 * Issue #14, "Inventory in Unity Catalog": the mirror keeps its inventory as a Delta table plus a `_vw` view
 * in Unity Catalog, written through the SQL Statement Execution API on a SQL warehouse, refreshed with one MERGE
 * after every run's plan. Real HTTP, real Redis, both emulators (the Databricks one runs the SQL on its warehouse).
 */
describe('mirror inventory in Unity Catalog (both emulators, SQL Statement Execution API)', () => {
  let stack: MirrorStack;
  const at = { catalog: 'd2s_ops', schema: 'mirror', table: 'mirror_inventory' };
  const sql = () => {
    const client = stack.databricksClient.sql;
    if (!client) throw new Error('no SQL warehouse configured');
    return client;
  };
  const rows = async () =>
    (
      await sql().execute(
        'SELECT table_name, eligible, status, last_action, snowflake_table, ineligible_reason, CAST(updated_at AS STRING) FROM d2s_ops.mirror.mirror_inventory ORDER BY table_name',
      )
    ).rows;
  const run = async () => {
    const started = await stack.request('POST', '/v1/mirror/runs', {});
    expect(started.status).toBe(202);
    return stack.waitForRun(started.body.id as string);
  };

  beforeAll(async () => {
    stack = await startMirrorStack({
      redisUrl: inject('redisUrl'),
      databricksYaml: 'sqlWarehouseId: d2s-sandbox-warehouse',
      mirrorYaml: [
        'mirror:',
        '  catalogs:',
        '    - { name: weather, schemas: [forecasts] }',
        `  inventory: { catalog: ${at.catalog}, schema: ${at.schema}, table: ${at.table} }`,
        '',
      ].join('\n'),
    });
  }, 60_000);
  afterAll(() => stack?.close());

  it('creates the table and view, fills them after the plan, and a repeat with nothing changed changes nothing', async () => {
    const first = await run();
    expect(first.status).toBe('succeeded');
    expect(first.inventory).toMatchObject({ status: 'refreshed', table: 'd2s_ops.mirror.mirror_inventory' });
    const table = await stack.databricksClient.unityCatalog.getTable('d2s_ops.mirror.mirror_inventory');
    expect(table).toMatchObject({ table_type: 'MANAGED', data_source_format: 'DELTA' });
    const view = await stack.databricksClient.unityCatalog.getTable('d2s_ops.mirror.mirror_inventory_vw');
    expect(view.table_type).toBe('VIEW');

    const created = first.actions.filter((a) => a.kind === 'create-table');
    expect(created.length).toBeGreaterThan(0);
    const nameOf = (action: (typeof created)[number]) => action.ucFullName?.split('.')[2];
    // Refreshed after the plan (rows `planned`), then again once the run's last action ended: the rows say what
    // the run did, without waiting for the next plan.
    let afterFirst = await rows();
    const deadline = Date.now() + 60_000;
    while (!created.every((a) => afterFirst.find((r) => r[0] === nameOf(a))?.[2] === 'mirrored')) {
      if (Date.now() > deadline)
        throw new Error(`inventory not refreshed after the run: ${JSON.stringify(afterFirst)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      afterFirst = await rows();
    }
    for (const action of created) {
      const row = afterFirst.find((r) => r[0] === nameOf(action));
      expect(row?.slice(0, 5), nameOf(action)).toEqual([
        nameOf(action),
        'true',
        'mirrored',
        'create-table',
        action.target.split('.')[2],
      ]);
    }
    // Where each UniForm table's Iceberg metadata was when the plan created it (GET table, looked up only for
    // the tables a plan acts on); a later refresh that does not look it up keeps it.
    const locations = async () =>
      new Map(
        (
          await sql().execute(
            "SELECT table_name, metadata_location FROM d2s_ops.mirror.mirror_inventory WHERE format = 'UNIFORM'",
          )
        ).rows.map((r) => [r[0], r[1]]),
      );
    const located = await locations();
    expect(located.size).toBeGreaterThan(0);
    for (const [name, location] of located) {
      const info = await stack.databricksClient.unityCatalog.getTable(`weather.forecasts.${name}`);
      expect(location, String(name)).toBe(info.delta_uniform_iceberg?.metadata_location);
      expect(location).toMatch(/\/metadata\/[^/]+\.metadata\.json$/);
    }

    // A table the plan skips is there too, with the reason.
    const skipped = first.skipped.filter((s) => s.tableId);
    expect(skipped.length).toBeGreaterThan(0);
    for (const skip of skipped) {
      const row = afterFirst.find((r) => r[0] === skip.fullName.split('.')[2]);
      expect(row?.slice(1, 3)).toEqual(['false', 'ineligible']);
      expect(row?.[5]).toBe(`${skip.code}: ${skip.reason}`);
    }
    expect(afterFirst).toHaveLength(created.length + skipped.length);

    // Nothing changed since: the MERGE matches every row and updates none (updated_at included).
    const second = await run();
    expect(second.inventory).toMatchObject({ status: 'refreshed', affectedRows: 0 });
    expect(await rows()).toEqual(afterFirst);
    expect(await locations()).toEqual(located);
    const afterSecond = afterFirst;

    // The readable view.
    const readable = await new MirrorInventory(sql(), at).readView();
    expect(readable.columns).toContain('Snowflake table');
    expect(readable.columns).toContain('Why not eligible');
    expect(readable.rows).toHaveLength(afterSecond.length);
  }, 180_000);

  it('reports an inventory failure with the statement error, and still returns the plan', async () => {
    const service = new MirrorService({
      config: stack.config,
      clients: { unityCatalog: stack.databricksClient.unityCatalog, snowflake: stack.query },
      redis: stack.redis,
      inventory: new MirrorInventory(sql(), { catalog: 'no_such_catalog', schema: 'mirror', table: 'inv' }),
    });
    const { plan, inventory } = await service.planForRun({});
    expect(plan.actions.length + plan.summary.unchanged).toBeGreaterThan(0);
    expect(inventory).toMatchObject({
      status: 'failed',
      table: 'no_such_catalog.mirror.inv',
      error: { code: 'DATABRICKS_STATEMENT_FAILED' },
    });
    expect(inventory?.status === 'failed' && inventory.error.message).toContain('[NO_SUCH_CATALOG_EXCEPTION]');
  }, 60_000);
});
