import { randomUUID } from 'node:crypto';
import type { IcebergTableState, TableEntry } from '../engine/catalog.js';
import type { Engine } from '../engine/engine.js';
import type { EngineSession, StatementContext } from '../engine/statement-context.js';
import { TokenCursor } from '../engine/token-cursor.js';
import { refreshIcebergTable } from './iceberg-table-ddl.js';
import { RestCatalogClient } from './rest-catalog-client.js';

export interface AutoRefresherOptions {
  /**
   * Multiplies every catalog integration's REFRESH_INTERVAL_SECONDS, so tests need not wait 30 s: 0.01 polls a
   * 30-second integration every 0.3 s. @defaultValue 1
   */
  intervalScale?: number;
  /** How often due tables are looked for. @defaultValue 1000 ms × intervalScale, at least 10 ms */
  tickMs?: number;
}

/** Snowflake's default REFRESH_INTERVAL_SECONDS for a catalog integration (CREATE CATALOG INTEGRATION docs). */
const DEFAULT_REFRESH_INTERVAL_SECONDS = 30;
/** The refresher's own operator session: never a client's, and never one the admin API hands out (-1, -2, …). */
const REFRESHER_SESSION_ID = -1_000_000_000;

/**
 * Automated refresh of externally managed Iceberg tables created with AUTO_REFRESH = TRUE: "Snowflake polls your
 * external Iceberg catalog in a continuous and serverless fashion to synchronize the metadata with the most recent
 * remote changes", every REFRESH_INTERVAL_SECONDS of the catalog integration ("Otherwise, the default refresh
 * interval is 30 seconds"), with no REFRESH from anyone (https://docs.snowflake.com/user-guide/tables-iceberg-auto-refresh). A poll asks the catalog for the table
 * outside the statement lock, and takes the lock only when the metadata file changed. A failed poll leaves the data
 * as it was and the table STALLED with the reason, and the next poll tries again.
 */
export class IcebergAutoRefresher {
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private session: Promise<EngineSession> | undefined;
  private readonly intervalScale: number;
  private readonly tickMs: number;

  constructor(
    private readonly engine: Engine,
    options: AutoRefresherOptions = {},
  ) {
    this.intervalScale = options.intervalScale ?? 1;
    this.tickMs = options.tickMs ?? Math.max(10, Math.round(1000 * this.intervalScale));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.pollDue(), this.tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
    const session = await this.session;
    this.session = undefined;
    if (session) await this.engine.closeSession(session);
  }

  /** Polls every table whose interval has passed; one round at a time. */
  pollDue(): Promise<void> {
    this.polling ??= this.pollRound().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async pollRound(): Promise<void> {
    const now = this.engine.clock().getTime();
    for (const { table } of [...this.engine.catalog.allTables()]) {
      const state = table.iceberg;
      if (!state?.autoRefresh) continue;
      const seconds =
        this.engine.catalog.catalogIntegrations.get(state.integration)?.refreshIntervalSeconds ??
        DEFAULT_REFRESH_INTERVAL_SECONDS;
      const last = state.tracking?.lastPolledAt ?? state.lastRefreshedOn.getTime();
      if (now - last < seconds * 1000 * this.intervalScale) continue;
      await this.poll(table, state, now);
    }
  }

  private async poll(table: TableEntry, state: IcebergTableState, now: number): Promise<void> {
    const tracking = (state.tracking ??= {
      executionState: 'RUNNING',
      invalidExecutionStateReason: null,
      lastPolledAt: now,
      currentSnapshotId: null,
      currentSnapshotSummary: null,
      lastSnapshotTime: null,
      lastUpdatedTime: state.lastRefreshedOn.getTime(),
      currentSchemaId: null,
    });
    tracking.lastPolledAt = now;
    try {
      const integration = this.engine.catalog.catalogIntegrations.get(state.integration);
      if (!integration) throw new Error(`Catalog integration ${state.integration} does not exist.`);
      if (!integration.enabled) throw new Error(`Catalog integration ${integration.name} is disabled.`);
      const loaded = await new RestCatalogClient(
        integration,
        this.engine.fetch,
        this.engine.catalogSessions.of(integration),
      ).loadTable(state.catalogNamespace, state.catalogTableName);
      if ((loaded['metadata-location'] ?? null) !== state.metadataLocation) {
        await this.engine.exclusive(async () => {
          // Dropped or replaced while the catalog answered: nothing to refresh.
          if (table.iceberg !== state || !this.stillInCatalog(table)) return;
          await refreshIcebergTable(await this.context(), table, loaded);
        });
      }
      const current = state.tracking ?? tracking;
      current.executionState = 'RUNNING';
      current.invalidExecutionStateReason = null;
    } catch (error) {
      const current = state.tracking ?? tracking;
      current.executionState = 'STALLED';
      current.invalidExecutionStateReason = (error as Error).message;
    }
  }

  private stillInCatalog(table: TableEntry): boolean {
    for (const entry of this.engine.catalog.allTables()) if (entry.table === table) return true;
    return false;
  }

  private async context(): Promise<StatementContext> {
    this.session ??= this.engine.openSession({
      id: REFRESHER_SESSION_ID,
      user: 'SYSTEM',
      database: null,
      schema: null,
      warehouse: null,
      role: 'ACCOUNTADMIN',
      parameters: new Map(),
      inTransaction: false,
      operator: true,
    });
    return {
      engine: this.engine,
      session: await this.session,
      tokens: [],
      cursor: new TokenCursor([], ''),
      sql: '',
      queryId: randomUUID(),
      signal: new AbortController().signal,
    };
  }
}
