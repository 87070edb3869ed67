import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// No Docker engine runs on these machines, so the compose file is checked here instead.
const root = resolve(import.meta.dirname, '..');
const compose = parse(readFileSync(resolve(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    {
      command?: string[];
      environment?: Record<string, string>;
      profiles?: string[];
      depends_on?: unknown;
      volumes?: string[];
    }
  >;
};

describe('docker-compose.yml', () => {
  it('runs redis, the API and the three workers, plus the two emulators in the sandbox profile', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'api',
      'databricks-emulator',
      'export-worker',
      'import-worker',
      'mirror-worker',
      'redis',
      'snowflake-emulator',
    ]);
    expect(compose.services['databricks-emulator']?.profiles).toEqual(['sandbox']);
    expect(compose.services['snowflake-emulator']?.profiles).toEqual(['sandbox']);
  });

  it('runs Redis with AOF and noeviction', () => {
    const command = compose.services.redis?.command?.join(' ') ?? '';
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--maxmemory-policy noeviction');
  });

  it('starts each service from a file the build produces', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === 'redis') continue;
      const entry = service.command?.[1] ?? '';
      expect(entry, name).toMatch(/dist\/(main|cli)\.js$/);
      expect(
        existsSync(resolve(root, entry.replace('/dist/', '/src/').replace(/\.js$/, '.ts'))),
        `${name}: ${entry}`,
      ).toBe(true);
    }
  });

  it('points every d2s service at Redis and the config file, with no secret values written in', () => {
    for (const name of ['api', 'export-worker', 'import-worker', 'mirror-worker']) {
      const env = compose.services[name]?.environment ?? {};
      expect(env.REDIS_URL, name).toBe('redis://redis:6379');
      expect(env.D2S_CONFIG, name).toBe('/config/d2s.yaml');
      for (const key of ['DATABRICKS_TOKEN', 'DATABRICKS_CLIENT_SECRET', 'SNOWFLAKE_PRIVATE_KEY_PASSPHRASE']) {
        expect(String(env[key] ?? ''), `${name}.${key}`).toMatch(/^\$\{[A-Z_]+:-\}$/);
      }
    }
  });

  it('ships no API token: the API gets D2S_API_TOKENS from the environment or refuses to start', () => {
    const tokens = compose.services.api?.environment?.D2S_API_TOKENS;
    expect(tokens).toMatch(/^\$\{D2S_API_TOKENS(:-)?\}$/);
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (/TOKEN|SECRET|PASSWORD|PASSPHRASE/.test(key))
          expect(String(value), `${name}.${key}`).toMatch(/^\$\{[A-Z0-9_]+(:-)?\}$/);
      }
    }
  });

  it('has a Dockerfile that builds every service the compose file runs, from folders it copies', () => {
    const dockerfile = readFileSync(resolve(root, 'Dockerfile'), 'utf8');
    const build = /npx tsc -b ([^\\\n&]+)/.exec(dockerfile)?.[1]?.trim().split(/\s+/) ?? [];
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm)].map((m) => m[1]);
    for (const project of build) {
      expect(existsSync(resolve(root, project, 'tsconfig.json')), project).toBe(true);
      expect(
        copied.some((c) => project.startsWith(`${c}/`)),
        `${project} is copied into the image`,
      ).toBe(true);
    }
    for (const [name, service] of Object.entries(compose.services)) {
      const entry = service.command?.[1];
      if (name === 'redis' || !entry) continue;
      expect(
        build.some((project) => entry.startsWith(`${project}/`)),
        `${name} is built`,
      ).toBe(true);
    }
  });

  it('wires the sandbox: services reach each emulator by its service name, both emulators share one object store', () => {
    const env = compose.services.api?.environment ?? {};
    expect(env.DATABRICKS_HOST).toBe('${DATABRICKS_HOST:-http://databricks-emulator:8801}');
    expect(env.SNOWFLAKE_ACCESS_URL).toBe('${SNOWFLAKE_ACCESS_URL:-http://snowflake-emulator:8802}');
    for (const name of ['databricks-emulator', 'snowflake-emulator']) {
      const service = compose.services[name];
      expect(service?.environment?.D2S_OBJECT_STORE_DIR, name).toBe('/sandbox/object-store');
      expect(service?.volumes, name).toContain('sandbox:/sandbox');
    }
  });

  it('mounts the config file that exists in the repository', () => {
    const mount = compose.services.api?.volumes?.find((v) => v.endsWith(':/config/d2s.yaml:ro')) ?? '';
    expect(existsSync(resolve(root, mount.split(':')[0] ?? ''))).toBe(true);
  });
});
