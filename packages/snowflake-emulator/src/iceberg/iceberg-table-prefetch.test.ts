import { describe, expect, it } from 'vitest';
import type { CatalogIntegrationEntry } from '../engine/catalog.js';
import type { StatementContext } from '../engine/statement-context.js';
import { remoteTableKey, takeRemoteIcebergTable } from './iceberg-table-prefetch.js';

const integration = (): CatalogIntegrationEntry => ({
  name: 'UC',
  catalogSource: 'ICEBERG_REST',
  tableFormat: 'ICEBERG',
  catalogNamespace: 'sales',
  catalogUri: 'http://127.0.0.1:1/api/2.1/unity-catalog/iceberg-rest',
  catalogName: 'main',
  prefix: null,
  accessDelegationMode: 'VENDED_CREDENTIALS',
  authType: 'OAUTH',
  oauthTokenUri: null,
  oauthClientId: 'client',
  oauthClientSecret: 'secret',
  oauthAllowedScopes: ['all-apis'],
  bearerToken: null,
  enabled: true,
  refreshIntervalSeconds: 30,
  comment: null,
  createdOn: new Date(0),
});

/** Only `prefetch` is read by takeRemoteIcebergTable. */
function contextWith(prefetch: StatementContext['prefetch']): StatementContext {
  return { prefetch } as StatementContext;
}

const remote = { loaded: { metadata: {} }, files: ['a.parquet'] };

describe('the remote read a CREATE ICEBERG TABLE made before the lock', () => {
  it('is used only for the integration, namespace and table it was read for', async () => {
    const read = integration();
    const ctx = contextWith({ key: remoteTableKey(read, 'sales', 'orders'), value: Promise.resolve({ ok: remote }) });
    expect(await takeRemoteIcebergTable(ctx, integration(), 'sales', 'orders')).toBe(remote);
    expect(await takeRemoteIcebergTable(ctx, integration(), 'sales', 'other')).toBeUndefined();
    expect(await takeRemoteIcebergTable(ctx, integration(), 'other', 'orders')).toBeUndefined();
  });

  it('is not used once the integration changed (ALTER between the read and the lock): no stale credentials', async () => {
    const ctx = contextWith({
      key: remoteTableKey(integration(), 'sales', 'orders'),
      value: Promise.resolve({ ok: remote }),
    });
    const altered = { ...integration(), oauthClientSecret: 'rotated' };
    expect(await takeRemoteIcebergTable(ctx, altered, 'sales', 'orders')).toBeUndefined();
    expect(await takeRemoteIcebergTable(ctx, { ...integration(), enabled: false }, 'sales', 'orders')).toBeUndefined();
  });

  it("reports the read's failure where the handler's own read would", async () => {
    const failure = new Error('NoSuchTableException');
    const ctx = contextWith({
      key: remoteTableKey(integration(), 'sales', 'orders'),
      value: Promise.resolve({ error: failure }),
    });
    await expect(takeRemoteIcebergTable(ctx, integration(), 'sales', 'orders')).rejects.toBe(failure);
  });

  it('is absent when nothing was read: the handler reads for itself', async () => {
    expect(await takeRemoteIcebergTable(contextWith(undefined), integration(), 'sales', 'orders')).toBeUndefined();
  });
});
