import { EventEmitter } from 'node:events';
import { QueueEvents } from 'bullmq';
import type { RedisClient } from '@d2s/shared';

export interface SyncEvent {
  queue: 'export' | 'import';
  event: string;
  jobId: string;
  /** The progress payload for `progress` events. */
  data?: unknown;
}

/**
 * One QueueEvents listener per queue for the whole API process, fanned out
 * by job id (= sync id), so a thousand open SSE streams cost two Redis
 * connections, not a thousand.
 */
export class SyncEventHub {
  readonly #emitter = new EventEmitter();
  readonly #sources: QueueEvents[] = [];

  /** `connect` opens a worker-profile connection: each QueueEvents blocks on its own. */
  constructor(options: { prefix: string; connect: () => RedisClient }) {
    this.#emitter.setMaxListeners(0);
    for (const queue of ['export', 'import'] as const) {
      const events = new QueueEvents(queue, { connection: options.connect(), prefix: options.prefix });
      for (const event of ['added', 'waiting', 'active', 'progress', 'delayed', 'completed', 'failed'] as const) {
        events.on(event, (args: { jobId: string; data?: unknown }) => {
          this.#emitter.emit(args.jobId, { queue, event, jobId: args.jobId, data: args.data } satisfies SyncEvent);
        });
      }
      events.on('error', () => {
        // Reconnects by itself; SSE streams also re-read status on a timer, so nothing is missed for long.
      });
      this.#sources.push(events);
    }
  }

  subscribe(syncId: string, listener: (event: SyncEvent) => void): () => void {
    this.#emitter.on(syncId, listener);
    return () => this.#emitter.off(syncId, listener);
  }

  async waitUntilReady(): Promise<void> {
    await Promise.all(this.#sources.map((s) => s.waitUntilReady()));
  }

  async close(): Promise<void> {
    await Promise.all(this.#sources.map((s) => s.close()));
  }
}
