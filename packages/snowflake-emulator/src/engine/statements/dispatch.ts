import { sqlErrors } from '../../errors.js';
import {
  alterCatalogIntegration,
  createCatalogIntegration,
  dropCatalogIntegration,
} from '../../iceberg/catalog-integration-ddl.js';
import { alterIcebergTable, createIcebergTable, dropIcebergTable } from '../../iceberg/iceberg-table-ddl.js';
import { prefetchIcebergTable } from '../../iceberg/iceberg-table-prefetch.js';
import type { StatementContext } from '../statement-context.js';
import type { StatementResult } from '../statement-result.js';
import { requireWarehouse } from '../warehouse-requirement.js';
import { copyHistoryQuery, mentionsCopyHistory } from './copy-history.js';
import { copyInto } from './copy-into.js';
import { createDatabase, createSchema, dropDatabase, dropSchema } from './database-ddl.js';
import { describe } from './describe.js';
import { inferSchemaQuery, mentionsInferSchema } from './infer-schema.js';
import { listStage } from './list-stage.js';
import { runMerge } from './merge.js';
import { showTransactions } from '../transactions.js';
import { runQuery } from './query.js';
import { removeStageFiles } from './remove-stage-files.js';
import { alterSession, transactionControl, useObject } from './session-commands.js';
import { createRole, createWarehouse, dropRole, dropWarehouse, grant, revoke } from './access-ddl.js';
import { show } from './show.js';
import { createFileFormat, createStage, createStorageIntegration, dropFileFormat, dropStage } from './stage-ddl.js';
import { callSystemFunction, isSystemFunctionQuery, isWaitCall, systemWait } from './system-functions.js';
import { alterTable, createTable, dropTable, truncateTable } from './table-ddl.js';
import { alterUser, createUser, dropUser } from './user-ddl.js';

/** Snowflake commits an open transaction before any DDL. */
async function implicitCommit(ctx: StatementContext): Promise<void> {
  if (!ctx.session.state.inTransaction) return;
  await ctx.session.connection.run('COMMIT');
  ctx.session.state.inTransaction = false;
}

/** Skips CREATE's modifiers; returns the object kind words that follow and the flags seen. */
function createModifiers(ctx: StatementContext): { orReplace: boolean; temporary: boolean; transient: boolean } {
  const c = ctx.cursor;
  const orReplace = c.acceptWords('OR', 'REPLACE');
  let temporary = false;
  let transient = false;
  for (;;) {
    if (c.acceptWords('TEMPORARY') || c.acceptWords('TEMP') || c.acceptWords('VOLATILE')) temporary = true;
    else if (c.acceptWords('TRANSIENT')) transient = true;
    else if (c.acceptWords('LOCAL') || c.acceptWords('GLOBAL')) continue;
    else break;
  }
  return { orReplace, temporary, transient };
}

async function routeCreate(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  c.expectWords('CREATE');
  const flags = createModifiers(ctx);
  await implicitCommit(ctx);
  if (c.acceptWords('DATABASE')) return createDatabase(ctx, flags.orReplace);
  if (c.acceptWords('SCHEMA')) return createSchema(ctx, flags.orReplace);
  if (c.acceptWords('TABLE')) return createTable(ctx, flags);
  if (c.acceptWords('ICEBERG', 'TABLE')) return createIcebergTable(ctx, flags.orReplace);
  if (c.acceptWords('STAGE')) return createStage(ctx, flags.orReplace);
  if (c.acceptWords('FILE', 'FORMAT')) return createFileFormat(ctx, flags.orReplace);
  if (c.acceptWords('CATALOG', 'INTEGRATION')) return createCatalogIntegration(ctx, flags.orReplace);
  if (c.acceptWords('STORAGE', 'INTEGRATION')) return createStorageIntegration(ctx, flags.orReplace);
  if (c.acceptWords('ROLE')) return createRole(ctx, flags.orReplace);
  if (c.acceptWords('WAREHOUSE')) return createWarehouse(ctx, flags.orReplace);
  if (c.acceptWords('USER')) return createUser(ctx, flags.orReplace);
  const t = c.peek();
  if (t?.kind === 'word' && ['VIEW', 'SEQUENCE', 'FUNCTION', 'PROCEDURE', 'TASK', 'STREAM', 'PIPE'].includes(t.upper))
    throw sqlErrors.unsupported(`CREATE ${t.upper}`);
  return c.fail(t);
}

