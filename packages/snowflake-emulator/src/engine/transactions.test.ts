import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DriverConnection, failureOf } from '../../test-support/driver.js';
import { type Harness, startHarness } from '../../test-support/harness.js';

/**
 * A transaction left open by a client that went away, seen and aborted from
 * another session, through the real driver. Shapes: SHOW TRANSACTIONS columns
 * from https://docs.snowflake.com/en/sql-reference/sql/show-transactions;
 * SYSTEM$ABORT_TRANSACTION from
 * https://docs.snowflake.com/en/sql-reference/functions/system_abort_transaction.
 */
let h: Harness;
let a: DriverConnection;
let b: DriverConnection;

beforeAll(async () => {
  h = await startHarness();
  a = await h.connect();
  b = await h.connect();
  await a.rows('create database tx_db');
  await a.rows('create table tx_db.public.t (id number)');
  await b.rows('use schema tx_db.public');
});
afterAll(async () => {
  await a.destroy();
  await b.destroy();
  await h.close();
});

describe('explicit transactions across sessions', () => {
  it('lists an open named transaction, hides its changes, and aborts it from another session', async () => {
    await a.rows('begin transaction name d2s_merge_sync_1');
    await a.rows('insert into tx_db.public.t values (1)');
    expect(await b.rows('select count(*) as n from t')).toEqual([{ N: 0 }]);

    const open = await b.rows('show transactions');
    expect(open).toHaveLength(1);
    expect(Object.keys(open[0] ?? {})).toEqual(['id', 'user', 'session', 'name', 'started_on', 'state', 'scope']);
    expect(open[0]).toMatchObject({ name: 'D2S_MERGE_SYNC_1', state: 'running' });

    const [aborted] = await b.rows(`select system$abort_transaction(${String(open[0]?.id)}) as r`);
    expect(String(aborted?.R)).toContain('aborted');
    expect(await b.rows('show transactions')).toEqual([]);

    // The aborted session may not carry on as if nothing happened: only ROLLBACK is accepted.
    expect(await failureOf(a.rows('insert into tx_db.public.t values (2)'))).toMatchObject({ code: '000625' });
    await a.rows('rollback');
    await a.rows('insert into tx_db.public.t values (3)');
    expect(await b.rows('select id from t order by id')).toEqual([{ ID: 3 }]);
  });

  it('shows other users’ transactions only to account administrators (IN ACCOUNT)', async () => {
    await b.rows('use role sysadmin');
    expect(await failureOf(b.rows('show transactions in account'))).toMatchObject({ code: '003001' });
  });

  it('refuses to abort a transaction that is not running', async () => {
    expect(await failureOf(b.rows('select system$abort_transaction(12345)'))).toMatchObject({ code: '000605' });
  });

  it('forgets a committed transaction', async () => {
    await a.rows('begin');
    expect(await b.rows('show transactions')).toHaveLength(1);
    await a.rows('commit');
    expect(await b.rows('show transactions')).toEqual([]);
  });
});
