import { describe, expect, it } from 'vitest';
import { icebergReadability, tableFilter, tagMap } from './eligibility.js';
import { testSettings, ucTable } from '@d2s/testkit/mirror-fixtures';

describe('icebergReadability', () => {
  it('accepts managed Iceberg and UniForm Delta tables', () => {
    expect(icebergReadability(ucTable('c.s.t', { data_source_format: 'ICEBERG', properties: {} }))).toEqual({
      readable: true,
      format: 'ICEBERG',
    });
    expect(icebergReadability(ucTable('c.s.t'))).toEqual({ readable: true, format: 'UNIFORM' });
    expect(
      icebergReadability(ucTable('c.s.t', { properties: { 'delta.universalFormat.enabledFormats': 'hudi, Iceberg' } })),
    ).toEqual({ readable: true, format: 'UNIFORM' });
  });

  it('skips plain Delta with a reason that says how to enable it', () => {
    const verdict = icebergReadability(ucTable('c.s.t', { properties: {} }));
    expect(verdict).toMatchObject({ readable: false, code: 'NOT_ICEBERG_READABLE' });
    expect(verdict.readable ? '' : verdict.reason).toContain("delta.universalFormat.enabledFormats = 'iceberg'");
  });

  it('skips views and materialized views, and other formats', () => {
    expect(icebergReadability(ucTable('c.s.v', { table_type: 'VIEW', data_source_format: undefined }))).toMatchObject({
      readable: false,
      code: 'NOT_A_TABLE',
      reason: 'a view: only tables can be mirrored',
    });
    expect(icebergReadability(ucTable('c.s.v', { table_type: 'MATERIALIZED_VIEW' }))).toMatchObject({
      code: 'NOT_A_TABLE',
      reason: 'a materialized view: only tables can be mirrored',
    });
    expect(icebergReadability(ucTable('c.s.p', { data_source_format: 'PARQUET' }))).toMatchObject({
      code: 'NOT_ICEBERG_READABLE',
      reason: 'format PARQUET cannot be read as Iceberg',
    });
  });
});

describe('tableFilter', () => {
  it('applies include, then exclude, on catalog.schema.table', () => {
    const filter = tableFilter(testSettings({ include: ['weather.**'], exclude: ['weather.*.tmp_*'] }));
    expect(filter.byName('weather.forecasts.daily')).toEqual({ selected: true });
    expect(filter.byName('sales.retail.orders')).toMatchObject({ selected: false, code: 'NOT_INCLUDED' });
    expect(filter.byName('weather.forecasts.tmp_x')).toMatchObject({ selected: false, code: 'EXCLUDED' });
  });

  it('honours the sync tag: "false" or "no" opts out; with requireOptIn only "true" opts in', () => {
    const open = tableFilter(testSettings());
    expect(open.byTags({})).toEqual({ selected: true });
    expect(open.byTags({ snowflake_uniform_sync: 'FALSE ' })).toMatchObject({ selected: false, code: 'OPTED_OUT' });
    expect(open.byTags({ snowflake_uniform_sync: 'No' })).toMatchObject({ selected: false, code: 'OPTED_OUT' });
    expect(open.byTags({ snowflake_uniform_sync: 'yes' })).toEqual({ selected: true });
    const optIn = tableFilter(testSettings({ tags: { ...testSettings().tags, requireOptIn: true } }));
    expect(optIn.byTags({})).toMatchObject({ selected: false, code: 'NOT_OPTED_IN' });
    expect(optIn.byTags({ snowflake_uniform_sync: 'yes' })).toMatchObject({ selected: false, code: 'NOT_OPTED_IN' });
    expect(optIn.byTags({ snowflake_uniform_sync: 'true' })).toEqual({ selected: true });
  });

  it('reads tag assignments into a map (key-only tags are "")', () => {
    expect(tagMap([{ tag_key: 'a', tag_value: '1' }, { tag_key: 'b' }])).toEqual({ a: '1', b: '' });
  });
});
