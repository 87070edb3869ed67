import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, type Env, loadConfig } from '@d2s/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { fuzzRuns, fuzzSeed } from './support/fuzz-seed.js';

/**
 * Property-based fuzzing of the config loader through its readFile injection:
 * whatever the file holds (any JSON or YAML document, a valid config with one
 * part changed, YAML's odd corners, not YAML at all), loadConfig returns a
 * config or throws a ConfigError whose message names the file — never another
 * exception type.
 *
 * And what must be refused is refused: ports, worker counts and poll settings
 * out of range, a dataset whose export prefix lies outside its stage.
 *
 * Each run draws a new seed (printed, and in the suite's name); replay one
 * with D2S_FUZZ_SEED=<seed>.
 */
const SEED = fuzzSeed('config');
const RUNS = fuzzRuns('D2S_FUZZ_RUNS', 300);
const FILE = '/etc/d2s/fuzzed-config.yaml';
const BASE_TEXT = readFileSync(resolve(import.meta.dirname, '../../d2s.config.yaml'), 'utf8');
const BASE = parseYaml(BASE_TEXT) as Record<string, unknown>;

const KEY_PEM = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n';

type Outcome = { ok: true } | { ok: false; error: unknown };

function load(text: string, env: Env = {}): Outcome {
  try {
    const config = loadConfig({
      env: { D2S_CONFIG: FILE, ...env },
      cwd: '/srv/d2s',
      readFile: (path) => {
        if (path === FILE) return text;
        // The key file the base config names (snowflake.privateKeyPath) exists; any other path does not.
        if (path === '/srv/d2s/.d2s/sandbox/keys/d2s_sandbox_rsa_key.p8') return KEY_PEM;
        throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
      },
    });
    expect(config.source).toBe(FILE);
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The property: a config, or a ConfigError that names the file. */
function expectConfigOrNamedError(outcome: Outcome, input: string): void {
  expect(({} as Record<string, unknown>).polluted, input).toBeUndefined();
  if (outcome.ok) return;
  const error = outcome.error;
  const shown = `input: ${JSON.stringify(input).slice(0, 600)}\nthrew: ${String(error)}`;
  expect(error, shown).toBeInstanceOf(ConfigError);
  expect((error as Error).message, shown).toContain(FILE);
}

const key = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'redis', 'datasets', 'token', '<<', ''),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const scalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 65_536, 2 ** 53 + 1, 1e308),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('', 'redis://', 's3://', 'http://x', 'SNOWFLAKE_JWT', 'replace', 'debug', '{d2s}', 'yes', '~'),
);
const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(key, tie('v'), { maxKeys: 3 }),
  ),
})).v;

/** Every path in the base config (objects and leaves). */
function pathsOf(node: unknown, prefix: string[] = []): string[][] {
  if (node === null || typeof node !== 'object') return [prefix];
  const children = Object.entries(node as Record<string, unknown>).flatMap(([k, v]) => pathsOf(v, [...prefix, k]));
  return [prefix, ...children];
}
const BASE_PATHS = pathsOf(BASE).filter((p) => p.length > 0);

/** The base config with one change: a value replaced, a key removed, or a key added. */
const mutatedConfig = fc
  .tuple(fc.constantFrom(...BASE_PATHS), fc.constantFrom('replace', 'delete', 'add'), key, value)
  .map(([path, op, newKey, newValue]) => {
    const copy = structuredClone(BASE);
    let node = copy as Record<string, unknown>;
    for (const part of path.slice(0, -1)) node = node[part] as Record<string, unknown>;
    const last = path[path.length - 1] as string;
    if (op === 'replace') node[last] = newValue;
    else if (op === 'delete') delete node[last];
    else if (node[last] !== null && typeof node[last] === 'object') {
      Object.defineProperty(node[last], newKey, { value: newValue, enumerable: true, writable: true });
    } else node[last] = { [newKey]: newValue };
    return copy;
  });

