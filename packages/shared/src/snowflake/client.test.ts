import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { sleep } from '@d2s/testkit';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { Secret } from '../secret.js';
import { FakeClock } from '@d2s/testkit/fake-clock';
import { createSnowflakeClient, type QueryEvent } from './client.js';
import type { SnowflakeConnectionConfig } from './connection-options.js';
import type { SnowflakeDriver } from './driver.js';
import {
  SnowflakeAuthError,
  SnowflakeCanceledError,
  SnowflakeClientClosedError,
  SnowflakeError,
  SnowflakeTimeoutError,
  SnowflakeUnavailableError,
} from './errors.js';
import { createCatalogIntegration } from './sql/catalog-integration.js';

/** What the fake server does with one statement. */
type Behaviour =
  | { rows: Record<string, unknown>[] }
  | { error: { code: string | number; sqlState?: string; message: string; status?: number } }
  | { hang: true };

interface ExecuteCall {
  connection: number;
  sqlText: string;
  binds: unknown;
  parameters: Record<string, unknown>;
}

/** A stand-in for snowflake-sdk with just the calls the client makes. */
function fakeDriver(
  handle: (call: ExecuteCall, index: number) => Behaviour,
  login: () => { code: string; message: string } | undefined = () => undefined,
) {
  const calls: ExecuteCall[] = [];
  const destroyed: number[] = [];
  const canceled: string[] = [];
  const queryIds: string[] = [];
  let connections = 0;
  const driver = {
    createConnection: () => {
      const id = ++connections;
      let up = false;
      return {
        connect(cb: (err: unknown, conn: unknown) => void) {
          const failure = login();
          setImmediate(() => {
            if (failure) cb(Object.assign(new Error(failure.message), { code: failure.code }), this);
            else {
              up = true;
              cb(undefined, this);
            }
          });
          return this;
        },
        isUp: () => up,
        destroy(cb: (err: unknown) => void) {
          up = false;
          destroyed.push(id);
          setImmediate(() => cb(undefined));
        },
        execute(options: {
          sqlText: string;
          binds?: unknown;
          parameters: Record<string, unknown>;
          complete: (err: unknown, stmt: unknown, rows?: unknown[]) => void;
        }) {
          const call = {
            connection: id,
            sqlText: options.sqlText,
            binds: options.binds,
            parameters: options.parameters,
          };
          calls.push(call);
          const queryId = randomUUID();
          queryIds.push(queryId);
          let done = false;
          const statement = {
            getQueryId: () => queryId,
            getColumns: () => [],
            cancel: (cb?: (err: unknown) => void) => {
              canceled.push(queryId);
              cb?.(undefined);
              if (!done) {
                done = true;
                setImmediate(() =>
                  options.complete(
                    Object.assign(new Error('SQL execution canceled'), {
                      code: '000604',
                      sqlState: '57014',
                      data: { queryId },
                    }),
                    statement,
                  ),
                );
              }
            },
          };
          const behaviour = handle(call, calls.length - 1);
          if (!('hang' in behaviour)) {
            setImmediate(() => {
              if (done) return;
              done = true;
              if ('rows' in behaviour) options.complete(undefined, statement, behaviour.rows);
              else {
                const { code, sqlState, message, status } = behaviour.error;
                if (code === 407002) up = false;
                options.complete(
                  Object.assign(new Error(message), {
                    code,
                    ...(sqlState ? { sqlState } : {}),
                    data: { queryId },
                    ...(status ? { response: { statusCode: status } } : {}),
                  }),
                  statement,
                );
              }
            });
          }
          return statement;
        },
      };
    },
  };
  return {
    driver: driver as unknown as SnowflakeDriver,
    calls,
    destroyed,
    canceled,
    queryIds,
    connections: () => connections,
  };
}

const config: SnowflakeConnectionConfig = {
  account: 'acct',
  user: 'u',
  authenticator: 'SNOWFLAKE',
  poolMax: 2,
  statementTimeoutSeconds: 60,
  auth: { kind: 'password', password: new Secret('pw') },
};

function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), lines };
}

describe('createSnowflakeClient', () => {
  it('fails with a ConfigError when account, user or credentials are missing', () => {
    const { driver } = fakeDriver(() => ({ rows: [] }));
    expect(() => createSnowflakeClient({ ...config, account: undefined }, { driver })).toThrow(ConfigError);
    expect(() => createSnowflakeClient({ ...config, auth: { kind: 'none' } }, { driver })).toThrow(ConfigError);
  });
});

