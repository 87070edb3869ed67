// The "Schedules" panel: the sync and mirror schedules with their next run.

import { api } from './api.js';
import { h, replace, table, unavailable } from './dom.js';
import { duration, numbers, when } from './format.js';

export class SchedulesPanel {
  constructor({ list }) {
    this.list = list;
  }

  async load() {
    const el = this.list;
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
}

function scopeText(scope) {
  const parts = [...(scope?.catalogs ?? []), ...(scope?.schemas ?? [])];
  return parts.length ? parts.join(', ') : 'configured scope';
}
