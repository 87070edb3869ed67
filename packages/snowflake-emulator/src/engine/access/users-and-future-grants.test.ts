import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DriverConnection, failureOf } from '../../../test-support/driver.js';
import { type Harness, startHarness } from '../../../test-support/harness.js';

/*
 * Users and future grants, through the unmodified driver.
 *
 * Sources:
 * - CREATE USER (https://docs.snowflake.com/en/sql-reference/sql/create-user):
 *   needs CREATE USER on the account (USERADMIN or higher); answers "User
 *   <name> successfully created."; DEFAULT_ROLE does not grant the role.
 * - ALTER USER / DROP USER (https://docs.snowflake.com/en/sql-reference/sql/alter-user,
 *   .../drop-user): the owner (OWNERSHIP on the user); users may change their
 *   own defaults.
 * - SHOW USERS (https://docs.snowflake.com/en/sql-reference/sql/show-users) and
 *   behaviour change bcr-975 (2023_06): anyone may run it; rows are the users
 *   the role owns, all users with CREATE USER, and always the current user.
 * - GRANT ROLE (https://docs.snowflake.com/en/sql-reference/sql/grant-role):
 *   a user that does not exist is "User '…' does not exist or not authorized."
 * - GRANT … ON FUTURE (https://docs.snowflake.com/en/sql-reference/sql/grant-privilege,
 *   "Future grants on database or schema objects"): MANAGE GRANTS is needed;
 *   objects created later get the privileges; schema-level future grants take
 *   precedence over database-level ones for the same object type.
 * - SHOW FUTURE GRANTS IN SCHEMA | DATABASE
 *   (https://docs.snowflake.com/en/sql-reference/sql/show-grants): columns
 *   created_on, privilege, grant_on, name (`DB.SCHEMA.<TABLE>`), grant_to,
 *   grantee_name, grant_option.
 */

const SECADMIN = { username: 'SECADMIN', password: 'sec-pw' };

let h: Harness;
let alice: DriverConnection;
let sec: DriverConnection;

beforeAll(async () => {
  h = await startHarness({
    users: [
      {
        name: SECADMIN.username,
        password: SECADMIN.password,
        defaultRole: 'SECURITYADMIN',
        roles: ['SECURITYADMIN', 'SYSADMIN'],
      },
    ],
  });
  alice = await h.connect();
  sec = await h.connect(SECADMIN);
  await alice.rows('create database fg_db');
  await alice.rows('create schema fg_db.other');
  await alice.rows('create table fg_db.public.before_grant (n int)');
  await sec.rows('use role useradmin');
  await sec.rows('create role analyst');
  await sec.rows('use role securityadmin');
}, 60_000);

afterAll(async () => {
  await alice?.destroy();
  await sec?.destroy();
  await h?.close();
});

