import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DriverConnection, failureOf } from '../../../test-support/driver.js';
import { type Harness, startHarness, TEST_WAREHOUSE } from '../../../test-support/harness.js';

/**
 * Roles, grants and ownership over the real driver. Sources for the shapes and
 * words asserted here:
 * - SnowSQL transcript of `USE DATABASE` / `USE ROLE` failures and of SHOW
 *   GRANTS ON / TO ROLE / TO USER / OF ROLE output (zatoima/zatoima.github.io,
 *   2022 blog post on Snowflake roles): 003001 `Insufficient privileges to
 *   operate on database 'WORKDB'`, 003013 `Requested role 'WORKROLE' is not
 *   assigned to the executing user.  Specify another role to activate.`, and
 *   the OWNERSHIP row with grant_option `true`, granted_by the owner.
 * - `Role 'X' specified in the connect string is not granted to this user.
 *   Contact your local system administrator, or attempt to login with another
 *   role, e.g. PUBLIC.` with 390189 (connector error texts quoted in public
 *   client code and tests), and 390201 `The requested warehouse does not exist
 *   or not authorized.` (snowflakedb/snowflake-connector-net#537,
 *   snowflakedb/terraform-provider-snowflake#1099).
 * - `Grant not executed: Insufficient privileges.` as GRANT's status row when
 *   the role may not grant (snowflakedb/terraform-provider-snowflake#670).
 * - SWAP WITH exchanges the tables' grants with them, COPY GRANTS copies every
 *   privilege but OWNERSHIP and prefers the replaced table's grants
 *   (https://docs.snowflake.com/en/sql-reference/sql/alter-table,
 *   https://docs.snowflake.com/en/sql-reference/sql/create-table, "COPY GRANTS").
 * - USE WAREHOUSE on a warehouse that is not there: `002043 Object does not
 *   exist, or operation cannot be performed.` (hankinsoft/SQLPro#285).
 */

let h: Harness;
let admin: DriverConnection;

const ANALYST = { username: 'ANNA', password: 'anna-pw' };
const NOBODY = { username: 'NOBODY', password: 'nobody-pw' };

/** Connects as a user, on the harness's warehouse (queries need one: 000606) unless told otherwise. */
async function as(user: { username: string; password: string }, extra: Record<string, unknown> = {}) {
  return h.connect({ ...user, warehouse: TEST_WAREHOUSE, ...extra });
}

beforeAll(async () => {
  h = await startHarness({
    users: [
      { name: ANALYST.username, password: ANALYST.password, defaultRole: 'ANALYST', defaultWarehouse: 'READ_WH' },
      { name: NOBODY.username, password: NOBODY.password },
    ],
  });
  admin = await h.connect();
  for (const sql of [
    'create database acl_db',
    'create table acl_db.public.orders (id number, region varchar)',
    "insert into acl_db.public.orders values (1, 'emea'), (2, 'apac')",
    'create warehouse read_wh',
  ])
    await admin.rows(sql);
  // USERADMIN creates roles and SECURITYADMIN (MANAGE GRANTS) grants them; ALICE is SYSADMIN only.
  await h.emulator.admin.execute('create role analyst', { role: 'USERADMIN' });
  await h.emulator.admin.execute('grant role analyst to user anna', { role: 'SECURITYADMIN' });
}, 60_000);

afterAll(async () => {
  await admin?.destroy();
  await h?.close();
});

