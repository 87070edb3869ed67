// The "Sync progress" panel: each sync started or opened on the page, followed
// live over its event stream (read with the shared event-stream module, resumed
// with Last-Event-ID), or polled when the browser's few connections to this
// server are taken. The action buttons come from the sync's `links`: the API
// links only the actions valid in the sync's state.

import { api, apiPath, authHeaders, backfillOf, tokenRefused } from './api.js';
import { externalLink, h, notice, replace } from './dom.js';
import { EventStreamParser, readEventStream } from './event-stream.js';
import { badge, count, duration, numbers, when } from './format.js';
import { schemaChangeList } from './schema-changes.js';

const STAGES = [
  ['queued', 'Queued'],
  ['exporting', 'Export'],
  ['importing', 'Import'],
  ['verifying', 'Verify'],
  ['succeeded', 'Done'],
];
const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);
const STATUS_TEXT = {
  queued: 'Queued: waiting for an export worker',
  exporting: 'Exporting: the Databricks job is running',
  importing: 'Importing into Snowflake (COPY INTO)',
  verifying: 'Verifying the row counts',
  succeeded: 'Sync complete',
  failed: 'Sync failed',
  canceled: 'Sync canceled',
};
/**
 * Browsers open about six HTTP/1.1 connections per server, and each event
 * stream holds one until its sync ends: past this many, syncs are polled.
 */
const MAX_STREAMS = 3;
const POLL_MS = 2_000;
let openStreams = 0;

/**
 * The followed syncs, newest first. `onChange` runs when one was started or
 * ended (the recent syncs list refreshes then); `openBackfill(id)` shows the
 * backfill a sync belongs to.
 */
export class LivePanel {
  constructor({ list, empty, onChange, openBackfill = () => {} }) {
    this.list = list;
    this.empty = empty;
    this.onChange = onChange;
    this.openBackfill = openBackfill;
    /** The syncs followed on this page, by id. */
    this.lives = new Map();
  }

  /** Follows a sync (or brings its card into view when it is followed already). */
  watch(id, initial) {
    const existing = this.lives.get(id);
    if (existing) {
      existing.card.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
      existing.card.focus({ preventScroll: true });
      return existing;
    }
    const live = new LiveSync(this, id, initial);
    this.lives.set(id, live);
    this.empty.hidden = true;
    this.list.prepend(live.card);
    live.start();
    return live;
  }

  forget(live) {
    this.lives.delete(live.id);
    live.card.remove();
    this.empty.hidden = this.lives.size > 0;
  }

  dismissAll() {
    for (const live of [...this.lives.values()]) live.dismiss();
  }
}

class LiveSync {
  constructor(panel, id, initial) {
    this.panel = panel;
    this.id = id;
    this.view = initial;
    this.reached = new Map();
    this.done = false;
    this.controller = new AbortController();
    // One parser for every connection of this sync's stream: it keeps the last event id and the retry time.
    this.parser = new EventStreamParser();
    this.title = h('h3', { class: 'live-title' }, initial?.dataset ?? 'Sync');
    this.badge = h('span', {}, badge(initial?.status ?? 'queued'));
    this.steps = h('ol', { class: 'steps', 'aria-label': 'Stages' });
    this.message = h('p', { class: 'live-message', role: 'status', 'aria-live': 'polite' });
    this.result = h('div', { class: 'live-result' });
    this.meta = h('dl', { class: 'live-meta small' });
    this.actions = h('div', { class: 'live-actions' });
    this.card = h(
      'article',
      { class: 'live', 'data-sync-id': id, tabindex: '-1', 'aria-label': `Sync ${id}` },
      h('div', { class: 'live-head' }, this.title, this.badge),
      h('p', { class: 'mono small muted live-id' }, id),
      this.steps,
      this.message,
      this.result,
      this.meta,
      this.actions,
    );
    this.render();
  }

