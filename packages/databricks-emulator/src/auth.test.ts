import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import {
  api,
  CLIENT_ID,
  CLIENT_SECRET,
  oauthToken,
  startTestEmulator,
  type TestEmulator,
} from '../test-support/harness.js';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('authentication', () => {
  const clock = new ManualClock();
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator({ clock, tokenTtlSeconds: 60 });
  });
  afterAll(() => emu.stop());

  it('accepts a fixture PAT', async () => {
    expect((await api(emu, 'GET', '/api/2.1/unity-catalog/catalogs')).status).toBe(200);
  });

  it('answers a missing credential with 401 and an invalid one with 403, in Databricks error shape', async () => {
    const missing = await api(emu, 'GET', '/api/2.1/unity-catalog/catalogs', { token: null });
    expect(missing.status).toBe(401);
    expect(missing.body.error_code).toBe(401);
    expect(missing.body.message).toMatch(/^Credential was not sent or was of an unsupported type for this API\./);
    const wrong = await api(emu, 'GET', '/api/2.2/jobs/runs/get?run_id=1', { token: 'dapi-wrong' });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toEqual({ error_code: 403, message: 'Invalid access token.' });
    const basicOnApi = await api(emu, 'GET', '/api/2.1/unity-catalog/catalogs', {
      token: null,
      headers: { authorization: basic(CLIENT_ID, CLIENT_SECRET) },
    });
    expect(basicOnApi.status).toBe(401);
  });

  it('issues OAuth M2M tokens (client_credentials, HTTP Basic) that expire', async () => {
    const res = await api(emu, 'POST', '/oidc/v1/token', {
      token: null,
      headers: { authorization: basic(CLIENT_ID, CLIENT_SECRET) },
      form: 'grant_type=client_credentials&scope=all-apis',
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 60, scope: 'all-apis' });
    expect(res.body.access_token.split('.')).toHaveLength(3);
    const token = res.body.access_token as string;
    expect((await api(emu, 'GET', '/api/2.1/unity-catalog/catalogs', { token })).status).toBe(200);
    clock.advance(60_000);
    const expired = await api(emu, 'GET', '/api/2.1/unity-catalog/catalogs', { token });
    expect(expired.status).toBe(403);
    expect(expired.body).toEqual({ error_code: 403, message: 'Invalid access token.' });
    const iceberg = await api(emu, 'GET', '/api/2.1/unity-catalog/iceberg-rest/v1/config?warehouse=main', { token });
    expect(iceberg.status).toBe(401);
    expect(iceberg.body.error).toMatchObject({ type: 'NotAuthorizedException', code: 401 });
  });

  it('accepts client credentials in the form body too, and rejects bad clients, grants and scopes', async () => {
    const form = await api(emu, 'POST', '/oidc/v1/token', {
      token: null,
      form: `grant_type=client_credentials&scope=all-apis&client_id=${CLIENT_ID}&client_secret=${CLIENT_SECRET}`,
    });
    expect(form.status).toBe(200);
    const bad = await api(emu, 'POST', '/oidc/v1/token', {
      token: null,
      headers: { authorization: basic(CLIENT_ID, 'nope') },
      form: 'grant_type=client_credentials&scope=all-apis',
    });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' });
    const grant = await api(emu, 'POST', '/oidc/v1/token', {
      token: null,
      headers: { authorization: basic(CLIENT_ID, CLIENT_SECRET) },
      form: 'grant_type=password',
    });
    expect(grant.status).toBe(400);
    expect(grant.body.error).toBe('unsupported_grant_type');
    const scope = await api(emu, 'POST', '/oidc/v1/token', {
      token: null,
      headers: { authorization: basic(CLIENT_ID, CLIENT_SECRET) },
      form: 'grant_type=client_credentials&scope=admin',
    });
    expect(scope.status).toBe(400);
    expect(scope.body.error).toBe('invalid_scope');
  });

  it('expires every issued token on demand (admin)', async () => {
    const token = await oauthToken(emu);
    expect((await api(emu, 'GET', '/api/2.1/unity-catalog/catalogs', { token })).status).toBe(200);
    const expire = await api(emu, 'POST', '/__emulator/tokens/expire', { token: null });
    expect(expire.status).toBe(200);
    expect((await api(emu, 'GET', '/api/2.1/unity-catalog/catalogs', { token })).status).toBe(403);
    const fresh = await oauthToken(emu);
    expect((await api(emu, 'GET', '/api/2.1/unity-catalog/catalogs', { token: fresh })).status).toBe(200);
  });

  it('serves the OAuth discovery document', async () => {
    const res = await api(emu, 'GET', '/oidc/.well-known/oauth-authorization-server', { token: null });
    expect(res.body.token_endpoint).toBe(`${emu.url}/oidc/v1/token`);
  });
});