describe('login', () => {
  it("refuses a connection's role that is not granted to the user with 390189", async () => {
    const err = await failureOf(as(NOBODY, { role: 'SYSADMIN' }));
    expect(err.code).toBe('390189');
    expect(err.message).toBe(
      "Role 'SYSADMIN' specified in the connect string is not granted to this user. Contact your local system administrator, or attempt to login with another role, e.g. PUBLIC.",
    );
  });

  it("refuses a connection's warehouse that does not exist, or that the role may not use, with 390201", async () => {
    const missing = await failureOf(as(ANALYST, { warehouse: 'NO_SUCH_WH' }));
    expect(missing.code).toBe('390201');
    expect(missing.message).toBe('The requested warehouse does not exist or not authorized.');
    expect((await failureOf(as(ANALYST, { warehouse: 'READ_WH' }))).code).toBe('390201');
  });

  it('starts in the default role when it is granted, and without the default warehouse the role cannot use', async () => {
    const c = await h.connect(ANALYST);
    expect(await c.rows('select current_role() as r, current_warehouse() as w')).toEqual([{ R: 'ANALYST', W: null }]);
    await c.destroy();
    const nobody = await h.connect(NOBODY);
    expect(await nobody.rows('select current_role() as r')).toEqual([{ R: 'PUBLIC' }]);
    await nobody.destroy();
  });
});

describe('USE', () => {
  it('switches only to roles granted to the user, directly or below them (003013)', async () => {
    const c = await as(ANALYST);
    const err = await failureOf(c.execute('use role sysadmin'));
    expect(err.code).toBe('003013');
    expect(err.sqlState).toBe('42501');
    expect(err.message).toBe(
      "SQL access control error:\nRequested role 'SYSADMIN' is not assigned to the executing user.  Specify another role to activate.",
    );
    expect((await failureOf(c.execute('use role no_such_role'))).code).toBe('003013');
    await c.rows('use role public');
    expect(await c.rows('select current_role() as r')).toEqual([{ R: 'PUBLIC' }]);
    await c.destroy();
  });

  it('refuses a missing warehouse (002043) and a database the role may not use (003001)', async () => {
    const c = await as(ANALYST);
    expect((await failureOf(c.execute('use warehouse no_such_wh'))).code).toBe('002043');
    expect((await failureOf(c.execute('use warehouse read_wh'))).code).toBe('002043');
    const db = await failureOf(c.execute('use database acl_db'));
    expect(db.code).toBe('003001');
    expect(db.message).toBe("SQL access control error:\nInsufficient privileges to operate on database 'ACL_DB'");
    await c.destroy();
  });
});

