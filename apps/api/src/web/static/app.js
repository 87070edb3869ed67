// The d2s web page: one small module, no framework, no build. Everything that
// comes from the API reaches the DOM as text (textContent / text nodes) and
// links only as http(s) URLs; nothing is ever parsed as HTML.

const TOKEN_KEY = 'd2s.apiToken';
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
const REFRESH_MS = 30_000;
/**
 * Browsers open about six HTTP/1.1 connections per server, and each event
 * stream holds one until its sync ends: past this many, syncs are polled.
 */
const MAX_STREAMS = 3;
const POLL_MS = 2_000;
let openStreams = 0;

const byId = (id) => document.getElementById(id);
const numbers = new Intl.NumberFormat();
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dateTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

// ---------------------------------------------------------------- DOM helpers

/** Only http(s) links: a `javascript:` URL in data must never become clickable. */
function safeUrl(value) {
  if (typeof value !== 'string' || value === '') return undefined;
  try {
    const url = new URL(value, location.href);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates an element. Props become attributes (or listeners for `on*`);
 * children are nodes or strings, and strings are always inserted as text.
 */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'href') {
      const href = safeUrl(value);
      if (href) el.setAttribute('href', href);
    } else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A link that opens elsewhere; plain text when the URL is not http(s). */
function externalLink(url, text) {
  const href = safeUrl(url);
  if (!href) return h('span', {}, text);
  return h('a', { href, target: '_blank', rel: 'noopener noreferrer', class: 'external' }, text);
}

function badge(status) {
  const known = ['queued', 'exporting', 'importing', 'verifying', 'succeeded', 'failed', 'canceled'];
  const tone = known.includes(status) ? status : 'other';
  return h('span', { class: `badge badge-${tone}` }, String(status ?? 'unknown'));
}

function when(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h('span', {}, String(iso));
  const sameDay = date.toDateString() === new Date().toDateString();
  return h(
    'time',
    { datetime: date.toISOString(), title: date.toString() },
    (sameDay ? timeOnly : dateTime).format(date),
  );
}

function duration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

const count = (n, one, many) => `${numbers.format(n)} ${n === 1 ? one : many}`;

/**
 * A table that becomes a list of labelled cards on narrow screens (CSS), so
 * the ARIA roles are explicit: `display: block` would otherwise drop them.
 */
function table(headers, rows, caption) {
  for (const row of rows) {
    row.setAttribute('role', 'row');
    [...row.children].forEach((cell, index) => {
      cell.setAttribute('role', 'cell');
      if (headers[index]) cell.setAttribute('data-label', headers[index]);
      cell.replaceChildren(h('div', { class: 'cell' }, [...cell.childNodes]));
    });
  }
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { role: 'table' },
      caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
      h(
        'thead',
        { role: 'rowgroup' },
        h(
          'tr',
          { role: 'row' },
          headers.map((text) =>
            h('th', { scope: 'col', role: 'columnheader' }, text || h('span', { class: 'visually-hidden' }, 'Actions')),
          ),
        ),
      ),
      h('tbody', { role: 'rowgroup' }, rows),
    ),
  );
}

function notice(kind, title, message, code) {
  return h(
    'div',
    { class: `notice notice-${kind}` },
    h('strong', {}, title),
    code ? h('code', { class: 'code' }, code) : null,
    message ? h('span', {}, message) : null,
  );
}

// ---------------------------------------------------------------- API

class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

const token = () => sessionStorage.getItem(TOKEN_KEY) ?? '';

function headers(extra = {}) {
  return { authorization: `Bearer ${token()}`, ...extra };
}

async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      cache: 'no-store',
      headers: headers({
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      }),
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (error) {
    throw new ApiError(0, 'NETWORK_ERROR', `The API did not answer (${error.message}).`);
  }
  const text = await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (response.status === 401) {
    signOut('The API token was not accepted. Enter it again.');
    throw new ApiError(401, data?.error?.code ?? 'UNAUTHENTICATED', data?.error?.message ?? 'Not authenticated');
  }
  if (!response.ok) {
    const error = data?.error ?? {};
    throw new ApiError(
      response.status,
      error.code ?? `HTTP_${response.status}`,
      error.message ?? (response.statusText || 'Request failed'),
      error.details,
    );
  }
  return data;
}

