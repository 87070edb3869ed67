import { describe, expect, it } from 'vitest';
import type { MirrorPlan } from '../api-types.js';
import { plannedChanges } from '@d2s/testkit/planned-changes';
import { RECORDED_PLAN } from '@d2s/testkit/recorded-mirror';
import { countChanges, planSummaryLine, renderPlan, renderPlanSql } from './plan.js';

describe('renderPlan', () => {
  it('renders a recorded first plan: creates with reasons and indented, masked SQL', () => {
    const text = renderPlan(RECORDED_PLAN);
    expect(text).toContain(
      '  + create-integration D2S_UC_SALES\n      # no catalog integration for Unity Catalog catalog sales yet\n      CREATE CATALOG INTEGRATION IF NOT EXISTS "D2S_UC_SALES"\n        CATALOG_SOURCE = ICEBERG_REST\n',
    );
    expect(text).toContain("        OAUTH_CLIENT_SECRET = '[redacted]'\n");
    expect(text).toContain("      SELECT SYSTEM$VERIFY_CATALOG_INTEGRATION('D2S_UC_SALES');\n");
    expect(text).toContain(
      '  + create-schema SALES_MIRROR.RETAIL (and the database)\n      # database SALES_MIRROR does not exist yet\n',
    );
    expect(text).toContain('  + create-table SALES_MIRROR.Retail Shop.ORDER_ITEMS (from sales.retail.order_items)\n');
    expect(text).toContain(
      'Skipped Unity Catalog tables (2):\n  weather.forecasts.daily_forecast_summary [NOT_A_TABLE]: a view: only tables can be mirrored\n',
    );
    expect(text.trimEnd().split('\n').at(-1)).toBe('Plan: 9 to create, 0 to update, 0 to drop.');
  });

  it('marks every kind of change the way terraform does, in plan order', () => {
    const plan = plannedChanges();
    const text = renderPlan(plan);
    const heads = text.split('\n').filter((l) => /^ {2}[+~\-→] /.test(l));
    expect(heads).toEqual([
      '  ~ update-integration D2S_UC_WEATHER',
      '  + create-schema WEATHER.MARTS',
      '  - drop-table WEATHER.FORECASTS.GONE (was weather.forecasts.gone)',
      '  → rename-table WEATHER.FORECASTS.DAILY → WEATHER.FORECASTS.DAILY_V2 (re-created)',
      '  → rename-table WEATHER.FORECASTS.HOURLY → WEATHER.MARTS.HOURLY',
      '  + create-table WEATHER.FORECASTS.RADAR (from weather.forecasts.radar)',
      '  ~ refresh-table WEATHER.FORECASTS.STATIONS (from weather.forecasts.stations)',
    ]);
    expect(text).toContain(
      '  → rename-table WEATHER.FORECASTS.HOURLY → WEATHER.MARTS.HOURLY\n      # Snowflake name changed (tags or config): WEATHER.FORECASTS.HOURLY → WEATHER.MARTS.HOURLY\n      ALTER ICEBERG TABLE "WEATHER"."FORECASTS"."HOURLY" RENAME TO "WEATHER"."MARTS"."HOURLY";\n',
    );
    expect(text).toContain(
      'Left alone (1):\n  integration D2S_UC_SALES: no mirrored table uses it (catalog sales); d2s never drops integrations',
    );
    expect(text).not.toContain('rotated-secret-value');
    expect(countChanges(plan)).toEqual({ create: 2, update: 2, drop: 1, rename: 2 });
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      'Plan: 2 to create, 2 to update, 1 to drop, 2 to rename. 1 table unchanged.',
    );
  });

  it('says "No changes." for an empty plan', () => {
    const empty: MirrorPlan = {
      createdAt: '2026-11-23T10:00:00.000Z',
      summary: { actions: 0, unchanged: 54, skipped: 0, orphans: 0 },
      actions: [],
      skipped: [],
      orphans: [],
    };
    expect(renderPlan(empty)).toBe('No changes. Snowflake matches Unity Catalog (54 tables up to date).');
    expect(planSummaryLine(empty)).toBe('Plan: 0 to create, 0 to update, 0 to drop.');
  });

  it('colours the marks only when asked', () => {
    const text = renderPlan(plannedChanges(), { paint: (t, c) => `<${c}>${t}</${c}>` });
    expect(text).toContain('  <green>+</green> <bold>create-schema</bold> WEATHER.MARTS');
    expect(text).toContain('  <red>-</red> <bold>drop-table</bold>');
    expect(text).toContain('  <yellow>~</yellow> <bold>update-integration</bold>');
    expect(renderPlan(plannedChanges())).not.toContain('\x1b[');
  });

  it('can leave the SQL out', () => {
    expect(renderPlan(plannedChanges(), { hideSql: true })).not.toContain('ALTER ICEBERG TABLE');
  });
});

describe('renderPlanSql', () => {
  it('writes a reviewable .sql file: a masked-secrets header, then each action under its comment', () => {
    const sql = renderPlanSql(plannedChanges());
    const lines = sql.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      '-- d2s mirror plan, 2026-11-23T10:00:00.000Z',
      '-- Plan: 2 to create, 2 to update, 1 to drop, 2 to rename. 1 table(s) unchanged, 1 skipped, 1 orphan(s).',
      "-- SECRETS ARE MASKED as '[redacted]': fill in the OAuth client secret by hand before running this file.",
    ]);
    expect(sql).toContain(
      '-- → rename-table WEATHER.FORECASTS.HOURLY → WEATHER.MARTS.HOURLY\n--   Snowflake name changed (tags or config): WEATHER.FORECASTS.HOURLY → WEATHER.MARTS.HOURLY\nALTER ICEBERG TABLE "WEATHER"."FORECASTS"."HOURLY" RENAME TO "WEATHER"."MARTS"."HOURLY";\n',
    );
    expect(sql).toContain("    OAUTH_CLIENT_SECRET = '[redacted]'\n");
    expect(sql).not.toContain('rotated-secret-value');
    // Every line that is not a comment belongs to a statement; each statement ends with ';'.
    const statements = sql.split(/;\n/).filter((chunk) => chunk.split('\n').some((l) => l && !l.startsWith('--')));
    expect(statements).toHaveLength(plannedChanges().actions.reduce((n, a) => n + a.sql.length, 0));
  });
});
