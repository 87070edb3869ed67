// The mirror's plan and apply: plan (POST /v1/mirror/plan, which saves the plan for review and masks
// every secret in its SQL), preview the actions with their SQL, then apply exactly that plan after a
// confirmation (POST /v1/mirror/runs {planId}) and follow the run to its end. A plan the API refuses to
// apply (stale, expired, over the drop limit) is explained, with a way to plan again.

import { api } from './api.js';
import { h, notice, replace } from './dom.js';
import { count, when } from './format.js';

const POLL_MS = 1_000;
/** Actions drawn at first; a plan over thousands of tables shows more on request. */
const SHOWN = 50;
const RUN_DONE = new Set(['succeeded', 'failed']);
const KIND_LABEL = {
  'create-integration': 'Create integration',
  'update-integration': 'Update integration',
  'create-schema': 'Create schema',
  'drop-table': 'Drop table',
  'rename-table': 'Rename table',
  'create-table': 'Create table',
  'alter-table': 'Alter table',
  'refresh-table': 'Refresh table',
};
const REFUSALS = {
  PLAN_STALE: 'The plan is stale',
  PLAN_EXPIRED: 'The plan has expired',
  PLAN_NOT_FOUND: 'The plan is gone',
  MIRROR_DROP_LIMIT: 'Too many drops',
  MIRROR_RUN_ACTIVE: 'Another mirror run is in progress',
};

/** `onRunEnded()` runs once a followed run has ended (the table list refreshes then). */
export class MirrorPlanPanel {
  constructor({ root, onRunEnded }) {
    this.root = root;
    this.onRunEnded = onRunEnded;
    this.plan = undefined;
    this.shown = SHOWN;
    this.runTimer = undefined;
    this.includeRefresh = h('input', { type: 'checkbox', id: 'mirror-include-refresh' });
    this.force = h('input', { type: 'checkbox', id: 'mirror-force' });
    this.planButton = h(
      'button',
      { type: 'submit', class: 'button primary', 'aria-describedby': 'mirror-plan-hint' },
      'Plan',
    );
    this.status = h('p', { class: 'small mirror-plan-status', role: 'status', 'aria-live': 'polite' });
    this.body = h('div', { class: 'mirror-plan-body' });
    replace(
      root,
      h(
        'form',
        { class: 'mirror-plan-form', 'aria-label': 'Plan a mirror run', onsubmit: (event) => this.submit(event) },
        this.planButton,
        h('label', { class: 'check' }, this.includeRefresh, ' Refresh tables that are up to date'),
        h('label', { class: 'check' }, this.force, ' Allow drops above mirror.maxDropShare'),
        h(
          'p',
          { class: 'muted small', id: 'mirror-plan-hint' },
          'Planning changes nothing: it compares Unity Catalog with Snowflake. Review the plan, then apply it.',
        ),
      ),
      this.status,
      this.body,
    );
  }

  setAvailable(available) {
    this.root.hidden = !available;
  }

  submit(event) {
    event.preventDefault();
    return this.makePlan();
  }

  async makePlan() {
    this.stopFollowing();
    this.planButton.disabled = true;
    this.status.textContent = 'Planning…';
    const body = {};
    if (this.includeRefresh.checked) body.includeRefresh = true;
    if (this.force.checked) body.force = true;
    try {
      this.plan = await api('POST', '/v1/mirror/plan', body);
      this.shown = SHOWN;
      this.status.textContent = `Plan ready: ${count(this.plan.actions.length, 'action', 'actions')}.`;
      this.renderPlan();
    } catch (error) {
      if (error.status === 401) return;
      this.plan = undefined;
      this.status.textContent = `Planning failed: ${error.code}.`;
      replace(this.body, this.refusal(error));
    } finally {
      this.planButton.disabled = false;
    }
  }

