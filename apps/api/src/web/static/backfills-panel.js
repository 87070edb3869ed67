// The "Backfills" panel: a backfill's progress (GET /v1/backfills/:id: one sync per date, each with its
// status), read again every 2 s while it runs, with Cancel (after a confirmation) while the API links
// it. The API lists no backfills, so one is opened by its id, from a sync it started ("Backfill"), or
// when the recent syncs show one.

import { api, apiPath, BACKFILL_ID, backfillOf } from './api.js';
import { h, notice, replace } from './dom.js';
import { badge, count, when } from './format.js';

const POLL_MS = 2_000;
const ENDED = new Set(['succeeded', 'failed', 'canceled']);
/** Sync states a value can be in, in the order the counts read. */
const STATES = ['succeeded', 'failed', 'canceled', 'verifying', 'importing', 'exporting', 'queued', 'pending'];

/** `watch(syncId, view)` follows one value's sync in the progress panel. */
export class BackfillsPanel {
  constructor({ list, watch }) {
    this.list = list;
    this.watch = watch;
    /** Open backfill cards by id. */
    this.cards = new Map();
    /** Ids opened once; a card the user closed is not reopened by the recent syncs. */
    this.seen = new Set();
    this.input = h('input', {
      id: 'backfill-id',
      name: 'backfill-id',
      autocomplete: 'off',
      spellcheck: 'false',
      placeholder: 'backfill_…',
      required: true,
      pattern: BACKFILL_ID.source.slice(1, -1),
    });
    this.formError = h('p', { class: 'form-error small', role: 'alert' });
    this.empty = h(
      'p',
      { class: 'empty' },
      'No backfill open. Backfills started from the API or CLI show here once one of their syncs is among the recent syncs.',
    );
    this.cardList = h('div', { class: 'backfills' });
    replace(
      list,
      h(
        'form',
        {
          class: 'backfill-open',
          'aria-label': 'Open a backfill',
          onsubmit: (event) => {
            event.preventDefault();
            this.openFromForm();
          },
        },
        h('label', { for: 'backfill-id' }, 'Backfill id'),
        h('div', { class: 'row' }, this.input, h('button', { type: 'submit', class: 'button' }, 'Open')),
        this.formError,
      ),
      this.empty,
      this.cardList,
    );
  }

  openFromForm() {
    const id = this.input.value.trim();
    if (!BACKFILL_ID.test(id)) {
      this.formError.textContent = 'A backfill id looks like backfill_ followed by 26 hex digits.';
      return;
    }
    this.formError.textContent = '';
    this.open(id, true);
  }

  /** Shows a backfill's card (or brings it into view) and follows it until it ends. */
  open(id, focus = false) {
    this.seen.add(id);
    const existing = this.cards.get(id);
    if (existing) {
      if (focus) existing.card.focus();
      return existing;
    }
    const card = new BackfillCard(this, id);
    this.cards.set(id, card);
    this.empty.hidden = true;
    this.cardList.prepend(card.card);
    card.refresh();
    if (focus) card.card.focus();
    return card;
  }

  /** The recent syncs: a backfill among their origins is opened once. */
  noticeSyncs(syncs) {
    for (const sync of syncs) {
      const id = backfillOf(sync);
      if (id && !this.seen.has(id)) this.open(id);
    }
  }

  close(card) {
    card.stop();
    this.cards.delete(card.id);
    card.card.remove();
    this.empty.hidden = this.cards.size > 0;
  }

  closeAll() {
    for (const card of [...this.cards.values()]) this.close(card);
    this.seen.clear();
  }
}

class BackfillCard {
  constructor(panel, id) {
    this.panel = panel;
    this.id = id;
    this.timer = undefined;
    this.confirming = false;
    this.view = undefined;
    this.title = h('h3', { class: 'live-title' }, 'Backfill');
    this.badge = h('span', {}, badge('queued'));
    this.message = h('p', { class: 'live-message', role: 'status', 'aria-live': 'polite' }, 'Loading…');
    this.body = h('div', {});
    this.actions = h('div', { class: 'live-actions' });
    this.card = h(
      'article',
      { class: 'live backfill', 'data-backfill-id': id, tabindex: '-1', 'aria-label': `Backfill ${id}` },
      h('div', { class: 'live-head' }, this.title, this.badge),
      h('p', { class: 'mono small muted live-id' }, id),
      this.message,
      this.body,
      this.actions,
    );
  }