describe('SnowflakeClient.execute', () => {
  it('sends the query tag and timeout per statement, returns rows and query id', async () => {
    const fake = fakeDriver(() => ({ rows: [{ N: 1 }] }));
    const events: QueryEvent[] = [];
    const client = createSnowflakeClient(config, { driver: fake.driver, onQuery: (e) => events.push(e) });
    const result = await client.execute('SELECT ? AS N', [1], { queryTag: 'd2s:sync-1', timeoutSeconds: 5 });
    expect(result.rows).toEqual([{ N: 1 }]);
    expect(result.queryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.statementType).toBe('SELECT');
    expect(fake.calls[0]?.parameters).toEqual({ QUERY_TAG: 'd2s:sync-1', STATEMENT_TIMEOUT_IN_SECONDS: 5 });
    expect(fake.calls[0]?.binds).toEqual([1]);
    await client.execute('SELECT 1');
    expect(fake.calls[1]?.parameters).toEqual({ STATEMENT_TIMEOUT_IN_SECONDS: 60 });
    expect(events.map((e) => [e.kind, e.outcome, e.attempt])).toEqual([
      ['SELECT', 'success', 1],
      ['SELECT', 'success', 1],
    ]);
    expect(fake.connections()).toBe(1); // the session was reused
    await client.close();
  });

  it('converts binds to what the driver takes', async () => {
    const fake = fakeDriver(() => ({ rows: [] }));
    const client = createSnowflakeClient(config, { driver: fake.driver });
    await client.execute('SELECT ?, ?, ?, ?, ?', [new Date('2024-01-02T03:04:05Z'), 10n, undefined, { a: 1 }, 'x']);
    expect(fake.calls[0]?.binds).toEqual(['2024-01-02T03:04:05.000Z', '10', null, '{"a":1}', 'x']);
    await client.close();
  });

  it('retries a network failure with backoff, then succeeds', async () => {
    const fake = fakeDriver((_call, index) =>
      index === 0 ? { error: { code: 401001, message: 'Network error. Could not reach Snowflake.' } } : { rows: [] },
    );
    const events: QueryEvent[] = [];
    const clock = new FakeClock();
    const client = createSnowflakeClient(config, {
      driver: fake.driver,
      onQuery: (e) => events.push(e),
      clock,
      random: () => 0.5,
    });
    await client.execute('COPY INTO t FROM @s');
    expect(fake.calls).toHaveLength(2);
    // Equal jitter on the first retry: half of 500 ms plus half of the other half.
    expect(clock.sleeps).toEqual([375]);
    expect(events.map((e) => [e.kind, e.outcome, e.errorCode])).toEqual([
      ['COPY', 'error', '401001'],
      ['COPY', 'success', undefined],
    ]);
    await client.close();
  });

  it('never retries syntax, missing-object or privilege errors', async () => {
    for (const [code, sqlState] of [
      ['001003', '42000'],
      ['002003', '42S02'],
      ['003001', '42501'],
    ] as const) {
      const fake = fakeDriver(() => ({ error: { code, sqlState, message: `error ${code}` } }));
      const client = createSnowflakeClient(config, { driver: fake.driver, clock: new FakeClock() });
      const error = await client.execute('SELECT nope').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SnowflakeError);
      expect(error).toMatchObject({ snowflakeCode: code, sqlState, retryable: false });
      expect((error as SnowflakeError).queryId).toMatch(/^[0-9a-f-]{36}$/);
      expect(fake.calls).toHaveLength(1);
      await client.close();
    }
  });

  it('replaces a lost session with a fresh login and retries', async () => {
    const fake = fakeDriver((_call, index) =>
      index === 0
        ? { error: { code: 407002, sqlState: '08003', message: 'Unable to perform operation' } }
        : { rows: [] },
    );
    const client = createSnowflakeClient(config, { driver: fake.driver, clock: new FakeClock() });
    await client.execute('ALTER TABLE a SWAP WITH b', [], { idempotent: false });
    expect(fake.calls.map((c) => c.connection)).toEqual([1, 2]);
    await client.close();
  });

  it('does not retry a statement that may have run when it is not idempotent', async () => {
    const fake = fakeDriver(() => ({ error: { code: 401002, message: 'Request to Snowflake failed.', status: 503 } }));
    const client = createSnowflakeClient(config, { driver: fake.driver, clock: new FakeClock() });
    const error = await client.execute('ALTER TABLE a SWAP WITH b', [], { idempotent: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnowflakeError);
    expect(error).toMatchObject({ retryable: false, details: { outcomeUnknown: true }, httpStatus: 503 });
    expect((error as Error).message).toMatch(/may or may not have run/);
    expect(fake.calls).toHaveLength(1);
    await client.close();
  });

  it('gives up after maxAttempts and says so', async () => {
    const fake = fakeDriver(() => ({
      error: { code: '000610', message: 'Exceeded number of allowed concurrent requests' },
    }));
    const client = createSnowflakeClient(config, {
      driver: fake.driver,
      clock: new FakeClock(),
      retry: { maxAttempts: 3 },
    });
    const error = (await client.execute('SELECT 1').catch((e: unknown) => e)) as SnowflakeError;
    expect(error).toBeInstanceOf(SnowflakeUnavailableError);
    expect(error.message).toMatch(/gave up after 3 attempts/);
    expect(error.snowflakeCode).toBe('000610');
    expect(fake.calls).toHaveLength(3);
    await client.close();
  });

  it('maps a refused login to SnowflakeAuthError without retrying', async () => {
    let logins = 0;
    const fake = fakeDriver(
      () => ({ rows: [] }),
      () => {
        logins += 1;
        return { code: '390100', message: 'Incorrect username or password was specified.' };
      },
    );
    const client = createSnowflakeClient(config, { driver: fake.driver, clock: new FakeClock() });
    const error = await client.execute('SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnowflakeAuthError);
    expect(error).toMatchObject({ code: 'SNOWFLAKE_AUTH_FAILED', snowflakeCode: '390100', retryable: false });
    expect(logins).toBe(1);
    await client.close();
  });

  it('cancels on abort and reports SnowflakeCanceledError', async () => {
    const fake = fakeDriver(() => ({ hang: true }));
    const client = createSnowflakeClient(config, { driver: fake.driver });
    const controller = new AbortController();
    const running = client.execute('COPY INTO t FROM @s', [], { signal: controller.signal });
    await sleep(10);
    controller.abort();
    await expect(running).rejects.toBeInstanceOf(SnowflakeCanceledError);
    expect(fake.canceled).toHaveLength(1);
    await client.close();
  });

  it('cancel(queryId) cancels a statement this client runs', async () => {
    const fake = fakeDriver(() => ({ hang: true }));
    const client = createSnowflakeClient(config, { driver: fake.driver, clock: new FakeClock() });
    const running = client.execute('SELECT slow');
    await sleep(10);
    const queryId = fake.queryIds[0] as string;
    await expect(client.cancel(queryId)).resolves.toBe(true);
    await expect(running).rejects.toMatchObject({ code: 'SNOWFLAKE_STATEMENT_CANCELED', snowflakeCode: '000604' });
    expect(fake.canceled).toEqual([queryId]);
    await client.close();
  });

  it('reports the query id while the statement still runs', async () => {
    const fake = fakeDriver(() => ({ hang: true }));
    const client = createSnowflakeClient(config, { driver: fake.driver });
    const seen: string[] = [];
    const controller = new AbortController();
    const running = client
      .execute('COPY INTO t FROM @s', [], { onQueryId: (id) => seen.push(id), signal: controller.signal })
      .catch((e: unknown) => e);
    await sleep(250);
    expect(seen).toEqual([fake.queryIds[0]]);
    controller.abort();
    await running;
    expect(seen).toHaveLength(1);
    await client.close();
  });

  it('times out on its own when the server never answers', async () => {
    const fake = fakeDriver(() => ({ hang: true }));
    const client = createSnowflakeClient(config, { driver: fake.driver, watchdogGraceMs: 20 });
    const error = await client.execute('SELECT slow', [], { timeoutSeconds: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnowflakeTimeoutError);
    expect(fake.canceled).toHaveLength(1);
    await client.close();
  }, 5000);

  it('refuses work after close', async () => {
    const fake = fakeDriver(() => ({ rows: [] }));
    const client = createSnowflakeClient(config, { driver: fake.driver });
    await client.execute('SELECT 1');
    await client.close();
    expect(client.closed).toBe(true);
    await expect(client.execute('SELECT 1')).rejects.toBeInstanceOf(SnowflakeClientClosedError);
    expect(fake.destroyed).toEqual([1]);
  });
});

describe('secrets', () => {
  const secret = 'super-secret-value';
  const statement = createCatalogIntegration({
    name: 'D2S_UC_MAIN',
    workspaceUrl: 'https://dbc.example.com',
    catalogName: 'main',
    oauth: { clientId: 'c', clientSecret: new Secret(secret) },
  });

  it('sends the secret, logs only the masked SQL, never binds', async () => {
    const fake = fakeDriver(() => ({ rows: [{ status: 'ok' }] }));
    const { logger, lines } = captureLogs();
    const client = createSnowflakeClient(config, { driver: fake.driver, logger });
    await client.execute(statement);
    await client.execute('SELECT ?', ['bind-secret']);
    expect(fake.calls[0]?.sqlText).toContain(`'${secret}'`);
    const log = lines.join('\n');
    expect(log).toContain("OAUTH_CLIENT_SECRET = '[redacted]'");
    expect(log).not.toContain(secret);
    expect(log).not.toContain('bind-secret');
    await client.close();
  });

  it('redacts the secret from an error that echoes it', async () => {
    const fake = fakeDriver(() => ({
      error: { code: '001003', sqlState: '42000', message: `syntax error line 14 unexpected '${secret}'` },
    }));
    const { logger, lines } = captureLogs();
    const client = createSnowflakeClient(config, { driver: fake.driver, logger });
    const error = (await client.execute(statement).catch((e: unknown) => e)) as SnowflakeError;
    expect(error.message).toContain('[redacted]');
    expect(error.message).not.toContain(secret);
    expect(error.cause).toBeUndefined();
    expect(JSON.stringify(error)).not.toContain(secret);
    expect(lines.join('\n')).not.toContain(secret);
    await client.close();
  });
});
