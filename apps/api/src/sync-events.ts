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

const QUEUES = ['export', 'import'] as const;
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
/** The listeners while they run: their connections at once, the QueueEvents once the start point is known. */
interface Running {
  connections: RedisClient[];
  events: QueueEvents[];
}

export class SyncEventHub {
  readonly #emitter = new EventEmitter();
  readonly #options: { prefix: string; connect: () => RedisClient; idleCloseMs: number };
  #running: Running | undefined;
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
    return this.#running !== undefined;
  }

  subscribe(syncId: string, listener: (event: SyncEvent) => void): () => void {
    this.#emitter.on(syncId, listener);
    this.#subscribers++;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    if (!this.#running) this.#start();
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.#emitter.off(syncId, listener);
      if (--this.#subscribers === 0 && this.#running) {
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
    const running: Running = {
      connections: [this.#options.connect(), this.#options.connect()],
      events: [],
    };
    this.#running = running;
    void this.#run(running).catch(() => {
      // Closed before it was ready, or Redis is down: the streams' timed refresh covers it.
    });
  }

  async #run(running: Running): Promise<void> {
    // Read from the server's "now", not from whenever each listener's first XREAD happens to be sent ("$"):
    // an event written in between would be lost with no notice. Everything from here on is delivered, and
    // the `listening` notice below makes every subscriber re-read what came before.
    const [seconds, micros] = await (running.connections[0] as RedisClient).time();
    const from = String(Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - 1);
    if (this.#running !== running) return;
    QUEUES.forEach((queue, i) => {
      const events = new QueueEvents(queue, {
        connection: running.connections[i] as RedisClient,
        prefix: this.#options.prefix,
        autorun: false,
        lastEventId: from,
      });
      for (const event of QUEUE_EVENTS) {
        events.on(event, (args: { jobId: string; data?: unknown }) => {
          this.#emitter.emit(args.jobId, { queue, event, jobId: args.jobId, data: args.data } satisfies SyncEvent);
        });
      }
      events.on('error', () => {
        // Reconnects by itself; SSE streams also re-read status on a timer, so nothing is missed for long.
      });
      events.run().catch((error: unknown) => events.emit('error', error as Error));
      running.events.push(events);
    });
    await Promise.all(running.events.map((events) => events.waitUntilReady()));
    if (this.#running !== running) return;
    for (const name of this.#emitter.eventNames()) {
      this.#emitter.emit(name, { event: 'listening', jobId: String(name) } satisfies SyncEvent);
    }
  }

  #stop(): void {
    const running = this.#running;
    this.#running = undefined;
    if (!running) return;
    // BullMQ leaves a connection it was handed open on close; these are the hub's own, so it ends them.
    const stopping = Promise.all(running.events.map((events) => events.close().catch(() => undefined))).then(() => {
      for (const connection of running.connections) connection.disconnect();
    });
    this.#stopping.add(stopping);
    void stopping.finally(() => this.#stopping.delete(stopping));
  }
}