  async refresh() {
    clearTimeout(this.timer);
    try {
      this.view = await api('GET', `/v1/backfills/${encodeURIComponent(this.id)}`);
    } catch (error) {
      if (error.status === 401) return;
      if (error.status === 404) {
        this.message.textContent = `Cannot show this backfill: ${error.code}.`;
        replace(this.body, notice('error', 'Backfill not found', error.message, error.code));
        replace(this.actions, this.closeButton());
        return;
      }
      this.message.textContent = `Reading the backfill failed (${error.code}); trying again.`;
      this.timer = setTimeout(() => this.refresh(), POLL_MS);
      return;
    }
    this.render();
    if (!ENDED.has(this.view.status)) this.timer = setTimeout(() => this.refresh(), POLL_MS);
  }

  stop() {
    clearTimeout(this.timer);
  }

  render() {
    const b = this.view;
    const items = Array.isArray(b.items) ? b.items : [];
    const counts = b.counts ?? {};
    const ended = (counts.succeeded ?? 0) + (counts.failed ?? 0) + (counts.canceled ?? 0);
    this.title.textContent = `Backfill of ${b.dataset}`;
    replace(this.badge, badge(b.status));
    this.message.textContent = `${statusWords(b.status)}: ${ended} of ${count(items.length, 'value', 'values')} ended.`;
    replace(
      this.body,
      h(
        'p',
        { class: 'small' },
        h('code', {}, b.parameter),
        ` from ${b.from} to ${b.to}, every ${b.step}, at most ${b.maxConcurrent} at once · started `,
        when(b.createdAt),
      ),
      h('progress', {
        class: 'backfill-progress',
        max: String(Math.max(items.length, 1)),
        value: String(ended),
        'aria-label': `Values ended: ${ended} of ${items.length}`,
      }),
      h(
        'p',
        { class: 'small backfill-counts' },
        STATES.filter((s) => counts[s])
          .map((s) => `${counts[s]} ${s}`)
          .join(' · '),
      ),
      h(
        'ol',
        { class: 'backfill-values', 'aria-label': 'Values' },
        items.map((item) =>
          h(
            'li',
            { 'data-value': item.value, 'data-status': item.status },
            h('span', { class: 'mono' }, item.value),
            ' ',
            badge(item.status),
            item.syncId
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'button small',
                    'aria-label': `Details of the sync for ${item.value}`,
                    onclick: () => this.panel.watch(item.syncId),
                  },
                  'Details',
                )
              : null,
          ),
        ),
      ),
    );
    // An open confirmation stays as it is (and keeps the focus) while the backfill can still be canceled.
    if (!this.confirming || !apiPath(b.links?.cancel)) this.renderActions();
  }

  renderActions() {
    const cancel = apiPath(this.view?.links?.cancel);
    if (this.confirming && cancel) {
      const yes = h(
        'button',
        { type: 'button', class: 'button primary', onclick: (event) => this.cancel(cancel, event.currentTarget) },
        'Cancel backfill',
      );
      replace(
        this.actions,
        h(
          'div',
          {
            class: 'notice notice-warn confirm',
            role: 'alertdialog',
            'aria-labelledby': `confirm-${this.id}`,
          },
          h('strong', { id: `confirm-${this.id}` }, 'Cancel the rest of this backfill?'),
          h(
            'p',
            {},
            'Values not started yet will not start, and their running syncs are canceled. Syncs that ended stay as they are.',
          ),
          h(
            'div',
            { class: 'row' },
            yes,
            h(
              'button',
              {
                type: 'button',
                class: 'button',
                onclick: () => {
                  this.confirming = false;
                  this.renderActions();
                },
              },
              'Keep running',
            ),
          ),
        ),
      );
      yes.focus();
      return;
    }
    this.confirming = false;
    replace(
      this.actions,
      cancel
        ? h(
            'button',
            {
              type: 'button',
              class: 'button',
              onclick: () => {
                this.confirming = true;
                this.renderActions();
              },
            },
            'Cancel backfill…',
          )
        : null,
      this.closeButton(),
    );
  }

  closeButton() {
    return h('button', { type: 'button', class: 'button', onclick: () => this.panel.close(this) }, 'Close');
  }

  async cancel(path, button) {
    button.disabled = true;
    try {
      this.view = await api('POST', path);
      this.confirming = false;
      this.render();
      this.refresh();
    } catch (error) {
      if (error.status === 401) return;
      this.message.textContent = `Cancel failed: ${error.code}: ${error.message}`;
      button.disabled = false;
    }
  }
}

function statusWords(status) {
  return (
    {
      running: 'Running',
      canceling: 'Canceling',
      succeeded: 'Backfill complete',
      failed: 'Backfill failed',
      canceled: 'Backfill canceled',
    }[status] ?? status
  );
}
