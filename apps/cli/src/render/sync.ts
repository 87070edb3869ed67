import type { FailedTask, SchemaChange, Sync } from '../api-types.js';
import type { Color } from '../output.js';
import { formatCount, formatDuration, formatParameters, formatTime } from './format.js';
import { renderTable } from './table.js';

type Paint = (text: string, color: Color) => string;
const plain: Paint = (text) => text;

export const STATUS_COLOR: Record<string, Color> = {
  succeeded: 'green',
  failed: 'red',
  canceled: 'yellow',
  queued: 'dim',
  exporting: 'cyan',
  importing: 'cyan',
  verifying: 'cyan',
};

/** merge mode: `3 inserted, 5 updated, 2 deleted, 20 unchanged (30 keys from 60 rows)`. */
export function mergeLine(sync: Sync): string | undefined {
  const m = sync.load?.merge;
  if (!m) return undefined;
  const counts = `${formatCount(m.inserted)} inserted, ${formatCount(m.updated)} updated, ${formatCount(m.deleted)} deleted, ${formatCount(m.unchanged)} unchanged`;
  const applied = m.appliedNow ? '' : '; applied by an earlier attempt';
  return `${counts} (${formatCount(m.distinctKeys)} keys from ${formatCount(m.rowsStaged)} rows${applied})`;
}

/**
 * What became of the run's files: `removed 7 files`, `kept until 2026-12-09 10:00:00Z (sweep)`,
 * nothing under `keep`, or the failure, which never failed the sync (the sweep tries again).
 */
export function cleanupLine(sync: Sync, paint: Paint = plain): string | undefined {
  const c = sync.load?.cleanup;
  if (!c) return undefined;
  if (c.status === 'removed') return `removed ${formatCount(c.filesRemoved)} file${c.filesRemoved === 1 ? '' : 's'}`;
  // `keep` (the default) does nothing to a run's files: no line, as before cleanup existed.
  if (c.status === 'kept')
    return c.removeAfter ? `kept until ${formatTime(c.removeAfter)}, then removed by the sweep` : undefined;
  const why = c.error ? `: ${c.error.code}: ${c.error.message}` : '';
  return `${paint('failed', 'yellow')}${why}\nthe files are still there; the next sweep removes them`;
}

/** With schema.evolution: `added column "discount" FLOAT; widened "name" from VARCHAR(20) to VARCHAR(16777216)`. */
export function schemaLine(sync: Sync): string | undefined {
  const changes = sync.load?.schemaChanges;
  if (!changes) return undefined;
  if (changes.length === 0) return 'no changes';
  return changes.map(describeSchemaChange).join('\n');
}

function describeSchemaChange(change: SchemaChange): string {
  switch (change.kind) {
    case 'add-column':
      return `added column "${change.column}" ${change.to ?? ''}`.trimEnd();
    case 'widen':
      return `widened "${change.column}" from ${change.from ?? '?'} to ${change.to ?? '?'}`;
    case 'retype':
      return `retyped "${change.column}" from ${change.from ?? '?'} to ${change.to ?? '?'}`;
    case 'drop-column':
      return `dropped column "${change.column}" ${change.from ?? ''}`.trimEnd();
  }
}

/** Total duration when finished; time so far when not (from `now`). */
export function syncDurationMs(sync: Sync, now: number): number | undefined {
  if (sync.timings.durationsMs.total !== undefined) return sync.timings.durationsMs.total;
  const created = Date.parse(sync.timings.createdAt);
  if (Number.isNaN(created)) return undefined;
  if (sync.timings.finishedAt) return Date.parse(sync.timings.finishedAt) - created;
  return now - created;
}

function keyValues(rows: Array<[string, string | undefined]>): string[] {
  const shown = rows.filter((r): r is [string, string] => r[1] !== undefined && r[1] !== '');
  const width = Math.max(...shown.map(([k]) => k.length));
  // A multi-line value (Snowflake's messages have newlines) continues under its first line.
  return shown.map(([k, v]) => `  ${k.padEnd(width)}  ${v.split('\n').join(`\n${' '.repeat(width + 4)}`)}`);
}

