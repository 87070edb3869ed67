import { describe, expect, it } from 'vitest';
import { planMirror } from './plan.js';
import { filterPlan, offlinePlanSql } from './plan-views.js';
import { desired, emptySnowflake, KNOWN_SECRET, testSettings } from '@d2s/testkit/mirror-fixtures';

const settings = testSettings();
const fresh = planMirror({
  discovered: { tables: [desired('weather.forecasts.daily'), desired('sales.retail.orders')], skipped: [] },
  snowflake: emptySnowflake(),
  settings,
});

describe('filterPlan', () => {
  it('keeps one kind of DDL, recounts the summary, and drops the plan id (a view cannot be applied)', () => {
    const reviewed = { ...fresh, id: 'plan_01JD0000000000000000', expiresAt: '2026-12-03T00:00:00.000Z' };
    const integrations = filterPlan(reviewed, 'integrations');
    expect(integrations.actions.map((a) => a.kind)).toEqual(['create-integration', 'create-integration']);
    expect(integrations.summary).toMatchObject({ actions: 2, 'create-integration': 2, 'create-table': 0 });
    expect(integrations.id).toBeUndefined();
    const tables = filterPlan(reviewed, 'tables');
    expect(new Set(tables.actions.map((a) => a.kind))).toEqual(new Set(['create-schema', 'create-table']));
    expect(tables.summary.actions).toBe(fresh.actions.length - 2);
  });
});

describe('offlinePlanSql', () => {
  it('writes every statement runnable and idempotent, the secret as &{d2s_oauth_client_secret}', () => {
    const sql = offlinePlanSql(fresh, settings);
    expect(sql).not.toContain(KNOWN_SECRET);
    expect(sql).not.toContain('[redacted]');
    expect(sql.match(/OAUTH_CLIENT_SECRET = '&\{d2s_oauth_client_secret\}'/g)).toHaveLength(2);
    const statements = sql.split('\n').filter((l) => /^(CREATE|SELECT)/.test(l));
    expect(statements.filter((l) => l.startsWith('CREATE')).every((l) => l.includes('IF NOT EXISTS'))).toBe(true);
    expect(sql).toContain('CREATE DATABASE IF NOT EXISTS "WEATHER";');
    expect(sql).toContain('snow sql -f plan.sql -D "d2s_oauth_client_secret=<secret>"');
  });
});
