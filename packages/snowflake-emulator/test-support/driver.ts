import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DuckDBInstance } from '@duckdb/node-api';
import { ObjectStore } from '../src/object-store.js';

/** An error as the driver raised it (name, code, sqlState, message, data). */
export interface DriverError {
  name: string;
  code?: string;
  sqlState?: string;
  message: string;
  data?: { queryId?: string; [key: string]: unknown };
  queryId?: string;
}

export interface Executed {
  rows: Record<string, unknown>[];
  queryId: string;
  numUpdatedRows: number | undefined;
  columns: { name: string; type: string; scale: number; precision: number; nullable: boolean }[];
  sessionState?: { currentDatabase?: string; currentSchema?: string };
}

/**
 * The real, unmodified snowflake-sdk driver, running in a worker thread (see
 * driver-worker.cjs for why). Each test file gets one worker.
 */
export class DriverHost {
  private readonly worker: Worker;
  private nextCall = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();

  constructor() {
    const driverPath = createRequire(import.meta.url).resolve('snowflake-sdk');
    this.worker = new Worker(new URL('./driver-worker.cjs', import.meta.url), {
      execArgv: [],
      workerData: { driverPath },
    });
    this.worker.on(
      'message',
      ({ callId, ok, value, error }: { callId: number; ok: boolean; value: unknown; error: unknown }) => {
        const waiter = this.pending.get(callId);
        this.pending.delete(callId);
        if (ok) waiter?.resolve(value);
        else waiter?.reject(Object.assign(new Error((error as DriverError).message), error));
      },
    );
  }

  call<T>(op: string, ...args: unknown[]): Promise<T> {
    const callId = this.nextCall++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(callId, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ callId, op, args });
    });
  }

  async connect(options: Record<string, unknown>): Promise<DriverConnection> {
    return new DriverConnection(this, await this.call<number>('connect', options));
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

export class DriverConnection {
  constructor(
    private readonly host: DriverHost,
    readonly id: number,
  ) {}

  execute(sqlText: string, binds?: unknown[], extra: Record<string, unknown> = {}): Promise<Executed> {
    return this.host.call<Executed>('execute', this.id, { sqlText, ...(binds ? { binds } : {}), ...extra });
  }

  async rows(sqlText: string, binds?: unknown[]): Promise<Record<string, unknown>[]> {
    return (await this.execute(sqlText, binds)).rows;
  }

  /** Runs a multi-statement request; one entry per statement, in order. */
  executeMulti(
    sqlText: string,
    extra: Record<string, unknown> = {},
  ): Promise<{ queryId: string; sqlText: string; rows: Record<string, unknown>[] }[]> {
    return this.host.call('executeMulti', this.id, { sqlText, ...extra });
  }

  isValid(): Promise<boolean> {
    return this.host.call<boolean>('isValid', this.id);
  }

  queryStatus(queryId: string): Promise<string> {
    return this.host.call<string>('queryStatus', this.id, queryId);
  }

  resultsFromQueryId(queryId: string): Promise<Record<string, unknown>[]> {
    return this.host.call('resultsFromQueryId', this.id, queryId);
  }

  destroy(): Promise<void> {
    return this.host.call('destroy', this.id);
  }
}

export async function failureOf(promise: Promise<unknown>): Promise<DriverError> {
  try {
    await promise;
  } catch (err) {
    return err as DriverError;
  }
  throw new Error('expected a failure');
}

/** Writes a Parquet file at an s3:// URL of the object store from a DuckDB query. */
export async function writeParquet(objectStoreRoot: string, url: string, selectSql: string): Promise<string> {
  const path = new ObjectStore(objectStoreRoot).pathOf(url);
  await mkdir(dirname(path), { recursive: true });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(`COPY (${selectSql}) TO '${path.replace(/'/g, "''")}' (FORMAT PARQUET)`);
  connection.closeSync();
  instance.closeSync();
  return path;
}
