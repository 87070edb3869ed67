import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf } from '../../test-support/driver.js';
import { type Harness, rsaKeyPair, startHarness } from '../../test-support/harness.js';

const bob = rsaKeyPair();
const carol = rsaKeyPair('s3cret');
const stranger = rsaKeyPair();

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    users: [
      { name: 'bob', rsaPublicKey: bob.publicKey },
      { name: 'CAROL', rsaPublicKey: stranger.publicKey, rsaPublicKey2: carol.publicKey },
    ],
    queryInProgressAfterMs: 200,
    resultPollHoldMs: 200,
  });
});
afterAll(() => h.close());

describe('login', () => {
  it('accepts a password user and answers queries', async () => {
    const c = await h.connect();
    expect(await c.rows('select 1 as "c1"')).toEqual([{ c1: 1 }]);
    await c.destroy();
  });

  it('rejects a wrong password with 390100', async () => {
    const err = await failureOf(h.connect({ password: 'nope' }));
    expect(err.code).toBe('390100');
    expect(err.message).toBe('Incorrect username or password was specified.');
  });

  it('rejects an unknown user with 390100', async () => {
    const err = await failureOf(h.connect({ username: 'mallory' }));
    expect(err.code).toBe('390100');
  });

  it('accepts a key-pair JWT signed with the registered key', async () => {
    const c = await h.connect({
      username: 'bob',
      password: undefined,
      authenticator: 'SNOWFLAKE_JWT',
      privateKey: bob.privateKey,
    });
    expect(await c.rows('select current_user() as u')).toEqual([{ U: 'BOB' }]);
    await c.destroy();
  });

  it('accepts an encrypted private key registered in the second key slot', async () => {
    const c = await h.connect({
      username: 'carol',
      password: undefined,
      authenticator: 'SNOWFLAKE_JWT',
      privateKey: carol.privateKey,
      privateKeyPass: 's3cret',
    });
    expect(await c.rows('select 2 as n')).toEqual([{ N: 2 }]);
    await c.destroy();
  });

  it('rejects a JWT signed with another key with 390144', async () => {
    const err = await failureOf(
      h.connect({
        username: 'bob',
        password: undefined,
        authenticator: 'SNOWFLAKE_JWT',
        privateKey: stranger.privateKey,
      }),
    );
    expect(err.code).toBe('390144');
    expect(err.message).toBe('JWT token is invalid.');
  });

  it('rejects a JWT for a user without that key, or an unknown user, with 390144', async () => {
    const wrongUser = await failureOf(
      h.connect({ username: 'carol', password: undefined, authenticator: 'SNOWFLAKE_JWT', privateKey: bob.privateKey }),
    );
    expect(wrongUser.code).toBe('390144');
    const unknown = await failureOf(
      h.connect({
        username: 'nobody',
        password: undefined,
        authenticator: 'SNOWFLAKE_JWT',
        privateKey: bob.privateKey,
      }),
    );
    expect(unknown.code).toBe('390144');
  });

  it('starts the session in the database, schema, warehouse and role the client names', async () => {
    await h.emulator.admin.execute('create database if not exists LOGIN_DB');
    await h.emulator.admin.execute('create warehouse if not exists WH');
    const c = await h.connect({ database: 'LOGIN_DB', schema: 'PUBLIC', warehouse: 'WH', role: 'SYSADMIN' });
    const [row] = await c.rows(
      'select current_database() as d, current_schema() as s, current_warehouse() as w, current_role() as r',
    );
    expect(row).toEqual({ D: 'LOGIN_DB', S: 'PUBLIC', W: 'WH', R: 'SYSADMIN' });
    await c.destroy();
  });
});