/**
 * Server-Sent Events over fetch: EventSource cannot send an Authorization
 * header, and a token in the URL would end up in logs. Yields {event, data}.
 */
async function* readEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = 'message';
  let data = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '') {
          if (data.length > 0) yield { event, data: data.join('\n') };
          event = 'message';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        let value = colon === -1 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
    }
  } finally {
    reader.releaseLock();
  }
}

// ---------------------------------------------------------------- sign-in

function showSignIn(message) {
  byId('app').hidden = true;
  byId('account').hidden = true;
  byId('sign-in').hidden = false;
  byId('sign-in-error').textContent = message ?? '';
  byId('token').value = '';
  byId('token').focus();
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  for (const live of lives.values()) live.dismiss();
  renderedDatasets = undefined;
  showSignIn(message);
}

async function signIn(event) {
  event.preventDefault();
  const value = byId('token').value.trim();
  if (!value) {
    byId('sign-in-error').textContent = 'Enter a token.';
    return;
  }
  const button = event.submitter ?? byId('sign-in-form').querySelector('button');
  button.disabled = true;
  sessionStorage.setItem(TOKEN_KEY, value);
  try {
    await api('GET', '/v1/datasets');
    showApp();
  } catch (error) {
    if (error.status !== 401) byId('sign-in-error').textContent = `${error.code}: ${error.message}`;
  } finally {
    button.disabled = false;
  }
}

function showApp() {
  byId('sign-in').hidden = true;
  byId('app').hidden = false;
  byId('account').hidden = false;
  refreshAll();
}

// ---------------------------------------------------------------- datasets

function parameterInput(datasetName, name, spec) {
  const id = `param-${datasetName}-${name}`;
  const common = { id, name, 'data-param': name, 'data-type': spec.type ?? 'string' };
  let input;
  if (Array.isArray(spec.enum) && spec.enum.length > 0) {
    input = h(
      'select',
      common,
      spec.required ? null : h('option', { value: '' }, '(default)'),
      spec.enum.map((v) => h('option', { value: String(v), selected: String(v) === String(spec.default) }, String(v))),
    );
  } else if (spec.type === 'boolean') {
    input = h(
      'select',
      common,
      h('option', { value: '' }, spec.default === undefined ? '(not set)' : `(default: ${spec.default})`),
      h('option', { value: 'true' }, 'true'),
      h('option', { value: 'false' }, 'false'),
    );
  } else {
    const type = spec.type === 'date' ? 'date' : spec.type === 'integer' || spec.type === 'number' ? 'number' : 'text';
    input = h('input', {
      ...common,
      type,
      step: spec.type === 'integer' ? '1' : spec.type === 'number' ? 'any' : undefined,
      required: spec.required === true,
    });
    if (spec.default !== undefined) input.value = String(spec.default);
  }
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, name, spec.required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null),
    input,
    spec.description ? h('span', { class: 'hint' }, spec.description) : null,
  );
}

function readParameters(form) {
  const parameters = {};
  for (const input of form.querySelectorAll('[data-param]')) {
    const raw = input.value.trim();
    if (raw === '') continue;
    const type = input.dataset.type;
    if (type === 'integer' || type === 'number') parameters[input.dataset.param] = Number(raw);
    else if (type === 'boolean') parameters[input.dataset.param] = raw === 'true';
    else parameters[input.dataset.param] = raw;
  }
  return parameters;
}

/** What the dataset list shows; a refresh that finds the same datasets keeps the forms as they are. */
let renderedDatasets;

