import { EventStreamParser } from '@d2s/event-stream';
import { type StageEvent, type Sync, TERMINAL_SYNC_STATES } from '../api-types.js';
import { ApiServerError, ApiUnreachableError, type CliError, EXIT, type ExitCode } from '../errors.js';
import { SyncProgress } from '../render/progress.js';
import { renderSyncSummary } from '../render/sync.js';
import type { CommandContext } from './command.js';

/** How many connections in a row may bring nothing new before giving up (exit 4). */
const MAX_RECONNECTS = 5;

/**
 * Follows a sync over its event stream (`stage`, `status`, then `end`) to the
 * end, drawing progress on stderr. A dropped stream is reopened after the
 * server's `retry:` time (or a back-off) with `Last-Event-ID`, so the server
 * sends only what was missed and no stage is shown twice. Resolves with the
 * final status.
 */
export async function followSync(first: Sync, ctx: CommandContext, options: { quiet?: boolean } = {}): Promise<Sync> {
  let last = first;
  if (TERMINAL_SYNC_STATES.has(last.status)) return last;
  const progress = options.quiet ? undefined : new SyncProgress(ctx.out.stderr, first, { now: ctx.now });
  const ticker = progress?.interactive ? setInterval(() => progress.tick(), 1_000) : undefined;
  ticker?.unref?.();
  // One parser for every connection: it keeps the last event id and the server's retry time.
  const parser = new EventStreamParser();
  let failures = 0;
  let lastText = '';
  const stagesSeen = new Set<string>();
  try {
    for (;;) {
      let dropped: CliError | undefined;
      let received = 0;
      let news = false;
      try {
        for await (const event of ctx.api.syncEvents(last.id, {
          parser,
          ...(ctx.signal ? { signal: ctx.signal } : {}),
        })) {
          received++;
          if (event.event === 'stage') {
            const stage = JSON.parse(event.data) as StageEvent;
            news ||= !stagesSeen.has(stage.stage);
            stagesSeen.add(stage.stage);
            progress?.stage(stage);
          } else if (event.event === 'status') {
            news ||= event.data !== lastText;
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
      // A connection that brought nothing (a 204 after the end, or one closed at once): ask for the status.
      if (received === 0 && !dropped) last = await ctx.api.getSync(last.id);
      if (TERMINAL_SYNC_STATES.has(last.status)) break;
      // Only news counts as progress: a server that ignored Last-Event-ID and replays the same status
      // on every connection must not keep this loop going forever.
      failures = news ? 1 : failures + 1;
      if (failures > MAX_RECONNECTS) {
        throw (
          dropped ??
          new ApiUnreachableError(ctx.api.baseUrl, `The event stream of ${last.id} kept closing before the sync ended.`)
        );
      }
      await ctx.sleep(Math.max(parser.retryMs ?? 0, Math.min(500 * failures, 5_000)), ctx.signal);
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