describe('session', () => {
  it('renews an expired session token with the master token and replays the query', async () => {
    const c = await h.connect();
    await c.rows('select 1');
    expect(h.emulator.admin.expireSessions()).toBeGreaterThan(0);
    expect(await c.rows('select 42 as answer')).toEqual([{ ANSWER: 42 }]);
    await c.destroy();
  });

  it('answers heartbeats (isValidAsync)', async () => {
    const c = await h.connect();
    expect(await c.isValid()).toBe(true);
    await c.destroy();
  });

  it('polls a long-running statement through 333333 until it finishes', async () => {
    const c = await h.connect();
    const started = Date.now();
    const result = await c.execute("call system$wait(900, 'MILLISECONDS')");
    expect(Date.now() - started).toBeGreaterThanOrEqual(850);
    expect(Object.values(result.rows[0] ?? {})).toEqual(['waited 900 milliseconds']);
    await c.destroy();
  });

  it('runs asyncExec statements detached (333334) and serves their results by query id', async () => {
    const c = await h.connect();
    const submitted = await c.execute("select system$wait(300, 'MILLISECONDS')", undefined, { asyncExec: true });
    expect(submitted.queryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await c.queryStatus(submitted.queryId)).toBe('RUNNING');
    const rows = await c.resultsFromQueryId(submitted.queryId);
    expect(Object.values(rows[0] ?? {})).toEqual(['waited 300 milliseconds']);
    await c.destroy();
  });

  it('cancels a running statement with SYSTEM$CANCEL_QUERY (000604)', async () => {
    const c = await h.connect();
    const other = await h.connect();
    const running = failureOf(c.execute('call system$wait(20)'));
    let entry: ReturnType<typeof h.emulator.queryLog.find>;
    for (let i = 0; i < 50 && !entry; i++) {
      await new Promise((r) => setTimeout(r, 20));
      entry = h.emulator.queryLog.find((e) => e.sql === 'call system$wait(20)' && e.status === 'RUNNING');
    }
    expect(entry).toBeDefined();
    const [row] = await other.rows(`select system$cancel_query('${entry?.queryId}')`);
    expect(Object.values(row ?? {})).toEqual([`query [${entry?.queryId}] terminated.`]);
    const err = await running;
    expect(err.code).toBe('000604');
    expect(err.sqlState).toBe('57014');
    await c.destroy();
    await other.destroy();
  });

  it("names a lone SYSTEM$ call's column by its alias (quoted, unquoted, with or without AS)", async () => {
    const c = await h.connect();
    const other = await h.connect();
    const running = failureOf(c.execute('call system$wait(21)'));
    let entry: ReturnType<typeof h.emulator.queryLog.find>;
    for (let i = 0; i < 50 && !entry; i++) {
      await new Promise((r) => setTimeout(r, 20));
      entry = h.emulator.queryLog.find((e) => e.sql === 'call system$wait(21)' && e.status === 'RUNNING');
    }
    const canceled = await other.execute(`SELECT SYSTEM$CANCEL_QUERY('${entry?.queryId}') AS "RESULT"`);
    expect(canceled.rows).toEqual([{ RESULT: `query [${entry?.queryId}] terminated.` }]);
    expect(canceled.columns.map((col) => [col.name, col.type])).toEqual([['RESULT', 'text']]);
    expect((await running).code).toBe('000604');
    expect(await other.rows("select system$wait(1, 'MILLISECONDS') as waited")).toEqual([
      { WAITED: 'waited 1 milliseconds' },
    ]);
    expect(await other.rows('SELECT SYSTEM$WAIT(0) "My Result"')).toEqual([{ 'My Result': 'waited 0 seconds' }]);
    expect(await other.rows('(SELECT SYSTEM$WAIT(0) AS R)')).toEqual([{ R: 'waited 0 seconds' }]);
    const gone = await failureOf(other.execute(`SELECT SYSTEM$CANCEL_QUERY('${entry?.queryId}') AS "RESULT"`));
    expect(gone.code).toBe('000605');
    await c.destroy();
    await other.destroy();
  });

  it('enforces STATEMENT_TIMEOUT_IN_SECONDS with 000630', async () => {
    const c = await h.connect();
    await c.rows('alter session set STATEMENT_TIMEOUT_IN_SECONDS = 1');
    const err = await failureOf(c.execute('call system$wait(3)'));
    expect(err.code).toBe('000630');
    await c.destroy();
  });

  it('reports a closed session as gone', async () => {
    const c = await h.connect();
    await c.destroy();
    expect(h.emulator.admin.sessionCount()).toBeGreaterThanOrEqual(0);
  });
});

