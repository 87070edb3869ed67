import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isSecret } from '../secret.js';
import { configErrorMessage, loadConfigFromFiles } from './test-support/config-files.js';

const secret = `whsec_${randomBytes(32).toString('base64')}`;

const load = (notificationsYaml: string, env: Record<string, string> = {}) =>
  loadConfigFromFiles(`notifications:\n${notificationsYaml}`, { env, files: { '/run/secrets/ops': `${secret}\n` } });

describe('notifications config', () => {
  it('defaults to no endpoints, 8 attempts, 5 s first backoff', () => {
    expect(load('  {}').notifications).toEqual({
      attempts: 8,
      backoffMs: 5_000,
      timeoutMs: 10_000,
      concurrency: 4,
      endpoints: [],
    });
  });

  it('reads the signing secret from the variable secretEnv names, or its _FILE, and keeps it a Secret', () => {
    const yaml = `  endpoints:
    - { name: ops, url: https://hooks.example.com/d2s, secretEnv: D2S_NOTIFY_OPS_SECRET, events: [sync.failed] }`;
    const envs: Record<string, string>[] = [
      { D2S_NOTIFY_OPS_SECRET: secret },
      { D2S_NOTIFY_OPS_SECRET_FILE: '/run/secrets/ops' },
    ];
    for (const env of envs) {
      const [endpoint] = load(yaml, env).notifications.endpoints;
      expect(endpoint).toMatchObject({ name: 'ops', url: 'https://hooks.example.com/d2s', events: ['sync.failed'] });
      expect(isSecret(endpoint?.signingKey)).toBe(true);
      expect(endpoint?.signingKey?.reveal()).toBe(secret.slice('whsec_'.length));
      expect(JSON.stringify(endpoint)).not.toContain(secret.slice(10, 30));
    }
  });

  it('takes a Slack URL (a credential) from urlEnv and never prints it', () => {
    const config = load('  endpoints:\n    - { name: team, format: slack, urlEnv: SLACK_URL }', {
      SLACK_URL: 'https://hooks.slack.com/services/T1/B2/sekret',
    });
    const [endpoint] = config.notifications.endpoints;
    expect(isSecret(endpoint?.url)).toBe(true);
    expect(JSON.stringify(config)).not.toContain('sekret');
  });

  it.each([
    ['an unknown event', '    - { name: a, url: https://x.example, secretEnv: S, events: [sync.done] }', /events\[0\]/],
    ['neither url nor urlEnv', '    - { name: a, secretEnv: S }', /set exactly one of url and urlEnv/],
    ['both url and urlEnv', '    - { name: a, url: https://x.example, urlEnv: U, secretEnv: S }', /exactly one/],
    ['a standard endpoint without secretEnv', '    - { name: a, url: https://x.example }', /secretEnv.*whsec_/],
    ['a URL that is not http(s)', '    - { name: a, url: "ftp://x.example", secretEnv: S }', /http:\/\/ or https:\/\//],
    ['a bad name', '    - { name: Ops!, url: https://x.example, secretEnv: S }', /name.*lower-case/],
    [
      'a name used twice',
      '    - { name: a, url: https://x.example, secretEnv: S }\n    - { name: a, url: https://y.example, secretEnv: S }',
      /"a" is used twice/,
    ],
    [
      'a lower-case variable name',
      '    - { name: a, url: https://x.example, secretEnv: my_secret }',
      /environment variable name/,
    ],
  ])('refuses %s with a message naming the key', (_case, endpoints, expected) => {
    expect(configErrorMessage(() => load(`  endpoints:\n${endpoints}`, { S: secret, U: 'https://x.example' }))).toMatch(
      expected,
    );
  });

  it('refuses a secretEnv that is not set, a secret without whsec_, and one too short to be safe', () => {
    const yaml = '  endpoints:\n    - { name: ops, url: https://x.example, secretEnv: OPS_SECRET }';
    expect(configErrorMessage(() => load(yaml))).toMatch(
      /secretEnv names OPS_SECRET, but neither it nor its _FILE is set/,
    );
    expect(configErrorMessage(() => load(yaml, { OPS_SECRET: 'hunter2' }))).toMatch(/whsec_ followed by base64/);
    expect(configErrorMessage(() => load(yaml, { OPS_SECRET: `whsec_${randomBytes(8).toString('base64')}` }))).toMatch(
      /24 to 64 random bytes/,
    );
    // The message never repeats the secret it refused.
    expect(configErrorMessage(() => load(yaml, { OPS_SECRET: 'whsec_hunter2' }))).not.toContain('hunter2');
  });

  it('refuses a urlEnv whose value is not a URL', () => {
    expect(
      configErrorMessage(() =>
        load('  endpoints:\n    - { name: t, format: slack, urlEnv: SLACK_URL }', { SLACK_URL: 'x' }),
      ),
    ).toMatch(/SLACK_URL must hold an http/);
  });
});
