import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { loadFixture } from '../fixture.js';
import { sandboxFixturePath } from '../index.js';
import { api, startTestEmulator, type TestEmulator } from '../../test-support/harness.js';

// GET /api/2.0/permissions/jobs/{job_id}, the Permissions API for jobs: path and field names as the official
// JavaScript SDK's JobsService.getPermissions and its `JobPermissions` / `JobAccessControlResponse` /
// `JobPermission` models (@databricks/sdk-experimental dist/apis/jobs: object_id, object_type,
// access_control_list[{user_name | group_name | service_principal_name, all_permissions[{permission_level,
// inherited, inherited_from_object}]}]).
describe('job permissions (Permissions API)', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator({ fixture: await loadFixture(sandboxFixturePath), clock: new ManualClock() });
  });
  afterAll(() => emu.stop());

  it("lists the owner, the job's access control list and the admins group", async () => {
    const answer = await api(emu, 'GET', '/api/2.0/permissions/jobs/1001', { token: 'dapi-sandbox-token' });
    expect(answer.status).toBe(200);
    expect(answer.body.object_id).toBe('/jobs/1001');
    expect(answer.body.object_type).toBe('job');
    expect(answer.body.access_control_list).toEqual(
      expect.arrayContaining([
        {
          user_name: 'sandbox-user@example.com',
          all_permissions: [{ permission_level: 'IS_OWNER', inherited: false }],
        },
        {
          service_principal_name: 'd2s-sandbox-client',
          all_permissions: [{ permission_level: 'CAN_MANAGE', inherited: false }],
        },
        { user_name: 'analyst@example.com', all_permissions: [{ permission_level: 'CAN_VIEW', inherited: false }] },
        {
          group_name: 'admins',
          all_permissions: [{ permission_level: 'CAN_MANAGE', inherited: true, inherited_from_object: ['/jobs/'] }],
        },
      ]),
    );
  });

  it('answers a missing job as jobs/get does, and needs a token', async () => {
    const missing = await api(emu, 'GET', '/api/2.0/permissions/jobs/999999', { token: 'dapi-sandbox-token' });
    expect(missing.status).toBe(400);
    expect(missing.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(missing.body.message).toBe('Job 999999 does not exist.');
    const anonymous = await api(emu, 'GET', '/api/2.0/permissions/jobs/1001', { token: null });
    expect(anonymous.status).toBe(401);
  });
});
