import { accessErrors, SnowflakeError, sqlErrors } from '../errors.js';
import { sessionRoles } from './access/authorize.js';
import type { EngineSession, OpenTransaction, OpenTransactions, StatementContext } from './statement-context.js';
import { col, type StatementResult, StatementType } from './statement-result.js';

/**
 * The explicit transactions of every session, for SHOW TRANSACTIONS and
 * SYSTEM$ABORT_TRANSACTION. A client that dies inside a transaction leaves it
 * open with its changes uncommitted (Snowflake's "detached" transaction,
 * https://docs.snowflake.com/en/sql-reference/transactions, "Aborting
 * transactions"); only an abort (or the session's end) releases it.
 */
export class TransactionRegistry implements OpenTransactions {
  readonly #bySession = new Map<EngineSession, OpenTransaction>();
  /** Sessions whose transaction was aborted from outside: they must ROLLBACK before anything else. */
  readonly #aborted = new WeakSet<EngineSession>();
  #lastId = 0n;

  constructor(private readonly clock: () => Date) {}

  /** Called when BEGIN opens a transaction; `name` is BEGIN … NAME's, else a generated one. */
  begun(session: EngineSession, name: string | undefined): void {
    const id = this.#nextId();
    this.#bySession.set(session, { id, name: name ?? crypto.randomUUID(), startedOn: this.clock(), session });
  }

  /** Transactions still open (a COMMIT, ROLLBACK, implicit commit or closed session ended the others). */
  running(): OpenTransaction[] {
    for (const [session] of this.#bySession) if (!session.state.inTransaction) this.#bySession.delete(session);
    return [...this.#bySession.values()];
  }

  /** Rolls back another session's open transaction; false when it is not running. */
  async abort(id: string): Promise<boolean> {
    const open = this.running().find((t) => t.id === id);
    if (!open) return false;
    const { session } = open;
    session.state.inTransaction = false;
    this.#bySession.delete(session);
    this.#aborted.add(session);
    await session.connection.run('ROLLBACK').catch(() => undefined);
    return true;
  }

  /**
   * A session whose transaction was aborted must not go on as if it still
   * held it: a statement it sent before the abort and that runs after it
   * would otherwise commit on its own. The emulator refuses everything but
   * ROLLBACK there (stricter than Snowflake documents; it says nothing of
   * what such a session sees next).
   */
  refuseIfAborted(session: EngineSession, firstWord: string): void {
    if (!this.#aborted.has(session)) return;
    if (firstWord === 'ROLLBACK') {
      this.#aborted.delete(session);
      return;
    }
    throw new SnowflakeError(
      '000625',
      '57014',
      'Statement was aborted because its transaction was aborted (SYSTEM$ABORT_TRANSACTION); run ROLLBACK.',
    );
  }

  #nextId(): string {
    const now = BigInt(this.clock().getTime()) * 1000n;
    this.#lastId = now > this.#lastId ? now : this.#lastId + 1n;
    return String(this.#lastId);
  }
}

/**
 * SHOW TRANSACTIONS: the current user's open transactions, with the columns
 * https://docs.snowflake.com/en/sql-reference/sql/show-transactions lists
 * (id, user, session, name, started_on, state, scope).
 */
export function showTransactions(ctx: StatementContext): StatementResult {
  const c = ctx.cursor;
  c.expectWords('SHOW', 'TRANSACTIONS');
  const inAccount = c.acceptWords('IN', 'ACCOUNT');
  c.expectEnd();
  // IN ACCOUNT is for account administrators only (the SHOW TRANSACTIONS reference).
  const roles = sessionRoles(ctx);
  if (inAccount && roles !== null && !roles.has('ACCOUNTADMIN'))
    throw accessErrors.insufficientPrivileges('account', ctx.engine.account);
  const user = ctx.session.state.user;
  const rows = ctx.engine.transactions
    .running()
    .filter((t) => inAccount || t.session.state.user === user)
    .map((t) => [t.id, t.session.state.user, String(t.session.state.id), t.name, t.startedOn, 'running', '0']);
  return {
    columns: [
      col.number('id', false),
      col.text('user', false),
      col.number('session', false),
      col.text('name', false),
      col.timestamp('started_on'),
      col.text('state', false),
      col.number('scope', false),
    ],
    rows,
    statementTypeId: StatementType.SHOW,
  };
}

/**
 * SYSTEM$ABORT_TRANSACTION(id): by its user only (or an operator), as
 * https://docs.snowflake.com/en/sql-reference/functions/system_abort_transaction says.
 */
export async function abortTransaction(ctx: StatementContext, id: string, label: string): Promise<StatementResult> {
  const open = ctx.engine.transactions.running().find((t) => t.id === id);
  const mayAbort = open && (ctx.session.state.operator === true || open.session.state.user === ctx.session.state.user);
  if (!open || !mayAbort || !(await ctx.engine.transactions.abort(id))) {
    throw sqlErrors.executionError(`Transaction ${id} is not running or may not be aborted by this user.`, '000605');
  }
  return { columns: [col.text(label)], rows: [[`${id} aborted.`]], statementTypeId: StatementType.SELECT };
}
