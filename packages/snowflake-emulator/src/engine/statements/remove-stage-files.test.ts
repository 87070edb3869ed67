import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DriverConnection, failureOf, writeParquet } from '../../../test-support/driver.js';
import { type Harness, startHarness } from '../../../test-support/harness.js';
import { ObjectStore } from '../../object-store.js';

/**
 * REMOVE as https://docs.snowflake.com/en/sql-reference/sql/remove describes it: the path is a prefix
 * ("removes all directories and files that match a specified path": myobject also matches myobject_new),
 * PATTERN filters what LIST would show, and each removed file answers a row (name, result = removed).
 */
let h: Harness;
let c: DriverConnection;
const base = 's3://lake/runs';
const one = 'SELECT 1::BIGINT AS id';

async function files(): Promise<string[]> {
  return (await c.rows('list @runs')).map((row) => String(row.name));
}

beforeAll(async () => {
  h = await startHarness();
  c = await h.connect();
  await c.rows('create database remove_db');
  await c.rows(`create stage runs url = '${base}/'`);
});
afterAll(async () => {
  await c.destroy();
  await h.close();
});

describe('REMOVE', () => {
  it('removes the files under a path ending in / and answers name and result per file', async () => {
    await writeParquet(h.root, `${base}/ds/sync_12/part-0.parquet`, one);
    await writeParquet(h.root, `${base}/ds/sync_12/part-1.parquet`, one);
    await writeFile(new ObjectStore(h.root).pathOf(`${base}/ds/sync_12/_SUCCESS`), '');
    await writeParquet(h.root, `${base}/ds/sync_123/part-0.parquet`, one);

    const executed = await c.execute('remove @runs/ds/sync_12/');
    expect(executed.columns.map((column) => column.name)).toEqual(['name', 'result']);
    expect(executed.rows).toEqual([
      { name: `${base}/ds/sync_12/_SUCCESS`, result: 'removed' },
      { name: `${base}/ds/sync_12/part-0.parquet`, result: 'removed' },
      { name: `${base}/ds/sync_12/part-1.parquet`, result: 'removed' },
    ]);
    expect(await files()).toEqual([`${base}/ds/sync_123/part-0.parquet`]);
  });

  it('answers no rows, and no error, when nothing matches: a repeated REMOVE is harmless', async () => {
    const executed = await c.execute('rm @runs/ds/sync_12/');
    expect(executed.rows).toEqual([]);
    expect(await files()).toEqual([`${base}/ds/sync_123/part-0.parquet`]);
  });

  it('treats a path without the trailing / as a prefix, as Snowflake does: a sibling run goes too', async () => {
    await writeParquet(h.root, `${base}/ds/sync_12/part-0.parquet`, one);
    const removed = await c.rows('remove @runs/ds/sync_12');
    expect(removed.map((row) => row.name)).toEqual([
      `${base}/ds/sync_12/part-0.parquet`,
      `${base}/ds/sync_123/part-0.parquet`,
    ]);
    expect(await files()).toEqual([]);
  });

  it('removes only what PATTERN matches', async () => {
    await writeParquet(h.root, `${base}/p/keep.parquet`, one);
    await writeParquet(h.root, `${base}/p/drop.parquet`, one);
    expect(await c.rows(`remove @runs/p/ pattern = '.*drop[.]parquet'`)).toEqual([
      { name: `${base}/p/drop.parquet`, result: 'removed' },
    ]);
    expect(await files()).toEqual([`${base}/p/keep.parquet`]);
  });

  it('refuses a stage that does not exist, and a bad pattern', async () => {
    expect(await failureOf(c.rows('remove @nowhere/x/'))).toMatchObject({ code: '002003' });
    const bad = await failureOf(c.rows(`remove @runs/p/ pattern = '('`));
    expect(bad.message).toMatch(/Invalid regular expression/);
    expect(await files()).toEqual([`${base}/p/keep.parquet`]);
  });
});
