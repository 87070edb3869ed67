import type { MirrorActionKind, MirrorPlan, ObjectName, PlannedAction } from '../api-types.js';
import type { Color } from '../output.js';

/** How `terraform plan` would mark an action. */
export type PlanChange = 'create' | 'update' | 'drop' | 'rename';

const CHANGE_OF: Record<MirrorActionKind, PlanChange> = {
  'create-integration': 'create',
  'create-schema': 'create',
  'create-table': 'create',
  'update-integration': 'update',
  'refresh-table': 'update',
  'alter-table': 'update',
  'drop-table': 'drop',
  'rename-table': 'rename',
};

const SYMBOL: Record<PlanChange, { mark: string; color: Color }> = {
  create: { mark: '+', color: 'green' },
  update: { mark: '~', color: 'yellow' },
  drop: { mark: '-', color: 'red' },
  rename: { mark: '→', color: 'cyan' },
};

export function changeOf(kind: MirrorActionKind): PlanChange {
  return CHANGE_OF[kind] ?? 'update';
}

export interface PlanRenderOptions {
  /** Colours the marks. @defaultValue no colour */
  paint?: (text: string, color: Color) => string;
  /** Leave out each action's SQL. @defaultValue false */
  hideSql?: boolean;
}

const name = (n: ObjectName | undefined) => (n ? `${n.database}.${n.schema}.${n.name}` : '?');

/** What the action is about, in one phrase: `D2S_UC_SALES`, `DB.SCHEMA`, `DB.S.T (from uc.s.t)`. */
export function actionSubject(action: PlannedAction): string {
  const uc = action.table ? `${action.table.catalog}.${action.table.schema}.${action.table.name}` : undefined;
  switch (action.kind) {
    case 'create-integration':
    case 'update-integration':
      return typeof action.integration === 'string' ? action.integration : (action.integration?.name ?? '?');
    case 'create-schema':
      return `${action.database}.${action.schema}${action.createDatabase ? ' (and the database)' : ''}`;
    case 'create-table':
    case 'alter-table':
    case 'refresh-table':
      return uc ? `${name(action.target)} (from ${uc})` : name(action.target);
    case 'rename-table':
      return `${name(action.from)} → ${name(action.target)}${action.mode === 'recreate' ? ' (re-created)' : ''}`;
    case 'drop-table':
      return `${name(action.target)}${action.ucFullName ? ` (was ${action.ucFullName})` : ''}`;
    default:
      return action.id;
  }
}

/** Counts by change, for the summary line. */
export function countChanges(plan: { actions: ReadonlyArray<{ kind: MirrorActionKind }> }): Record<PlanChange, number> {
  const counts: Record<PlanChange, number> = { create: 0, update: 0, drop: 0, rename: 0 };
  for (const action of plan.actions) counts[changeOf(action.kind)]++;
  return counts;
}

/** `Plan: 3 to create, 1 to update, 0 to drop.` (with `, 1 to rename` before the period when there are renames). */
export function planSummaryLine(plan: { actions: ReadonlyArray<{ kind: MirrorActionKind }> }): string {
  const c = countChanges(plan);
  const rename = c.rename > 0 ? `, ${c.rename} to rename` : '';
  return `Plan: ${c.create} to create, ${c.update} to update, ${c.drop} to drop${rename}.`;
}

/**
 * A plan the way `terraform plan` shows one: each action with its mark
 * (+ create, ~ update, - drop, → rename), what it is about, why, and its SQL
 * (secrets already masked by the API) indented below; then what is left
 * alone (skipped tables, orphans) and the summary line, or "No changes.".
 */
export function renderPlan(plan: MirrorPlan, options: PlanRenderOptions = {}): string {
  const paint = options.paint ?? ((text: string) => text);
  const lines: string[] = [];
  const unchanged = plan.summary.unchanged;
  if (plan.actions.length > 0) {
    lines.push('d2s will perform the following actions to mirror Unity Catalog into Snowflake:', '');
    for (const action of plan.actions) {
      const change = changeOf(action.kind);
      const symbol = SYMBOL[change];
      lines.push(`  ${paint(symbol.mark, symbol.color)} ${paint(action.kind, 'bold')} ${actionSubject(action)}`);
      lines.push(`      ${paint(`# ${oneLine(action.reason)}`, 'dim')}`);
      if (!options.hideSql) {
        for (const statement of action.sql) {
          const [first = '', ...rest] = `${statement};`.split('\n');
          lines.push(`      ${first}`, ...rest.map((l) => `      ${l}`));
        }
      }
      lines.push('');
    }
  }
  if (plan.skipped.length > 0) {
    lines.push(`Skipped Unity Catalog tables (${plan.skipped.length}):`);
    for (const skip of plan.skipped) lines.push(`  ${skip.fullName} [${skip.code}]: ${oneLine(skip.reason)}`);
    lines.push('');
  }
  if (plan.orphans.length > 0) {
    lines.push(`Left alone (${plan.orphans.length}):`);
    for (const orphan of plan.orphans) lines.push(`  ${orphan.kind} ${orphan.name}: ${oneLine(orphan.reason)}`);
    lines.push('');
  }
  if (plan.actions.length === 0) {
    lines.push(
      `${paint('No changes.', 'bold')} Snowflake matches Unity Catalog${unchanged > 0 ? ` (${unchanged} table${unchanged === 1 ? '' : 's'} up to date)` : ''}.`,
    );
  } else {
    lines.push(
      `${paint(planSummaryLine(plan), 'bold')}${unchanged > 0 ? ` ${unchanged} table${unchanged === 1 ? '' : 's'} unchanged.` : ''}`,
    );
  }
  return lines.join('\n');
}

/**
 * The plan as a reviewable .sql file: a header that says secrets are masked,
 * then each action's statements under a comment with its mark and reason.
 */
export function renderPlanSql(plan: MirrorPlan): string {
  const lines = [
    `-- d2s mirror plan, ${plan.createdAt}`,
    `-- ${planSummaryLine(plan)} ${plan.summary.unchanged} table(s) unchanged, ${plan.summary.skipped} skipped, ${plan.summary.orphans} orphan(s).`,
    "-- SECRETS ARE MASKED as '[redacted]': fill in the OAuth client secret by hand before running this file.",
    '',
  ];
  if (plan.actions.length === 0) lines.push('-- No changes.', '');
  for (const action of plan.actions) {
    lines.push(`-- ${SYMBOL[changeOf(action.kind)].mark} ${action.kind} ${actionSubject(action)}`);
    lines.push(`--   ${oneLine(action.reason)}`);
    for (const statement of action.sql) lines.push(`${statement};`);
    lines.push('');
  }
  if (plan.orphans.length > 0) {
    lines.push('-- Left alone:');
    for (const orphan of plan.orphans) lines.push(`--   ${orphan.kind} ${orphan.name}: ${oneLine(orphan.reason)}`);
    lines.push('');
  }
  if (plan.skipped.length > 0) {
    lines.push('-- Skipped Unity Catalog tables:');
    for (const skip of plan.skipped) lines.push(`--   ${skip.fullName} [${skip.code}]: ${oneLine(skip.reason)}`);
    lines.push('');
  }
  return lines.join('\n');
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}
