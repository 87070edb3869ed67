import { describe, expect, it } from 'vitest';
import { Secret } from '../../secret.js';
import { SqlBuildError } from '../errors.js';
import {
  alterCatalogIntegration,
  createCatalogIntegration,
  dropCatalogIntegration,
  parseCatalogIntegrationVerification,
  showCatalogIntegrations,
  unityCatalogIcebergRestUri,
  verifyCatalogIntegration,
} from './catalog-integration.js';

const secret = new Secret("pa55'word\\x");

describe('createCatalogIntegration', () => {
  const statement = createCatalogIntegration({
    name: 'D2S_UC_MAIN',
    workspaceUrl: 'https://dbc-123.cloud.databricks.com/',
    catalogName: 'main',
    namespace: 'sales',
    oauth: { clientId: 'sp-client-id', clientSecret: secret },
    refreshIntervalSeconds: 300,
    comment: 'managed by d2s',
  });
  const expected = (secretLiteral: string) =>
    [
      'CREATE CATALOG INTEGRATION IF NOT EXISTS "D2S_UC_MAIN"',
      '  CATALOG_SOURCE = ICEBERG_REST',
      '  TABLE_FORMAT = ICEBERG',
      "  CATALOG_NAMESPACE = 'sales'",
      '  REST_CONFIG = (',
      "    CATALOG_URI = 'https://dbc-123.cloud.databricks.com/api/2.1/unity-catalog/iceberg-rest'",
      "    CATALOG_NAME = 'main'",
      '    ACCESS_DELEGATION_MODE = VENDED_CREDENTIALS',
      '  )',
      '  REST_AUTHENTICATION = (',
      '    TYPE = OAUTH',
      "    OAUTH_TOKEN_URI = 'https://dbc-123.cloud.databricks.com/oidc/v1/token'",
      "    OAUTH_CLIENT_ID = 'sp-client-id'",
      `    OAUTH_CLIENT_SECRET = ${secretLiteral}`,
      "    OAUTH_ALLOWED_SCOPES = ('all-apis', 'sql')",
      '  )',
      '  ENABLED = TRUE',
      '  REFRESH_INTERVAL_SECONDS = 300',
      "  COMMENT = 'managed by d2s'",
    ].join('\n');

  it('executable SQL carries the escaped secret', () => {
    expect(statement.text()).toBe(expected("'pa55''word\\\\x'"));
  });

  it('masked SQL, JSON and string forms never do', () => {
    expect(statement.masked).toBe(expected("'[redacted]'"));
    expect(String(statement)).toBe(statement.masked);
    expect(JSON.stringify(statement)).not.toContain('pa55');
  });

  it('minimal form', () => {
    const sql = createCatalogIntegration({
      name: 'D2S_INT',
      workspaceUrl: 'http://127.0.0.1:8123',
      catalogName: 'main',
      oauth: { clientId: 'c', clientSecret: secret, scopes: ['all-apis'] },
      enabled: false,
    }).masked;
    expect(sql).toBe(
      [
        'CREATE CATALOG INTEGRATION IF NOT EXISTS "D2S_INT"',
        '  CATALOG_SOURCE = ICEBERG_REST',
        '  TABLE_FORMAT = ICEBERG',
        '  REST_CONFIG = (',
        "    CATALOG_URI = 'http://127.0.0.1:8123/api/2.1/unity-catalog/iceberg-rest'",
        "    CATALOG_NAME = 'main'",
        '    ACCESS_DELEGATION_MODE = VENDED_CREDENTIALS',
        '  )',
        '  REST_AUTHENTICATION = (',
        '    TYPE = OAUTH',
        "    OAUTH_TOKEN_URI = 'http://127.0.0.1:8123/oidc/v1/token'",
        "    OAUTH_CLIENT_ID = 'c'",
        "    OAUTH_CLIENT_SECRET = '[redacted]'",
        "    OAUTH_ALLOWED_SCOPES = ('all-apis')",
        '  )',
        '  ENABLED = FALSE',
      ].join('\n'),
    );
  });

  it('refuses lower-case or quoted integration names', () => {
    const base = { workspaceUrl: 'https://w', catalogName: 'c', oauth: { clientId: 'c', clientSecret: secret } };
    expect(() => createCatalogIntegration({ ...base, name: 'd2s_uc_main' })).toThrow(SqlBuildError);
    expect(() => alterCatalogIntegration({ name: 'a b', refreshIntervalSeconds: 60 })).toThrow(SqlBuildError);
    expect(() => dropCatalogIntegration('x"y')).toThrow(SqlBuildError);
  });

  it('refuses an interval out of range and a bad workspace URL', () => {
    const base = {
      name: 'X',
      workspaceUrl: 'https://w',
      catalogName: 'c',
      oauth: { clientId: 'c', clientSecret: secret },
    };
    expect(() => createCatalogIntegration({ ...base, refreshIntervalSeconds: 10 })).toThrow(SqlBuildError);
    expect(() => createCatalogIntegration({ ...base, refreshIntervalSeconds: 86_401 })).toThrow(SqlBuildError);
    expect(() => createCatalogIntegration({ ...base, workspaceUrl: 'not a url' })).toThrow(SqlBuildError);
    expect(() => createCatalogIntegration({ ...base, workspaceUrl: 'ftp://w' })).toThrow(SqlBuildError);
  });

  it('builds the Iceberg REST URI under a workspace path', () => {
    expect(unityCatalogIcebergRestUri('https://host/ws/')).toBe('https://host/ws/api/2.1/unity-catalog/iceberg-rest');
  });
});

