import { type StageEvent, type Sync, TERMINAL_SYNC_STATES } from '../api-types.js';
import { ApiServerError, ApiUnreachableError, type CliError, EXIT, type ExitCode } from '../errors.js';
import { SyncProgress } from '../render/progress.js';
import { renderSyncSummary } from '../render/sync.js';
import type { CommandContext } from './command.js';

/** How many times in a row a lost event stream is reopened before giving up (exit 4). */
const MAX_RECONNECTS = 5;

/**
 * Follows a sync over its event stream (`stage` and `status` events) to the
 * end, drawing progress on stderr; reconnects when the stream drops (the
 * server sends the whole status on every connect, so nothing is missed).
 * Resolves with the final status.
 */
export async function followSync(first: Sync, ctx: CommandContext, options: { quiet?: boolean } = {}): Promise<Sync> {
  let last = first;
  if (TERMINAL_SYNC_STATES.has(last.status)) return last;
  const progress = options.quiet ? undefined : new SyncProgress(ctx.out.stderr, first, { now: ctx.now });
  const ticker = progress?.interactive ? setInterval(() => progress.tick(), 1_000) : undefined;
  ticker?.unref?.();
  let failures = 0;
  let lastText = '';
  try {
    for (;;) {
      let dropped: CliError | undefined;
      try {
        for await (const event of ctx.api.syncEvents(last.id, ctx.signal)) {
          if (event.event === 'stage') progress?.stage(JSON.parse(event.data) as StageEvent);
          else if (event.event === 'status') {
            // Only news counts as progress: a stream that keeps reconnecting to the same status does not.
            if (event.data !== lastText) failures = 0;
            lastText = event.data;
            last = JSON.parse(event.data) as Sync;
            progress?.status(last);
          }
        }
      } catch (error) {
        // A dropped connection or an API restarting (5xx) is worth another try; anything else is not.
        if (!(error instanceof ApiUnreachableError || error instanceof ApiServerError)) throw error;
        dropped = error;
      }
      if (TERMINAL_SYNC_STATES.has(last.status)) break;
      // The stream ended or dropped before the sync did: wait a little and reopen it.
      if (++failures > MAX_RECONNECTS) {
        throw (
          dropped ??
          new ApiUnreachableError(ctx.api.baseUrl, `The event stream of ${last.id} kept closing before the sync ended.`)
        );
      }
      await ctx.sleep(Math.min(500 * failures, 5_000), ctx.signal);
    }
  } finally {
    if (ticker) clearInterval(ticker);
    progress?.finish();
  }
  return last;
}

/** `--wait` for a sync: follow it, print the summary (or JSON), exit 0 when it succeeded and 1 otherwise. */
export async function waitAndReport(sync: Sync, ctx: CommandContext, json: boolean): Promise<ExitCode> {
  const final = await followSync(sync, ctx, { quiet: json });
  if (json) ctx.out.json(final);
  else ctx.out.print(renderSyncSummary(final, { now: ctx.now(), paint: (t, c) => ctx.out.paint(t, c) }));
  if (final.status === 'succeeded') return EXIT.ok;
  ctx.out.note(
    `d2s: sync ${final.id} ${final.status}${final.error ? `: ${final.error.code}: ${final.error.message.replace(/\s*\n\s*/g, ' ')}` : ''}`,
  );
  return EXIT.runFailed;
}
