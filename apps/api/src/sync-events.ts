import { EventEmitter } from 'node:events';
import { QueueEvents } from 'bullmq';
import type { RedisClient } from '@d2s/shared';

export interface SyncEvent {
  /** The queue the event came from; absent on `listening`. */
  queue?: 'export' | 'import';
  /**
   * A BullMQ queue event, or `listening`: the hub has just started reading the queues, and events from
   * before that moment were not seen (a subscriber re-reads the status).
   */
  event: string;
  jobId: string;
  /** The progress payload for `progress` events. */
  data?: unknown;
}

const QUEUE_EVENTS = ['added', 'waiting', 'active', 'progress', 'delayed', 'completed', 'failed'] as const;

/**
 * One QueueEvents listener per queue for the whole API process, fanned out
 * by job id (= sync id), so a thousand open SSE streams cost two Redis
 * connections, not a thousand.
 *
 * The listeners run only while somebody listens: every job added or moved
 * writes a queue event, and an API that read them all with no stream open
 * spent about 4% of its CPU (and Redis some of its own) at full ingest on
 * events nobody wanted. The first subscriber starts them; they stop
 * `idleCloseMs` after the last one leaves, so a page that reconnects does
 * not churn connections.
 */
export class SyncEventHub {
  readonly #emitter = new EventEmitter();
  readonly #options: { prefix: string; connect: () => RedisClient; idleCloseMs: number };
  #sources: { events: QueueEvents; connection: RedisClient }[] | undefined;
  #subscribers = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  readonly #stopping = new Set<Promise<void>>();

  /** `connect` opens a worker-profile connection: each QueueEvents blocks on its own. */
  constructor(options: { prefix: string; connect: () => RedisClient; idleCloseMs?: number }) {
    this.#options = { ...options, idleCloseMs: options.idleCloseMs ?? 60_000 };
    this.#emitter.setMaxListeners(0);
  }

  /** Whether the queue listeners are running (somebody subscribed, or did within `idleCloseMs`). */
  get listening(): boolean {
    return this.#sources !== undefined;
  }

  subscribe(syncId: string, listener: (event: SyncEvent) => void): () => void {
    this.#emitter.on(syncId, listener);
    this.#subscribers++;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    if (!this.#sources) this.#start();
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.#emitter.off(syncId, listener);
      if (--this.#subscribers === 0 && this.#sources) {
        this.#idleTimer = setTimeout(() => this.#stop(), this.#options.idleCloseMs);
        this.#idleTimer.unref();
      }
    };
  }

  async close(): Promise<void> {
    clearTimeout(this.#idleTimer);
    this.#stop();
    await Promise.all(this.#stopping);
  }

  #start(): void {
    const sources = (['export', 'import'] as const).map((queue) => {
      const connection = this.#options.connect();
      const events = new QueueEvents(queue, { connection, prefix: this.#options.prefix });
      for (const event of QUEUE_EVENTS) {
        events.on(event, (args: { jobId: string; data?: unknown }) => {
          this.#emitter.emit(args.jobId, { queue, event, jobId: args.jobId, data: args.data } satisfies SyncEvent);
        });
      }
      events.on('error', () => {
        // Reconnects by itself; SSE streams also re-read status on a timer, so nothing is missed for long.
      });
      return { events, connection };
    });
    this.#sources = sources;
    // A listener reads from "now" once connected: whatever happened between a stream's first status read and
    // this moment is unseen, so every subscriber is told to read the status again.
    Promise.all(sources.map((s) => s.events.waitUntilReady())).then(
      () => {
        if (this.#sources !== sources) return;
        for (const name of this.#emitter.eventNames()) {
          this.#emitter.emit(name, { event: 'listening', jobId: String(name) } satisfies SyncEvent);
        }
      },
      () => {
        // Closed before it was ready, or Redis is down: the streams' timed refresh covers it.
      },
    );
  }

  #stop(): void {
    const sources = this.#sources;
    this.#sources = undefined;
    if (!sources) return;
    // BullMQ leaves a connection it was handed open on close; these are the hub's own, so it ends them.
    const stopping = Promise.all(
      sources.map(async ({ events, connection }) => {
        await events.close().catch(() => undefined);
        connection.disconnect();
      }),
    ).then(() => undefined);
    this.#stopping.add(stopping);
    void stopping.finally(() => this.#stopping.delete(stopping));
  }
}
