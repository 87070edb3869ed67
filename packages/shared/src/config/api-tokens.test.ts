import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { parseApiTokens, sha256Hex } from './api-tokens.js';
import { loadConfig } from './load-config.js';

describe('API tokens', () => {
  it('parses named, scoped entries and keeps bare tokens with every scope', () => {
    expect(parseApiTokens('webapp:read+sync:s3cr3t:with:colons, ops:admin+read:t2 ,legacy-token')).toEqual([
      { name: 'webapp', scopes: ['read', 'sync'], sha256: sha256Hex('s3cr3t:with:colons') },
      { name: 'ops', scopes: ['admin', 'read'], sha256: sha256Hex('t2') },
      { name: 'token-3', scopes: ['read', 'sync', 'mirror', 'admin'], sha256: sha256Hex('legacy-token') },
    ]);
  });

  it('refuses an unknown scope without echoing the token', () => {
    const parse = () => parseApiTokens('webapp:read+root:the-secret-token');
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(/unknown scope\(s\) root/);
    try {
      parse();
    } catch (error) {
      expect(JSON.stringify({ m: (error as Error).message, d: (error as ConfigError).details })).not.toContain(
        'the-secret-token',
      );
    }
  });

  it('reads hashed entries from the config file (no secret in it), and rotation keeps several valid', () => {
    const sha = (t: string) => sha256Hex(t);
    const config = loadConfig({
      env: { D2S_CONFIG: '/etc/d2s.yaml' },
      readFile: () => `api:
  tokens:
    - { name: webapp, scopes: [read, sync], sha256: ${sha('old')} }
    - { name: webapp, scopes: [read, sync], sha256: ${sha('new').toUpperCase()} }
`,
    });
    expect(config.api.tokens).toEqual([
      { name: 'webapp', scopes: ['read', 'sync'], sha256: sha('old') },
      { name: 'webapp', scopes: ['read', 'sync'], sha256: sha('new') },
    ]);
    expect(() =>
      loadConfig({ env: { D2S_CONFIG: '/etc/d2s.yaml' }, readFile: () => 'api:\n  tokens: [plain-token]\n' }),
    ).toThrow(/holds a secret in plain text/);
  });
});
