// The "Datasets" panel: each configured dataset with its parameters and a
// "Sync data" button; a started sync is handed to the progress panel.

import { api } from './api.js';
import { h, replace, unavailable } from './dom.js';
import { count } from './format.js';

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

/**
 * `onSyncStarted(sync)` receives each sync a "Sync data" button started (or
 * the running one the API answered with instead).
 */
export class DatasetsPanel {
  constructor({ list, count, onSyncStarted }) {
    this.list = list;
    this.count = count;
    this.onSyncStarted = onSyncStarted;
    /** What the list shows; a refresh that finds the same datasets keeps the forms as they are. */
    this.rendered = undefined;
  }

  async load() {
    try {
      this.render((await api('GET', '/v1/datasets')).items ?? []);
    } catch (error) {
      if (error.status !== 401) unavailable(this.list, 'Datasets', error);
    }
  }

  /** Forgets what is shown, so the next load draws the forms anew (after signing in again). */
  reset() {
    this.rendered = undefined;
  }

  render(items) {
    const key = JSON.stringify(items);
    if (key === this.rendered) return;
    this.rendered = key;
    this.count.textContent = items.length ? count(items.length, 'dataset', 'datasets') : '';
    if (items.length === 0) {
      return replace(this.list, h('p', { class: 'empty' }, 'No datasets are configured (d2s.config.yaml).'));
    }
    replace(
      this.list,
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
              onsubmit: (event) => this.startSync(event, dataset.name, form, button, status),
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

  async startSync(event, dataset, form, button, status) {
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
      this.onSyncStarted(sync);
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
}
