import { SESSION_PARAMETERS } from './session-parameters.js';
import type { TimestampMapping } from './type-mapping.js';

/** Session-level defaults Snowflake reports; echoed in every query response. */
export const DEFAULT_SESSION_PARAMETERS: Readonly<Record<string, string>> = Object.fromEntries(
  SESSION_PARAMETERS.map((p) => [p.name, p.default]),
);

/** The current database, schema, warehouse and role of one session, and its parameters. */
export interface SessionState {
  id: number;
  user: string;
  database: string | null;
  schema: string | null;
  warehouse: string | null;
  role: string;
  /** Session parameters set with ALTER SESSION (upper-case keys). */
  parameters: Map<string, string>;
  inTransaction: boolean;
  /** An emulator operator session (admin API, fixture setup): no privilege checks. */
  operator?: boolean;
}

export function sessionParameter(session: SessionState, name: string): string {
  return session.parameters.get(name) ?? DEFAULT_SESSION_PARAMETERS[name] ?? '';
}

/** The TIMESTAMP_* type a bare TIMESTAMP means in this session. */
export function timestampMapping(session: SessionState): TimestampMapping {
  return sessionParameter(session, 'TIMESTAMP_TYPE_MAPPING') as TimestampMapping;
}
