import { describe, expect, it } from 'vitest';
import { compileTableGlob, compileTableGlobs } from './table-glob.js';

describe('table globs on catalog.schema.table', () => {
  it('`*` stays within one dotted part', () => {
    const match = compileTableGlob('weather.*.daily_*');
    expect(match('weather.forecasts.daily_forecasts')).toBe(true);
    expect(match('weather.a.b.daily_x')).toBe(false);
    expect(match('weather.forecasts.hourly')).toBe(false);
  });

  it('`**` crosses parts', () => {
    expect(compileTableGlob('weather.**')('weather.stations.station_001')).toBe(true);
    expect(compileTableGlob('**.orders')('sales.retail.orders')).toBe(true);
    expect(compileTableGlob('**.orders')('sales.retail.order_items')).toBe(false);
  });

  it('is case-insensitive and treats regex characters literally', () => {
    expect(compileTableGlob('Sales.Retail.ORDERS')('sales.retail.orders')).toBe(true);
    expect(compileTableGlob('a.b.c+d')('a.b.c+d')).toBe(true);
    expect(compileTableGlob('a.b.c+d')('a.b.cd')).toBe(false);
    expect(compileTableGlob('a.b.t?')('a.b.t1')).toBe(true);
    expect(compileTableGlob('a.b.t?')('a.b.t')).toBe(false);
  });

  it('a list matches when any pattern does; an empty list matches nothing', () => {
    const match = compileTableGlobs(['sales.**', 'weather.forecasts.*']);
    expect(match('sales.finance.ledger')).toBe(true);
    expect(match('weather.stations.station_001')).toBe(false);
    expect(compileTableGlobs([])('a.b.c')).toBe(false);
  });
});
