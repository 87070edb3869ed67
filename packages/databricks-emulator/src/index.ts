/**
 * # Databricks emulator
 *
 * A local stand-in for one Databricks workspace, faithful on the wire (paths, field names,
 * states, error shapes and HTTP codes), so d2s's production clients run against it unchanged.
 *
 * ```ts
 * const dbx = await startDatabricksEmulator({ port: 0, fixture: sandboxFixturePath, objectStoreRoot: dir, timeScale: 0.01 });
 * // DATABRICKS_HOST=dbx.url  DATABRICKS_TOKEN=dapi-sandbox-token  (or OAuth client d2s-sandbox-client / d2s-sandbox-secret)
 * await dbx.admin.addRunFault({ job_id: 1001, outcome: 'FAILED' });
 * await dbx.close();
 * ```
 *
 * Served (bearer token = a fixture PAT or an OAuth M2M token, unless noted):
 * - `POST /oidc/v1/token` (client_credentials, HTTP Basic; no bearer), `GET /oidc/.well-known/oauth-authorization-server`
 * - Jobs 2.1 and 2.2: `POST jobs/run-now` (idempotency_token), `GET jobs/runs/get` (2.2 pages tasks by 100),
 *   `POST jobs/runs/cancel`, `GET jobs/runs/get-output` (task run ids only), `GET jobs/get`
 * - Unity Catalog 2.1: catalogs, schemas, tables (list + get, token pagination), `tables/{name}/exists`,
 *   entity-tag-assignments (list/get/create/delete)
 * - Iceberg REST catalog at `/api/2.1/unity-catalog/iceberg-rest` (and the legacy `/iceberg`):
 *   `v1/config?warehouse=`, namespaces, tables, load table (vended credentials on request)
 * - Admin (no auth) under `/__emulator`: health, requests, reset, faults, tokens/expire, settings, runs, tables (and rows)
 *
 * Object store contract (shared with the Snowflake emulator): `s3://bucket/key` ↔ `<objectStoreRoot>/bucket/key`.
 * An export run writes its Parquet files into the `output_path` job parameter's directory before it reports
 * SUCCESS; each Iceberg-readable table has a full Iceberg metadata tree under `<storage_location>/metadata/`
 * (`NNNNN-<uuid>.metadata.json` -> Avro manifest list -> Avro manifests -> data files; metadata.location =
 * storage_location), with UniForm data files in the Delta layout (Parquet at the table root) and managed
 * Iceberg data under `data/`. `POST /__emulator/tables/:full_name/rows` commits a new snapshot.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { DatabricksEmulatorAdmin } from './admin/admin-api.js';
import { type Clock, systemClock } from './clock.js';
import { loadFixture, validateFixture } from './fixture.js';
import type { DatabricksFixture } from './fixture-types.js';
import type { RequestLog } from './request-log.js';
import { buildRouter, createDatabricksServer } from './server.js';
import { Workspace } from './workspace.js';

export type { RunSummary, TableSummary } from './admin/admin-api.js';
export { DatabricksEmulatorAdmin } from './admin/admin-api.js';
export { type Clock, ManualClock, systemClock } from './clock.js';
export { databricksConnectHelp } from './connect-help.js';
export type { HttpFault, RunFault } from './faults.js';
export { FixtureError, loadFixture, validateFixture } from './fixture.js';
export { grantLike } from './fixture-grants.js';
export type * from './fixture-types.js';
export type { RequestLog, RequestLogEntry, RequestLogFilter } from './request-log.js';

/** The sandbox fixture shipped with the package (fixtures/databricks-sandbox.yaml). */
export const sandboxFixturePath = fileURLToPath(new URL('../fixtures/databricks-sandbox.yaml', import.meta.url));

export const DEFAULT_DATABRICKS_EMULATOR_PORT = 8801;

/** The port from DATABRICKS_EMULATOR_PORT, else 8801. */
export function databricksEmulatorPort(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.DATABRICKS_EMULATOR_PORT;
  if (raw === undefined || raw === '') return DEFAULT_DATABRICKS_EMULATOR_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`DATABRICKS_EMULATOR_PORT is not a port: ${raw}`);
  return port;
}

export interface DatabricksEmulatorOptions {
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @defaultValue DATABRICKS_EMULATOR_PORT or 8801 */
  port?: number;
  /** A fixture object, or the path of a YAML fixture file. */
  fixture: DatabricksFixture | string;
  /** The local directory that stands in for S3. */
  objectStoreRoot: string;
  /** @defaultValue the system clock */
  clock?: Clock;
  /** Multiplies every run phase duration in the fixture (0.01 = a hundred times faster). @defaultValue 1 */
  timeScale?: number;
  /** Overrides every OAuth client's token_ttl_seconds (short in tests). */
  tokenTtlSeconds?: number;
  /** How often runs are advanced in the background, in ms (polls also advance them). @defaultValue 25 */
  tickMs?: number;
}

export interface RunningDatabricksEmulator {
  /** e.g. http://127.0.0.1:8801 — use as DATABRICKS_HOST. */
  url: string;
  host: string;
  port: number;
  fixture: DatabricksFixture;
  admin: DatabricksEmulatorAdmin;
  requestLog: RequestLog;
  /** Stops the server (dropping open connections) and the background work. */
  close(): Promise<void>;
}

/** Starts the emulator: loads the fixture, writes table data, listens on loopback. */
export async function startDatabricksEmulator(options: DatabricksEmulatorOptions): Promise<RunningDatabricksEmulator> {
  const fixture =
    typeof options.fixture === 'string'
      ? await loadFixture(options.fixture)
      : validateFixture(structuredClone(options.fixture));
  const workspace = new Workspace({
    fixture,
    objectStoreRoot: options.objectStoreRoot,
    clock: options.clock ?? systemClock,
    timeScale: options.timeScale ?? 1,
    tokenTtlSeconds: options.tokenTtlSeconds,
  });
  const admin = new DatabricksEmulatorAdmin(workspace);
  try {
    await workspace.writeAllTableData();
  } catch (error) {
    workspace.close();
    throw error;
  }
  const server = createDatabricksServer(workspace, buildRouter(workspace, admin));
  const host = options.host ?? '127.0.0.1';
  try {
    await listen(server, options.port ?? databricksEmulatorPort(), host);
  } catch (error) {
    workspace.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;

  let ticking = false;
  const ticker = setInterval(() => {
    if (ticking) return;
    ticking = true;
    workspace.runs
      .advanceAll()
      // Notifications go out on the tick that sees a run start or end, so they follow the run within a tick.
      .then(() => workspace.notifier.observe())
      .catch(() => undefined)
      .finally(() => {
        ticking = false;
      });
  }, options.tickMs ?? 25);
  ticker.unref();

  let closed: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    host,
    port,
    fixture,
    admin,
    requestLog: workspace.requestLog,
    close: () => {
      closed ??= (async () => {
        clearInterval(ticker);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await Promise.allSettled(workspace.runs.all().map((r) => r.advancing));
        await workspace.notifier.close();
        workspace.close();
      })();
      return closed;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