function renderDatasets(items) {
  const key = JSON.stringify(items);
  if (key === renderedDatasets) return;
  renderedDatasets = key;
  byId('datasets-count').textContent = items.length ? count(items.length, 'dataset', 'datasets') : '';
  if (items.length === 0) {
    return replace(byId('datasets'), h('p', { class: 'empty' }, 'No datasets are configured (d2s.config.yaml).'));
  }
  replace(
    byId('datasets'),
    h(
      'ul',
      { class: 'datasets', role: 'list' },
      items.map((dataset) => {
        const params = Object.entries(dataset.parameters ?? {});
        const status = h('p', { class: 'dataset-status small', role: 'status' });
        const button = h('button', { type: 'submit', class: 'button primary dataset-sync' }, 'Sync data');
        const form = h(
          'form',
          {
            class: 'dataset-form',
            'aria-label': `Sync ${dataset.name}`,
            onsubmit: (event) => startSync(event, dataset.name, form, button, status),
          },
          h(
            'div',
            { class: 'dataset-main' },
            h('h3', { class: 'dataset-name' }, dataset.name),
            dataset.description ? h('p', { class: 'muted small' }, dataset.description) : null,
            h(
              'p',
              { class: 'dataset-meta small' },
              h('span', { class: 'mono', title: 'Snowflake target table' }, dataset.target),
              h('span', { class: 'tag' }, dataset.loadMode),
              dataset.singleActive ? h('span', { class: 'tag', title: 'One sync at a time' }, 'single-active') : null,
            ),
            status,
          ),
          button,
          params.length
            ? h(
                'details',
                {
                  class: 'params',
                  // Open when something must be filled in: a field in a closed <details> cannot show its message.
                  open: params.some(([, spec]) => spec.required && spec.default === undefined),
                },
                h('summary', {}, `Parameters (${params.length})`),
                h(
                  'div',
                  { class: 'params-grid' },
                  params.map(([name, spec]) => parameterInput(dataset.name, name, spec)),
                ),
              )
            : null,
        );
        // The browser reports an invalid field by focusing it: open the parameters first.
        form.addEventListener(
          'invalid',
          () => {
            const details = form.querySelector('details');
            if (details) details.open = true;
          },
          true,
        );
        return h('li', { class: 'dataset', 'data-dataset': dataset.name }, form);
      }),
    ),
  );
}

