import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { isSecret } from '../secret.js';
import { sha256Hex } from './api-tokens.js';
import { loadConfig } from './load-config.js';

function filesystem(files: Record<string, string>) {
  return (path: string) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
    return text;
  };
}

const dataset = `
datasets:
  shared_forecasts:
    databricks: { jobId: 1001 }
    export: { s3Prefix: s3://bucket/exports/shared_forecasts }
    snowflake:
      stage: { database: D2S, schema: PUBLIC, name: EXPORTS }
      stageUrl: s3://bucket/exports/
      table: { database: D2S, schema: PUBLIC, name: SHARED_FORECASTS }
`;

function load(yaml: string | undefined, env: Record<string, string> = {}) {
  const files: Record<string, string> = {};
  if (yaml !== undefined) files['/etc/d2s/d2s.yaml'] = yaml;
  return loadConfig({ env: { D2S_CONFIG: '/etc/d2s/d2s.yaml', ...env }, cwd: '/srv', readFile: filesystem(files) });
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('starts from defaults when no file exists at the default path', () => {
    const config = loadConfig({ env: {}, cwd: '/nowhere', readFile: filesystem({}) });
    expect(config.source).toBe('(defaults)');
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: '{d2s}', onUnsafeEvictionPolicy: 'refuse' });
    expect(config.databricks.auth).toEqual({ kind: 'none' });
  });

  it('fails when an explicitly named file is missing', () => {
    expect(errorOf(() => load(undefined)).message).toMatch(/Cannot read config file \/etc\/d2s\/d2s\.yaml/);
  });

  it('fills dataset defaults', () => {
    const ds = load(dataset).datasets.shared_forecasts;
    expect(ds?.export.runPathTemplate).toBe('{syncId}/');
    expect(ds?.load.mode).toBe('append');
    expect(ds?.snowflake.copyOptions).toEqual({ matchByColumnName: 'CASE_INSENSITIVE', onError: 'ABORT_STATEMENT' });
  });

  it('names the file, the key path and what was expected', () => {
    const error = errorOf(() => load(dataset.replace('jobId: 1001', 'jobId: "eleven"')));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('/etc/d2s/d2s.yaml');
    expect(error.message).toMatch(/datasets\.shared_forecasts\.databricks\.jobId: .*expected number/i);
  });

  it('refuses unknown keys (typos) and names them', () => {
    const error = errorOf(() => load('redis:\n  url: redis://x:1\n  prefx: "{a}"\n'));
    expect(error.message).toMatch(/redis: unknown key\(s\) "prefx"/);
  });

  it('reports YAML syntax errors with a line number', () => {
    expect(errorOf(() => load('redis:\n  url: [unclosed\n')).message).toMatch(/not valid YAML at line \d+/);
  });

  it('requires the export prefix to lie under the stage URL', () => {
    const error = errorOf(() => load(dataset.replace('stageUrl: s3://bucket/exports/', 'stageUrl: s3://other/')));
    expect(error.message).toMatch(
      /datasets\.shared_forecasts\.export\.s3Prefix: export\.s3Prefix must lie under snowflake\.stageUrl/,
    );
  });

  it('takes roles to grant SELECT to only for a table d2s creates', () => {
    const table = 'table: { database: D2S, schema: PUBLIC, name: SHARED_FORECASTS }';
    const granted = load(dataset.replace(table, `${table}\n      createTable: true\n      grants: [ANALYST]`));
    expect(granted.datasets.shared_forecasts?.snowflake.grants).toEqual(['ANALYST']);
    expect(load(dataset).datasets.shared_forecasts?.snowflake.grants).toEqual([]);
    const error = errorOf(() => load(dataset.replace(table, `${table}\n      grants: [ANALYST]`)));
    expect(error.message).toMatch(/datasets\.shared_forecasts\.snowflake\.grants: .*set snowflake\.createTable/);
  });

  it('takes load.mode merge with keys, orderBy and deleteWhen, and says what is wrong with them', () => {
    const withLoad = (mode: string) => load(dataset + `    load: ${mode}\n`);
    const merged = withLoad("{ mode: merge, keys: [id], orderBy: changed_at, deleteWhen: { column: op, value: 'D' } }");
    expect(merged.datasets.shared_forecasts?.load).toEqual({
      mode: 'merge',
      keys: ['id'],
      orderBy: 'changed_at',
      deleteWhen: { column: 'op', value: 'D' },
    });
    expect(load(dataset).datasets.shared_forecasts?.load).toEqual({ mode: 'append' });
    expect(errorOf(() => withLoad('{ mode: merge }')).message).toMatch(
      /datasets\.shared_forecasts\.load\.keys: load\.mode: merge needs keys/,
    );
    expect(errorOf(() => withLoad('{ mode: merge, keys: [] }')).message).toMatch(/load\.keys/);
    expect(errorOf(() => withLoad('{ mode: merge, keys: [id, id] }')).message).toMatch(/keys are listed twice: id/);
    expect(errorOf(() => withLoad('{ mode: merge, keys: [id], orderBy: id }')).message).toMatch(
      /load\.orderBy: orderBy must not be one of the keys/,
    );
    expect(
      errorOf(() => withLoad('{ mode: merge, keys: [id], deleteWhen: { column: id, value: 1 } }')).message,
    ).toMatch(/load\.deleteWhen\.column: deleteWhen\.column must not be a key/);
    expect(errorOf(() => withLoad('{ mode: replace, keys: [id] }')).message).toMatch(
      /load\.keys: keys applies to load\.mode: merge only/,
    );
  });

  it('takes schema.evolution, absent unless set, and replace-schema only for replace mode', () => {
    const withSchema = (extra: string) => load(dataset + extra);
    expect(load(dataset).datasets.shared_forecasts?.schema).toBeUndefined();
    expect(withSchema('    schema: { evolution: add-columns }\n').datasets.shared_forecasts?.schema).toEqual({
      evolution: 'add-columns',
    });
    expect(
      withSchema('    load: { mode: replace }\n    schema: { evolution: replace-schema }\n').datasets.shared_forecasts
        ?.schema,
    ).toEqual({ evolution: 'replace-schema' });
    expect(errorOf(() => withSchema('    schema: { evolution: replace-schema }\n')).message).toMatch(
      /datasets\.shared_forecasts\.schema\.evolution: .*use load\.mode: replace/,
    );
    expect(errorOf(() => withSchema('    schema: { evolution: loose }\n')).message).toMatch(/schema\.evolution/);
    const byPosition = dataset.replace(
      'stageUrl: s3://bucket/exports/',
      'stageUrl: s3://bucket/exports/\n      copyOptions: { matchByColumnName: NONE }',
    );
    expect(errorOf(() => load(byPosition + '    schema: { evolution: strict }\n')).message).toMatch(
      /compares columns by name/,
    );
  });

  it('requires {syncId} in the run path so every sync writes to its own prefix', () => {
    const error = errorOf(() =>
      load(
        dataset.replace(
          's3Prefix: s3://bucket/exports/shared_forecasts',
          's3Prefix: s3://b/p, runPathTemplate: "{date}/"',
        ),
      ),
    );
    expect(error.message).toMatch(/runPathTemplate: must contain \{syncId\}/);
  });

  it('lets the environment override the file, and validates what it sets', () => {
    const config = load('redis:\n  url: redis://file:6379\n', { REDIS_URL: 'redis://env:6380', D2S_API_PORT: '9090' });
    expect(config.redis.url).toBe('redis://env:6380');
    expect(config.api.port).toBe(9090);
    expect(errorOf(() => load('{}', { D2S_API_PORT: 'ninety' })).message).toMatch(/api\.port \(from D2S_API_PORT\)/);
    expect(errorOf(() => load('{}', { LOG_LEVEL: 'loud' })).message).toMatch(/log\.level \(from LOG_LEVEL\)/);
  });

  it('switches to a Redis Cluster with REDIS_CLUSTER_NODES, with TLS, user and a password from the environment', () => {
    const config = load('{}', {
      REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2:7001,',
      REDIS_TLS: 'true',
      REDIS_USERNAME: 'd2s',
      REDIS_PASSWORD: 's3cret-redis',
    });
    expect(config.redis.cluster).toEqual({ nodes: ['10.0.0.1:7000', '10.0.0.2:7001'] });
    expect(config.redis.tls).toBe(true);
    expect(config.redis.username).toBe('d2s');
    expect(config.redis.password?.reveal()).toBe('s3cret-redis');
    expect(JSON.stringify(config)).not.toContain('s3cret-redis');
    expect(load('redis:\n  cluster: { nodes: ["a:1"] }\n  tls: { caFile: /etc/ca.pem }\n').redis.tls).toEqual({
      caFile: '/etc/ca.pem',
    });
    expect(errorOf(() => load('{}', { REDIS_CLUSTER_NODES: 'redis-1' })).message).toMatch(
      /redis\.cluster\.nodes.*\(from REDIS_CLUSTER_NODES\).*host:port/s,
    );
    expect(errorOf(() => load('redis:\n  cluster: { nodes: ["a:70000"] }\n')).message).toMatch(/port out of range/);
    expect(errorOf(() => load('{}', { REDIS_TLS: 'yes please' })).message).toMatch(/redis\.tls \(from REDIS_TLS\)/);
    expect(errorOf(() => load('redis:\n  password: hunter2\n')).message).toMatch(/unknown key\(s\) "password"/);
  });

  it('reads secrets from the environment or *_FILE, as Secrets', () => {
    const files = { '/etc/d2s/d2s.yaml': '{}', '/run/secrets/db': 'dapi-from-file\n' };
    const config = loadConfig({
      env: { D2S_CONFIG: '/etc/d2s/d2s.yaml', DATABRICKS_TOKEN_FILE: '/run/secrets/db', D2S_API_TOKENS: 'a, b' },
      readFile: filesystem(files),
    });
    expect(config.databricks.auth.kind).toBe('pat');
    if (config.databricks.auth.kind !== 'pat') throw new Error('unreachable');
    expect(isSecret(config.databricks.auth.token)).toBe(true);
    expect(config.databricks.auth.token.reveal()).toBe('dapi-from-file');
    expect(config.api.tokens).toEqual([
      { name: 'token-1', scopes: ['read', 'sync', 'mirror', 'admin'], sha256: sha256Hex('a') },
      { name: 'token-2', scopes: ['read', 'sync', 'mirror', 'admin'], sha256: sha256Hex('b') },
    ]);
    expect(JSON.stringify(config)).not.toContain('dapi-from-file');
  });

  it('prefers OAuth M2M when a client id and secret are both set', () => {
    const config = load('{}', { DATABRICKS_CLIENT_ID: 'id', DATABRICKS_CLIENT_SECRET: 's', DATABRICKS_TOKEN: 't' });
    expect(config.databricks.auth).toMatchObject({ kind: 'oauth-m2m', clientId: 'id' });
    expect(errorOf(() => load('{}', { DATABRICKS_CLIENT_ID: 'id' })).message).toMatch(/needs both/);
  });

  it('refuses both NAME and NAME_FILE', () => {
    expect(errorOf(() => load('{}', { DATABRICKS_TOKEN: 'a', DATABRICKS_TOKEN_FILE: '/x' })).message).toMatch(
      /Both DATABRICKS_TOKEN and DATABRICKS_TOKEN_FILE/,
    );
  });

  it('refuses plaintext secrets in the file unless allowed', () => {
    expect(errorOf(() => load('databricks:\n  token: dapi123\n')).message).toMatch(
      /databricks\.token holds a secret in plain text\. Set DATABRICKS_TOKEN/,
    );
    const config = load('allowPlaintextSecrets: true\ndatabricks:\n  token: dapi123\n');
    expect(config.databricks.auth.kind).toBe('pat');
  });

  it('loads a Snowflake key pair from the configured path', () => {
    const files = {
      '/etc/d2s/d2s.yaml': 'snowflake:\n  account: acme\n  user: D2S\n  privateKeyPath: keys/d2s.p8\n',
      '/srv/keys/d2s.p8': '-----BEGIN PRIVATE KEY-----\n...',
    };
    const config = loadConfig({
      env: { D2S_CONFIG: '/etc/d2s/d2s.yaml', SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: 'pp' },
      cwd: '/srv',
      readFile: filesystem(files),
    });
    expect(config.snowflake.auth.kind).toBe('keypair');
    expect(config.snowflake.account).toBe('acme');
    expect(JSON.stringify(config.snowflake)).not.toMatch(/BEGIN PRIVATE KEY|"pp"/);
  });
});