  /** Follows the sync until it ends: its event stream, or polling when enough streams are open already. */
  async start() {
    let failures = 0;
    while (!this.done && !this.controller.signal.aborted) {
      let ok = false;
      let streamed = false;
      try {
        streamed = openStreams < MAX_STREAMS;
        ok = streamed ? await this.stream() : await this.poll();
      } catch (error) {
        if (this.controller.signal.aborted) return;
        this.message.textContent = `Connection lost (${error.message}); reconnecting…`;
      }
      if (this.done || this.controller.signal.aborted) return;
      failures = ok ? 0 : failures + 1;
      if (failures > 20) {
        this.message.textContent = 'Stopped following this sync; Refresh shows its status.';
        return;
      }
      // A stream that closed early is reopened after the server's `retry:` time, as EventSource would.
      const retry = streamed ? (this.parser.retryMs ?? POLL_MS) : POLL_MS;
      await new Promise((resolve) => setTimeout(resolve, ok ? retry : Math.max(retry, Math.min(500 * failures, 5000))));
    }
  }

  /**
   * One connection to the event stream, resumed with Last-Event-ID so the
   * server sends only what this card has not seen; true when it ended cleanly
   * (the sync ended, or the server closed it).
   */
  async stream() {
    openStreams++;
    try {
      const path = apiPath(this.view?.links?.events) ?? `/v1/syncs/${encodeURIComponent(this.id)}/events`;
      const response = await fetch(path, {
        headers: authHeaders({ accept: 'text/event-stream', ...this.parser.resumeHeaders() }),
        cache: 'no-store',
        signal: this.controller.signal,
      });
      if (response.status === 401) {
        tokenRefused();
        return true;
      }
      // 204: this card has seen the end of the stream already; the status says how it ended.
      if (response.status === 204) return await this.poll();
      if (!response.ok || !response.body) {
        const body = await response.json().catch(() => ({}));
        if (response.status === 404) this.fail(body.error?.code ?? 'NOT_FOUND', body.error?.message);
        else throw new Error(body.error?.message ?? `HTTP ${response.status}`);
        return true;
      }
      for await (const { event, data } of readEventStream(response.body, this.parser)) {
        const payload = JSON.parse(data);
        if (event === 'stage') this.reached.set(payload.stage, payload.at);
        else if (event === 'status') this.view = payload;
        else continue;
        this.render();
        if (this.done) break;
      }
      return true;
    } finally {
      openStreams--;
    }
  }

  /** One status read, for when the browser's few connections to this server are taken by streams. */
  async poll() {
    try {
      this.view = await api('GET', `/v1/syncs/${encodeURIComponent(this.id)}`);
    } catch (error) {
      if (error.status === 404) this.fail(error.code, error.message);
      if (error.status === 404 || error.status === 401) return true;
      throw error;
    }
    this.render();
    return true;
  }

  stop() {
    this.controller.abort();
  }

  fail(code, message) {
    this.done = true;
    replace(this.result, notice('error', 'Cannot follow this sync', message ?? '', code));
  }

