import { describe, expect, it } from 'vitest';
import { Secret } from '../secret.js';
import { verifyCatalogIntegration } from '../snowflake/sql/catalog-integration.js';
import { clientIdHash, integrationComment, tableComment } from './markers.js';
import { clientIntegrationName } from './plan/integrations.js';
import { secretFingerprint } from './mirror-settings.js';
import { type DesiredTable, type PlanInput, planMirror, type SnowflakeSide } from './plan.js';
import { statementsFor } from './statements.js';
import { desired, emptySnowflake, KNOWN_SECRET, mirroredRow, testSettings } from '@d2s/testkit/mirror-fixtures';

const settings = testSettings();
const daily = desired('weather.forecasts.daily');
const hourly = desired('weather.forecasts.hourly');

const weatherIntegration = {
  name: 'D2S_UC_WEATHER',
  enabled: true,
  comment: integrationComment({
    catalog: 'weather',
    secretFingerprint: settings.secretFingerprint,
    clientIdHash: clientIdHash('sp-client-id'),
    refreshIntervalSeconds: 300,
  }),
};

/** Snowflake after a successful apply of `tables`. */
function applied(tables: DesiredTable[]): SnowflakeSide {
  return {
    integrations: [weatherIntegration],
    databases: [{ name: 'WEATHER', exists: true, schemas: ['FORECASTS', 'PUBLIC'] }],
    tables: tables.map((t) => mirroredRow(t)),
  };
}

function plan(input: Partial<PlanInput> & Pick<PlanInput, 'snowflake'>) {
  return planMirror({
    discovered: { tables: [daily, hourly], skipped: [] },
    settings,
    now: new Date('2026-11-23T10:00:00Z'),
    ...input,
  });
}

