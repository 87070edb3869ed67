import { clientIdHash, integrationComment, type MirrorPlan, planMirror, Secret } from '@d2s/shared';
import { desired, mirroredRow, testSettings } from '../mirror-fixtures.js';

/**
 * A plan with every kind of change, computed by the real planner
 * (planMirror) from a Snowflake account that mirrored weather.forecasts.{daily,
 * hourly,gone} and sales.retail.orders before; since then the OAuth secret was
 * rotated, `daily` was renamed in Unity Catalog, `hourly` is mapped to another
 * schema, `gone` was dropped, `radar` is new, and the sales catalog is out of
 * the mirror. Refresh was asked for, so unchanged tables get a refresh.
 */
export function plannedChanges(): MirrorPlan {
  const before = testSettings();
  const settings = testSettings({
    oauthClientSecret: new Secret('rotated-secret-value'),
    dropRemoved: true,
    catalogs: [{ name: 'weather', schemaMap: {} }],
  });
  const daily = desired('weather.forecasts.daily', before);
  const hourly = desired('weather.forecasts.hourly', before);
  const stations = desired('weather.forecasts.stations', before);
  const gone = desired('weather.forecasts.gone', before);
  const renamed = desired('weather.forecasts.daily_v2', settings, { table: { ...daily.table, name: 'daily_v2' } });
  const moved = { ...hourly, target: { database: 'WEATHER', schema: 'MARTS', name: 'HOURLY' } };
  const radar = desired('weather.forecasts.radar', settings);
  return planMirror({
    discovered: {
      tables: [renamed, moved, stations, radar],
      skipped: [
        {
          fullName: 'weather.forecasts.summary_view',
          tableId: 'id-view',
          code: 'NOT_A_TABLE',
          reason: 'a view: only tables can be mirrored',
        },
      ],
    },
    snowflake: {
      integrations: [
        {
          name: 'D2S_UC_WEATHER',
          enabled: true,
          comment: integrationComment({
            catalog: 'weather',
            secretFingerprint: before.secretFingerprint,
            clientIdHash: clientIdHash(before.oauthClientId),
            refreshIntervalSeconds: 300,
          }),
        },
        {
          name: 'D2S_UC_SALES',
          enabled: true,
          comment: integrationComment({
            catalog: 'sales',
            secretFingerprint: before.secretFingerprint,
            clientIdHash: clientIdHash(before.oauthClientId),
            refreshIntervalSeconds: 300,
          }),
        },
      ],
      databases: [{ name: 'WEATHER', exists: true, schemas: ['FORECASTS'] }],
      tables: [daily, hourly, stations, gone].map((t) => mirroredRow(t)),
    },
    settings,
    includeRefresh: true,
    // One drop of four mirrored tables is above mirror.maxDropShare: this plan shows every kind of change.
    force: true,
    now: new Date('2026-11-23T10:00:00Z'),
  });
}
