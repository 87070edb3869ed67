/** Session-level defaults Snowflake reports; echoed in every query response. */
export const DEFAULT_SESSION_PARAMETERS: Readonly<Record<string, string>> = {
  TIMEZONE: 'America/Los_Angeles',
  TIMESTAMP_OUTPUT_FORMAT: 'YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM',
  TIMESTAMP_NTZ_OUTPUT_FORMAT: 'YYYY-MM-DD HH24:MI:SS.FF3',
  TIMESTAMP_LTZ_OUTPUT_FORMAT: '',
  TIMESTAMP_TZ_OUTPUT_FORMAT: '',
  DATE_OUTPUT_FORMAT: 'YYYY-MM-DD',
  TIME_OUTPUT_FORMAT: 'HH24:MI:SS',
  BINARY_OUTPUT_FORMAT: 'HEX',
  QUERY_TAG: '',
  STATEMENT_TIMEOUT_IN_SECONDS: '172800',
  AUTOCOMMIT: 'true',
};

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