describe('CREATE / ALTER / DROP / SHOW USERS', () => {
  it('needs CREATE USER on the account', async () => {
    const err = await failureOf(alice.execute(`create user bob password = 'bob-pw'`));
    expect([err.code, err.message]).toEqual([
      '003001',
      "SQL access control error:\nInsufficient privileges to operate on account 'TESTACCT'",
    ]);
  });

  it('creates a user that can log in, in PUBLIC until its default role is granted', async () => {
    await sec.rows('use role useradmin');
    expect(
      await sec.rows(`create user bob password = 'bob-pw' default_role = analyst comment = 'reads reports'`),
    ).toEqual([{ status: 'User BOB successfully created.' }]);
    const bob = await h.connect({ username: 'bob', password: 'bob-pw' });
    expect(await bob.rows('select current_role() as r, current_user() as u')).toEqual([{ R: 'PUBLIC', U: 'BOB' }]);
    await bob.destroy();
    const dup = await failureOf(sec.execute(`create user bob`));
    expect(dup.code).toBe('002002');
    expect(await sec.rows('create user if not exists bob')).toEqual([
      { status: 'BOB already exists, statement succeeded.' },
    ]);
  });

  it('lists users with the documented columns: all for USERADMIN, only oneself otherwise', async () => {
    const rows = await sec.rows(`show users like 'BO%'`);
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0] as object)).toEqual([
      'name',
      'created_on',
      'login_name',
      'display_name',
      'first_name',
      'last_name',
      'email',
      'mins_to_unlock',
      'days_to_expiry',
      'comment',
      'disabled',
      'must_change_password',
      'snowflake_lock',
      'default_warehouse',
      'default_namespace',
      'default_role',
      'default_secondary_roles',
      'ext_authn_duo',
      'ext_authn_uid',
      'mins_to_bypass_mfa',
      'owner',
      'last_success_login',
      'expires_at_time',
      'locked_until_time',
      'has_password',
      'has_rsa_public_key',
      'type',
      'has_mfa',
    ]);
    expect(rows[0]).toMatchObject({
      name: 'BOB',
      login_name: 'BOB',
      comment: 'reads reports',
      default_role: 'ANALYST',
      owner: 'USERADMIN',
      has_password: 'true',
      disabled: 'false',
    });
    const all = (await sec.rows('show users')).map((r) => r.name);
    expect(all).toEqual(['ALICE', 'BOB', 'SECADMIN']);
    expect((await alice.rows('show users')).map((r) => r.name)).toEqual(['ALICE']);
  });

  it('GRANT ROLE … TO USER needs an existing user; the granted default role is used at login', async () => {
    await sec.rows('use role securityadmin');
    const ghost = await failureOf(sec.execute('grant role analyst to user ghost'));
    expect([ghost.code, ghost.message]).toEqual([
      '002003',
      "SQL compilation error:\nUser 'GHOST' does not exist or not authorized.",
    ]);
    await sec.rows('grant role analyst to user bob');
    const bob = await h.connect({ username: 'BOB', password: 'bob-pw' });
    expect(await bob.rows('select current_role() as r')).toEqual([{ R: 'ANALYST' }]);
    // A user may change its own defaults, but not what only the owner may.
    await bob.rows(`alter user bob set default_namespace = 'FG_DB.PUBLIC'`);
    const disable = await failureOf(bob.execute('alter user bob set disabled = true'));
    expect([disable.code, disable.message]).toEqual([
      '003001',
      "SQL access control error:\nInsufficient privileges to operate on user 'BOB'",
    ]);
    await bob.destroy();
    expect((await sec.rows(`show users like 'BOB'`))[0]).toMatchObject({ default_namespace: 'FG_DB.PUBLIC' });
  });

  it('refuses a disabled user at login until it is enabled again', async () => {
    // 390101 "User access disabled. Contact your local system administrator." as Snowflake answers a user with
    // DISABLED = TRUE (quoted with the code by Sigma's connection docs and by PostHog's Snowflake source,
    // github.com/PostHog/posthog pull 63157; https://docs.snowflake.com/en/sql-reference/sql/alter-user DISABLED).
    await sec.rows('use role useradmin');
    await sec.rows('alter user bob set disabled = true');
    const refused = await failureOf(h.connect({ username: 'BOB', password: 'bob-pw' }));
    expect([refused.code, refused.message]).toEqual([
      '390101',
      'User access disabled. Contact your local system administrator.',
    ]);
    const wrongPassword = await failureOf(h.connect({ username: 'BOB', password: 'nope' }));
    expect(wrongPassword.code).toBe('390100');
    await sec.rows('alter user bob set disabled = false');
    const bob = await h.connect({ username: 'BOB', password: 'bob-pw' });
    expect(await bob.rows('select current_user() as u')).toEqual([{ U: 'BOB' }]);
    await bob.destroy();
    await sec.rows('use role securityadmin');
  });

  it('lets only the owner alter and drop a user; a dropped user can no longer log in', async () => {
    const altered = await failureOf(alice.execute(`alter user bob set comment = 'mine'`));
    expect(altered.code).toBe('003001');
    await sec.rows('use role useradmin');
    await sec.rows(`alter user bob set comment = 'moved on'`);
    expect((await sec.rows(`show users like 'BOB'`))[0]).toMatchObject({ comment: 'moved on' });
    expect(await sec.rows('drop user bob')).toEqual([{ status: 'BOB successfully dropped.' }]);
    const login = await failureOf(h.connect({ username: 'BOB', password: 'bob-pw' }));
    expect(login.code).toBe('390100');
    const again = await failureOf(sec.execute('drop user bob'));
    expect(again.code).toBe('002003');
    await sec.rows('use role securityadmin');
  });
});

