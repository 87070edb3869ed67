import { readFile } from 'node:fs/promises';
import Fastify from 'fastify';
import { parse as parseYaml } from 'yaml';
import { ObjectStore } from './object-store.js';
import type { AdminResult, SnowflakeEmulatorAdmin } from './admin/admin.js';
import { ADMIN_PREFIX, registerAdminRoutes } from './admin/admin-routes.js';
import { FaultInjector, type SnowflakeFaults } from './admin/faults.js';
import { QueryLog } from './admin/query-log.js';
import { Engine } from './engine/engine.js';
import { failure } from './protocol/envelope.js';
import { QueryRegistry } from './protocol/query-registry.js';
import { ResultChunks } from './protocol/result-chunks.js';
import { registerProtocolRoutes, send } from './protocol/routes.js';
import { toJsonValue } from './protocol/rowset-encoding.js';
import { SessionStore } from './protocol/session-store.js';
import { type SnowflakeUserConfig, UserRegistry } from './protocol/users.js';

/** A fixture: users and setup SQL, given inline or as a YAML/JSON file path. */
export interface SnowflakeFixture {
  account?: string;
  users?: SnowflakeUserConfig[];
  /** Statements run at start as an administrator, in order. */
  setup?: string[];
}

export interface SnowflakeEmulatorOptions {
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @defaultValue env SNOWFLAKE_EMULATOR_PORT, else 8802 */
  port?: number;
  /** Directory standing in for S3 (`s3://bucket/key` -> `<root>/bucket/key`). */
  objectStoreRoot: string;
  /** The account name clients pass (`account` option); JWT iss/sub must use it. @defaultValue 'EMULATOR' */
  account?: string;
  /** Users that may log in (merged with the fixture's). */
  users?: SnowflakeUserConfig[];
  /** Fixture object or path to a YAML/JSON fixture file. */
  fixture?: SnowflakeFixture | string;
  /** Faults active from the start. */
  faults?: SnowflakeFaults;
  /** @defaultValue 3600 */
  sessionValiditySeconds?: number;
  /** @defaultValue 14400 */
  masterValiditySeconds?: number;
  /** A query request answers 333333 (poll the result URL) after this long. @defaultValue 45000 */
  queryInProgressAfterMs?: number;
  /** A result poll is held this long before answering 333333 again. @defaultValue 10000 */
  resultPollHoldMs?: number;
  /** fetch for Iceberg REST catalogs / OAuth endpoints. @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
  /**
   * Statements that need compute (SELECT reading a table, DML, COPY) fail with
   * 000606 when the session has no current warehouse, as in Snowflake. Off by
   * default for embedders whose fixtures predate it; the sandbox and the CLI
   * turn it on. @defaultValue false
   */
  requireWarehouse?: boolean;
  /**
   * Results with more rows than this return the rest as chunks the driver
   * downloads (as Snowflake does); 0 keeps every result inline. @defaultValue 1000
   */
  resultChunkRows?: number;
  /** Environment for defaults. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
}

export interface SnowflakeEmulator {
  /** `http://host:port`: pass as the driver's `accessUrl`. */
  url: string;
  port: number;
  account: string;
  admin: SnowflakeEmulatorAdmin;
  queryLog: QueryLog;
  /** How many result chunks clients have downloaded. */
  resultChunksServed(): number;
  close(): Promise<void>;
}

async function loadFixture(fixture: SnowflakeFixture | string | undefined): Promise<SnowflakeFixture> {
  if (fixture === undefined) return {};
  if (typeof fixture !== 'string') return fixture;
  return (parseYaml(await readFile(fixture, 'utf8')) ?? {}) as SnowflakeFixture;
}

function plainRows(rows: unknown[][]): unknown[][] {
  return rows.map((row) =>
    row.map((v) =>
      v instanceof Date
        ? v
        : typeof v === 'object' && v !== null
          ? toJsonValue(v)
          : typeof v === 'bigint'
            ? toJsonValue(v)
            : v,
    ),
  );
}

/**
 * Starts the Snowflake emulator: an HTTP server speaking the protocol of the
 * unmodified `snowflake-sdk` driver (login by password or key-pair JWT, query
 * requests with JSON row sets, 333333/333334 polling, token renewal,
 * heartbeat, cancel, telemetry), executing SQL on an embedded in-memory
 * DuckDB. Data does not survive a restart.
 *
 * Driver settings: `accessUrl: emulator.url`, `account: emulator.account`
 * (explicitly), and `SNOWFLAKE_DISABLE_PLATFORM_DETECTION=true` in the
 * environment before the driver is imported.
 */