describe('planMirror', () => {
  it('creates the integration, the database and schema, and every table, with the exact SQL (secret masked)', () => {
    const result = plan({ snowflake: emptySnowflake() });
    expect(result.actions.map((a) => a.kind)).toEqual([
      'create-integration',
      'create-schema',
      'create-table',
      'create-table',
    ]);
    const [integration, schema, first] = result.actions;
    expect(integration?.sql).toEqual([
      `CREATE CATALOG INTEGRATION IF NOT EXISTS "D2S_UC_WEATHER"
  CATALOG_SOURCE = ICEBERG_REST
  TABLE_FORMAT = ICEBERG
  REST_CONFIG = (
    CATALOG_URI = 'https://dbc-1234.cloud.databricks.com/api/2.1/unity-catalog/iceberg-rest'
    CATALOG_NAME = 'weather'
    ACCESS_DELEGATION_MODE = VENDED_CREDENTIALS
  )
  REST_AUTHENTICATION = (
    TYPE = OAUTH
    OAUTH_TOKEN_URI = 'https://dbc-1234.cloud.databricks.com/oidc/v1/token'
    OAUTH_CLIENT_ID = 'sp-client-id'
    OAUTH_CLIENT_SECRET = '[redacted]'
    OAUTH_ALLOWED_SCOPES = ('all-apis', 'sql')
  )
  ENABLED = TRUE
  REFRESH_INTERVAL_SECONDS = 300
  COMMENT = 'd2s mirror of catalog weather (secret=${settings.secretFingerprint}, client=${clientIdHash('sp-client-id')}, refresh=300)'`,
      verifyCatalogIntegration('D2S_UC_WEATHER').masked,
    ]);
    expect(schema?.sql).toEqual([
      'CREATE DATABASE IF NOT EXISTS "WEATHER"',
      'CREATE SCHEMA IF NOT EXISTS "WEATHER"."FORECASTS"',
    ]);
    expect(first?.sql).toEqual([
      `CREATE ICEBERG TABLE IF NOT EXISTS "WEATHER"."FORECASTS"."DAILY"
  CATALOG = 'D2S_UC_WEATHER'
  CATALOG_TABLE_NAME = 'daily'
  CATALOG_NAMESPACE = 'forecasts'
  AUTO_REFRESH = TRUE
  COMMENT = 'd2s mirror of weather.forecasts.daily (uc_table_id=id-weather.forecasts.daily)'`,
    ]);
    expect(first).toMatchObject({ dependsOn: [integration?.id, schema?.id] });
    expect(result.summary).toMatchObject({
      actions: 4,
      'create-integration': 1,
      'create-schema': 1,
      'create-table': 2,
      unchanged: 0,
    });
    expect(JSON.stringify(result)).not.toContain(KNOWN_SECRET);
  });

  it('the executable statements hold the secret; their masked rendering never does', () => {
    const [integration] = plan({ snowflake: emptySnowflake() }).actions;
    const [create] = statementsFor(integration as never, settings);
    expect(create?.text()).toContain(`OAUTH_CLIENT_SECRET = '${KNOWN_SECRET}'`);
    expect(String(create)).not.toContain(KNOWN_SECRET);
    expect(JSON.stringify({ create })).not.toContain(KNOWN_SECRET);
  });

  it('plans nothing when Snowflake already matches', () => {
    const result = plan({ snowflake: applied([daily, hourly]) });
    expect(result.actions).toEqual([]);
    expect(result.summary).toMatchObject({ actions: 0, unchanged: 2, orphans: 0 });
  });

  it('refreshes unchanged tables only when asked', () => {
    const result = plan({ snowflake: applied([daily, hourly]), includeRefresh: true });
    expect(result.actions.map((a) => [a.kind, a.sql])).toEqual([
      ['refresh-table', ['ALTER ICEBERG TABLE "WEATHER"."FORECASTS"."DAILY" REFRESH']],
      ['refresh-table', ['ALTER ICEBERG TABLE "WEATHER"."FORECASTS"."HOURLY" REFRESH']],
    ]);
  });

  it('follows a rename in Unity Catalog by table id: create the new table, drop the old one, in one action', () => {
    const renamed = desired('weather.forecasts.daily_v2', settings, { table: { ...daily.table, name: 'daily_v2' } });
    const result = plan({
      discovered: { tables: [renamed, hourly], skipped: [] },
      snowflake: applied([daily, hourly]),
    });
    expect(result.actions).toHaveLength(1);
    expect(result.actions[0]).toMatchObject({
      kind: 'rename-table',
      mode: 'recreate',
      from: daily.target,
      target: { database: 'WEATHER', schema: 'FORECASTS', name: 'DAILY_V2' },
      previousUcFullName: 'weather.forecasts.daily',
      reason: expect.stringContaining('renamed in Unity Catalog: weather.forecasts.daily → weather.forecasts.daily_v2'),
    });
    expect(result.actions[0]?.sql).toEqual([
      expect.stringMatching(
        /^CREATE ICEBERG TABLE IF NOT EXISTS "WEATHER"."FORECASTS"."DAILY_V2"\n.*CATALOG_TABLE_NAME = 'daily_v2'/s,
      ),
      'DROP ICEBERG TABLE IF EXISTS "WEATHER"."FORECASTS"."DAILY"',
    ]);
    expect(result.orphans).toEqual([]);
  });

  it('replaces in one statement when a UC rename keeps the Snowflake name (pinned by a tag)', () => {
    const renamed = desired('weather.forecasts.daily_v2', settings, {
      table: { ...daily.table, name: 'daily_v2' },
      target: daily.target,
    });
    const result = plan({ discovered: { tables: [renamed], skipped: [] }, snowflake: applied([daily]) });
    expect(result.actions.map((a) => a.sql)).toEqual([
      [expect.stringMatching(/^CREATE OR REPLACE ICEBERG TABLE "WEATHER"."FORECASTS"."DAILY"\n/)],
    ]);
  });

  it('renames on the Snowflake side only when just the Snowflake name changed', () => {
    const retargeted = { ...daily, target: { database: 'WEATHER', schema: 'MARTS', name: 'DAILY' } };
    const result = plan({
      discovered: { tables: [retargeted, hourly], skipped: [] },
      snowflake: applied([daily, hourly]),
    });
    expect(result.actions.map((a) => [a.kind, a.sql])).toEqual([
      ['create-schema', ['CREATE SCHEMA IF NOT EXISTS "WEATHER"."MARTS"']],
      ['rename-table', ['ALTER ICEBERG TABLE "WEATHER"."FORECASTS"."DAILY" RENAME TO "WEATHER"."MARTS"."DAILY"']],
    ]);
  });

  it('lists a table gone from Unity Catalog as an orphan, or drops it when dropRemoved is on', () => {
    const kept = plan({ discovered: { tables: [hourly], skipped: [] }, snowflake: applied([daily, hourly]) });
    expect(kept.actions).toEqual([]);
    expect(kept.orphans).toEqual([
      {
        kind: 'table',
        name: 'WEATHER.FORECASTS.DAILY',
        tableId: daily.table.tableId,
        ucFullName: 'weather.forecasts.daily',
        reason: expect.stringContaining('gone from Unity Catalog'),
      },
    ]);
    // One of two mirrored tables is 50%, above mirror.maxDropShare (20%): refused unless forced.
    expect(() =>
      planMirror({
        discovered: { tables: [hourly], skipped: [] },
        snowflake: applied([daily, hourly]),
        settings: testSettings({ dropRemoved: true }),
      }),
    ).toThrow(expect.objectContaining({ code: 'MIRROR_DROP_LIMIT', httpStatus: 409 }));
    const dropped = planMirror({
      discovered: { tables: [hourly], skipped: [] },
      snowflake: applied([daily, hourly]),
      settings: testSettings({ dropRemoved: true }),
      force: true,
    });
    expect(dropped.actions.map((a) => [a.kind, a.sql])).toEqual([
      ['drop-table', ['DROP ICEBERG TABLE IF EXISTS "WEATHER"."FORECASTS"."DAILY"']],
    ]);
    expect(dropped.orphans).toEqual([]);
  });

  it('says when an orphan was deselected rather than dropped in UC, and leaves out-of-scope tables alone', () => {
    const sales = desired('sales.retail.orders');
    const result = plan({
      discovered: {
        tables: [hourly],
        skipped: [
          {
            fullName: 'weather.forecasts.daily',
            tableId: daily.table.tableId,
            code: 'OPTED_OUT',
            reason: "tagged snowflake_uniform_sync = 'false'",
          },
        ],
      },
      snowflake: { ...applied([daily, hourly]), tables: [...applied([daily, hourly]).tables, mirroredRow(sales)] },
      scope: { catalogs: ['weather'] },
    });
    expect(result.orphans).toHaveLength(1);
    expect(result.orphans[0]?.reason).toContain("no longer selected (tagged snowflake_uniform_sync = 'false')");
  });

  it('never replaces a table d2s did not create', () => {
    const result = plan({
      snowflake: {
        ...applied([hourly]),
        tables: [mirroredRow(hourly), { ...mirroredRow(daily), comment: 'made by hand' }],
      },
    });
    expect(result.actions).toEqual([]);
    expect(result.skipped).toEqual([
      {
        fullName: 'weather.forecasts.daily',
        tableId: daily.table.tableId,
        code: 'NAME_CONFLICT',
        reason: expect.stringContaining('WEATHER.FORECASTS.DAILY exists and is not a d2s mirror'),
      },
    ]);
  });

  it('replaces the mirror of a dropped UC table by a new UC table of the same name only with dropRemoved', () => {
    const recreated = { ...daily, table: { ...daily.table, tableId: 'id-new' } };
    const input = { discovered: { tables: [recreated], skipped: [] }, snowflake: applied([daily]) };
    expect(plan(input).skipped[0]).toMatchObject({ code: 'NAME_CONFLICT' });
    const replaced = planMirror({ ...input, settings: testSettings({ dropRemoved: true }) });
    expect(replaced.actions).toHaveLength(1);
    expect(replaced.actions[0]).toMatchObject({
      kind: 'create-table',
      replaces: { tableId: daily.table.tableId },
      sql: [expect.stringMatching(/^CREATE OR REPLACE ICEBERG TABLE "WEATHER"."FORECASTS"."DAILY"\n/)],
    });
  });

  it('moves the tables of a new OAuth client to an integration of its own, and lists the old one as unused', () => {
    // Snowflake cannot ALTER an integration's client id nor replace an integration its tables use
    // (https://docs.snowflake.com/en/sql-reference/sql/drop-catalog-integration, usage notes).
    const newClient = testSettings({ oauthClientId: 'sp-new-client' });
    const ownName = clientIntegrationName('D2S_UC_WEATHER', 'sp-new-client');
    const result = planMirror({
      discovered: { tables: [daily, hourly], skipped: [] },
      snowflake: applied([daily, hourly]),
      settings: newClient,
    });
    expect(result.actions.map((a) => [a.kind, 'integration' in a ? a.integration : undefined])).toEqual([
      ['create-integration', { name: ownName, catalog: 'weather' }],
      ['rename-table', ownName],
      ['rename-table', ownName],
    ]);
    const [create, move] = result.actions;
    expect(move).toMatchObject({ mode: 'recreate', dependsOn: [create?.id] });
    expect(move?.sql).toEqual([
      expect.stringMatching(
        new RegExp(`^CREATE OR REPLACE ICEBERG TABLE "WEATHER"."FORECASTS"."DAILY"\n[^]*CATALOG = '${ownName}'`),
      ),
    ]);
    expect(result.orphans).toEqual([expect.objectContaining({ kind: 'integration', name: 'D2S_UC_WEATHER' })]);
  });

  it('applies a rotated secret and a new interval with ALTER (no secret in the plan)', () => {
    const rotated = testSettings({
      oauthClientSecret: new Secret('rotated-secret-value'),
      refreshIntervalSeconds: 600,
    });
    const result = planMirror({
      discovered: { tables: [daily], skipped: [] },
      snowflake: applied([daily]),
      settings: rotated,
    });
    expect(result.actions).toHaveLength(1);
    expect(result.actions[0]).toMatchObject({
      kind: 'update-integration',
      rotateSecret: true,
      refreshIntervalSeconds: 600,
      reason: expect.stringContaining('secret'),
    });
    expect(result.actions[0]?.sql).toEqual([
      `ALTER CATALOG INTEGRATION "D2S_UC_WEATHER" SET
  REST_AUTHENTICATION = (
    OAUTH_CLIENT_SECRET = '[redacted]'
  )
  REFRESH_INTERVAL_SECONDS = 600
  COMMENT = 'd2s mirror of catalog weather (secret=${secretFingerprint('sp-client-id', new Secret('rotated-secret-value'))}, client=${clientIdHash('sp-client-id')}, refresh=600)'`,
      verifyCatalogIntegration('D2S_UC_WEATHER').masked,
    ]);
    expect(JSON.stringify(result)).not.toContain('rotated-secret-value');
  });

  it('skips the tables of an integration name d2s does not own, and never alters it', () => {
    const result = plan({
      snowflake: { ...emptySnowflake(), integrations: [{ name: 'D2S_UC_WEATHER', enabled: true, comment: '' }] },
    });
    expect(result.actions.map((a) => a.kind)).toEqual([]);
    expect(result.skipped.map((s) => s.code)).toEqual(['INTEGRATION_CONFLICT', 'INTEGRATION_CONFLICT']);
  });

  it('skips a second table aimed at the same Snowflake name', () => {
    const twin = desired('weather.other.daily', settings, { target: daily.target });
    const result = plan({ discovered: { tables: [daily, twin], skipped: [] }, snowflake: applied([]) });
    expect(result.actions.map((a) => a.kind)).toEqual(['create-table']);
    expect(result.skipped).toEqual([
      expect.objectContaining({ fullName: 'weather.other.daily', code: 'DUPLICATE_TARGET' }),
    ]);
  });

  it('skips a catalog whose integration name collides with another catalog’s', () => {
    const other = desired('weather-x.forecasts.t', settings, {
      integration: { name: 'D2S_UC_WEATHER_X', catalog: 'weather-x' },
    });
    const clash = desired('weather_x.forecasts.t', settings, {
      integration: { name: 'D2S_UC_WEATHER_X', catalog: 'weather_x' },
      target: { database: 'WX', schema: 'F', name: 'T' },
    });
    const result = plan({ discovered: { tables: [other, clash], skipped: [] }, snowflake: emptySnowflake() });
    expect(result.skipped).toEqual([
      expect.objectContaining({ fullName: 'weather_x.forecasts.t', code: 'INTEGRATION_CONFLICT' }),
    ]);
    expect(result.summary['create-table']).toBe(1);
  });

  it('quotes names that need it', () => {
    const odd = desired('weather.forecasts.odd', settings, {
      table: { tableId: 'x1', catalog: 'weather', schema: 'forecasts', name: "it's odd" },
      target: { database: 'Mixed Db', schema: 'my schema', name: 'say "hi"' },
    });
    const result = plan({ discovered: { tables: [odd], skipped: [] }, snowflake: applied([]) });
    expect(result.actions.map((a) => a.sql)).toEqual([
      ['CREATE DATABASE IF NOT EXISTS "Mixed Db"', 'CREATE SCHEMA IF NOT EXISTS "Mixed Db"."my schema"'],
      [
        `CREATE ICEBERG TABLE IF NOT EXISTS "Mixed Db"."my schema"."say ""hi"""
  CATALOG = 'D2S_UC_WEATHER'
  CATALOG_TABLE_NAME = 'it''s odd'
  CATALOG_NAMESPACE = 'forecasts'
  AUTO_REFRESH = TRUE
  COMMENT = '${tableComment({ ucFullName: "weather.forecasts.it's odd", tableId: 'x1' }).replace("'", "''")}'`,
      ],
    ]);
  });

  it('keeps action ids stable across plans (keyed by table id)', () => {
    const a = plan({ snowflake: emptySnowflake() }).actions.map((x) => x.id);
    const b = plan({ snowflake: emptySnowflake() }).actions.map((x) => x.id);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(a.length);
  });
});