  render() {
    const view = this.view;
    const status = view?.status ?? 'queued';
    if (view?.dataset) this.title.textContent = view.dataset;
    replace(this.badge, badge(status));

    // Stages: those reached (from `stage` events, or implied by the status), the failed one marked.
    const order = STAGES.map(([key]) => key);
    const reachedIndex = Math.max(
      order.indexOf(status),
      ...[...this.reached.keys()].map((stage) => order.indexOf(stage)),
    );
    const failed = status === 'failed' || status === 'canceled';
    replace(
      this.steps,
      STAGES.map(([key, label], index) => {
        let state = 'todo';
        if (index < reachedIndex || (index === reachedIndex && status === 'succeeded')) state = 'done';
        else if (index === reachedIndex) state = failed ? 'failed' : 'current';
        const at = this.reached.get(key);
        return h(
          'li',
          { class: `step step-${state}`, 'aria-current': state === 'current' ? 'step' : undefined },
          h('span', { class: 'step-dot', 'aria-hidden': 'true' }),
          h('span', { class: 'step-label' }, label),
          h('span', { class: 'visually-hidden' }, ` (${state === 'todo' ? 'not reached' : state})`),
          at && state !== 'todo' ? h('span', { class: 'step-time' }, when(at)) : null,
        );
      }),
    );

    const text = STATUS_TEXT[status] ?? status;
    const load = view?.load ?? null;
    // Once it ends, the result box shows the outcome; the status line stays for screen readers.
    this.message.classList.toggle('visually-hidden', TERMINAL.has(status));
    if (status === 'succeeded') {
      const files = Array.isArray(load?.files) ? load.files.length : 0;
      const rows = typeof load?.rowsLoaded === 'number' ? load.rowsLoaded : 0;
      this.message.textContent = `Sync complete: ${count(files, 'file', 'files')}, ${count(rows, 'row', 'rows')} loaded.`;
      replace(this.result, this.loadSummary(load));
    } else if (status === 'failed' || status === 'canceled') {
      const error = view?.error;
      this.message.textContent = error ? `${text}: ${error.code}. ${error.message}` : `${text}.`;
      replace(
        this.result,
        error
          ? h(
              'div',
              { class: 'notice notice-error' },
              h('strong', {}, text),
              h('code', { class: 'code error-code' }, error.code),
              error.stage ? h('span', { class: 'tag' }, `at ${error.stage}`) : null,
              h('p', { class: 'error-message' }, error.message),
              error.hint ? h('p', { class: 'error-hint' }, error.hint) : null,
              snowflakeCode(error.details),
              failedTaskList(error.failedTasks),
            )
          : null,
      );
    } else {
      this.message.textContent = `${text}…`;
      replace(this.result);
    }

    const dbx = view?.databricks ?? {};
    const durations = view?.timings?.durationsMs ?? {};
    replace(
      this.meta,
      dbx.runPageUrl || dbx.runId !== undefined
        ? [
            h('dt', {}, 'Databricks run'),
            h(
              'dd',
              {},
              externalLink(
                dbx.runPageUrl ?? view?.links?.databricksRun,
                dbx.runId !== undefined ? `Run ${dbx.runId}` : 'Open run',
              ),
              dbx.lifeCycleState ? h('span', { class: 'muted' }, ` · ${dbx.lifeCycleState}`) : null,
            ),
          ]
        : null,
      durations.total !== undefined ? [h('dt', {}, 'Duration'), h('dd', {}, duration(durations.total))] : null,
      view?.timings?.createdAt ? [h('dt', {}, 'Started'), h('dd', {}, when(view.timings.createdAt))] : null,
    );

    // The actions are the ones the API links (only those valid in the sync's state); Dismiss is the page's own.
    const terminal = TERMINAL.has(status);
    const links = view?.links ?? {};
    const cancel = apiPath(links.cancel);
    const retry = apiPath(links.retry);
    const backfill = backfillOf(view);
    replace(
      this.actions,
      cancel
        ? h(
            'button',
            { type: 'button', class: 'button', onclick: (event) => this.cancel(cancel, event.currentTarget) },
            'Cancel sync',
          )
        : null,
      retry
        ? h(
            'button',
            { type: 'button', class: 'button', onclick: (event) => this.retry(retry, event.currentTarget) },
            'Retry',
          )
        : null,
      backfill
        ? h('button', { type: 'button', class: 'button', onclick: () => this.panel.openBackfill(backfill) }, 'Backfill')
        : null,
      terminal ? h('button', { type: 'button', class: 'button', onclick: () => this.dismiss() }, 'Dismiss') : null,
    );

    if (terminal && !this.done) {
      this.done = true;
      this.controller.abort();
      this.panel.onChange();
    }
  }

