import type { HttpFault, RunFault } from '../faults.js';
import type { NotificationFault, NotificationFaultSpec } from '../notifications/job-notifier.js';
import type { DeliveryPolicy, DeliveryRecord } from '../notifications/webhook-delivery.js';
import { validateHttpFault, validateRateLimits, validateRunFault, validateTable } from '../fixture.js';
import type { HttpFaultSpec, RunFaultSpec, SettingsFixture, TableFixture } from '../fixture-types.js';
import type { RequestLogEntry, RequestLogFilter } from '../request-log.js';
import { databricksErrors } from '../errors.js';
import { fullNameOf, isIcebergReadable, type TableEntry } from '../unity-catalog/catalog-store.js';
import type { EffectiveSettings, Workspace } from '../workspace.js';

export interface TableSummary {
  full_name: string;
  table_id: string;
  storage_location?: string;
  /** The Iceberg metadata file, for Iceberg-readable tables. */
  metadata_location?: string;
  /** The current Iceberg snapshot, for Iceberg-readable tables. */
  snapshot_id?: number;
  /** Rows the table holds. */
  rows: number;
}

export interface RunSummary {
  run_id: number;
  job_id: number;
  life_cycle_state: string;
  result_state?: string;
  idempotency_token?: string;
  task_run_ids: number[];
  output_files?: string[];
}

/** Test and operator controls; the same operations back the /__emulator HTTP routes. */
export class DatabricksEmulatorAdmin {
  constructor(private readonly workspace: Workspace) {}

  /** Adds a table to a schema and writes its data (Iceberg-readable formats). */
  async addTable(catalogName: string, schemaName: string, table: TableFixture): Promise<TableSummary> {
    const spec = validateTable(table, 'table');
    return summarize(await this.workspace.addTable(catalogName, schemaName, spec));
  }