async function startSync(event, dataset, form, button, status) {
  event.preventDefault();
  button.disabled = true;
  const label = button.textContent;
  button.textContent = 'Starting…';
  status.textContent = '';
  status.className = 'dataset-status small';
  try {
    const parameters = readParameters(form);
    const body = Object.keys(parameters).length ? { dataset, parameters } : { dataset };
    const sync = await api('POST', '/v1/syncs', body);
    if (sync.deduplicated) status.textContent = `Already running (${sync.deduplicated}): following sync ${sync.id}.`;
    watch(sync.id, sync);
    loadSyncs();
  } catch (error) {
    if (error.status !== 401) {
      status.className = 'dataset-status small form-error';
      status.textContent = `${error.code}: ${error.message}`;
    }
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}

// ---------------------------------------------------------------- live progress

/** The syncs followed on this page, by id. */
const lives = new Map();

function watch(id, initial) {
  const existing = lives.get(id);
  if (existing) {
    existing.card.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    existing.card.focus({ preventScroll: true });
    return existing;
  }
  const live = new LiveSync(id, initial);
  lives.set(id, live);
  byId('live-empty').hidden = true;
  byId('live').prepend(live.card);
  live.start();
  return live;
}

class LiveSync {
  constructor(id, initial) {
    this.id = id;
    this.view = initial;
    this.reached = new Map();
    this.done = false;
    this.controller = new AbortController();
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
      try {
        ok = openStreams < MAX_STREAMS ? await this.stream() : await this.poll();
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
      await new Promise((resolve) => setTimeout(resolve, ok ? POLL_MS : Math.min(500 * failures, 5000)));
    }
  }

  /** One event stream; true when it ended cleanly (the sync ended, or the server closed it). */
  async stream() {
    openStreams++;
    try {
      const response = await fetch(`/v1/syncs/${encodeURIComponent(this.id)}/events`, {
        headers: headers({ accept: 'text/event-stream' }),
        cache: 'no-store',
        signal: this.controller.signal,
      });
      if (response.status === 401) {
        signOut('The API token was not accepted. Enter it again.');
        return true;
      }
      if (!response.ok || !response.body) {
        const body = await response.json().catch(() => ({}));
        if (response.status === 404) this.fail(body.error?.code ?? 'NOT_FOUND', body.error?.message);
        else throw new Error(body.error?.message ?? `HTTP ${response.status}`);
        return true;
      }
      for await (const { event, data } of readEvents(response.body)) {
        const payload = JSON.parse(data);
        if (event === 'stage') this.reached.set(payload.stage, payload.at);
        else if (event === 'status') this.view = payload;
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

    const terminal = TERMINAL.has(status);
    replace(
      this.actions,
      !terminal
        ? h(
            'button',
            { type: 'button', class: 'button', onclick: (event) => this.cancel(event.currentTarget) },
            'Cancel sync',
          )
        : null,
      status === 'failed'
        ? h('button', { type: 'button', class: 'button', onclick: (event) => this.retry(event.currentTarget) }, 'Retry')
        : null,
      terminal ? h('button', { type: 'button', class: 'button', onclick: () => this.dismiss() }, 'Dismiss') : null,
    );

    if (terminal && !this.done) {
      this.done = true;
      this.controller.abort();
      loadSyncs();
    }
  }

  loadSummary(load) {
    const files = Array.isArray(load?.files) ? load.files : [];
    const stats = [
      ['Files', numbers.format(files.length)],
      ['Rows loaded', numbers.format(load?.rowsLoaded ?? 0)],
      load?.targetRowCount !== undefined ? ['Rows in target', numbers.format(load.targetRowCount)] : null,
      load?.mode ? ['Mode', load.mode] : null,
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

  async cancel(button) {
    button.disabled = true;
    try {
      this.view = await api('POST', `/v1/syncs/${encodeURIComponent(this.id)}/cancel`);
      this.render();
    } catch (error) {
      this.message.textContent = `Cancel failed: ${error.code}: ${error.message}`;
      button.disabled = false;
    }
  }

  async retry(button) {
    button.disabled = true;
    try {
      const sync = await api('POST', `/v1/syncs/${encodeURIComponent(this.id)}/retry`);
      watch(sync.id, sync);
      loadSyncs();
    } catch (error) {
      this.message.textContent = `Retry failed: ${error.code}: ${error.message}`;
      button.disabled = false;
    }
  }

  dismiss() {
    this.stop();
    lives.delete(this.id);
    this.card.remove();
    byId('live-empty').hidden = lives.size > 0;
  }
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

// ---------------------------------------------------------------- lists

function unavailable(el, what, error) {
  replace(el, h('div', { class: 'card-pad' }, notice('error', `${what} unavailable`, error.message, error.code)));
}

async function loadDatasets() {
  try {
    renderDatasets((await api('GET', '/v1/datasets')).items ?? []);
  } catch (error) {
    if (error.status !== 401) unavailable(byId('datasets'), 'Datasets', error);
  }
}

async function loadSyncs() {
  const el = byId('syncs');
  try {
    const page = await api('GET', '/v1/syncs?limit=15');
    const items = page.items ?? [];
    byId('syncs-updated').replaceChildren('Updated ', when(new Date().toISOString()));
    if (items.length === 0) return replace(el, h('p', { class: 'empty card-pad' }, 'No syncs yet.'));
    replace(
      el,
      table(
        ['Status', 'Dataset', 'Started', 'Duration', 'Rows', 'Sync', ''],
        items.map((sync) =>
          h(
            'tr',
            { 'data-sync-id': sync.id },
            h('td', {}, badge(sync.status)),
            h('td', {}, h('span', { class: 'strong' }, sync.dataset)),
            h('td', {}, when(sync.timings?.createdAt)),
            h('td', { class: 'num' }, duration(sync.timings?.durationsMs?.total)),
            h(
              'td',
              { class: 'num' },
              sync.status === 'succeeded' && typeof sync.load?.rowsLoaded === 'number'
                ? numbers.format(sync.load.rowsLoaded)
                : '—',
            ),
            h(
              'td',
              {},
              h('span', { class: 'mono small', title: sync.id }, sync.id),
              sync.error ? h('div', { class: 'small error-text' }, h('code', {}, sync.error.code)) : null,
            ),
            h(
              'td',
              { class: 'actions' },
              sync.databricks?.runPageUrl ? externalLink(sync.databricks.runPageUrl, 'Run') : null,
              h(
                'button',
                {
                  type: 'button',
                  class: 'button small',
                  onclick: () => watch(sync.id, sync),
                  'aria-label': `Details of sync ${sync.id}`,
                },
                'Details',
              ),
            ),
          ),
        ),
        'Recent syncs, newest first',
      ),
    );
  } catch (error) {
    if (error.status !== 401) unavailable(el, 'Syncs', error);
  }
}

async function loadMirror() {
  const el = byId('mirror');
  let items;
  try {
    items = (await api('GET', '/v1/mirror/tables')).items ?? [];
  } catch (error) {
    if (error.status === 401) return;
    if (error.status === 404 || error.code === 'MIRROR_NOT_CONFIGURED') {
      return replace(
        el,
        h(
          'div',
          { class: 'card-pad' },
          notice(
            'info',
            'Mirror not configured',
            error.code === 'MIRROR_NOT_CONFIGURED' ? error.message : 'This API does not serve mirror state.',
          ),
        ),
      );
    }
    return unavailable(el, 'Mirror state', error);
  }
  if (items.length === 0) return replace(el, h('p', { class: 'empty card-pad' }, 'No tables mirrored yet.'));
  const tone = { mirrored: 'succeeded', failed: 'failed', skipped: 'queued', dropped: 'canceled' };
  replace(
    el,
    table(
      ['Status', 'Unity Catalog table', 'Snowflake table', 'Last action', 'Updated'],
      items.map((t) =>
        h(
          'tr',
          {},
          h('td', {}, h('span', { class: `badge badge-${tone[t.status] ?? 'other'}` }, t.status)),
          h('td', {}, h('span', { class: 'mono' }, t.uc?.fullName ?? t.tableId)),
          h(
            'td',
            {},
            t.snowflake
              ? t.snowflake.url
                ? h('span', { class: 'mono' }, externalLink(t.snowflake.url, t.snowflake.qualifiedName))
                : h('span', { class: 'mono' }, t.snowflake.qualifiedName)
              : h('span', { class: 'muted' }, '—'),
          ),
          h(
            'td',
            {},
            t.lastAction?.kind ?? '—',
            t.lastError
              ? h('div', { class: 'small error-text' }, h('code', {}, t.lastError.code), ' ', t.lastError.message)
              : null,
          ),
          h('td', {}, when(t.updatedAt)),
        ),
      ),
      'Mirrored tables',
    ),
  );
}

async function loadSchedules() {
  const el = byId('schedules');
  try {
    const items = (await api('GET', '/v1/schedules')).items ?? [];
    if (items.length === 0) {
      return replace(
        el,
        h(
          'p',
          { class: 'empty card-pad' },
          'No schedules. Create one with ',
          h('code', {}, 'PUT /v1/schedules/:id'),
          '.',
        ),
      );
    }
    replace(
      el,
      table(
        ['Schedule', 'Kind', 'What', 'When', 'Next run', 'Runs'],
        items.map((s) =>
          h(
            'tr',
            {},
            h('td', {}, h('span', { class: 'strong' }, s.id)),
            h('td', {}, h('span', { class: 'tag' }, s.kind)),
            h('td', {}, s.kind === 'sync' ? s.dataset : scopeText(s.scope)),
            h(
              'td',
              {},
              s.cron ? h('code', {}, s.cron) : `every ${duration(s.every)}`,
              h('span', { class: 'muted' }, ` (${s.tz ?? 'UTC'})`),
            ),
            h('td', {}, when(s.next)),
            h('td', { class: 'num' }, numbers.format(s.iterations ?? 0)),
          ),
        ),
        'Schedules',
      ),
    );
  } catch (error) {
    if (error.status !== 401) unavailable(el, 'Schedules', error);
  }
}

function scopeText(scope) {
  const parts = [...(scope?.catalogs ?? []), ...(scope?.schemas ?? [])];
  return parts.length ? parts.join(', ') : 'configured scope';
}

function refreshAll() {
  return Promise.all([loadDatasets(), loadSyncs(), loadMirror(), loadSchedules()]);
}

// ---------------------------------------------------------------- start

byId('sign-in-form').addEventListener('submit', signIn);
byId('sign-out').addEventListener('click', () => signOut('Token forgotten. Enter a token to connect again.'));
byId('refresh').addEventListener('click', () => refreshAll());
setInterval(() => {
  if (token() && document.visibilityState === 'visible') Promise.all([loadSyncs(), loadMirror(), loadSchedules()]);
}, REFRESH_MS);

if (token()) showApp();
else showSignIn();
