import { randomUUID } from 'node:crypto';
import type { Connection } from 'snowflake-sdk';
import { sleep } from '@d2s/testkit';
import { describe, expect, it } from 'vitest';
import { SnowflakeCanceledError, SnowflakeTimeoutError } from './errors.js';
import { type RunOptions, StatementExecution, type StatementRequest } from './statement-execution.js';

type Complete = (error: unknown, statement: unknown, rows?: unknown[]) => void;

/**
 * A connection whose one statement answers only when the test says so. The
 * query id is unknown until `assignQueryId()`, as with the real driver before
 * Snowflake's first response.
 */
function fakeConnection(options: { cancelIsAnswered?: boolean } = {}) {
  let up = true;
  let complete: Complete | undefined;
  let queryId: string | undefined;
  const cancels: string[] = [];
  const sent: Array<{ sqlText: string; binds?: unknown; parameters: unknown }> = [];
  const statement = {
    getQueryId: () => queryId,
    getColumns: () => [
      {
        getName: () => 'N',
        getType: () => 'fixed',
        isNullable: () => false,
        getScale: () => 0,
        getPrecision: () => 38,
      },
    ],
    cancel(cb: (error: unknown) => void) {
      cancels.push(queryId ?? '');
      cb(undefined);
      if (options.cancelIsAnswered ?? true) {
        setImmediate(() =>
          complete?.(
            Object.assign(new Error('SQL execution canceled'), { code: '000604', sqlState: '57014' }),
            statement,
          ),
        );
      }
    },
  };
  const connection = {
    isUp: () => up,
    execute(request: { sqlText: string; binds?: unknown; parameters: unknown; complete: Complete }) {
      if (request.sqlText === '') throw new TypeError('sqlText is required');
      sent.push({ sqlText: request.sqlText, binds: request.binds, parameters: request.parameters });
      complete = request.complete;
      return statement;
    },
  } as unknown as Connection;
  return {
    connection,
    sent,
    cancels,
    assignQueryId: () => (queryId = randomUUID()),
    answer: (rows: unknown[]) => complete?.(undefined, statement, rows),
    fail: (error: object) => complete?.(Object.assign(new Error('failed'), error), statement),
    dropSession: () => (up = false),
  };
}

function pool() {
  const released: Connection[] = [];
  const destroyed: Connection[] = [];
  return {
    released,
    destroyed,
    connections: {
      release: (connection: Connection) => void released.push(connection),
      destroy: async (connection: Connection) => void destroyed.push(connection),
    },
  };
}

const request: StatementRequest = {
  sqlText: 'SELECT ? AS N',
  binds: [1],
  parameters: { STATEMENT_TIMEOUT_IN_SECONDS: 60, QUERY_TAG: 'd2s:sync-1' },
  kind: 'SELECT',
};

