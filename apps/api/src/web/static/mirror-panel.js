// The "Mirrored tables" panel: Unity Catalog tables and their Snowflake Iceberg tables.

import { api } from './api.js';
import { externalLink, h, notice, replace, table, unavailable } from './dom.js';
import { when } from './format.js';

export class MirrorPanel {
  constructor({ list }) {
    this.list = list;
  }

  async load() {
    const el = this.list;
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
}