  renderPlan() {
    const plan = this.plan;
    const actions = plan.actions ?? [];
    const summary = plan.summary ?? {};
    const kinds = Object.keys(KIND_LABEL)
      .filter((kind) => summary[kind] > 0)
      .map((kind) => `${summary[kind]} ${KIND_LABEL[kind].toLowerCase()}`);
    const head = h(
      'div',
      { class: 'plan-head' },
      h('h3', { class: 'plan-title' }, 'Plan ', h('span', { class: 'mono small plan-id' }, plan.id ?? '')),
      h(
        'p',
        { class: 'small plan-summary' },
        actions.length === 0 ? 'Nothing to do: Snowflake is in step with Unity Catalog.' : kinds.join(', '),
        ` · ${count(summary.unchanged ?? 0, 'table unchanged', 'tables unchanged')}`,
        summary.skipped ? ` · ${count(summary.skipped, 'table skipped', 'tables skipped')}` : '',
        summary.orphans ? ` · ${count(summary.orphans, 'orphan', 'orphans')}` : '',
      ),
      plan.expiresAt ? h('p', { class: 'small muted' }, 'Can be applied until ', when(plan.expiresAt), '.') : null,
    );
    const list =
      actions.length > 0
        ? h(
            'ol',
            { class: 'plan-actions', 'aria-label': 'Planned actions' },
            actions.slice(0, this.shown).map((action) => actionItem(action)),
          )
        : null;
    const more =
      actions.length > this.shown
        ? h(
            'button',
            {
              type: 'button',
              class: 'button small',
              onclick: () => {
                this.shown += 200;
                this.renderPlan();
              },
            },
            `Show more (${actions.length - this.shown} not shown)`,
          )
        : null;
    const apply =
      actions.length > 0 && plan.id
        ? h(
            'div',
            { class: 'plan-apply' },
            h(
              'button',
              { type: 'button', class: 'button primary', onclick: () => this.askToApply() },
              'Apply this plan…',
            ),
          )
        : null;
    replace(this.body, head, list, more, apply, skippedList(plan.skipped));
  }

  /** The confirmation step: what will run, and two buttons; focus moves to it so a keyboard user lands there. */
  askToApply() {
    const plan = this.plan;
    const drops = plan.summary?.['drop-table'] ?? 0;
    const confirmButton = h(
      'button',
      { type: 'button', class: 'button primary', onclick: (event) => this.apply(event.currentTarget) },
      'Confirm and apply',
    );
    const box = h(
      'div',
      {
        class: 'notice notice-warn confirm',
        role: 'alertdialog',
        'aria-labelledby': 'mirror-confirm-title',
        'aria-describedby': 'mirror-confirm-text',
      },
      h('strong', { id: 'mirror-confirm-title' }, 'Apply this plan to Snowflake?'),
      h(
        'p',
        { id: 'mirror-confirm-text' },
        `Plan ${plan.id}: ${count(plan.actions.length, 'action', 'actions')} will run in Snowflake`,
        drops > 0 ? `, ${count(drops, 'table', 'tables')} dropped` : '',
        '. Exactly these actions run; if Unity Catalog or Snowflake changed since the plan, nothing runs.',
      ),
      h(
        'div',
        { class: 'row' },
        confirmButton,
        h('button', { type: 'button', class: 'button', onclick: () => this.renderPlan() }, 'Back'),
      ),
    );
    const applyArea = this.body.querySelector('.plan-apply');
    replace(applyArea, box);
    confirmButton.focus();
  }

  async apply(button) {
    button.disabled = true;
    this.status.textContent = 'Applying…';
    try {
      const run = await api('POST', '/v1/mirror/runs', { planId: this.plan.id });
      this.plan = undefined;
      this.follow(run);
    } catch (error) {
      if (error.status === 401) return;
      this.status.textContent = `The plan was not applied: ${error.code}.`;
      replace(this.body, this.refusal(error));
      this.body.querySelector('button')?.focus();
    }
  }

