import { describe, expect, it } from 'vitest';
import { SqlBuildError } from '../errors.js';
import { cancelQuery } from './system.js';

describe('cancelQuery', () => {
  it('takes a query id', () => {
    expect(cancelQuery('01b2c3d4-0000-1111-0000-00000000000a').text()).toBe(
      `SELECT SYSTEM$CANCEL_QUERY('01b2c3d4-0000-1111-0000-00000000000a')`,
    );
  });
  it('refuses anything else', () => {
    expect(() => cancelQuery("x'); DROP TABLE t; --")).toThrow(SqlBuildError);
  });
});