async function routeDrop(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  c.expectWords('DROP');
  await implicitCommit(ctx);
  if (c.acceptWords('DATABASE')) return dropDatabase(ctx);
  if (c.acceptWords('SCHEMA')) return dropSchema(ctx);
  if (c.acceptWords('TABLE')) return dropTable(ctx, false);
  if (c.acceptWords('ICEBERG', 'TABLE')) return dropIcebergTable(ctx);
  if (c.acceptWords('STAGE')) return dropStage(ctx);
  if (c.acceptWords('FILE', 'FORMAT')) return dropFileFormat(ctx);
  if (c.acceptWords('CATALOG', 'INTEGRATION') || c.acceptWords('INTEGRATION')) return dropCatalogIntegration(ctx);
  if (c.acceptWords('ROLE')) return dropRole(ctx);
  if (c.acceptWords('WAREHOUSE')) return dropWarehouse(ctx);
  if (c.acceptWords('USER')) return dropUser(ctx);
  return c.fail(c.peek());
}

async function routeAlter(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  c.expectWords('ALTER');
  if (c.acceptWords('SESSION')) return alterSession(ctx);
  await implicitCommit(ctx);
  if (c.acceptWords('TABLE')) return alterTable(ctx);
  if (c.acceptWords('ICEBERG', 'TABLE')) return alterIcebergTable(ctx);
  if (c.acceptWords('CATALOG', 'INTEGRATION')) return alterCatalogIntegration(ctx);
  if (c.acceptWords('USER')) return alterUser(ctx);
  const t = c.peek();
  if (t?.kind === 'word') throw sqlErrors.unsupported(`ALTER ${t.upper}`);
  return c.fail(t);
}

async function route(ctx: StatementContext): Promise<StatementResult> {
  const c = ctx.cursor;
  const first = c.peek();
  if (!first) throw sqlErrors.emptyStatement();
  const word = first.kind === 'word' ? first.upper : first.text;
  switch (word) {
    case 'SELECT':
    case 'WITH':
    case '(':
      if (isSystemFunctionQuery(ctx)) return callSystemFunction(ctx);
      if (mentionsInferSchema(ctx)) return inferSchemaQuery(ctx);
      if (mentionsCopyHistory(ctx)) return copyHistoryQuery(ctx);
      return runQuery(ctx);
    case 'INSERT':
    case 'UPDATE':
    case 'DELETE':
      return runQuery(ctx);
    case 'MERGE':
      return runMerge(ctx);
    case 'CREATE':
      return routeCreate(ctx);
    case 'DROP':
      return routeDrop(ctx);
    case 'ALTER':
      return routeAlter(ctx);
    case 'TRUNCATE':
      await implicitCommit(ctx);
      return truncateTable(ctx);
    case 'USE':
      return useObject(ctx);
    case 'GRANT':
      await implicitCommit(ctx);
      return grant(ctx);
    case 'REVOKE':
      await implicitCommit(ctx);
      return revoke(ctx);
    case 'SHOW':
      if (c.isWord('TRANSACTIONS', 1)) return showTransactions(ctx);
      return show(ctx);
    case 'DESC':
    case 'DESCRIBE':
      return describe(ctx);
    case 'LIST':
    case 'LS':
      return listStage(ctx);
    case 'REMOVE':
    case 'RM':
      return removeStageFiles(ctx);
    case 'COPY':
      return copyInto(ctx);
    case 'BEGIN':
    case 'START':
    case 'COMMIT':
    case 'ROLLBACK':
      return transactionControl(ctx);
    case 'CALL':
      return callSystemFunction(ctx);
    default:
      return c.fail(first);
  }
}

/**
 * Routes one statement to its handler. Statements run one at a time against
 * the catalog; SYSTEM$WAIT sleeps outside that lock, and a CREATE ICEBERG TABLE's
 * remote catalog read runs before it.
 */
export async function dispatchStatement(ctx: StatementContext): Promise<StatementResult> {
  if (isWaitCall(ctx)) return systemWait(ctx);
  requireWarehouse(ctx);
  // A CREATE ICEBERG TABLE reads its remote catalog and builds its table before it waits for the lock
  // (iceberg-table-prefetch.ts), and waits for that first: the lock's holder never waits on remote reads.
  const prefetch = prefetchIcebergTable(ctx);
  if (!prefetch) return routeExclusively(ctx);
  ctx.prefetch = prefetch;
  await prefetch.value;
  try {
    return await routeExclusively(ctx);
  } finally {
    await prefetch.release?.();
  }
}

function routeExclusively(ctx: StatementContext): Promise<StatementResult> {
  return ctx.engine.exclusive(() => {
    ctx.engine.transactions.refuseIfAborted(ctx.session, ctx.cursor.peek()?.upper ?? '');
    return route(ctx);
  });
}
