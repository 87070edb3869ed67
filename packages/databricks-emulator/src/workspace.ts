import { join } from 'node:path';
import { ObjectStore } from './object-store.js';
import { AuthService } from './auth.js';
import type { Clock } from './clock.js';
import { FaultInjector } from './faults.js';
import { EndpointRateLimits } from './http/endpoint-rate-limits.js';
import type { DatabricksFixture, SettingsFixture, TableFixture } from './fixture-types.js';
import { writeExportOutput } from './jobs/export-output.js';
import { RunRegistry } from './jobs/run-registry.js';
import { NotificationDestinationStore } from './notification-destinations/store.js';
import { JobNotificationSnapshot } from './notifications/job-notification-settings.js';
import { JobNotifier } from './notifications/job-notifier.js';
import { DEFAULT_DELIVERY_POLICY, type DeliveryPolicy } from './notifications/webhook-delivery.js';
import { ParquetWriter } from './parquet-writer.js';
import { RequestLog } from './request-log.js';
import { AccessPolicy } from './unity-catalog/access-policy.js';
import { CatalogStore, type TableEntry } from './unity-catalog/catalog-store.js';
import { appendTableRows, writeTableData } from './unity-catalog/table-data.js';
import { SqlEngine } from './sql/sql-engine.js';
import { StatementStore } from './sql/statement-store.js';
import { WarehouseRegistry } from './sql/warehouses.js';

export interface WorkspaceOptions {
  fixture: DatabricksFixture;
  objectStoreRoot: string;
  clock: Clock;
  timeScale: number;
  tokenTtlSeconds?: number;
}

export type EffectiveSettings = Required<SettingsFixture>;

const DEFAULT_SETTINGS: EffectiveSettings = {
  list_page_size_cap: 50,
  list_default_page_size: 25,
  empty_page_every: 0,
  runs_get_page_size: 100,
  iceberg_empty_page_every: 0,
  empty_string_last_page_token: false,
  statement_chunk_rows: 10_000,
};

/** Temporary files live here (inside the object store root, so renames are atomic). */
export const TEMP_DIR_NAME = '.databricks-emulator-tmp';

/** The emulated workspace's state and services; the HTTP layer and the admin API both act on it. */
export class Workspace {
  readonly fixture: DatabricksFixture;
  readonly clock: Clock;
  readonly objectStore: ObjectStore;
  readonly auth: AuthService;
  readonly faults = new FaultInjector();
  readonly requestLog = new RequestLog();
  readonly notificationDestinations = new NotificationDestinationStore();
  readonly writer: ParquetWriter;
  readonly runs: RunRegistry;
  readonly catalog: CatalogStore;
  readonly access: AccessPolicy;
  readonly rateLimits: EndpointRateLimits;
  readonly warehouses: WarehouseRegistry;
  readonly sql: SqlEngine;
  readonly statements: StatementStore;
  readonly tempDir: string;
  /** Sends job notifications to webhook destinations; the ticker calls `observe` after advancing runs. */
  readonly notifier: JobNotifier;
  /** How notifications are delivered (attempts, backoff, timeout); `PATCH /__emulator/notifications/policy`. */
  deliveryPolicy: DeliveryPolicy;
  private readonly jobNotificationSnapshot: JobNotificationSnapshot;
  readonly workspaceId: number;
  readonly metastoreId: string;
  readonly userName: string;
  settings: EffectiveSettings;
  private readonly tableWrites = new Map<string, Promise<void>>();

  constructor(options: WorkspaceOptions) {
    this.fixture = options.fixture;
    this.clock = options.clock;
    this.objectStore = new ObjectStore(options.objectStoreRoot);
    this.tempDir = join(this.objectStore.root, TEMP_DIR_NAME);
    this.writer = new ParquetWriter(this.tempDir);
    this.auth = new AuthService(options.fixture.auth, options.clock, options.tokenTtlSeconds);
    this.workspaceId = options.fixture.workspace?.workspace_id ?? 1234567890123456;
    this.metastoreId = options.fixture.workspace?.metastore_id ?? '11111111-2222-4333-8444-555555555555';
    this.userName = options.fixture.workspace?.user_name ?? 'sandbox-user@example.com';
    this.settings = { ...DEFAULT_SETTINGS, ...(options.fixture.settings ?? {}) };
    this.catalog = new CatalogStore(options.fixture.catalogs, options.clock);
    this.access = accessPolicyFor(options.fixture, this.userName);
    this.warehouses = new WarehouseRegistry(options.fixture.sql_warehouses ?? [], this.userName);
    this.sql = new SqlEngine(this.catalog, this.access);
    this.statements = new StatementStore({
      engine: this.sql,
      timeScale: options.timeScale,
      chunkRows: () => this.settings.statement_chunk_rows,
    });
    this.rateLimits = new EndpointRateLimits(options.clock, options.fixture.rate_limits ?? {});
    this.runs = new RunRegistry({
      jobs: options.fixture.jobs,
      clock: options.clock,
      timeScale: options.timeScale,
      faults: this.faults,
      defaultUser: this.userName,
      execute: async (run) =>
        run.job.export
          ? writeExportOutput(
              { objectStore: this.objectStore, writer: this.writer, tempDir: this.tempDir },
              run.job.export,
              run.runId,
              run.parameters,
            )
          : undefined,
    });
    this.deliveryPolicy = { ...DEFAULT_DELIVERY_POLICY, ...(options.fixture.notifications ?? {}) };
    this.jobNotificationSnapshot = new JobNotificationSnapshot(options.fixture.jobs);
    this.notifier = new JobNotifier({
      registry: this.runs,
      destinations: this.notificationDestinations,
      clock: options.clock,
      workspaceId: this.workspaceId,
      policy: () => this.deliveryPolicy,
    });
    this.loadFixtureFaults();
  }

