import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DriverConnection, failureOf } from '../../test-support/driver.js';
import { type Harness, startHarness } from '../../test-support/harness.js';

/*
 * Identifier resolution for columns, driven through the unmodified driver.
 *
 * Sources:
 * - Snowflake "Identifier requirements"
 *   (https://docs.snowflake.com/en/sql-reference/identifiers-syntax): unquoted
 *   identifiers are stored and resolved as upper case, double-quoted ones are
 *   case-sensitive, and "If an object is created using a double-quoted
 *   identifier, when referenced in a query or any other SQL statement, the
 *   identifier must be specified exactly as created, including the double
 *   quotes."
 * - The error as Snowflake words it for a quoted lower-case column that does
 *   not match: `000904 (42000): SQL compilation error: error line 65 at
 *   position 44 invalid identifier '"id"'` (Datavault-UK/automate-dv issue
 *   #134, a dbt run against Snowflake): the name keeps its quotes, the line and
 *   0-based position point at the reference.
 * - Line/position counting: the driver's own mock answers `select;` with
 *   "syntax error line 1 at position 6 unexpected ';'"
 *   (snowflakedb/snowflake-connector-nodejs test/unit/mock/mock_http_client.js).
 */

let h: Harness;
let c: DriverConnection;
beforeAll(async () => {
  h = await startHarness();
  c = await h.connect();
  await c.rows('create database ident_db');
  await c.rows(`create table events ("id" int, NAME varchar, "MixedCase" int)`);
  await c.rows(`insert into events values (1, 'a', 10)`);
});
afterAll(async () => {
  await c.destroy();
  await h.close();
});

describe('column identifiers', () => {
  it('finds a quoted column only when it is written exactly as created', async () => {
    expect(await c.rows('select "id", name, "NAME", "MixedCase" from events')).toEqual([
      { id: 1, NAME: 'a', MixedCase: 10 },
    ]);
  });

  it('refuses an unquoted reference to a quoted lower-case column with 000904', async () => {
    const err = await failureOf(c.execute('select id from events'));
    expect(err.code).toBe('000904');
    expect(err.sqlState).toBe('42000');
    expect(err.message).toBe("SQL compilation error: error line 1 at position 7\ninvalid identifier 'ID'");
  });

  it('refuses a quoted reference whose case differs, printing the name with its quotes', async () => {
    const err = await failureOf(c.execute('select "name" from events'));
    expect(err.code).toBe('000904');
    expect(err.message).toBe(`SQL compilation error: error line 1 at position 7\ninvalid identifier '"name"'`);
    const mixed = await failureOf(c.execute('select mixedcase from events'));
    expect(mixed.message).toBe("SQL compilation error: error line 1 at position 7\ninvalid identifier 'MIXEDCASE'");
  });

  it('reports the line and position of the reference in a multi-line statement', async () => {
    const err = await failureOf(c.execute('select "id",\n  name\nfrom events\nwhere "Id" = 1'));
    expect(err.message).toBe(`SQL compilation error: error line 4 at position 6\ninvalid identifier '"Id"'`);
  });

  it('applies the same rule in WHERE, ORDER BY, INSERT column lists and UPDATE SET', async () => {
    for (const sql of [
      'select "id" from events where id = 1',
      'select "id" from events order by id',
      "insert into events (id, name) values (2, 'b')",
      'update events set id = 3',
      'select e.id from events e',
    ]) {
      const err = await failureOf(c.execute(sql));
      expect(err.code, sql).toBe('000904');
    }
    expect(await c.rows('select e."id" as x from events e where e.name = \'a\'')).toEqual([{ X: 1 }]);
  });

  it('resolves aliases by the same rule: an alias defined quoted lower case is not found unquoted', async () => {
    expect(await c.rows('select "id" as "k" from events order by "k"')).toEqual([{ k: 1 }]);
    expect(await c.rows('select "id" as k from events order by K')).toEqual([{ K: 1 }]);
  });

  it('reports a column that does not exist at all with its position', async () => {
    const err = await failureOf(c.execute('select "id",\n nope from events'));
    expect(err.code).toBe('000904');
    expect(err.message).toBe("SQL compilation error: error line 2 at position 1\ninvalid identifier 'NOPE'");
  });
});

describe('syntax errors', () => {
  it('point at the offending token by line and position', async () => {
    const err = await failureOf(c.execute('create table broken (a int,\n  b )'));
    expect(err.code).toBe('001003');
    expect(err.sqlState).toBe('42000');
    expect(err.message).toBe("SQL compilation error:\nsyntax error line 2 at position 4 unexpected ')'.");
  });
});
