import type { RedisClient } from '../redis/connections.js';
import type { SnowflakeObjectName } from '../config/schema.js';

export type MirrorTableStatus = 'mirrored' | 'failed' | 'skipped' | 'dropped';

/** The mirror's last word on one Unity Catalog table (what GET /v1/mirror/tables lists). */
export interface MirrorTableState {
  tableId: string;
  uc: { fullName: string };
  snowflake: (SnowflakeObjectName & { qualifiedName: string; url?: string }) | null;
  status: MirrorTableStatus;
  lastAction: { id: string; kind: string; runId: string; at: string };
  lastError: { code: string; message: string } | null;
  updatedAt: string;
}

/** Redis key of the per-table state hash (field = Unity Catalog table id), under the queue prefix. */
export function mirrorTablesKey(prefix: string): string {
  return `${prefix}:d2s:mirror:tables`;
}

/** Per-table mirror state in one Redis hash, written by action jobs, read by the API and the planner. */
export class MirrorStateStore {
  readonly key: string;
  readonly #redis: RedisClient;

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    this.key = mirrorTablesKey(prefix);
  }

  async put(state: MirrorTableState): Promise<void> {
    await this.#redis.hset(this.key, state.tableId, JSON.stringify(state));
  }

  async get(tableId: string): Promise<MirrorTableState | undefined> {
    const raw = await this.#redis.hget(this.key, tableId);
    return raw === null ? undefined : parse(raw);
  }

  /** Every table, ordered by Unity Catalog name. */
  async list(): Promise<MirrorTableState[]> {
    const all = await this.#redis.hgetall(this.key);
    return Object.values(all)
      .map(parse)
      .filter((s): s is MirrorTableState => s !== undefined)
      .sort((a, b) => (a.uc.fullName < b.uc.fullName ? -1 : a.uc.fullName > b.uc.fullName ? 1 : 0));
  }
}

function parse(raw: string): MirrorTableState | undefined {
  try {
    return JSON.parse(raw) as MirrorTableState;
  } catch {
    return undefined;
  }
}
