import type { MirrorActionView, MirrorRun, MirrorTable } from '../api-types.js';
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