  loadSummary(load) {
    const files = Array.isArray(load?.files) ? load.files : [];
    const stats = [
      ['Files', numbers.format(files.length)],
      ['Rows loaded', numbers.format(load?.rowsLoaded ?? 0)],
      load?.targetRowCount !== undefined ? ['Rows in target', numbers.format(load.targetRowCount)] : null,
      load?.mode ? ['Mode', load.mode] : null,
      ...mergeStats(load?.merge),
    ].filter(Boolean);
    return h(
      'div',
      { class: 'notice notice-success' },
      h('strong', {}, 'Sync complete'),
      h(
        'dl',
        { class: 'stats' },
        stats.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))),
      ),
      schemaChangeList(load?.schemaChanges),
      files.length
        ? h(
            'details',
            { class: 'files' },
            h('summary', {}, `Loaded files (${files.length})`),
            h(
              'ul',
              { class: 'mono small' },
              files.map((f) =>
                h(
                  'li',
                  {},
                  String(f.file ?? f.name ?? '?'),
                  ' — ',
                  f.status ?? '',
                  typeof f.rowsLoaded === 'number' ? ` · ${count(f.rowsLoaded, 'row', 'rows')}` : '',
                ),
              ),
            ),
          )
        : null,
    );
  }

  async cancel(path, button) {
    button.disabled = true;
    try {
      this.view = await api('POST', path);
      this.render();
    } catch (error) {
      this.message.textContent = `Cancel failed: ${error.code}: ${error.message}`;
      button.disabled = false;
    }
  }

  async retry(path, button) {
    button.disabled = true;
    try {
      const sync = await api('POST', path);
      this.panel.watch(sync.id, sync);
      this.panel.onChange();
    } catch (error) {
      this.message.textContent = `Retry failed: ${error.code}: ${error.message}`;
      button.disabled = false;
    }
  }

  dismiss() {
    this.stop();
    this.panel.forget(this);
  }
}

/**
 * What a merge-by-key load did (the sync view's `load.merge`), as the CLI says it: inserted, updated,
 * deleted and unchanged keys, of the distinct keys staged.
 */
function mergeStats(merge) {
  if (!merge || typeof merge !== 'object') return [];
  const n = (v) => (typeof v === 'number' ? numbers.format(v) : '—');
  return [
    ['Inserted', n(merge.inserted)],
    ['Updated', n(merge.updated)],
    ['Deleted', n(merge.deleted)],
    ['Unchanged', n(merge.unchanged)],
    ['Keys staged', `${n(merge.distinctKeys)} from ${n(merge.rowsStaged)} rows`],
    merge.appliedNow === false ? ['MERGE', 'applied by an earlier attempt'] : null,
  ];
}

/** The Databricks tasks that did not succeed: key, result state, error, and the head of the error trace. */
function failedTaskList(tasks) {
  if (!Array.isArray(tasks) || tasks.length === 0) return null;
  return h(
    'div',
    { class: 'failed-tasks' },
    h('p', { class: 'small muted' }, 'Failed Databricks tasks'),
    h(
      'ul',
      { class: 'failed-task-list' },
      tasks.map((task) => {
        const trace = Array.isArray(task.errorTraceHead) ? task.errorTraceHead : [];
        const why = task.error ?? task.message;
        return h(
          'li',
          { class: 'failed-task', 'data-task-key': task.taskKey },
          h('code', { class: 'code task-key' }, task.taskKey),
          ' ',
          h('span', { class: 'tag task-result' }, task.resultState),
          why ? h('p', { class: 'task-error error-text' }, why) : null,
          trace.length > 0
            ? h('pre', { class: 'task-trace' }, [...trace, ...(task.errorTraceTruncated ? ['…'] : [])].join('\n'))
            : null,
        );
      }),
    ),
  );
}

function snowflakeCode(details) {
  if (!details || typeof details !== 'object') return null;
  const code = details.snowflakeCode ?? details.sqlState;
  return code ? h('p', { class: 'small muted' }, 'Snowflake code ', h('code', {}, String(code))) : null;
}