/** YAML that exercises the parser's corners. */
const YAML_CORNERS = [
  '',
  '~',
  '---\n---\n',
  '--- a\n--- b\n',
  '%YAML 1.1\n---\nlog: { level: debug }\n',
  'a: &x [*x]\n',
  'base: &b { level: debug }\nlog:\n  <<: *b\n',
  'log: !!js/function "function () {}"\n',
  'log: !custom { level: debug }\n',
  'redis: !!binary aGVsbG8=\n',
  'datasets: !!set { a, b }\n',
  'datasets: !!omap [ a: 1 ]\n',
  '? [a, b]\n: 1\n',
  'log: {level: debug, level: info}\n',
  '\t- tab\n',
  '\uFEFFlog: { level: debug }\n',
  'api: { port: 0x1F90 }\n',
  'api: { port: 8_080 }\n',
  'api: { port: .inf }\n',
  'api: { port: .nan }\n',
  'api: { port: 1e3 }\n',
  'log: { level: DEBUG }\n',
  'workers: { export: { pollGrowth: 1e-400 } }\n',
  `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`,
  `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
  `${'a:\n  '.repeat(500)}b: 1\n`,
  'allowPlaintextSecrets: true\ndatabricks: { token: dapi-file-token }\n',
  'databricks: { token: dapi-file-token }\n',
  'databricks: { clientId: only-the-id }\n',
  'snowflake: { password: hunter2 }\n',
  'mirror: { oauthClientSecret: s3cret }\n',
  'api: { tokens: [a] }\n',
  'snowflake: { privateKeyPath: ./missing.p8 }\n',
  'datasets: { Bad-Name: {} }\n',
  'datasets: { ok: { databricks: { jobId: 1 }, export: { s3Prefix: "s3://b/p" } } }\n',
  '__proto__: { polluted: true }\n',
  'constructor: { prototype: { polluted: true } }\n',
  'redis: { __proto__: { url: "redis://evil" } }\n',
  '{"__proto__": {"polluted": true}}',
  'null',
  '[]',
  '"just a string"',
  '42',
  'true',
];

describe(`config loader fuzzing (seed ${SEED}, ${RUNS} runs a property)`, () => {
  it('the base config loads', () => {
    expect(load(BASE_TEXT)).toEqual({ ok: true });
  });

  // Found by the properties below: these refusals come from the file's content but do not name the file
  // (the README: "An invalid file stops the process with one message naming the file, each bad key path and
  // what was expected"). They are thrown from applyEnvironment (plaintext(), the OAuth pair check, the key read).
  it.each([
    ['a secret in plain text', 'databricks: { token: dapi-file-token }\n', 'databricks.token'],
    ['half an OAuth client', 'databricks: { clientId: only-the-id }\n', 'clientId'],
    ['a private key path that cannot be read', 'snowflake: { privateKeyPath: ./missing.p8 }\n', 'privateKeyPath'],
  ])('names the file when it refuses %s', (_what, text, keyPath) => {
    const outcome = load(text);
    expect(outcome.ok).toBe(false);
    const error = (outcome as { error: Error }).error;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(keyPath);
    expect(error.message).toContain(FILE);
  });

  it('any JSON document', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), value), (doc) => {
        const text = JSON.stringify(doc) ?? 'null';
        expectConfigOrNamedError(load(text), text);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });

  it('the valid config with one part changed, as YAML or JSON', () => {
    fc.assert(
      fc.property(mutatedConfig, fc.boolean(), (doc, asJson) => {
        let text: string;
        try {
          text = asJson ? JSON.stringify(doc) : stringifyYaml(doc);
        } catch {
          return; // a value YAML cannot write
        }
        expectConfigOrNamedError(load(text), text);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });

  it('arbitrary text and YAML’s corners (anchors, tags, directives, duplicate keys, deep nesting)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constantFrom(...YAML_CORNERS),
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.string({ maxLength: 200 }),
          fc.tuple(fc.constantFrom(...YAML_CORNERS), fc.string({ maxLength: 20 })).map(([a, b]) => `${a}${b}`),
        ),
        (text) => expectConfigOrNamedError(load(text), text),
      ),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });

  it('with environment overrides on top (LOG_LEVEL, D2S_API_PORT, REDIS_URL, DATABRICKS_HOST, …)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constant(BASE_TEXT),
          mutatedConfig.map((d) => stringifyYaml(d)),
        ),
        fc.record(
          {
            LOG_LEVEL: fc.oneof(fc.constantFrom('debug', 'loud', ''), fc.string({ maxLength: 10 })),
            D2S_API_PORT: fc.oneof(fc.constantFrom('0', '65536', '-1', '8080', '1e3', ''), fc.string({ maxLength: 6 })),
            REDIS_URL: fc.oneof(fc.constantFrom('redis://h:1', 'not a url', ''), fc.string({ maxLength: 20 })),
            DATABRICKS_HOST: fc.oneof(fc.constantFrom('https://x.cloud.databricks.com', 'nope'), fc.string()),
            SNOWFLAKE_ACCESS_URL: fc.oneof(fc.constantFrom('http://127.0.0.1:1', '::'), fc.string()),
            D2S_QUEUE_PREFIX: fc.string({ maxLength: 10 }),
          },
          { requiredKeys: [] },
        ),
        (text, env) => expectConfigOrNamedError(load(text, env), `${text}\nenv: ${JSON.stringify(env)}`),
      ),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });

  /** The base config with one value set at `path`. */
  const withValue = (path: readonly string[], newValue: unknown): string => {
    const copy = structuredClone(BASE);
    let node = copy as Record<string, unknown>;
    for (const part of path.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[path[path.length - 1] as string] = newValue;
    return stringifyYaml(copy);
  };

  /** The property's other half: this input must not load, and the refusal names the file and the key. */
  const expectRefused = (outcome: Outcome, input: string, keyPath: string) => {
    const shown = `input: ${input.slice(0, 600)}`;
    expect(outcome.ok, `loaded what must be refused (${keyPath})\n${shown}`).toBe(false);
    const error = (outcome as { error: unknown }).error;
    expect(error, shown).toBeInstanceOf(ConfigError);
    expect((error as Error).message, shown).toContain(FILE);
    expect((error as Error).message, shown).toContain(keyPath);
  };

  /** Not an integer in [min, max]: out of range either way, fractions, or not a number at all. */
  const notAnIntegerIn = (min: number, max: number) =>
    fc.oneof(
      fc.integer({ min: Number.MIN_SAFE_INTEGER, max: min - 1 }),
      ...(max < Number.MAX_SAFE_INTEGER ? [fc.integer({ min: max + 1, max: Number.MAX_SAFE_INTEGER })] : []),
      fc.double({ min: min - 1, max: Math.min(max, 1e12), noNaN: true }).filter((n) => !Number.isInteger(n)),
      fc.constantFrom(-1, -0.5, 0.5, min - 1, max + 1, Number.NaN, Number.POSITIVE_INFINITY),
      fc.constantFrom('8080', '', null, true, [], {}),
    );

  it('refuses a port outside 0–65535 or not an integer, in the file or in D2S_API_PORT', () => {
    fc.assert(
      fc.property(notAnIntegerIn(0, 65_535), (port) => {
        const text = withValue(['api', 'port'], port);
        expectRefused(load(text), text, 'api.port');
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ max: -1 }).map(String),
          fc.integer({ min: 65_536 }).map(String),
          fc.constantFrom('-1', '65536', '1.5', 'http', '80 80', '0x', '1e10'),
        ),
        (port) => {
          const text = `${BASE_TEXT}\n# D2S_API_PORT=${port}`;
          expectRefused(load(BASE_TEXT, { D2S_API_PORT: port }), text, 'D2S_API_PORT');
        },
      ),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });

  it('refuses worker concurrency, poll settings and client limits that are not positive', () => {
    const positiveIntegers = [
      ['workers', 'export', 'concurrency'],
      ['workers', 'import', 'concurrency'],
      ['workers', 'mirror', 'concurrency'],
      ['workers', 'export', 'pollInitialMs'],
      ['workers', 'export', 'pollMaxMs'],
      ['workers', 'lockDurationMs'],
      ['workers', 'stalledIntervalMs'],
      ['databricks', 'retryBudgetMs'],
      ['databricks', 'requestTimeoutMs'],
      ['snowflake', 'poolMax'],
      ['mirror', 'maxParallelTables'],
    ] as const;
    fc.assert(
      fc.property(fc.constantFrom(...positiveIntegers), notAnIntegerIn(1, Number.MAX_SAFE_INTEGER), (path, bad) => {
        const text = withValue(path, bad);
        expectRefused(load(text), text, path.join('.'));
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });

  it('refuses a poll growth outside 1–4 (a shrinking or exploding schedule)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ max: 1, maxExcluded: true, noNaN: true }),
          fc.double({ min: 4, minExcluded: true, noNaN: true }),
          fc.constantFrom(0, -1, 0.99, 4.01, '1.5', null),
        ),
        (growth) => {
          const text = withValue(['workers', 'export', 'pollGrowth'], growth);
          expectRefused(load(text), text, 'workers.export.pollGrowth');
        },
      ),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });

  /** An S3 path segment (what a bucket or a folder could be named). */
  const segment = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,11}$/).filter((s) => s !== '.' && s !== '..');

  it('refuses a dataset whose export prefix lies outside its stage URL, and accepts one inside it', () => {
    const datasetWith = (s3Prefix: string, stageUrl: string) => {
      const copy = structuredClone(BASE) as { datasets: Record<string, Record<string, Record<string, unknown>>> };
      const dataset = copy.datasets.shared_forecasts as Record<string, Record<string, unknown>>;
      (dataset.export as Record<string, unknown>).s3Prefix = s3Prefix;
      (dataset.snowflake as Record<string, unknown>).stageUrl = stageUrl;
      return stringifyYaml(copy);
    };
    fc.assert(
      fc.property(
        segment,
        fc.array(segment, { maxLength: 3 }),
        segment,
        fc.constantFrom('other-bucket', 'sibling', 'prefix-of-name', 'parent', 'case'),
        fc.boolean(),
        (bucket, folders, leaf, how, trailingSlash) => {
          const stagePath = [...folders, leaf].join('/');
          const stageUrl = `s3://${bucket}/${stagePath}${trailingSlash ? '/' : ''}`;
          // Inside: anything below the stage URL loads.
          const inside = datasetWith(`s3://${bucket}/${stagePath}/exports/run`, stageUrl);
          expectConfigOrNamedError(load(inside), inside);
          expect(load(inside), inside).toEqual({ ok: true });
          // Outside: another bucket, a sibling folder, a name that merely starts like the stage's, its parent.
          const outside = {
            'other-bucket': `s3://${bucket}x/${stagePath}/exports`,
            sibling: `s3://${bucket}/${[...folders, `${leaf}-old`].join('/')}/exports`,
            'prefix-of-name': `s3://${bucket}/${stagePath}x`,
            parent: `s3://${bucket}/${folders.join('/')}`,
            case: `s3://${bucket}/${stagePath.toUpperCase()}/exports`,
          }[how];
          if (how === 'case' && stagePath.toUpperCase() === stagePath) return; // digits only: same either way
          const text = datasetWith(outside, stageUrl);
          expectRefused(load(text), text, 'datasets.shared_forecasts.export.s3Prefix');
        },
      ),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });
});
