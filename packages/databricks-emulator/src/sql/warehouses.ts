import type { SqlWarehouseFixture } from '../fixture-types.js';
import { DatabricksApiError } from '../errors.js';

/** The SDK's `State` of a SQL warehouse. */
export type WarehouseState = 'STARTING' | 'RUNNING' | 'STOPPING' | 'STOPPED' | 'DELETING' | 'DELETED';

export interface Warehouse {
  id: string;
  name: string;
  state: WarehouseState;
  clusterSize: string;
  autoStopMins: number;
  /** How long a stopped warehouse takes to start (unscaled). */
  startMs: number;
  /** How long each statement runs before its result is ready (unscaled). */
  statementLatencyMs: number;
  creatorName: string;
}

/**
 * The workspace's SQL warehouses. A statement sent to a stopped warehouse starts it (Databricks starts a
 * stopped warehouse on demand; the statement waits in PENDING meanwhile).
 */
export class WarehouseRegistry {
  #warehouses = new Map<string, Warehouse>();

  constructor(
    private readonly fixture: readonly SqlWarehouseFixture[],
    private readonly creatorName: string,
  ) {
    this.reset();
  }

  reset(): void {
    this.#warehouses = new Map(
      this.fixture.map((w) => [
        w.id,
        {
          id: w.id,
          name: w.name,
          state: w.state ?? 'RUNNING',
          clusterSize: w.cluster_size ?? '2X-Small',
          autoStopMins: w.auto_stop_mins ?? 10,
          startMs: w.start_ms ?? 5000,
          statementLatencyMs: w.statement_latency_ms ?? 0,
          creatorName: this.creatorName,
        },
      ]),
    );
  }

  list(): Warehouse[] {
    return [...this.#warehouses.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  find(id: string): Warehouse | undefined {
    return this.#warehouses.get(id);
  }

  get(id: string): Warehouse {
    const warehouse = this.#warehouses.get(id);
    if (!warehouse) throw new DatabricksApiError(404, 'RESOURCE_DOES_NOT_EXIST', `SQL warehouse ${id} does not exist.`);
    return warehouse;
  }
}

/** GetWarehouseResponse / EndpointInfo. */
export function renderWarehouse(w: Warehouse, baseUrl: string): Record<string, unknown> {
  const host = new URL(baseUrl).host;
  return {
    id: w.id,
    name: w.name,
    state: w.state,
    cluster_size: w.clusterSize,
    auto_stop_mins: w.autoStopMins,
    min_num_clusters: 1,
    max_num_clusters: 1,
    num_clusters: w.state === 'RUNNING' ? 1 : 0,
    num_active_sessions: 0,
    enable_photon: true,
    enable_serverless_compute: false,
    warehouse_type: 'PRO',
    spot_instance_policy: 'COST_OPTIMIZED',
    channel: { name: 'CHANNEL_NAME_CURRENT' },
    creator_name: w.creatorName,
    health: { status: 'HEALTHY' },
    tags: {},
    odbc_params: { hostname: host, path: `/sql/1.0/warehouses/${w.id}`, port: 443, protocol: 'https' },
    jdbc_url: `jdbc:spark://${host}:443/default;transportMode=http;ssl=1;AuthMech=3;httpPath=/sql/1.0/warehouses/${w.id};`,
  };
}
