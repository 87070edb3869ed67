import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { request } from 'undici';
import type { Clock } from '../src/clock.js';
import type { DatabricksFixture } from '../src/fixture-types.js';
import { type RunningDatabricksEmulator, startDatabricksEmulator } from '../src/index.js';
import { testFixture } from './test-fixture.js';

export const PAT = 'dapi-test-token';
export const CLIENT_ID = 'test-client';
export const CLIENT_SECRET = 'test-secret';

export interface TestEmulator extends RunningDatabricksEmulator {
  objectStoreRoot: string;
  stop(): Promise<void>;
}

export async function startTestEmulator(
  options: { fixture?: DatabricksFixture | string; clock?: Clock; timeScale?: number; tokenTtlSeconds?: number } = {},
): Promise<TestEmulator> {
  const objectStoreRoot = await mkdtemp(join(tmpdir(), 'dbx-emulator-'));
  const emulator = await startDatabricksEmulator({
    port: 0,
    fixture: options.fixture ?? testFixture(),
    objectStoreRoot,
    clock: options.clock,
    timeScale: options.timeScale ?? 1,
    tokenTtlSeconds: options.tokenTtlSeconds,
    tickMs: 10,
  });
  return {
    ...emulator,
    objectStoreRoot,
    stop: async () => {
      await emulator.close();
      await rm(objectStoreRoot, { recursive: true, force: true });
    },
  };
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

export async function api(
  emulator: { url: string },
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD',
  path: string,
  options: { token?: string | null; body?: unknown; headers?: Record<string, string>; form?: string } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  const token = options.token === undefined ? PAT : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = options.form;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const res = await request(`${emulator.url}${path}`, { method, headers, body });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

export async function oauthToken(emulator: { url: string }, id = CLIENT_ID, secret = CLIENT_SECRET): Promise<string> {
  const res = await api(emulator, 'POST', '/oidc/v1/token', {
    token: null,
    headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` },
    form: 'grant_type=client_credentials&scope=all-apis',
  });
  if (res.status !== 200) throw new Error(`token request failed: ${JSON.stringify(res.body)}`);
  return res.body.access_token as string;
}

/** Polls runs/get until the run is terminal (bounded). */
export async function waitForRun(
  emulator: { url: string },
  runId: number,
  options: { token?: string; timeoutMs?: number } = {},
): Promise<ApiResponse> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api(emulator, 'GET', `/api/2.2/jobs/runs/get?run_id=${runId}`, { token: options.token });
    if (res.status !== 200) return res;
    if (['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'].includes(res.body.state.life_cycle_state)) return res;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not finish: ${JSON.stringify(res.body.state)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs a query with DuckDB and returns rows as JS objects. */
export async function duckQuery(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