describe('privileges', () => {
  it('hides a table from a role that holds nothing on it, then lets it read once granted', async () => {
    const c = await as(ANALYST);
    const hidden = await failureOf(c.execute('select * from acl_db.public.orders'));
    expect(hidden.code).toBe('002003');
    expect(hidden.message).toBe(
      "SQL compilation error:\nObject 'ACL_DB.PUBLIC.ORDERS' does not exist or not authorized.",
    );

    await admin.rows('grant usage on warehouse read_wh to role analyst');
    await admin.rows('grant usage on database acl_db to role analyst');
    await admin.rows('grant usage on schema acl_db.public to role analyst');
    // USAGE on the containers is not enough to see the table.
    expect((await failureOf(c.execute('select * from acl_db.public.orders'))).code).toBe('002003');
    await admin.rows('grant select on table acl_db.public.orders to role analyst');
    expect(await c.rows('select id from acl_db.public.orders order by id')).toEqual([{ ID: 1 }, { ID: 2 }]);
    await c.destroy();
  });

  it('refuses what the role was not granted with 003001, naming the object', async () => {
    const c = await as(ANALYST);
    const insert = await failureOf(c.execute("insert into acl_db.public.orders values (3, 'amer')"));
    expect(insert.code).toBe('003001');
    expect(insert.sqlState).toBe('42501');
    expect(insert.message).toBe("SQL access control error:\nInsufficient privileges to operate on table 'ORDERS'");
    expect((await failureOf(c.execute('truncate table acl_db.public.orders'))).code).toBe('003001');
    expect((await failureOf(c.execute('drop table acl_db.public.orders'))).code).toBe('003001');
    const create = await failureOf(c.execute('create table acl_db.public.mine (a int)'));
    expect(create.message).toBe("SQL access control error:\nInsufficient privileges to operate on schema 'PUBLIC'");
    const db = await failureOf(c.execute('create database analyst_db'));
    expect(db.message).toBe("SQL access control error:\nInsufficient privileges to operate on account 'TESTACCT'");
    await c.destroy();
  });

  it('answers a GRANT by a role that may not grant with "Grant not executed"', async () => {
    const c = await as(ANALYST);
    expect(await c.rows('grant insert on table acl_db.public.orders to role analyst')).toEqual([
      { status: 'Grant not executed: Insufficient privileges.' },
    ]);
    expect((await failureOf(c.execute("insert into acl_db.public.orders values (3, 'amer')"))).code).toBe('003001');
    await c.destroy();
  });

  it('gives a parent role what a granted role holds (role hierarchy)', async () => {
    await h.emulator.admin.execute('create role reporting', { role: 'USERADMIN' });
    await h.emulator.admin.execute('grant role reporting to role analyst', { role: 'SECURITYADMIN' });
    await h.emulator.admin.execute('create table acl_db.public.report (n int)');
    await h.emulator.admin.execute('grant select on table acl_db.public.report to role reporting');
    const c = await as(ANALYST);
    expect(await c.rows('select count(*) as n from acl_db.public.report')).toEqual([{ N: 0 }]);
    await c.rows('use role reporting');
    // REPORTING does not inherit ANALYST's grants.
    expect((await failureOf(c.execute('select * from acl_db.public.orders'))).code).toBe('002003');
    await c.destroy();
  });

  it('revokes, after which the table is hidden again', async () => {
    await admin.rows('create table acl_db.public.revoked (n int)');
    await admin.rows('grant select on table acl_db.public.revoked to role analyst');
    const c = await as(ANALYST);
    await c.rows('select * from acl_db.public.revoked');
    await admin.rows('revoke select on table acl_db.public.revoked from role analyst');
    expect((await failureOf(c.execute('select * from acl_db.public.revoked'))).code).toBe('002003');
    await c.destroy();
  });

  it('needs CREATE INTEGRATION on the account for integrations, which only ACCOUNTADMIN has at first', async () => {
    const err = await failureOf(
      admin.execute(
        "create storage integration s3_int type = external_stage storage_provider = 'S3' enabled = true storage_aws_role_arn = 'arn:aws:iam::1:role/r' storage_allowed_locations = ('s3://b/')",
      ),
    );
    expect(err.code).toBe('003001');
    expect(err.message).toBe("SQL access control error:\nInsufficient privileges to operate on account 'TESTACCT'");
  });

  it('needs USAGE on an external stage to list or load from it', async () => {
    await admin.rows("create stage acl_db.public.landing url = 's3://acl-bucket/landing/'");
    const c = await as(ANALYST);
    const err = await failureOf(c.execute('list @acl_db.public.landing'));
    expect(err.code).toBe('002003');
    expect(err.message).toBe("SQL compilation error:\nStage 'ACL_DB.PUBLIC.LANDING' does not exist or not authorized.");
    await admin.rows('grant usage on stage acl_db.public.landing to role analyst');
    expect(await c.rows('list @acl_db.public.landing')).toEqual([]);
    await c.destroy();
  });
});

describe('SHOW GRANTS', () => {
  it('lists OWNERSHIP and the privileges granted on an object', async () => {
    const rows = await admin.rows('show grants on table acl_db.public.orders');
    expect(
      rows.map((r) => [r.privilege, r.granted_on, r.name, r.granted_to, r.grantee_name, r.grant_option, r.granted_by]),
    ).toEqual([
      ['OWNERSHIP', 'TABLE', 'ACL_DB.PUBLIC.ORDERS', 'ROLE', 'SYSADMIN', 'true', 'SYSADMIN'],
      ['SELECT', 'TABLE', 'ACL_DB.PUBLIC.ORDERS', 'ROLE', 'ANALYST', 'false', 'SYSADMIN'],
    ]);
    expect(Object.keys(rows[0] ?? {})).toEqual([
      'created_on',
      'privilege',
      'granted_on',
      'name',
      'granted_to',
      'grantee_name',
      'grant_option',
      'granted_by',
    ]);
  });

  it('lists the grants to a role, the roles of a user and the grantees of a role', async () => {
    const toRole = await admin.rows('show grants to role analyst');
    expect(toRole.map((r) => `${r.privilege} ${r.granted_on} ${r.name}`)).toEqual(
      expect.arrayContaining(['USAGE WAREHOUSE READ_WH', 'USAGE DATABASE ACL_DB', 'SELECT TABLE ACL_DB.PUBLIC.ORDERS']),
    );
    expect(await admin.rows('show grants to user anna')).toEqual([
      expect.objectContaining({ role: 'ANALYST', granted_to: 'USER', grantee_name: 'ANNA' }),
    ]);
    const of = await admin.rows('show grants of role analyst');
    expect(of.map((r) => [r.role, r.granted_to, r.grantee_name])).toEqual([['ANALYST', 'USER', 'ANNA']]);
  });
});