function filesLine(sync: Sync): string | undefined {
  const files = sync.load?.files;
  if (!files) return undefined;
  const loaded = files.filter((f) => f.status === 'LOADED').length;
  const earlier = files.filter((f) => f.previouslyLoaded).length;
  const failed = files.length - loaded;
  return [
    `${files.length} file${files.length === 1 ? '' : 's'}`,
    `${loaded} loaded`,
    failed > 0 ? `${failed} not loaded` : undefined,
    earlier > 0 ? `${earlier} by an earlier attempt` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
}

/**
 * The failed Databricks tasks: one line each (key, result state, error), the task that ran and failed
 * followed by the first lines of its error trace, indented.
 */
export function renderFailedTasks(tasks: readonly FailedTask[], paint: Paint = plain): string[] {
  if (tasks.length === 0) return [];
  const lines = ['  failed tasks'];
  for (const task of tasks) {
    const why = task.error ?? task.message;
    lines.push(
      `    ${paint(task.taskKey, 'bold')} ${paint(task.resultState, 'red')}${why ? `: ${firstLine(why)}` : ''}`,
    );
    for (const line of task.errorTraceHead ?? []) lines.push(`      ${paint(line, 'dim')}`);
    if (task.errorTraceTruncated) lines.push(`      ${paint('…', 'dim')}`);
  }
  return lines;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

function databricksLine(sync: Sync): string | undefined {
  const d = sync.databricks;
  if (d.runId === undefined && !d.runPageUrl) return undefined;
  const state = [d.lifeCycleState, d.resultState].filter(Boolean).join('/');
  return [d.runId === undefined ? undefined : `run ${d.runId}`, state ? `(${state})` : undefined, d.runPageUrl]
    .filter(Boolean)
    .join(' ');
}

/**
 * The end of `d2s sync --wait`: outcome and duration, then files, rows
 * loaded, the target's row count, the Databricks run link and the error.
 */
export function renderSyncSummary(sync: Sync, options: { now: number; paint?: Paint }): string {
  const paint = options.paint ?? plain;
  const status = paint(sync.status, STATUS_COLOR[sync.status] ?? 'bold');
  const took = formatDuration(syncDurationMs(sync, options.now));
  return [
    `Sync ${sync.id} ${status}${took ? ` in ${took}` : ''}`,
    ...keyValues([
      ['dataset', sync.dataset],
      ['parameters', formatParameters(sync.parameters)],
      ['files', filesLine(sync)],
      ['rows loaded', formatCount(sync.load?.rowsLoaded)],
      ['target rows', formatCount(sync.load?.targetRowCount)],
      ['merged', mergeLine(sync)],
      ['cleanup', cleanupLine(sync, paint)],
      ['schema', schemaLine(sync)],
      ['Databricks', databricksLine(sync)],
      ['error', sync.error ? `${sync.error.code}: ${sync.error.message}` : undefined],
      ['hint', sync.error?.hint],
    ]),
    ...renderFailedTasks(sync.error?.failedTasks ?? [], paint),
  ].join('\n');
}

/** `d2s syncs get`: everything the status says, files as a table. */
export function renderSyncDetail(sync: Sync, options: { now: number; paint?: Paint }): string {
  const paint = options.paint ?? plain;
  const t = sync.timings;
  const d = t.durationsMs;
  const stages = [
    d.queued === undefined ? undefined : `queued ${formatDuration(d.queued)}`,
    d.export === undefined ? undefined : `export ${formatDuration(d.export)}`,
    d.import === undefined ? undefined : `import ${formatDuration(d.import)}`,
  ].filter(Boolean);
  const lines = [
    `Sync ${sync.id}`,
    ...keyValues([
      [
        'status',
        `${paint(sync.status, STATUS_COLOR[sync.status] ?? 'bold')}${sync.cancelRequested && sync.status !== 'canceled' ? ' (cancel requested)' : ''}`,
      ],
      ['dataset', sync.dataset],
      ['parameters', formatParameters(sync.parameters)],
      ['origin', sync.origin],
      ['retry of', sync.retryOf],
      ['created', formatTime(t.createdAt)],
      ['finished', formatTime(t.finishedAt)],
      ['duration', formatDuration(syncDurationMs(sync, options.now))],
      ['stages', stages.join(', ')],
      ['Databricks', databricksLine(sync)],
      ['output', sync.outputUrl],
      ['load mode', sync.load?.mode],
      ['stage path', sync.load?.stagePath],
      ['files', filesLine(sync)],
      ['rows loaded', formatCount(sync.load?.rowsLoaded)],
      ['target rows', formatCount(sync.load?.targetRowCount)],
      ['merged', mergeLine(sync)],
      ['cleanup', cleanupLine(sync, paint)],
      ['schema', schemaLine(sync)],
      ['error', sync.error ? `${sync.error.code}: ${sync.error.message}` : undefined],
      ['error stage', sync.error?.stage],
      ['hint', sync.error?.hint],
    ]),
    ...renderFailedTasks(sync.error?.failedTasks ?? [], paint),
  ];
  const files = sync.load?.files ?? [];
  if (files.length > 0) {
    lines.push(
      '',
      renderTable(
        [
          { header: 'file', value: (f) => relativeTo(sync.outputUrl, f.file), maxWidth: 70, keep: 'end' },
          { header: 'status', value: (f) => `${f.status}${f.previouslyLoaded ? ' (earlier)' : ''}` },
          { header: 'rows', value: (f) => formatCount(f.rowsLoaded), align: 'right' },
          { header: 'errors', value: (f) => formatCount(f.errorsSeen ?? 0), align: 'right' },
          ...(files.some((f) => f.firstError)
            ? [{ header: 'first error', value: (f: (typeof files)[number]) => f.firstError ?? '', maxWidth: 60 }]
            : []),
        ],
        files,
      ),
    );
  }
  return lines.join('\n');
}

/** A file under the sync's output prefix, without the prefix. */
function relativeTo(prefix: string | undefined, file: string): string {
  return prefix && file.startsWith(prefix) && file.length > prefix.length ? file.slice(prefix.length) : file;
}

/** `d2s syncs ls`: id, dataset, status, created, duration, rows. */
export function renderSyncTable(syncs: readonly Sync[], now: number): string {
  return renderTable(
    [
      { header: 'id', value: (s) => s.id },
      { header: 'dataset', value: (s) => s.dataset, maxWidth: 40 },
      { header: 'status', value: (s) => s.status },
      { header: 'created (UTC)', value: (s) => formatTime(s.timings.createdAt) },
      { header: 'duration', value: (s) => formatDuration(syncDurationMs(s, now)), align: 'right' },
      { header: 'rows', value: (s) => formatCount(s.load?.rowsLoaded), align: 'right' },
    ],
    syncs,
  );
}
