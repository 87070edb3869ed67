import { describe, expect, it } from 'vitest';
import { integrationComment } from '../markers.js';
import { desired, testSettings } from '@d2s/testkit/mirror-fixtures';
import { planIntegrations } from './integrations.js';
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
