import type { EventEmitter } from 'node:events';
import { Cluster, type ClusterNode, type ClusterOptions } from 'ioredis';

/**
 * The parts of ioredis' Cluster (5.x) this class reaches into. They are private in its type declarations, so they
 * are named here once; `cluster-connection.test.ts` runs against a real cluster and fails if they change.
 */
interface ClusterInternals {
  status: Cluster['status'];
  startupNodes: ClusterNode[];
  connectionPool: EventEmitter;
  setStatus(status: Cluster['status']): void;
  handleCloseEvent(reason?: Error): void;
}

function internals(cluster: Cluster): ClusterInternals {
  return cluster as unknown as ClusterInternals;
}

/**
 * States in which the node pool emptying means "the cluster connection closed". In any other state the cluster
 * has already closed (`close`, `end`, `reconnecting`) or never opened (`wait`).
 */
const OPEN_STATES: ReadonlySet<Cluster['status']> = new Set(['connecting', 'connect', 'ready', 'disconnecting']);

/** States in which an empty pool has no pending event that would close the cluster (`close` has one queued). */
const EMPTY_POOL_STATES: ReadonlySet<Cluster['status']> = new Set(['reconnecting', 'connecting']);

/**
 * An ioredis Cluster whose `status` tells the truth after a disconnect, so that BullMQ (which waits for `ready` or
 * `end` and decides from `status`) does not wait forever.
 *
 * ioredis 5.11 gets two things wrong, both seen in test/reliability/redis-cluster.test.ts after a failover:
 *
 * 1. `disconnect()` drops every node; each node's late `end` event makes the pool report "drained" again, and
 *    each report sets the status to `close`. The first one is handled (status `end`, event `end`); the others
 *    flip the status back to `close` with no event to follow. BullMQ's `RedisConnection.reconnect()` then waits
 *    for a `ready` or `end` that never comes (the worker's blocking fetch hangs: it takes no more jobs), and its
 *    `disconnect()` sees "not ended", disconnects again and waits for an `end` that never comes (`Worker.close()`
 *    hangs: the process does not exit on SIGTERM). Here only the first report of an open cluster counts.
 * 2. `disconnect()` with no node in the pool (between reconnect attempts, as mid-failover, or a connect that has
 *    not reached its nodes yet) leaves it `disconnecting` for good: no node's closing is left to finish the job.
 *    Here it ends at once, as ioredis already does for a cluster that never connected.
 *
 * `duplicate()` returns this class too: BullMQ duplicates a Worker's connection for its blocking fetch.
 */
export class ClusterConnection extends Cluster {
  constructor(startupNodes: ClusterNode[], options: ClusterOptions = {}) {
    super(startupNodes, options);
    const cluster = internals(this);
    // Replaces ioredis' own listener (its only one), which sets `close` on every report.
    cluster.connectionPool.removeAllListeners('drain');
    cluster.connectionPool.on('drain', () => {
      if (OPEN_STATES.has(cluster.status)) cluster.setStatus('close');
    });
  }

  override disconnect(reconnect = false): void {
    const cluster = internals(this);
    if (!reconnect && cluster.status === 'end') return;
    const nothingToWaitFor = !reconnect && EMPTY_POOL_STATES.has(cluster.status) && this.nodes().length === 0;
    super.disconnect(reconnect);
    if (nothingToWaitFor) {
      // What ioredis does for a cluster in `wait`: close now; `manuallyClosing` (set above) makes it `end`.
      cluster.setStatus('close');
      cluster.handleCloseEvent();
    }
  }

  override duplicate(
    overrideStartupNodes: ClusterNode[] = [],
    overrideOptions: ClusterOptions = {},
  ): ClusterConnection {
    const startupNodes = overrideStartupNodes.length > 0 ? overrideStartupNodes : internals(this).startupNodes.slice();
    return new ClusterConnection(startupNodes, { ...this.options, ...overrideOptions });
  }
}