  /** Why the API refused to plan or apply, in its words, with the way forward: plan again. */
  refusal(error) {
    const details = error.details ?? {};
    const changes = changeLines(details.changes);
    const added = details.actions?.added ?? [];
    const removed = details.actions?.removed ?? [];
    const active = details.links?.activeRun;
    return h(
      'div',
      { class: 'notice notice-error mirror-refusal', 'data-code': error.code },
      h('strong', {}, REFUSALS[error.code] ?? 'The mirror request failed'),
      h('code', { class: 'code error-code' }, error.code),
      h('p', { class: 'error-message' }, error.message),
      changes.length
        ? h(
            'details',
            { open: true },
            h('summary', {}, `What changed (${changes.length})`),
            h(
              'ul',
              { class: 'small stale-changes' },
              changes.map((line) => h('li', {}, line)),
            ),
          )
        : null,
      added.length || removed.length
        ? h(
            'p',
            { class: 'small' },
            `A new plan would add ${count(added.length, 'action', 'actions')} and drop ${count(removed.length, 'action', 'actions')} of the reviewed ones.`,
          )
        : null,
      error.code === 'MIRROR_DROP_LIMIT'
        ? h(
            'p',
            { class: 'small' },
            'If Unity Catalog really lost these tables, tick "Allow drops above mirror.maxDropShare" and plan again.',
          )
        : null,
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'button', class: 'button primary', onclick: () => this.makePlan() }, 'Plan again'),
        active
          ? h(
              'button',
              { type: 'button', class: 'button', onclick: () => this.followId(details.activeRunId) },
              'Follow that run',
            )
          : null,
      ),
    );
  }

  async followId(id) {
    try {
      this.follow(await api('GET', `/v1/mirror/runs/${encodeURIComponent(id)}`));
    } catch (error) {
      if (error.status !== 401) replace(this.body, this.refusal(error));
    }
  }

  /** Shows the run and reads it again every second until it ends. */
  follow(run) {
    this.stopFollowing();
    this.renderRun(run);
    if (RUN_DONE.has(run.status)) return this.onRunEnded();
    const tick = async () => {
      try {
        const next = await api('GET', `/v1/mirror/runs/${encodeURIComponent(run.id)}`);
        this.renderRun(next);
        if (RUN_DONE.has(next.status)) {
          this.runTimer = undefined;
          return this.onRunEnded();
        }
      } catch (error) {
        if (error.status === 401) return;
        this.status.textContent = `Reading run ${run.id} failed (${error.code}); trying again.`;
      }
      this.runTimer = setTimeout(tick, POLL_MS);
    };
    this.runTimer = setTimeout(tick, POLL_MS);
  }

  stopFollowing() {
    if (this.runTimer) clearTimeout(this.runTimer);
    this.runTimer = undefined;
  }

  renderRun(run) {
    const counts = run.counts ?? {};
    const total = (run.actions ?? []).length;
    const ended = (counts.succeeded ?? 0) + (counts.failed ?? 0) + (counts.skipped ?? 0);
    const words = {
      queued: 'Mirror run queued',
      planning: 'Mirror run checking the plan',
      applying: 'Mirror run applying',
      succeeded: 'Mirror run succeeded',
      failed: 'Mirror run failed',
    };
    this.status.textContent = `${words[run.status] ?? run.status}: ${ended} of ${count(total, 'action', 'actions')} done.`;
    replace(
      this.body,
      h(
        'article',
        { class: 'mirror-run', 'data-run-id': run.id, 'aria-label': `Mirror run ${run.id}` },
        h(
          'div',
          { class: 'live-head' },
          h('h3', { class: 'live-title' }, 'Mirror run'),
          h('span', { class: `badge badge-${runTone(run.status)}` }, run.status),
        ),
        h('p', { class: 'mono small muted' }, run.id, run.planId ? ` · plan ${run.planId}` : ''),
        h('progress', {
          max: String(Math.max(total, 1)),
          value: String(RUN_DONE.has(run.status) ? Math.max(total, 1) : ended),
          'aria-label': 'Actions done',
        }),
        h(
          'p',
          { class: 'small run-counts' },
          ['succeeded', 'failed', 'skipped', 'running', 'pending']
            .filter((k) => counts[k])
            .map((k) => `${counts[k]} ${k}`)
            .join(' · ') || 'No actions',
        ),
        run.error ? notice('error', 'Run failed', run.error.message, run.error.code) : null,
        total
          ? h(
              'details',
              { class: 'run-actions', open: run.status === 'failed' || total <= 10 },
              h('summary', {}, `Actions (${total})`),
              h(
                'ul',
                { class: 'small' },
                (run.actions ?? [])
                  .slice(0, 500)
                  .map((a) =>
                    h(
                      'li',
                      { 'data-action-id': a.id },
                      h('span', { class: `badge badge-${actionTone(a.status)}` }, a.status),
                      ' ',
                      KIND_LABEL[a.kind] ?? a.kind,
                      ' ',
                      h('span', { class: 'mono' }, a.target),
                      a.error
                        ? h('div', { class: 'error-text' }, h('code', {}, a.error.code), ' ', a.error.message)
                        : null,
                    ),
                  ),
              ),
            )
          : null,
      ),
    );
  }
}

