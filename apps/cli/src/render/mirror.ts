import type { MirrorActionView, MirrorRun, MirrorTable, MirrorTagResult } from '../api-types.js';
import type { Color } from '../output.js';
import { formatDuration, formatTime } from './format.js';
import { renderTable } from './table.js';

type Paint = (text: string, color: Color) => string;
const plain: Paint = (text) => text;

const ACTION_MARK: Record<string, { mark: string; color: Color }> = {
  pending: { mark: '·', color: 'dim' },
  running: { mark: '…', color: 'cyan' },
  succeeded: { mark: '✓', color: 'green' },
  failed: { mark: '✗', color: 'red' },
  skipped: { mark: '-', color: 'yellow' },
};

/** `✓ create-table SALES.RETAIL.ORDERS succeeded (1.2s)`, with the error when it failed. */
export function renderActionStatus(action: MirrorActionView, paint: Paint = plain): string {
  const mark = ACTION_MARK[action.status] ?? { mark: '?', color: 'bold' as const };
  const took = action.durationMs === undefined ? '' : ` (${formatDuration(action.durationMs)})`;
  const attempts = action.attempts !== undefined && action.attempts > 1 ? `, attempt ${action.attempts}` : '';
  const error = action.error ? `: ${action.error.code}: ${action.error.message}` : '';
  return `  ${paint(mark.mark, mark.color)} ${action.kind} ${action.target} ${paint(action.status, mark.color)}${took}${attempts}${error}`;
}

/** The end of `d2s mirror apply --wait` (and `mirror run` views): outcome and counts. */
export function renderMirrorRunSummary(run: MirrorRun, paint: Paint = plain): string {
  const c = run.counts;
  const color: Color = run.status === 'succeeded' ? 'green' : run.status === 'failed' ? 'red' : 'cyan';
  const took =
    run.finishedAt && run.createdAt
      ? ` in ${formatDuration(Date.parse(run.finishedAt) - Date.parse(run.createdAt))}`
      : '';
  const lines = [
    `Mirror run ${run.id} ${paint(run.status, color)}${took}: ${c.succeeded} succeeded, ${c.failed} failed, ${c.skipped} not attempted${c.pending + c.running > 0 ? `, ${c.pending + c.running} open` : ''}.`,
  ];
  if (run.summary) {
    lines.push(
      `  ${run.summary.actions} action(s) planned, ${run.summary.unchanged} table(s) unchanged, ${run.summary.skipped} skipped, ${run.summary.orphans} orphan(s).`,
    );
  }
  if (run.error) lines.push(`  error: ${run.error.code}: ${run.error.message}`);
  return lines.join('\n');
}

/** `d2s mirror tables`. */
export function renderMirrorTables(tables: readonly MirrorTable[]): string {
  return renderTable(
    [
      { header: 'unity catalog', value: (t) => t.uc.fullName, maxWidth: 60 },
      { header: 'snowflake', value: (t) => t.snowflake?.qualifiedName ?? '', maxWidth: 60 },
      { header: 'status', value: (t) => t.status },
      { header: 'last action', value: (t) => t.lastAction.kind },
      { header: 'updated (UTC)', value: (t) => formatTime(t.updatedAt) },
      {
        header: 'error',
        value: (t) => (t.lastError ? `${t.lastError.code}: ${t.lastError.message}` : ''),
        maxWidth: 80,
      },
    ],
    tables,
  );
}

const TAG_MARK: Record<string, { mark: string; color: Color }> = {
  add: { mark: '+', color: 'green' },
  update: { mark: '~', color: 'yellow' },
  remove: { mark: '-', color: 'red' },
  'opted-out': { mark: '!', color: 'dim' },
};

/**
 * `d2s mirror tag`, read like a plan: one line per table whose tag changes (and per opt-out, which d2s leaves
 * alone), then a summary. Unchanged tables are counted, not listed.
 */
export function renderMirrorTags(result: MirrorTagResult, paint: Paint = plain): string {
  const lines: string[] = [];
  for (const change of result.changes) {
    const mark = TAG_MARK[change.kind];
    if (!mark) continue;
    const what =
      change.kind === 'add'
        ? `${result.tag} = '${change.value ?? ''}'`
        : change.kind === 'update'
          ? `${result.tag}: '${change.current ?? ''}' → '${change.value ?? ''}'`
          : change.kind === 'remove'
            ? `${result.tag} (was '${change.current ?? ''}')`
            : `${result.tag} = '${change.current ?? ''}' left alone`;
    const outcome =
      change.status === 'failed'
        ? ` ${paint('failed', 'red')}: ${change.error?.code ?? ''}: ${change.error?.message ?? ''}`
        : change.status === 'skipped'
          ? ` ${paint('skipped', 'yellow')}: ${change.reason}`
          : '';
    lines.push(
      `  ${paint(mark.mark, mark.color)} ${change.kind} ${change.fullName}: ${what} (${change.reason})${outcome}`,
    );
  }
  const s = result.summary;
  const counts = `${s.add} to add, ${s.update} to update, ${s.remove} to remove, ${s.unchanged} unchanged, ${s['opted-out']} opted out`;
  if (result.dryRun) lines.push(`Dry run: ${counts}. Nothing was written.`);
  else if (s.add + s.update + s.remove === 0) lines.push(`No tag changes: ${counts}.`);
  else lines.push(`Tags written: ${counts.replaceAll(' to ', ' ')}${s.failed > 0 ? `; ${s.failed} failed` : ''}.`);
  return lines.join('\n');
}