describe('faults and the query log', () => {
  it('fails the next N statements with an injected error', async () => {
    const c = await h.connect();
    h.emulator.admin.failNextQueries(1);
    const err = await failureOf(c.execute('select 1'));
    expect(err.code).toBe('000603');
    expect(err.sqlState).toBe('XX000');
    expect(await c.rows('select 1 as one')).toEqual([{ ONE: 1 }]);
    await c.destroy();
  });

  it('fails, delays, or runs-then-fails only the statements a fault matches', async () => {
    await h.emulator.admin.execute('create database if not exists FAULTS_DB');
    const c = await h.connect({ database: 'FAULTS_DB', schema: 'PUBLIC' });
    await c.rows('create or replace table FAULTED (n int)');
    h.emulator.admin.faultStatements([
      { match: /insert into faulted values \(1\)/i, action: 'fail' },
      { match: /insert into faulted values \(2\)/i, action: 'fail-after', code: '000605', sqlState: '08001' },
    ]);
    expect((await failureOf(c.execute('insert into faulted values (1)'))).code).toBe('000603');
    // Took effect although its answer was an error: the client cannot tell without looking.
    expect((await failureOf(c.execute('insert into faulted values (2)'))).code).toBe('000605');
    expect(await c.rows('select n from faulted order by n')).toEqual([{ N: 2 }]);
    // Each fault is used once; other statements never meet it.
    await c.rows('insert into faulted values (1)');
    expect(await c.rows('select count(*) as n from faulted')).toEqual([{ N: 2 }]);

    h.emulator.admin.faultStatements([{ match: /^select 'held'/i, action: 'delay', delayMs: 200 }]);
    const started = Date.now();
    await c.rows("select 'held'");
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    await c.destroy();
  });

  it('answers HTTP 503 to the next requests; the driver retries them', async () => {
    const c = await h.connect();
    h.emulator.admin.failNextRequests(1, 503, 'query');
    expect(await c.rows('select 7 as seven')).toEqual([{ SEVEN: 7 }]);
    expect(h.emulator.admin.faults().httpErrors?.count).toBe(0);
    await c.destroy();
  }, 30_000);

  it('adds a fixed latency to every statement', async () => {
    const c = await h.connect();
    h.emulator.admin.setLatency(150);
    const started = Date.now();
    await c.rows('select 1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    h.emulator.admin.setLatency(0);
    await c.destroy();
  });

  it('logs statements with status, error code, session and query tag', async () => {
    const c = await h.connect();
    await c.rows("alter session set query_tag = 'sync:42'");
    await c.rows('select 5');
    await failureOf(c.execute('selec 5'));
    const entries = h.emulator.queryLog.entries();
    const ok = entries.find((e) => e.sql === 'select 5');
    const bad = entries.find((e) => e.sql === 'selec 5');
    expect(ok).toMatchObject({ status: 'SUCCESS', queryTag: 'sync:42', errorCode: null, user: 'ALICE' });
    expect(bad).toMatchObject({
      status: 'FAILED_WITH_ERROR',
      errorCode: '001003',
      sqlState: '42000',
      queryTag: 'sync:42',
    });
    expect(bad?.sessionId).toBe(ok?.sessionId);
    await c.destroy();
  });

  it('serves the admin HTTP API', async () => {
    const response = await fetch(`${h.emulator.url}/__emulator/queries`);
    const body = (await response.json()) as { queries: unknown[] };
    expect(body.queries.length).toBeGreaterThan(0);
    const put = await fetch(`${h.emulator.url}/__emulator/faults`, {
      method: 'PUT',
      body: JSON.stringify({ latencyMs: 0, statementFaults: [{ match: '^SWAP', action: 'fail', count: 0 }] }),
      headers: { 'content-type': 'application/json' },
    });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { statementFaults: unknown[] }).statementFaults).toHaveLength(1);
  });
});