function actionItem(action) {
  return h(
    'li',
    { class: 'plan-action', 'data-action-id': action.id, 'data-kind': action.kind },
    h('span', { class: `tag kind-${action.kind}` }, KIND_LABEL[action.kind] ?? action.kind),
    ' ',
    h('span', { class: 'mono' }, targetOf(action)),
    h('p', { class: 'small muted' }, action.reason),
    Array.isArray(action.sql) && action.sql.length
      ? h(
          'details',
          { class: 'plan-sql' },
          h('summary', {}, `SQL (${action.sql.length})`),
          // The API masks secrets in plan SQL ('[redacted]'); this is its text, shown as text.
          h('pre', { class: 'task-trace' }, action.sql.join(';\n\n') + ';'),
        )
      : null,
  );
}

/** What an action acts on: `DB.SCHEMA.TABLE`, the integration, or `DB.SCHEMA`. */
function targetOf(action) {
  const t = action.target ?? action.integration ?? {};
  if (t.database && t.schema && t.name) return `${t.database}.${t.schema}.${t.name}`;
  if (action.database && action.schema) return `${action.database}.${action.schema}`;
  return t.name ?? action.table?.name ?? '';
}

function skippedList(skipped) {
  if (!Array.isArray(skipped) || skipped.length === 0) return null;
  return h(
    'details',
    { class: 'small plan-skipped' },
    h('summary', {}, `Skipped Unity Catalog tables (${skipped.length})`),
    h(
      'ul',
      {},
      skipped.slice(0, 500).map((s) => h('li', {}, h('span', { class: 'mono' }, s.fullName), ` — ${s.reason}`)),
    ),
  );
}

/** PLAN_STALE's `details.changes`, one line per side and kind: "Unity Catalog: 1 added (a.b.c)". */
function changeLines(changes) {
  if (!changes || typeof changes !== 'object') return [];
  const lines = [];
  for (const [side, label] of [
    ['unityCatalog', 'Unity Catalog'],
    ['snowflake', 'Snowflake'],
  ]) {
    for (const kind of ['added', 'removed', 'changed']) {
      const part = changes[side]?.[kind];
      if (!part?.count) continue;
      const items = Array.isArray(part.items) ? part.items : [];
      const more = part.count > items.length ? ', …' : '';
      lines.push(`${label}: ${part.count} ${kind} (${items.join(', ')}${more})`);
    }
  }
  if (changes.settingsChanged) lines.push('The mirror settings changed.');
  return lines;
}

const runTone = (status) =>
  ({ succeeded: 'succeeded', failed: 'failed', applying: 'importing', planning: 'exporting' })[status] ?? 'other';
const actionTone = (status) =>
  ({ succeeded: 'succeeded', failed: 'failed', running: 'importing', skipped: 'canceled' })[status] ?? 'other';
