// The "Recent syncs" panel: the newest syncs, each with its Databricks run and "Details".

import { api, backfillOf } from './api.js';
import { externalLink, h, replace, table, unavailable } from './dom.js';
import { badge, duration, numbers, when } from './format.js';

/**
 * `watch(id, view)` follows a sync in the progress panel ("Details"); `openBackfill(id)` shows a
 * backfill ("Backfill" on its syncs); `onLoaded(items)` receives each list read.
 */
export class SyncsPanel {
  constructor({ list, updated, watch, openBackfill = () => {}, onLoaded = () => {} }) {
    this.list = list;
    this.updated = updated;
    this.watch = watch;
    this.openBackfill = openBackfill;
    this.onLoaded = onLoaded;
  }

  async load() {
    const el = this.list;
    try {
      const page = await api('GET', '/v1/syncs?limit=15');
      const items = page.items ?? [];
      this.updated.replaceChildren('Updated ', when(new Date().toISOString()));
      this.onLoaded(items);
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
                sync.links?.databricksRun ? externalLink(sync.links.databricksRun, 'Run') : null,
                backfillOf(sync)
                  ? h(
                      'button',
                      {
                        type: 'button',
                        class: 'button small',
                        onclick: () => this.openBackfill(backfillOf(sync)),
                        'aria-label': `Backfill of sync ${sync.id}`,
                      },
                      'Backfill',
                    )
                  : null,
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'button small',
                    onclick: () => this.watch(sync.id, sync),
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
}
