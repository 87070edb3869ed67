import { describe, expect, it } from 'vitest';
import { planContainers } from './containers.js';

const at = (database: string, schema: string, name: string) => ({ target: { database, schema, name } });

describe('planContainers', () => {
  it('creates each missing schema once, however many tables land in it, and each table waits for it', () => {
    const a = at('WEATHER', 'MARTS', 'A');
    const b = at('WEATHER', 'MARTS', 'B');
    const plan = planContainers([a, b], [{ name: 'WEATHER', exists: true, schemas: ['PUBLIC'] }]);
    expect(plan.actions).toEqual([
      expect.objectContaining({
        kind: 'create-schema',
        database: 'WEATHER',
        schema: 'MARTS',
        createDatabase: false,
        reason: 'schema WEATHER.MARTS does not exist yet',
      }),
    ]);
    expect(plan.waitFor.get(a)).toBe(plan.actions[0]?.id);
    expect(plan.waitFor.get(b)).toBe(plan.actions[0]?.id);
  });

  it('creates the database too when SHOW DATABASES lacks it or lists it as missing, and nothing that exists', () => {
    const existing = at('SALES', 'SHOP', 'ORDERS');
    const plan = planContainers(
      [at('NEW_DB', 'S', 'T'), at('GONE', 'S', 'T'), existing],
      [
        { name: 'GONE', exists: false, schemas: [] },
        { name: 'SALES', exists: true, schemas: ['SHOP'] },
      ],
    );
    expect(plan.actions.map((a) => [a.database, a.createDatabase, a.reason])).toEqual([
      ['NEW_DB', true, 'database NEW_DB does not exist yet'],
      ['GONE', true, 'database GONE does not exist yet'],
    ]);
    expect(plan.waitFor.has(existing)).toBe(false);
  });
});
