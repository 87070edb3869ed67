import { describe, expect, it } from 'vitest';
import { integrationComment, parseIntegrationComment, parseTableComment, tableComment } from './markers.js';
import { integrationFor, snowflakeLink, snowflakeTargetFor } from './naming.js';
import { testSettings } from '@d2s/testkit/mirror-fixtures';

describe('Snowflake names', () => {
  const settings = testSettings();
  const [weather, sales] = settings.catalogs;

  it('defaults to the Unity Catalog names in upper case', () => {
    expect(
      snowflakeTargetFor({ catalog: 'weather', schema: 'forecasts', name: 'daily' }, {}, weather, settings),
    ).toEqual({ database: 'WEATHER', schema: 'FORECASTS', name: 'DAILY' });
  });

  it('uses the catalog database and schemaMap, and tags over both', () => {
    const ref = { catalog: 'sales', schema: 'retail', name: 'orders' };
    expect(snowflakeTargetFor(ref, {}, sales, settings)).toEqual({
      database: 'SALES_DB',
      schema: 'SHOP',
      name: 'ORDERS',
    });
    expect(
      snowflakeTargetFor(
        ref,
        { snowflake_database: 'Mixed Db', snowflake_schema: 'S', snowflake_table: 'my "table"', other: 'x' },
        sales,
        settings,
      ),
    ).toEqual({ database: 'Mixed Db', schema: 'S', name: 'my "table"' });
    expect(snowflakeTargetFor(ref, { snowflake_table: '  ' }, sales, settings).name).toBe('ORDERS');
  });

  it('names integrations per catalog or per schema, replacing other characters with _', () => {
    expect(integrationFor({ catalog: 'my-cat.x', schema: 'a b' }, settings)).toEqual({
      name: 'D2S_UC_MY_CAT_X',
      catalog: 'my-cat.x',
    });
    expect(
      integrationFor({ catalog: 'weather', schema: 'fore-casts' }, testSettings({ integrationPer: 'schema' })),
    ).toEqual({ name: 'D2S_UC_WEATHER_FORE_CASTS', catalog: 'weather', namespace: 'fore-casts' });
  });

  it('links to Snowsight when the account is org-account, else gives the qualified name', () => {
    const name = { database: 'DB', schema: 'S', name: 'my table' };
    expect(snowflakeLink('MyOrg-Acct1', name)).toEqual({
      qualifiedName: 'DB.S.my table',
      url: 'https://app.snowflake.com/myorg/acct1/#/data/databases/DB/schemas/S/table/my%20table',
    });
    expect(snowflakeLink('xy12345.eu-west-1', name)).toEqual({ qualifiedName: 'DB.S.my table' });
  });
});

describe('identity markers', () => {
  it('round-trip a table marker, even with odd names', () => {
    const marker = { ucFullName: 'c.s.my (odd) table', tableId: '8d1c-42' };
    expect(tableComment(marker)).toBe('d2s mirror of c.s.my (odd) table (uc_table_id=8d1c-42)');
    expect(parseTableComment(tableComment(marker))).toEqual(marker);
    expect(parseTableComment('created by hand')).toBeUndefined();
    expect(parseTableComment(null)).toBeUndefined();
  });

  it('round-trip an integration marker with the secret fingerprint and interval', () => {
    const marker = { catalog: 'weather', secretFingerprint: '0123456789abcdef', refreshIntervalSeconds: 300 };
    expect(integrationComment(marker)).toBe('d2s mirror of catalog weather (secret=0123456789abcdef, refresh=300)');
    expect(parseIntegrationComment(integrationComment(marker))).toEqual(marker);
    const perSchema = { ...marker, schema: 'forecasts' };
    expect(parseIntegrationComment(integrationComment(perSchema))).toEqual(perSchema);
    expect(parseIntegrationComment('d2s mirror of catalog weather (secret=xyz, refresh=300)')).toBeUndefined();
  });
});