describe('alterCatalogIntegration', () => {
  it('rotates the secret and sets the interval', () => {
    const statement = alterCatalogIntegration({
      name: 'D2S_UC_MAIN',
      clientSecret: secret,
      refreshIntervalSeconds: 600,
    });
    const expected = (literal: string) =>
      [
        'ALTER CATALOG INTEGRATION "D2S_UC_MAIN" SET',
        '  REST_AUTHENTICATION = (',
        `    OAUTH_CLIENT_SECRET = ${literal}`,
        '  )',
        '  REFRESH_INTERVAL_SECONDS = 600',
      ].join('\n');
    expect(statement.text()).toBe(expected("'pa55''word\\\\x'"));
    expect(statement.masked).toBe(expected("'[redacted]'"));
  });

  it('interval and comment only, with IF EXISTS', () => {
    const statement = alterCatalogIntegration({ name: 'X', refreshIntervalSeconds: 30, comment: 'c', ifExists: true });
    expect(statement.text()).toBe(
      'ALTER CATALOG INTEGRATION IF EXISTS "X" SET\n  REFRESH_INTERVAL_SECONDS = 30\n  COMMENT = \'c\'',
    );
    expect(statement.hasSecrets).toBe(false);
  });

  it('needs something to set', () => {
    expect(() => alterCatalogIntegration({ name: 'X' })).toThrow(SqlBuildError);
  });
});

describe('verify, show, drop', () => {
  it('verify passes the exact name', () => {
    expect(verifyCatalogIntegration('D2S_UC_MAIN').text()).toBe(
      `SELECT SYSTEM$VERIFY_CATALOG_INTEGRATION('D2S_UC_MAIN')`,
    );
    expect(() => verifyCatalogIntegration('')).toThrow(SqlBuildError);
    expect(() => verifyCatalogIntegration("o'k")).toThrow(SqlBuildError);
  });

  it('parses the verification result', () => {
    expect(
      parseCatalogIntegrationVerification([{ "SYSTEM$VERIFY_CATALOG_INTEGRATION('X')": '{"success":true}' }]),
    ).toEqual({ success: true });
    expect(
      parseCatalogIntegrationVerification([
        { ANY: { success: false, errorCode: '004140', errorMessage: 'Unable to find warehouse' } },
      ]),
    ).toEqual({ success: false, errorCode: '004140', errorMessage: 'Unable to find warehouse' });
    expect(parseCatalogIntegrationVerification([]).success).toBe(false);
  });

  it('show with and without LIKE', () => {
    expect(showCatalogIntegrations().text()).toBe('SHOW CATALOG INTEGRATIONS');
    expect(showCatalogIntegrations({ like: "D2S\\_%'" }).text()).toBe("SHOW CATALOG INTEGRATIONS LIKE 'D2S\\\\_%'''");
  });

  it('drop', () => {
    expect(dropCatalogIntegration('D2S_UC_MAIN').text()).toBe('DROP CATALOG INTEGRATION IF EXISTS "D2S_UC_MAIN"');
  });
});
