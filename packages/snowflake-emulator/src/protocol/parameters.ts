import { DEFAULT_SESSION_PARAMETERS, type SessionState, sessionParameter } from '../engine/session-state.js';

const FORMAT_PARAMETERS = [
  'TIMEZONE',
  'TIMESTAMP_OUTPUT_FORMAT',
  'TIMESTAMP_NTZ_OUTPUT_FORMAT',
  'TIMESTAMP_LTZ_OUTPUT_FORMAT',
  'TIMESTAMP_TZ_OUTPUT_FORMAT',
  'DATE_OUTPUT_FORMAT',
  'TIME_OUTPUT_FORMAT',
  'BINARY_OUTPUT_FORMAT',
] as const;

export interface NamedParameter {
  name: string;
  value: string | number | boolean;
}

/** The formatting parameters every query response carries (the driver formats values with them). */
export function queryParameters(session: SessionState): NamedParameter[] {
  const params: NamedParameter[] = FORMAT_PARAMETERS.map((name) => ({ name, value: sessionParameter(session, name) }));
  params.push({ name: 'CLIENT_RESULT_CHUNK_SIZE', value: 160 });
  const bigint = session.parameters.get('JS_TREAT_INTEGER_AS_BIGINT');
  if (bigint !== undefined) params.push({ name: 'JS_TREAT_INTEGER_AS_BIGINT', value: /^true$/i.test(bigint) });
  return params;
}

/** The parameters of a login response. */
export function loginParameters(session: SessionState): NamedParameter[] {
  return [
    ...queryParameters(session),
    { name: 'CLIENT_PREFETCH_THREADS', value: 4 },
    { name: 'CLIENT_RESULT_PREFETCH_THREADS', value: 1 },
    { name: 'QUERY_CONTEXT_CACHE_SIZE', value: 5 },
    {
      name: 'CLIENT_SESSION_KEEP_ALIVE',
      value: /^true$/i.test(session.parameters.get('CLIENT_SESSION_KEEP_ALIVE') ?? 'false'),
    },
    {
      name: 'CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY',
      value: Number(session.parameters.get('CLIENT_SESSION_KEEP_ALIVE_HEARTBEAT_FREQUENCY') ?? 3600),
    },
    { name: 'AUTOCOMMIT', value: DEFAULT_SESSION_PARAMETERS.AUTOCOMMIT === 'true' },
  ];
}