  /** Writes data + Iceberg metadata for every Iceberg-readable table. */
  async writeAllTableData(): Promise<void> {
    for (const table of this.catalog.allTables()) await this.writeTable(table);
  }

  async writeTable(table: TableEntry): Promise<void> {
    await this.oneWriteAtATime(table, () =>
      writeTableData(
        { objectStore: this.objectStore, writer: this.writer, tempDir: this.tempDir },
        table,
        this.clock.now(),
      ),
    );
  }

  /** Appends rows to an Iceberg-readable table: a new data file and a new Iceberg snapshot. */
  async appendRows(table: TableEntry, count: number): Promise<void> {
    await this.oneWriteAtATime(table, () =>
      appendTableRows(
        { objectStore: this.objectStore, writer: this.writer, tempDir: this.tempDir },
        table,
        count,
        this.clock.now(),
      ),
    );
    table.updatedAt = this.clock.now();
  }

  /**
   * Writes to one table run one after another: each commit builds on the metadata the previous
   * one left, as Iceberg's optimistic commit would force a retry to (two concurrent appends
   * must not both become version N+1).
   */
  private oneWriteAtATime(table: TableEntry, write: () => Promise<void>): Promise<void> {
    const before = this.tableWrites.get(table.tableId) ?? Promise.resolve();
    const next = before.then(write);
    const settled = next.catch(() => undefined);
    this.tableWrites.set(table.tableId, settled);
    void settled.then(() => {
      if (this.tableWrites.get(table.tableId) === settled) this.tableWrites.delete(table.tableId);
    });
    return next;
  }

  async addTable(catalog: string, schema: string, spec: TableFixture): Promise<TableEntry> {
    const table = this.catalog.addTable(catalog, schema, spec);
    try {
      await this.writeTable(table);
    } catch (error) {
      this.catalog.dropTable(`${catalog}.${schema}.${spec.name}`);
      throw error;
    }
    return table;
  }

  /** Back to the fixture: runs, tokens, faults, log, settings and catalog (table data rewritten). */
  async reset(): Promise<void> {
    this.runs.reset();
    this.auth.reset();
    this.notifier.reset();
    this.jobNotificationSnapshot.restore();
    this.deliveryPolicy = { ...DEFAULT_DELIVERY_POLICY, ...(this.fixture.notifications ?? {}) };
    this.notificationDestinations.reset();
    this.faults.clear();
    this.requestLog.clear();
    this.settings = { ...DEFAULT_SETTINGS, ...(this.fixture.settings ?? {}) };
    this.rateLimits.replace(this.fixture.rate_limits ?? {});
    this.statements.clear();
    await this.sql.reset();
    this.warehouses.reset();
    this.catalog.load();
    this.loadFixtureFaults();
    await this.writeAllTableData();
  }

  close(): void {
    this.statements.clear();
    void this.sql.reset();
    this.writer.close();
  }

  private loadFixtureFaults(): void {
    for (const f of this.fixture.faults?.http ?? []) this.faults.addHttp(f);
    for (const f of this.fixture.faults?.runs ?? []) this.faults.addRun(f);
  }
}

/**
 * The fixture's Unity Catalog access rules. A fixture that grants nothing anywhere keeps the metastore open
 * to its own principals; one that grants anything is enforced, with the workspace user as metastore admin
 * unless `workspace.metastore_admins` says otherwise.
 */
function accessPolicyFor(fixture: DatabricksFixture, userName: string): AccessPolicy {
  const grants = fixture.catalogs.some(
    (c) =>
      c.grants !== undefined ||
      c.schemas.some(
        (s) =>
          s.grants !== undefined ||
          s.generated_tables?.grants !== undefined ||
          (s.tables ?? []).some((t) => t.grants !== undefined),
      ),
  );
  return new AccessPolicy({
    metastoreAdmins: fixture.workspace?.metastore_admins ?? [userName],
    defaultOwner: userName,
    enforced: grants,
  });
}
