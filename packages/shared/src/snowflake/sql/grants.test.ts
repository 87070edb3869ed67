import { describe, expect, it } from 'vitest';
import { grantNotExecuted, grantSelectOnTable } from './grants.js';

describe('grantSelectOnTable', () => {
  it('grants SELECT on the quoted table to the quoted role', () => {
    expect(grantSelectOnTable({ database: 'ANALYTICS', schema: 'PUBLIC', name: 'orders' }, 'ANALYST').text()).toBe(
      'GRANT SELECT ON TABLE "ANALYTICS"."PUBLIC"."orders" TO ROLE "ANALYST"',
    );
  });

  it('quotes a role name with quotes in it', () => {
    expect(grantSelectOnTable({ database: 'D', schema: 'S', name: 'T' }, 'a"b; DROP').text()).toBe(
      'GRANT SELECT ON TABLE "D"."S"."T" TO ROLE "a""b; DROP"',
    );
  });
});

describe('grantNotExecuted', () => {
  // Snowflake answers a GRANT the role may not make with this status row, not an error
  // (snowflakedb/terraform-provider-snowflake#670).
  it('finds the refusal in the status row', () => {
    expect(grantNotExecuted([{ status: 'Grant not executed: Insufficient privileges.' }])).toBe(
      'Grant not executed: Insufficient privileges.',
    );
  });

  it('passes a grant that ran', () => {
    expect(grantNotExecuted([{ status: 'Statement executed successfully.' }])).toBeUndefined();
    expect(grantNotExecuted([])).toBeUndefined();
  });
});
