import { describe, expect, it } from 'vitest';
import { doctorExitCode, fail, ok, redactReport, reportOf, skip, warn } from './check.js';
import { highestLevel } from './databricks-checks.js';
import { collectRoleGrants, grantName, unquoteName } from './snowflake-grants.js';
import { loginHint } from './snowflake-login-hints.js';

describe('the report', () => {
  it('takes the worst status; skip counts as ok', () => {
    expect(reportOf([ok('a', 'x'), skip('b', 'y')]).status).toBe('ok');
    expect(reportOf([ok('a', 'x'), warn('b', 'y', 'h')]).status).toBe('warn');
    const failed = reportOf([warn('b', 'y', 'h'), fail('c', 'z', 'h')]);
    expect(failed.status).toBe('fail');
    expect(failed.summary).toEqual({ ok: 0, warn: 1, fail: 1, skip: 0 });
  });

  it('exits 1 on a fail, and on a warning only when strict', () => {
    expect(doctorExitCode(reportOf([ok('a', 'x')]))).toBe(0);
    expect(doctorExitCode(reportOf([warn('a', 'x', 'h')]))).toBe(0);
    expect(doctorExitCode(reportOf([warn('a', 'x', 'h')]), true)).toBe(1);
    expect(doctorExitCode(reportOf([fail('a', 'x', 'h')]))).toBe(1);
  });

  it('scrubs every known secret from messages and hints', () => {
    const report = redactReport(reportOf([fail('a', 'token dapi-123456 refused', 'not dapi-123456')]), [
      'dapi-123456',
      '', // too short to scrub: would blank every message
    ]);
    expect(report.checks[0]).toEqual({
      id: 'a',
      status: 'fail',
      message: 'token [redacted] refused',
      hint: 'not [redacted]',
    });
  });
});

describe('Snowflake role grants', () => {
  it('prints names as SHOW GRANTS does and reads them back', () => {
    expect(grantName(['D2S_SANDBOX', 'PUBLIC', 'my table'])).toBe('D2S_SANDBOX.PUBLIC."my table"');
    expect(unquoteName('"my ""role"""')).toBe('my "role"');
    expect(unquoteName('LOADER')).toBe('LOADER');
  });

  it('follows inherited roles once each, and treats OWNERSHIP as every privilege', async () => {
    const shown: string[] = [];
    const grants = await collectRoleGrants('LOADER', async (role) => {
      shown.push(role);
      if (role === 'LOADER')
        return [
          { privilege: 'USAGE', granted_on: 'ROLE', name: 'READER' },
          { privilege: 'OWNERSHIP', granted_on: 'TABLE', name: 'DB.PUBLIC.T' },
          { privilege: 'CREATE INTEGRATION', granted_on: 'ACCOUNT', name: 'ACME' },
        ];
      if (role === 'READER')
        return [
          { privilege: 'USAGE', granted_on: 'ROLE', name: 'LOADER' }, // a cycle
          { privilege: 'USAGE', granted_on: 'DATABASE', name: 'DB' },
        ];
      return [];
    });
    expect(shown).toEqual(['LOADER', 'READER']);
    expect(grants.holds('USAGE', 'DATABASE', ['DB'])).toBe(true);
    expect(grants.holds('INSERT', 'TABLE', ['DB', 'PUBLIC', 'T'])).toBe(true);
    expect(grants.holds('INSERT', 'TABLE', ['DB', 'PUBLIC', 'U'])).toBe(false);
    expect(grants.holds('CREATE INTEGRATION', 'ACCOUNT')).toBe(true);
    expect(grants.holds('USAGE', 'SCHEMA', ['DB', 'PUBLIC'])).toBe(false);
  });
});

describe('job permission levels', () => {
  const permissions = {
    access_control_list: [
      { user_name: 'owner@example.com', all_permissions: [{ permission_level: 'IS_OWNER' }] },
      { service_principal_name: 'app-id', all_permissions: [{ permission_level: 'CAN_VIEW' }] },
      { group_name: 'operators', all_permissions: [{ permission_level: 'CAN_MANAGE_RUN' }] },
    ],
  };

  it("takes the best of the principal's own entries and its groups'", () => {
    expect(highestLevel(permissions, { userName: 'app-id' })).toBe('CAN_VIEW');
    expect(highestLevel(permissions, { userName: 'app-id', groups: [{ display: 'operators' }] })).toBe(
      'CAN_MANAGE_RUN',
    );
    expect(highestLevel(permissions, { userName: 'someone@example.com' })).toBeUndefined();
    expect(highestLevel(permissions, { userName: 'x', groups: [{ display: 'admins' }] })).toBe('CAN_MANAGE');
  });
});

describe('Snowflake login hints', () => {
  const settings = { account: 'ACME', user: 'LOADER', role: 'D2S', warehouse: 'WH', authenticator: 'SNOWFLAKE_JWT' };

  it('names the fix for each login failure', () => {
    expect(loginHint('390144', settings)).toContain('ALTER USER LOADER SET RSA_PUBLIC_KEY');
    expect(loginHint('390189', settings)).toBe(
      'GRANT ROLE D2S TO USER LOADER, or set snowflake.role to a role the user has.',
    );
    expect(loginHint('390201', settings)).toContain('GRANT USAGE ON WAREHOUSE WH TO ROLE D2S');
    expect(loginHint('390100', { ...settings, authenticator: 'SNOWFLAKE' })).toContain('SNOWFLAKE_PASSWORD');
    expect(loginHint(undefined, settings)).toContain('snowflake.account (ACME)');
  });
});