function start(
  fake: ReturnType<typeof fakeConnection>,
  options: RunOptions = {},
  deps: Partial<{ abandonAfterCancelMs: number }> = {},
) {
  const returned = pool();
  const execution = new StatementExecution(fake.connection, request, {
    connections: returned.connections,
    queryIdPollMs: 5,
    ...deps,
  });
  const result = execution.run(options);
  return { execution, result, returned };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('StatementExecution', () => {
  it('sends text, binds and per-statement parameters, and returns rows, query id and columns', async () => {
    const fake = fakeConnection();
    const { result, returned, execution } = start(fake);
    const queryId = fake.assignQueryId();
    fake.answer([{ N: 1 }]);
    await expect(result).resolves.toEqual({
      rows: [{ N: 1 }],
      queryId,
      statementType: 'SELECT',
      columns: [{ name: 'N', type: 'fixed', nullable: false, scale: 0, precision: 38 }],
    });
    expect(fake.sent).toEqual([
      {
        sqlText: 'SELECT ? AS N',
        binds: [1],
        parameters: { STATEMENT_TIMEOUT_IN_SECONDS: 60, QUERY_TAG: 'd2s:sync-1' },
      },
    ]);
    expect(returned.released).toEqual([fake.connection]);
    await execution.ended;
  });

  it("rejects with the driver's own error and keeps a healthy session", async () => {
    const fake = fakeConnection();
    const { result, returned } = start(fake);
    fake.fail({ code: '002003', sqlState: '42S02' });
    await expect(result).rejects.toMatchObject({ code: '002003', sqlState: '42S02' });
    expect(returned).toMatchObject({ released: [fake.connection], destroyed: [] });
  });

  it('closes the connection when the error says the session is gone, or the session is down', async () => {
    const lost = fakeConnection();
    const first = start(lost);
    lost.fail({ code: 407002, sqlState: '08003' });
    await expect(first.result).rejects.toMatchObject({ code: 407002 });
    expect(first.returned).toMatchObject({ released: [], destroyed: [lost.connection] });

    const down = fakeConnection();
    const second = start(down);
    down.dropSession();
    down.answer([]);
    await second.result;
    expect(second.returned).toMatchObject({ released: [], destroyed: [down.connection] });
  });

  it('returns the connection when the driver refuses the call outright', async () => {
    const fake = fakeConnection();
    const returned = pool();
    const execution = new StatementExecution(
      fake.connection,
      { ...request, sqlText: '' },
      {
        connections: returned.connections,
      },
    );
    await expect(execution.run()).rejects.toBeInstanceOf(TypeError);
    expect(returned.released).toEqual([fake.connection]);
    await execution.ended;
  });

  it('reports the query id once, as soon as Snowflake assigned it, while the statement still runs', async () => {
    const fake = fakeConnection();
    const seen: string[] = [];
    const { result } = start(fake, { onQueryId: (id) => seen.push(id) });
    await sleep(20);
    expect(seen).toEqual([]);
    const queryId = fake.assignQueryId();
    await sleep(20);
    expect(seen).toEqual([queryId]);
    fake.answer([]);
    await result;
    expect(seen).toEqual([queryId]);
  });

  it('reports the query id of a statement that answers before the first check', async () => {
    const fake = fakeConnection();
    const seen: string[] = [];
    const { result } = start(fake, { onQueryId: (id) => seen.push(id) });
    const queryId = fake.assignQueryId();
    fake.answer([]);
    await result;
    expect(seen).toEqual([queryId]);
  });

  it('cancels on abort, rejects with SnowflakeCanceledError at once, and returns the connection once Snowflake confirms', async () => {
    const fake = fakeConnection();
    const controller = new AbortController();
    const { result, returned, execution } = start(fake, { signal: controller.signal });
    const queryId = fake.assignQueryId();
    controller.abort();
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnowflakeCanceledError);
    expect(error).toMatchObject({ queryId, details: { statement: 'SELECT' } });
    expect(fake.cancels).toEqual([queryId]);
    await execution.ended;
    expect(returned.released).toEqual([fake.connection]);
  });

  it('cancels at once when the signal has already aborted', async () => {
    const fake = fakeConnection();
    const { result } = start(fake, { signal: AbortSignal.abort() });
    await expect(result).rejects.toBeInstanceOf(SnowflakeCanceledError);
    expect(fake.cancels).toHaveLength(1);
  });

  it('times out on its own when the server never answers, naming the statement timeout', async () => {
    const fake = fakeConnection();
    const { result } = start(fake, { watchdogMs: 10 });
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnowflakeTimeoutError);
    expect((error as Error).message).toBe(
      'The SELECT statement did not finish within its 60 s timeout; the client canceled it.',
    );
    expect(fake.cancels).toHaveLength(1);
  });

  it('gives the connection up when a canceled statement never comes back', async () => {
    const fake = fakeConnection({ cancelIsAnswered: false });
    const controller = new AbortController();
    const { result, returned } = start(fake, { signal: controller.signal }, { abandonAfterCancelMs: 10 });
    controller.abort();
    await expect(result).rejects.toBeInstanceOf(SnowflakeCanceledError);
    await tick();
    expect(returned.destroyed).toEqual([]);
    await sleep(30);
    expect(returned.destroyed).toEqual([fake.connection]);
  });

  it('ignores a late answer once the statement failed locally', async () => {
    const fake = fakeConnection({ cancelIsAnswered: false });
    const { result, returned } = start(fake, { watchdogMs: 5 });
    await expect(result).rejects.toBeInstanceOf(SnowflakeTimeoutError);
    fake.answer([{ N: 1 }]);
    expect(returned.released).toEqual([fake.connection]);
  });
});