export async function startSnowflakeEmulator(options: SnowflakeEmulatorOptions): Promise<SnowflakeEmulator> {
  const env = options.env ?? process.env;
  const fixture = await loadFixture(options.fixture);
  const account = (options.account ?? fixture.account ?? 'EMULATOR').toUpperCase();
  const faults = new FaultInjector(options.faults);
  const queryLog = new QueryLog();
  const users = new UserRegistry([...(fixture.users ?? []), ...(options.users ?? [])]);
  const now = () => Date.now();
  const engine = await Engine.create({
    objectStore: new ObjectStore(options.objectStoreRoot),
    account,
    fetch: options.fetch ?? globalThis.fetch,
    failingFiles: () => faults.failingFiles(),
    requireWarehouse: options.requireWarehouse ?? false,
    users,
  });
  const grantUserRoles = (user: SnowflakeUserConfig) => {
    const roles = user.roles ?? (user.defaultRole !== undefined ? [user.defaultRole] : []);
    for (const role of roles) engine.access.grantRoleToUser(role.toUpperCase(), user.name, 'USERADMIN');
  };
  for (const user of [...(fixture.users ?? []), ...(options.users ?? [])]) grantUserRoles(user);
  const sessions = new SessionStore(
    { sessionSeconds: options.sessionValiditySeconds ?? 3600, masterSeconds: options.masterValiditySeconds ?? 14_400 },
    now,
  );
  const queries = new QueryRegistry(engine, faults, queryLog, now, new ResultChunks(options.resultChunkRows ?? 1000));
  engine.hooks.cancelQuery = (id) => queries.cancel(id);
  engine.hooks.queryHistory = () => queryLog.entries();
  engine.hooks.resultOf = (id) => {
    const record = queries.get(id);
    return record?.status === 'SUCCESS' && record.result
      ? { result: record.result, user: record.session.engine.state.user }
      : undefined;
  };

  let adminSessionId = -1;
  const admin: SnowflakeEmulatorAdmin = {
    async execute(sql, opts = {}): Promise<AdminResult> {
      // The operator is not checked for privileges; what it creates is owned by
      // its role, SYSADMIN unless told otherwise (as Snowflake advises for databases).
      const session = await engine.openSession({
        id: adminSessionId--,
        user: 'EMULATOR_ADMIN',
        database: opts.database ?? null,
        schema: opts.database ? (opts.schema ?? 'PUBLIC') : null,
        warehouse: null,
        role: opts.role ?? 'SYSADMIN',
        parameters: new Map(),
        inTransaction: false,
        operator: true,
      });
      try {
        const result = await engine.execute(session, sql, undefined, crypto.randomUUID(), new AbortController().signal);
        return { columns: result.columns.map((c) => c.name), rows: plainRows(result.rows) };
      } finally {
        await engine.closeSession(session);
      }
    },
    addUser: (user) => {
      users.add(user);
      grantUserRoles(user);
    },
    setFaults: (f) => faults.set(f),
    resetFaults: () => faults.reset(),
    faults: () => faults.current(),
    failNextQueries: (count, error = {}) => faults.set({ failQueries: { count, ...error } }),
    failNextRequests: (count, status = 503, scope = 'query') => faults.set({ httpErrors: { count, status, scope } }),
    setLatency: (ms) => faults.set({ latencyMs: ms }),
    failFiles: (files) => faults.set({ failingFiles: files }),
    faultStatements: (added) =>
      faults.set({ statementFaults: [...(faults.current().statementFaults ?? []), ...added] }),
    expireSessions: (sessionId) => sessions.expireNow(sessionId),
    cancelQuery: (id) => queries.cancel(id),
    sessionCount: () => sessions.all().length,
  };

  for (const sql of fixture.setup ?? []) await admin.execute(sql);

  const app = Fastify({ logger: false, bodyLimit: 256 * 1024 * 1024 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith(ADMIN_PREFIX)) return;
    const kind = request.url.startsWith('/session/v1/login-request')
      ? 'login'
      : request.url.startsWith('/queries/')
        ? 'query'
        : 'other';
    const status = faults.takeHttpError(kind);
    if (status !== undefined)
      return send(reply, failure(String(status), 'Service temporarily unavailable (injected fault).'), status);
  });
  registerProtocolRoutes(app, {
    engine,
    users,
    sessions,
    queries,
    now,
    queryInProgressAfterMs: options.queryInProgressAfterMs ?? 45_000,
    resultPollHoldMs: options.resultPollHoldMs ?? 10_000,
  });
  registerAdminRoutes(app, admin, queryLog);
  app.setNotFoundHandler((request, reply) =>
    send(reply, failure('390400', `Unknown endpoint ${request.method} ${request.url}`), 404),
  );

  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? Number(env.SNOWFLAKE_EMULATOR_PORT ?? 8802);
  await app.listen({ host, port });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  queries.chunks.setBaseUrl(`http://${urlHost}:${actualPort}`);
  return {
    url: `http://${urlHost}:${actualPort}`,
    port: actualPort,
    account,
    admin,
    queryLog,
    resultChunksServed: () => queries.chunks.served,
    async close() {
      for (const session of sessions.all()) {
        queries.cancelSession(session);
        sessions.close(session);
        await engine.closeSession(session.engine).catch(() => undefined);
      }
      await app.close();
      engine.close();
    },
  };
}