describe('SHOW', () => {
  // SHOW lists only the objects the role holds a privilege on
  // (https://docs.snowflake.com/en/sql-reference/sql/show-tables, access control requirements).
  it('lists only what the role may see', async () => {
    await admin.rows('create table acl_db.public.secret_table (n int)');
    const c = await as(ANALYST);
    const tables = (await c.rows('show tables in schema acl_db.public')).map((r) => r.name);
    expect(tables).toContain('ORDERS');
    expect(tables).not.toContain('SECRET_TABLE');
    expect((await admin.rows('show tables in schema acl_db.public')).map((r) => r.name)).toContain('SECRET_TABLE');
    expect((await c.rows('show databases')).map((r) => r.name)).toEqual(['ACL_DB']);
    await c.destroy();
  });
});

describe('SWAP WITH and COPY GRANTS', () => {
  async function analystCanRead(table: string): Promise<boolean> {
    const c = await as(ANALYST);
    try {
      await c.rows(`select count(*) from acl_db.public.${table}`);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === '002003') return false;
      throw err;
    } finally {
      await c.destroy();
    }
  }

  it('swaps the grants with the tables', async () => {
    await admin.rows('create table acl_db.public.live (n int)');
    await admin.rows('grant select on table acl_db.public.live to role analyst');
    await admin.rows('create table acl_db.public.next (n int)');
    await admin.rows('alter table acl_db.public.live swap with acl_db.public.next');
    expect(await analystCanRead('live')).toBe(false);
    expect(await analystCanRead('next')).toBe(true);
  });

  it('drops the grants on CREATE OR REPLACE, and keeps them with COPY GRANTS', async () => {
    await admin.rows('create table acl_db.public.kept (n int)');
    await admin.rows('grant select on table acl_db.public.kept to role analyst');
    await admin.rows('create or replace table acl_db.public.kept (n int, m int) copy grants');
    expect(await analystCanRead('kept')).toBe(true);
    await admin.rows('create or replace table acl_db.public.kept (n int)');
    expect(await analystCanRead('kept')).toBe(false);
  });

  it("copies LIKE's source grants, but a replaced table's own grants take precedence", async () => {
    await admin.rows('create table acl_db.public.src (n int)');
    await admin.rows('grant select on table acl_db.public.src to role analyst');
    await admin.rows('create table acl_db.public.copy_like like acl_db.public.src copy grants');
    expect(await analystCanRead('copy_like')).toBe(true);
    await admin.rows('create table acl_db.public.plain_like like acl_db.public.src');
    expect(await analystCanRead('plain_like')).toBe(false);
    // plain_like exists with no grants: they win over src's.
    await admin.rows('create or replace table acl_db.public.plain_like like acl_db.public.src copy grants');
    expect(await analystCanRead('plain_like')).toBe(false);
    const owners = await admin.rows('show grants on table acl_db.public.copy_like');
    expect(owners.filter((r) => r.privilege === 'OWNERSHIP').map((r) => r.grantee_name)).toEqual(['SYSADMIN']);
  });

  it('lets only the owner of both tables swap them', async () => {
    await admin.rows('grant select on table acl_db.public.next to role analyst');
    const c = await as(ANALYST);
    const err = await failureOf(c.execute('alter table acl_db.public.next swap with acl_db.public.live'));
    expect(err.code).toBe('003001');
    await c.destroy();
  });
});