describe('databricks.webhook (pushed job notifications)', () => {
  it('is off unless configured', () => {
    expect(load(dataset).databricks.webhook).toBeUndefined();
  });

  it('takes the username from the file or D2S_DATABRICKS_WEBHOOK_USERNAME and the password only as a secret', () => {
    const fromFile = load(`databricks:\n  webhook: { username: dbx-hook }\n`, {
      D2S_DATABRICKS_WEBHOOK_PASSWORD: 'hook-pass',
    }).databricks.webhook;
    expect(fromFile?.username).toBe('dbx-hook');
    expect(isSecret(fromFile?.password)).toBe(true);
    expect(fromFile?.password?.reveal()).toBe('hook-pass');
    expect(JSON.stringify(fromFile)).not.toContain('hook-pass');
    expect(fromFile).toMatchObject({ pollInitialMs: 30_000, pollMaxMs: 120_000 });

    const fromEnv = load(dataset, { D2S_DATABRICKS_WEBHOOK_USERNAME: 'env-hook' }).databricks.webhook;
    expect(fromEnv?.username).toBe('env-hook');
    // Workers need no password: only the API, which checks for it at start-up.
    expect(fromEnv?.password).toBeUndefined();

    const error = errorOf(() => load(`databricks:\n  webhook: { username: u, password: in-the-file }\n`));
    expect(error.message).toMatch(/databricks\.webhook\.password holds a secret in plain text/);
    expect(error.message).not.toContain('in-the-file');
  });

  it('refuses a webhook without a username and unknown keys in it', () => {
    expect(errorOf(() => load(`databricks:\n  webhook: { pollMaxMs: 5 }\n`)).message).toMatch(
      /databricks\.webhook\.username/,
    );
    expect(errorOf(() => load(`databricks:\n  webhook: { username: u, url: x }\n`)).message).toMatch(
      /unknown key\(s\) "url"/,
    );
  });
});
