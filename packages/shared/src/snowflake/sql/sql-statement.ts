import { inspect } from 'node:util';
import type { Secret } from '../../secret.js';
import { quoteLiteral } from './quoting.js';

/** What a masked secret looks like in rendered SQL. */
export const MASKED_SECRET_LITERAL = "'[redacted]'";

/** A piece of SQL that holds a secret: executed with the value, rendered masked everywhere else. */
export interface SecretFragment {
  readonly kind: 'secret';
  readonly secret: Secret;
}

/** A secret as a string literal (`'...'`), masked as `'[redacted]'`. */
export function secretLiteral(secret: Secret): SecretFragment {
  return { kind: 'secret', secret };
}

export type SqlPart = string | SecretFragment;

/**
 * One SQL statement as d2s issues it. It carries two renderings:
 *
 * - `text()` — the executable SQL, secrets included; only the Snowflake client
 *   should call it, right before sending the statement;
 * - `masked` — the same SQL with every secret replaced by `'[redacted]'`; this is
 *   what `toString()`, `toJSON()`, `util.inspect` (pino, console) and
 *   template literals give, so dry-run plans, logs and job data only ever see it.
 *
 * A statement without secrets has `masked === text()`.
 */
export class SqlStatement {
  readonly masked: string;
  readonly #text: string;
  readonly #secrets: readonly string[];

  private constructor(text: string, masked: string, secrets: readonly string[]) {
    this.#text = text;
    this.masked = masked;
    this.#secrets = secrets;
  }

  /** Joins parts (SQL text and secret fragments) into one statement. */
  static of(parts: readonly SqlPart[]): SqlStatement {
    let text = '';
    let masked = '';
    const secrets: string[] = [];
    for (const part of parts) {
      if (typeof part === 'string') {
        text += part;
        masked += part;
      } else {
        const value = part.secret.reveal();
        text += quoteLiteral(value);
        masked += MASKED_SECRET_LITERAL;
        if (value !== '') secrets.push(value);
      }
    }
    return new SqlStatement(text, masked, secrets);
  }

  /** A statement with no secret in it. */
  static plain(sql: string): SqlStatement {
    return new SqlStatement(sql, sql, []);
  }

  /** The executable SQL, secrets included. Never log it. */
  text(): string {
    return this.#text;
  }

  /** Whether the executable text differs from the masked one. */
  get hasSecrets(): boolean {
    return this.#secrets.length > 0;
  }

  /**
   * Replaces every secret this statement holds in `message` (for example a
   * server error that echoes part of the statement) with `[redacted]`.
   */
  redact(message: string): string {
    let out = message;
    for (const secret of this.#secrets) out = out.split(secret).join('[redacted]');
    return out;
  }

  toString(): string {
    return this.masked;
  }

  toJSON(): string {
    return this.masked;
  }

  [inspect.custom](): string {
    return `SqlStatement(${JSON.stringify(this.masked)})`;
  }
}

export function isSqlStatement(value: unknown): value is SqlStatement {
  return value instanceof SqlStatement;
}
