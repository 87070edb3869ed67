import { describe, expect, it } from 'vitest';
import { Secret } from '../../secret.js';
import { clientIdHash, integrationComment } from '../markers.js';
import { secretFingerprint } from '../mirror-settings.js';
import { statementsFor } from '../statements.js';
import type { MirrorAction } from '../mirror-action.js';
import { desired, KNOWN_SECRET, testSettings } from '@d2s/testkit/mirror-fixtures';
import { clientIntegrationName, planIntegrations, withClientIntegrations } from './integrations.js';
import type { SnowflakeIntegration } from './sides.js';

const settings = testSettings();
const weather = desired('weather.forecasts.daily');

function existing(overrides: Partial<SnowflakeIntegration> & { catalog?: string; refresh?: number } = {}) {
  const { catalog = 'weather', refresh = 300, ...row } = overrides;
  return {
    name: 'D2S_UC_WEATHER',
    enabled: true,
    comment: integrationComment({
      catalog,
      secretFingerprint: settings.secretFingerprint,
      refreshIntervalSeconds: refresh,
    }),
    ...row,
  };
}

describe('planIntegrations', () => {
  it('needs no action for an integration in step, and its tables wait for nothing', () => {
    const plan = planIntegrations([weather], [existing()], settings);
    expect(plan.actions).toEqual([]);
    expect([...plan.waitFor]).toEqual([['D2S_UC_WEATHER', undefined]]);
  });

  it('alters only the refresh interval when just that changed, and tables wait for the ALTER', () => {
    const plan = planIntegrations([weather], [existing({ refresh: 60 })], settings);
    expect(plan.actions).toEqual([
      expect.objectContaining({
        kind: 'update-integration',
        rotateSecret: false,
        refreshIntervalSeconds: 300,
        reason: 'the refresh interval changed from 60 s to 300 s',
      }),
    ]);
    expect(plan.waitFor.get('D2S_UC_WEATHER')).toBe(plan.actions[0]?.id);
  });

  it('blocks, never alters, an integration that is disabled or mirrors another catalog', () => {
    const disabled = planIntegrations([weather], [existing({ enabled: false })], settings);
    expect(disabled.actions).toEqual([]);
    expect(disabled.blocked.get('D2S_UC_WEATHER')).toMatch(/is disabled/);
    expect(disabled.waitFor.has('D2S_UC_WEATHER')).toBe(false);

    const other = planIntegrations([weather], [existing({ catalog: 'sales' })], settings);
    expect(other.actions).toEqual([]);
    expect(other.blocked.get('D2S_UC_WEATHER')).toMatch(/is not d2s's mirror of weather/);
  });

  it('gives a shared name to the first table that needs it, and sees only integrations under the prefix', () => {
    const clash = desired('weather_x.forecasts.t', settings, {
      integration: { name: 'D2S_UC_WEATHER', catalog: 'weather_x' },
    });
    const plan = planIntegrations([weather, clash], [existing({ name: 'OTHER' })], settings);
    expect(plan.owners.get('D2S_UC_WEATHER')).toEqual(weather.integration);
    expect(plan.actions.map((a) => [a.kind, a.integration.catalog])).toEqual([['create-integration', 'weather']]);
    expect([...plan.existing.keys()]).toEqual([]);
  });
});

describe('planIntegrations: a changed OAuth client', () => {
  const written = (clientId: string, secret: string) => ({
    name: 'D2S_UC_WEATHER',
    enabled: true,
    comment: integrationComment({
      catalog: 'weather',
      secretFingerprint: secretFingerprint(clientId, new Secret(secret)),
      clientIdHash: clientIdHash(clientId),
      refreshIntervalSeconds: 300,
    }),
  });

  // Snowflake's ALTER CATALOG INTEGRATION takes only OAUTH_CLIENT_SECRET in REST_AUTHENTICATION
  // (https://docs.snowflake.com/en/sql-reference/sql/alter-catalog-integration), and an integration that Iceberg
  // tables use can be neither replaced nor dropped (drop-catalog-integration, usage notes): a new client id gets
  // an integration of its own, and the tables move to it.
  it('gives a new client id an integration of its own, created with every property, never replacing the old', () => {
    const newClient = testSettings({ oauthClientId: 'sp-new-client' });
    const ownName = clientIntegrationName('D2S_UC_WEATHER', 'sp-new-client');
    expect(ownName).toBe(`D2S_UC_WEATHER_C${clientIdHash('sp-new-client').slice(0, 8).toUpperCase()}`);
    const snowflake = [written('sp-client-id', KNOWN_SECRET)];
    const [moved] = withClientIntegrations([weather], snowflake, newClient);
    expect(moved?.integration).toEqual({ name: ownName, catalog: 'weather', supersedes: 'D2S_UC_WEATHER' });

    const plan = planIntegrations([moved as typeof weather], snowflake, newClient);
    expect(plan.actions).toEqual([
      expect.objectContaining({
        kind: 'create-integration',
        integration: { name: ownName, catalog: 'weather' },
        reason: expect.stringContaining('D2S_UC_WEATHER is left for you to drop'),
      }),
    ]);
    const [statement, verify] = statementsFor(plan.actions[0] as MirrorAction, newClient);
    expect(statement?.masked).toMatch(new RegExp(`^CREATE CATALOG INTEGRATION IF NOT EXISTS "${ownName}"\n`));
    expect(statement?.masked).toContain("OAUTH_CLIENT_ID = 'sp-new-client'");
    expect(statement?.masked).toContain("OAUTH_CLIENT_SECRET = '[redacted]'");
    expect(statement?.masked).toContain(`client=${clientIdHash('sp-new-client')}`);
    expect(statement?.text()).toContain(KNOWN_SECRET);
    expect(verify?.masked).toBe(`SELECT SYSTEM$VERIFY_CATALOG_INTEGRATION('${ownName}')`);
  });

  it('finds a client’s own integration again, and the first name again when switching back', () => {
    const newClient = testSettings({ oauthClientId: 'sp-new-client' });
    const ownName = clientIntegrationName('D2S_UC_WEATHER', 'sp-new-client');
    const both = [written('sp-client-id', KNOWN_SECRET), { ...written('sp-new-client', KNOWN_SECRET), name: ownName }];
    expect(withClientIntegrations([weather], both, newClient)[0]?.integration.name).toBe(ownName);
    expect(planIntegrations(withClientIntegrations([weather], both, newClient), both, newClient).actions).toEqual([]);
    const back = testSettings({ oauthClientId: 'sp-client-id' });
    expect(withClientIntegrations([weather], both, back)[0]).toBe(weather);
  });

  it('keeps the name of an integration that is missing or not d2s’s (that one is blocked as before)', () => {
    const newClient = testSettings({ oauthClientId: 'sp-new-client' });
    expect(withClientIntegrations([weather], [], newClient)[0]).toBe(weather);
    const foreign = { name: 'D2S_UC_WEATHER', enabled: true, comment: 'made by hand' };
    expect(withClientIntegrations([weather], [foreign], newClient)[0]).toBe(weather);
  });

  it('rotates only the secret with ALTER when the client id is the same', () => {
    const rotated = testSettings({ oauthClientSecret: new Secret('rotated') });
    const plan = planIntegrations([weather], [written('sp-client-id', KNOWN_SECRET)], rotated);
    expect(plan.actions).toEqual([
      expect.objectContaining({ rotateSecret: true, reason: 'the OAuth client secret changed' }),
    ]);
    const [statement] = statementsFor(plan.actions[0] as MirrorAction, rotated);
    expect(statement?.masked).toMatch(
      /^ALTER CATALOG INTEGRATION "D2S_UC_WEATHER" SET\n {2}REST_AUTHENTICATION = \(\n {4}OAUTH_CLIENT_SECRET = '\[redacted\]'\n {2}\)/,
    );
    expect(statement?.masked).not.toContain('OAUTH_CLIENT_ID');
  });

  it('moves to a new integration when a comment written before the client was recorded cannot say which it is', () => {
    const rotated = testSettings({ oauthClientSecret: new Secret('rotated') });
    const [moved] = withClientIntegrations([weather], [existing()], rotated);
    expect(moved?.integration.supersedes).toBe('D2S_UC_WEATHER');
    expect(planIntegrations([moved as typeof weather], [existing()], rotated).actions).toEqual([
      expect.objectContaining({ kind: 'create-integration' }),
    ]);
  });
});
