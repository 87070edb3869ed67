import type { RedisClient } from '@d2s/shared';

export type ActionEnd = 'succeeded' | 'failed' | 'skipped';

/** A finished run: its actions counted by how they ended. */
export interface FinishedRun {
  status: 'succeeded' | 'failed';
  counts: Record<ActionEnd, number>;
}

/**
 * Knows when a mirror run has finished, to tell other systems once. A run's table actions end in separate
 * jobs, on any replica, in any order; none of them can see the others' completions (each is still active
 * while it looks). So every end is written to one hash per run (action id → how it ended) in the same
 * MULTI that reads how many ends the run expects: whoever writes the last end, or the plan job that writes
 * the count after fast actions already ended, sees the run complete. Both may: the event id dedupes.
 * Writing an action's end twice (a retried job) overwrites one field, so nothing is counted twice.
 */
export class MirrorRunEnds {
  readonly #redis: RedisClient;
  readonly #base: string;
  readonly #ttlSeconds: number;

  constructor(redis: RedisClient, prefix: string, ttlSeconds: number) {
    this.#redis = redis;
    this.#base = `${prefix}:d2s:mirror-run-ends`;
    this.#ttlSeconds = ttlSeconds;
  }

  /** The plan job: the run has `total` actions, of which it settled `settled` itself. */
  async expect(runId: string, total: number, settled: ReadonlyMap<string, ActionEnd>): Promise<FinishedRun | null> {
    const fields = [...settled].flat();
    const multi = this.#redis.multi().set(this.#expectedKey(runId), String(total), 'EX', this.#ttlSeconds);
    if (fields.length > 0) multi.hset(this.#endsKey(runId), ...fields);
    return this.#finishedAfter(multi, runId);
  }

  /** A table action's job: this action ended so. */
  async ended(runId: string, actionId: string, end: ActionEnd): Promise<FinishedRun | null> {
    return this.#finishedAfter(this.#redis.multi().hset(this.#endsKey(runId), actionId, end), runId);
  }

  async #finishedAfter(multi: ReturnType<RedisClient['multi']>, runId: string): Promise<FinishedRun | null> {
    const results = await multi
      .expire(this.#endsKey(runId), this.#ttlSeconds)
      .get(this.#expectedKey(runId))
      .hvals(this.#endsKey(runId))
      .exec();
    if (!results) return null;
    for (const [error] of results) if (error) throw error;
    const expected = results.at(-2)?.[1] as string | null;
    const ends = (results.at(-1)?.[1] ?? []) as string[];
    if (expected === null || ends.length < Number(expected)) return null;
    const counts: Record<ActionEnd, number> = { succeeded: 0, failed: 0, skipped: 0 };
    for (const end of ends) if (end in counts) counts[end as ActionEnd] += 1;
    return { status: counts.failed + counts.skipped > 0 ? 'failed' : 'succeeded', counts };
  }

  #expectedKey(runId: string): string {
    return `${this.#base}:${runId}:expected`;
  }

  #endsKey(runId: string): string {
    return `${this.#base}:${runId}:ends`;
  }
}