describe('future grants', () => {
  it('need MANAGE GRANTS', async () => {
    const err = await failureOf(alice.execute('grant select on future tables in schema fg_db.public to role analyst'));
    expect(err.code).toBe('003001');
  });

  it('give schemas created later in the database their privileges (FUTURE SCHEMAS IN DATABASE)', async () => {
    // https://docs.snowflake.com/en/sql-reference/sql/grant-privilege#future-grants-on-database-or-schema-objects:
    // ON FUTURE SCHEMAS IN DATABASE applies to schemas created in the database after the grant.
    await sec.rows('grant usage on future schemas in database fg_db to role analyst');
    await alice.rows('create schema fg_db.later');
    await alice.rows('use schema fg_db.public');
    const onNew = await alice.rows('show grants on schema fg_db.later');
    expect(onNew.map((r) => [r.privilege, r.grantee_name])).toEqual([
      ['OWNERSHIP', 'SYSADMIN'],
      ['USAGE', 'ANALYST'],
    ]);
    const onOld = await alice.rows('show grants on schema fg_db.other');
    expect(onOld.map((r) => r.privilege)).toEqual(['OWNERSHIP']);
    await sec.rows('revoke usage on future schemas in database fg_db from role analyst');
  });

  it('SHOW GRANTS ON a table works for SECURITYADMIN, which holds MANAGE GRANTS but no privilege on it', async () => {
    // https://docs.snowflake.com/en/release-notes/bcr-bundles/2026_07/bcr-2416: SHOW commands honour MANAGE GRANTS.
    const rows = await sec.rows('show grants on table fg_db.public.before_grant');
    expect(rows.map((r) => [r.privilege, r.grantee_name])).toEqual([['OWNERSHIP', 'SYSADMIN']]);
    await sec.rows('use role useradmin');
    const err = await failureOf(sec.execute('show grants on table fg_db.public.before_grant'));
    expect(err.code).toBe('002003');
    await sec.rows('use role securityadmin');
  });

  it('give tables created later the privileges, not tables that existed before', async () => {
    expect(await sec.rows('grant select on future tables in schema fg_db.public to role analyst')).toEqual([
      { status: 'Statement executed successfully.' },
    ]);
    await alice.rows('create table fg_db.public.after_grant (n int)');
    const onNew = await alice.rows('show grants on table fg_db.public.after_grant');
    expect(onNew.map((r) => [r.privilege, r.grantee_name])).toEqual([
      ['OWNERSHIP', 'SYSADMIN'],
      ['SELECT', 'ANALYST'],
    ]);
    const onOld = await alice.rows('show grants on table fg_db.public.before_grant');
    expect(onOld.map((r) => r.privilege)).toEqual(['OWNERSHIP']);
  });

  it('are listed by SHOW FUTURE GRANTS IN SCHEMA / DATABASE', async () => {
    await sec.rows('grant insert on future tables in database fg_db to role analyst');
    const inSchema = await sec.rows('show future grants in schema fg_db.public');
    expect(inSchema.map(({ created_on: _c, ...rest }) => rest)).toEqual([
      {
        privilege: 'SELECT',
        grant_on: 'TABLE',
        name: 'FG_DB.PUBLIC.<TABLE>',
        grant_to: 'ROLE',
        grantee_name: 'ANALYST',
        grant_option: 'false',
      },
    ]);
    expect((await sec.rows('show future grants in database fg_db')).map((r) => [r.privilege, r.name])).toEqual([
      ['INSERT', 'FG_DB.<TABLE>'],
    ]);
  });

  it("prefer the schema's future grants over the database's; REVOKE stops them", async () => {
    await alice.rows('create table fg_db.public.schema_level (n int)');
    await alice.rows('create table fg_db.other.database_level (n int)');
    const privileges = async (table: string) =>
      (await alice.rows(`show grants on table ${table}`)).map((r) => r.privilege).filter((p) => p !== 'OWNERSHIP');
    expect(await privileges('fg_db.public.schema_level')).toEqual(['SELECT']);
    expect(await privileges('fg_db.other.database_level')).toEqual(['INSERT']);
    await sec.rows('revoke select on future tables in schema fg_db.public from role analyst');
    expect(await sec.rows('show future grants in schema fg_db.public')).toEqual([]);
    await alice.rows('create table fg_db.public.after_revoke (n int)');
    // No schema-level future grants are left, so the database's apply.
    expect(await privileges('fg_db.public.after_revoke')).toEqual(['INSERT']);
  });
});