  /**
   * Writes `count` more rows into an Iceberg-readable table, as a Databricks job writing to it
   * would: a new data file and a new Iceberg snapshot (new manifest, manifest list and
   * metadata.json), so the Iceberg REST catalog answers with a new metadata-location.
   */
  async appendRows(fullName: string, count: unknown): Promise<TableSummary> {
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1_000_000)
      throw databricksErrors.invalidParameter(`count must be an integer from 1 to 1000000, got ${String(count)}.`);
    const table = this.workspace.catalog.getTable(fullName);
    if (!isIcebergReadable(table) || !table.iceberg)
      throw databricksErrors.invalidParameter(
        `Table '${fullName}' is not readable as Iceberg (format ${table.format}); rows are appended only to UniForm and Iceberg tables.`,
      );
    await this.workspace.appendRows(table, count);
    return summarize(table);
  }

  dropTable(fullName: string): TableSummary {
    return summarize(this.workspace.catalog.dropTable(fullName));
  }

  /** Renames a table (new name, or catalog.schema.name to move within the catalog); table_id is kept. */
  renameTable(fullName: string, newName: string): TableSummary {
    return summarize(this.workspace.catalog.renameTable(fullName, newName));
  }

  /** Sets (or, with value undefined, removes) a tag on a table. */
  setTableTag(fullName: string, key: string, value: string | undefined): void {
    const table = this.workspace.catalog.getTable(fullName);
    if (value === undefined) table.tags.delete(key);
    else table.tags.set(key, value);
    table.updatedAt = this.workspace.clock.now();
  }

  addHttpFault(spec: HttpFaultSpec): HttpFault {
    return this.workspace.faults.addHttp(validateHttpFault(spec));
  }

  addRunFault(spec: RunFaultSpec): RunFault {
    return this.workspace.faults.addRun(validateRunFault(spec));
  }

  faults(): { http: HttpFault[]; runs: RunFault[] } {
    return this.workspace.faults.list();
  }

  removeFault(id: number): boolean {
    return this.workspace.faults.remove(id);
  }

  clearFaults(): void {
    this.workspace.faults.clear();
  }

  /** Loses, duplicates or delays the next job notifications sent to webhook destinations. */
  addNotificationFault(spec: NotificationFaultSpec): NotificationFault {
    return this.workspace.notifier.addFault(spec);
  }

  notificationFaults(): NotificationFault[] {
    return this.workspace.notifier.listFaults();
  }

  clearNotificationFaults(): void {
    this.workspace.notifier.clearFaults();
  }

  /** Every job notification sent to a webhook destination (the last 10,000), with each attempt's status. */
  notifications(): DeliveryRecord[] {
    return this.workspace.notifier.deliveries();
  }

  /** Resolves once no notification is being delivered or waiting to be retried. */
  notificationsSettled(): Promise<void> {
    return this.workspace.notifier.settled();
  }

  /** Attempts, backoff and timeout of notification delivery; returns the policy now in force. */
  setDeliveryPolicy(patch: Partial<DeliveryPolicy>): DeliveryPolicy {
    const next = { ...this.workspace.deliveryPolicy };
    for (const [key, value] of Object.entries(patch)) {
      if (!(key in next)) throw new Error(`unknown delivery setting ${key}`);
      const min = key === 'retry_backoff_ms' ? 0 : 1;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
        throw new Error(`delivery setting ${key} must be an integer >= ${min}`);
      next[key as keyof DeliveryPolicy] = value;
    }
    this.workspace.deliveryPolicy = next;
    return { ...next };
  }

  /** Expires every OAuth access token issued so far; returns how many were issued. */
  expireTokens(): number {
    return this.workspace.auth.expireAll();
  }

  /** Requests per second per route name; replaces the current limits (`{}` lifts them all). */
  setRateLimits(limits: Record<string, number>): Record<string, number> {
    this.workspace.rateLimits.replace(validateRateLimits(limits));
    return this.workspace.rateLimits.current();
  }

  settings(): EffectiveSettings {
    return { ...this.workspace.settings };
  }

  updateSettings(patch: SettingsFixture): EffectiveSettings {
    for (const [key, value] of Object.entries(patch)) {
      if (!(key in this.workspace.settings)) throw new Error(`unknown setting ${key}`);
      if (typeof this.workspace.settings[key as keyof EffectiveSettings] === 'boolean') {
        if (typeof value !== 'boolean') throw new Error(`setting ${key} must be true or false`);
      } else if (typeof value !== 'number' || value < 0) {
        throw new Error(`setting ${key} must be a number >= 0`);
      }
    }
    this.workspace.settings = { ...this.workspace.settings, ...patch };
    return this.settings();
  }

  runs(): RunSummary[] {
    return this.workspace.runs.all().map((run) => ({
      run_id: run.runId,
      job_id: run.job.job_id,
      life_cycle_state: run.progress.phase,
      result_state:
        run.progress.ending && run.progress.endedAt !== undefined ? run.progress.ending.resultState : undefined,
      idempotency_token: run.idempotencyToken,
      task_run_ids: run.tasks.map((t) => t.runId),
      output_files: run.output?.files,
    }));
  }

  /** Moves every run forward to the clock's current time (useful with a manual clock). */
  advanceRuns(): Promise<void> {
    return this.workspace.runs.advanceAll();
  }

  requests(filter?: RequestLogFilter): RequestLogEntry[] {
    return this.workspace.requestLog.entries(filter);
  }

  clearRequests(): void {
    this.workspace.requestLog.clear();
  }

  /** Back to the fixture's state (runs, tokens, faults, request log, settings, catalog). */
  reset(): Promise<void> {
    return this.workspace.reset();
  }
}

function summarize(table: TableEntry): TableSummary {
  return {
    full_name: fullNameOf(table),
    table_id: table.tableId,
    storage_location: table.storageLocation,
    metadata_location: table.iceberg?.metadataLocation,
    snapshot_id: table.iceberg?.metadata['current-snapshot-id'],
    rows: table.rows,
  };
}
