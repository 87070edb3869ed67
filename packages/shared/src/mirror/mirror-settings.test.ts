import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { MirrorNotConfiguredError } from './mirror-errors.js';
import { mirrorApplyConcurrency, mirrorSnowflakePoolSize, resolveMirrorSettings } from './mirror-settings.js';

const yaml = (mirror: string) => () => `databricks: { host: "https://dbc-1.cloud.databricks.com" }\n${mirror}`;

describe('resolveMirrorSettings', () => {
  it('fails with MIRROR_NOT_CONFIGURED naming every missing setting', () => {
    const config = loadConfig({ env: { D2S_CONFIG: 'x.yaml' }, readFile: yaml('') });
    let error: unknown;
    try {
      resolveMirrorSettings(config);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MirrorNotConfiguredError);
    expect(error).toMatchObject({ code: 'MIRROR_NOT_CONFIGURED', retryable: false });
    const message = (error as Error).message;
    expect(message).toContain('mirror.catalogs');
    expect(message).toContain('D2S_MIRROR_OAUTH_CLIENT_ID');
    expect(message).toContain('D2S_MIRROR_OAUTH_CLIENT_SECRET');
  });

  it('completes the settings: workspace URL from databricks.host, a fingerprint instead of the secret', () => {
    const config = loadConfig({
      env: {
        D2S_CONFIG: 'x.yaml',
        D2S_MIRROR_OAUTH_CLIENT_ID: 'sp',
        D2S_MIRROR_OAUTH_CLIENT_SECRET: 'shh-very-secret',
      },
      readFile: yaml('mirror: { catalogs: [{ name: main }] }'),
    });
    const settings = resolveMirrorSettings(config);
    expect(settings.workspaceUrl).toBe('https://dbc-1.cloud.databricks.com');
    expect(settings.secretFingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.stringify(settings)).not.toContain('shh-very-secret');
  });
});

describe('mirrorApplyConcurrency and the Snowflake pool it needs', () => {
  const config = (applyConcurrency: number | undefined) => ({
    mirror: { applyConcurrency, maxParallelTables: 8 },
    workers: { mirror: { concurrency: 6 } },
  });
  it('is mirror.applyConcurrency when set, else the smaller of the worker slots and maxParallelTables', () => {
    expect(mirrorApplyConcurrency(config(32))).toBe(32);
    expect(mirrorApplyConcurrency(config(undefined))).toBe(6);
  });
  it('sizes the pool to hold every statement in flight', () => {
    expect(mirrorSnowflakePoolSize(4, 32)).toBe(32);
    expect(mirrorSnowflakePoolSize(40, 32)).toBe(40);
  });
});
