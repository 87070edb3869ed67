// The "Mirrored tables" panel: Unity Catalog tables and their Snowflake Iceberg tables, one page at a
// time. Search, the status filter and paging happen on the server (GET /v1/mirror/tables?search=&
// status=&limit=&cursor=), so the page stays quick at thousands of tables.

import { api } from './api.js';
import { externalLink, h, notice, replace, table, unavailable } from './dom.js';
import { numbers, when } from './format.js';

const PAGE_SIZE = 50;
/** Typing waits this long for the next key before asking the server. */
const SEARCH_DELAY_MS = 250;
const STATUSES = ['mirrored', 'failed', 'skipped', 'dropped'];
const TONE = { mirrored: 'succeeded', failed: 'failed', skipped: 'queued', dropped: 'canceled' };

/** `onAvailability(available)` says whether this API serves the mirror (the plan form shows only then). */
export class MirrorPanel {
  constructor({ list, onAvailability = () => {} }) {
    this.list = list;
    this.onAvailability = onAvailability;
    /** Cursors of the pages before the current one (the first page has none), for "Previous". */
    this.cursors = [];
    this.cursor = undefined;
    this.searchTimer = undefined;
    /** Answers to older requests are dropped: typing fast must not show a stale page last. */
    this.generation = 0;

    this.search = h('input', {
      type: 'search',
      id: 'mirror-search',
      placeholder: 'Name or table id',
      autocomplete: 'off',
      spellcheck: 'false',
      oninput: () => {
        clearTimeout(this.searchTimer);
        this.searchTimer = setTimeout(() => this.firstPage(), SEARCH_DELAY_MS);
      },
    });
    this.status = h(
      'select',
      { id: 'mirror-status', onchange: () => this.firstPage() },
      h('option', { value: '' }, 'All statuses'),
      STATUSES.map((s) => h('option', { value: s }, s)),
    );
    this.range = h('p', { class: 'small muted mirror-range', role: 'status', 'aria-live': 'polite' });
    this.previous = h(
      'button',
      { type: 'button', class: 'button small', onclick: () => this.previousPage() },
      'Previous',
    );
    this.next = h('button', { type: 'button', class: 'button small', onclick: () => this.nextPage() }, 'Next');
    this.controls = h(
      'form',
      {
        class: 'mirror-filters card-pad',
        role: 'search',
        'aria-label': 'Find mirrored tables',
        onsubmit: (event) => {
          event.preventDefault();
          clearTimeout(this.searchTimer);
          this.firstPage();
        },
      },
      h('div', { class: 'field' }, h('label', { for: 'mirror-search' }, 'Search tables'), this.search),
      h('div', { class: 'field' }, h('label', { for: 'mirror-status' }, 'Status'), this.status),
    );
    this.results = h('div', { class: 'mirror-results' });
    this.pager = h(
      'nav',
      { class: 'pager card-pad', 'aria-label': 'Mirrored tables pages' },
      this.range,
      this.previous,
      this.next,
    );
    this.nextCursor = null;
  }

  /** Reads the current page again (Refresh, the periodic refresh, after a run). */
  load() {
    return this.show(this.cursor);
  }

  firstPage() {
    this.cursors = [];
    this.cursor = undefined;
    return this.show(undefined);
  }

  nextPage() {
    if (!this.nextCursor) return;
    this.cursors.push(this.cursor);
    this.cursor = this.nextCursor;
    return this.show(this.cursor, true);
  }

  previousPage() {
    if (this.cursors.length === 0) return;
    this.cursor = this.cursors.pop();
    return this.show(this.cursor, true);
  }

  async show(cursor, keepFocus = false) {
    const generation = ++this.generation;
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    const search = this.search.value.trim();
    if (search) query.set('search', search);
    if (this.status.value) query.set('status', this.status.value);
    if (cursor) query.set('cursor', cursor);
    let page;
    try {
      page = await api('GET', `/v1/mirror/tables?${query}`);
    } catch (error) {
      if (generation !== this.generation || error.status === 401) return;
      if (error.status === 404 || error.code === 'MIRROR_NOT_CONFIGURED') {
        this.onAvailability(false);
        return replace(
          this.list,
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
      return unavailable(this.list, 'Mirror state', error);
    }
    if (generation !== this.generation) return;
    this.onAvailability(true);
    this.render(page, keepFocus);
  }

  render(page, keepFocus) {
    const items = page.items ?? [];
    const total = page.total ?? items.length;
    const counts = page.counts ?? {};
    this.nextCursor = page.nextCursor ?? null;
    // The filter says how many each status would show (for the current search).
    for (const option of this.status.options) {
      if (!option.value) continue;
      const n = counts[option.value];
      option.textContent = typeof n === 'number' ? `${option.value} (${numbers.format(n)})` : option.value;
    }
    const first = this.cursors.length * PAGE_SIZE + 1;
    this.range.textContent =
      total === 0
        ? 'No tables match.'
        : `Showing ${numbers.format(first)}–${numbers.format(first + items.length - 1)} of ${numbers.format(total)}`;
    this.previous.disabled = this.cursors.length === 0;
    this.next.disabled = !this.nextCursor;

    const filtered = this.search.value.trim() !== '' || this.status.value !== '';
    if (!this.list.contains(this.controls)) replace(this.list, this.controls, this.results, this.pager);
    if (total === 0 && !filtered && this.cursors.length === 0) {
      replace(this.results, h('p', { class: 'empty card-pad' }, 'No tables mirrored yet.'));
      this.pager.hidden = true;
      return;
    }
    this.pager.hidden = false;
    replace(
      this.results,
      items.length === 0
        ? h('p', { class: 'empty card-pad' }, 'No mirrored tables match the search.')
        : table(
            ['Status', 'Unity Catalog table', 'Snowflake table', 'Last action', 'Updated'],
            items.map((t) => tableRow(t)),
            'Mirrored tables',
          ),
    );
    // Paging replaced the table under the focused button; keep the keyboard where it was.
    if (keepFocus && document.activeElement === document.body) (this.next.disabled ? this.previous : this.next).focus();
  }
}

function tableRow(t) {
  return h(
    'tr',
    { 'data-table-id': t.tableId },
    h('td', {}, h('span', { class: `badge badge-${TONE[t.status] ?? 'other'}` }, t.status)),
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
  );
}
