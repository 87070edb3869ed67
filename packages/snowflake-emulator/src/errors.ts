/**
 * Snowflake's coded errors, as the emulator reports them. Each carries the
 * six-digit code and SQL state Snowflake uses for the same failure, so a
 * client that branches on `err.code` / `err.sqlState` behaves as it would
 * against Snowflake.
 */
export class SnowflakeError extends Error {
  override readonly name = 'SnowflakeError';
  constructor(
    readonly code: string,
    readonly sqlState: string,
    message: string,
  ) {
    super(message);
  }
}

/** Quotes an identifier the way Snowflake prints it in messages: bare when it is a plain upper-case name. */
export function displayIdentifier(name: string): string {
  return /^[A-Z_][A-Z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

export function displayQualified(parts: readonly string[]): string {
  return parts.map(displayIdentifier).join('.');
}

export const sqlErrors = {
  syntax(detail: string): SnowflakeError {
    return new SnowflakeError('001003', '42000', `SQL compilation error:\n${detail}`);
  },
  unexpected(token: string, position = 0, line = 1): SnowflakeError {
    return sqlErrors.syntax(`syntax error line ${line} at position ${position} unexpected '${token}'.`);
  },
  unsupported(feature: string): SnowflakeError {
    return new SnowflakeError('000002', '0A000', `Unsupported feature '${feature}'.`);
  },
  objectMissing(parts: readonly string[]): SnowflakeError {
    return new SnowflakeError(
      '002003',
      '42S02',
      `SQL compilation error:\nObject '${displayQualified(parts)}' does not exist or not authorized.`,
    );
  },
  databaseMissing(name: string): SnowflakeError {
    return new SnowflakeError(
      '002003',
      '02000',
      `SQL compilation error:\nDatabase '${displayIdentifier(name)}' does not exist or not authorized.`,
    );
  },
  schemaMissing(parts: readonly string[]): SnowflakeError {
    return new SnowflakeError(
      '002003',
      '02000',
      `SQL compilation error:\nSchema '${displayQualified(parts)}' does not exist or not authorized.`,
    );
  },
  stageMissing(parts: readonly string[]): SnowflakeError {
    return new SnowflakeError(
      '002003',
      '02000',
      `SQL compilation error:\nStage '${displayQualified(parts)}' does not exist or not authorized.`,
    );
  },
  fileFormatMissing(parts: readonly string[]): SnowflakeError {
    return new SnowflakeError(
      '002003',
      '02000',
      `SQL compilation error:\nFile format '${displayQualified(parts)}' does not exist or not authorized.`,
    );
  },
  integrationMissing(name: string): SnowflakeError {
    return new SnowflakeError(
      '002003',
      '02000',
      `SQL compilation error:\nIntegration '${displayIdentifier(name)}' does not exist or not authorized.`,
    );
  },
  alreadyExists(kind: string, parts: readonly string[]): SnowflakeError {
    return new SnowflakeError(
      '002002',
      '42710',
      `SQL compilation error:\n${kind} '${displayQualified(parts)}' already exists.`,
    );
  },
  /** `name` as Snowflake prints it: bare when plain upper case, else quoted (`'"id"'`). */
  invalidIdentifier(name: string, line = 1, position = 0): SnowflakeError {
    return new SnowflakeError(
      '000904',
      '42000',
      `SQL compilation error: error line ${line} at position ${position}\ninvalid identifier '${name}'`,
    );
  },
  unknownFunction(name: string): SnowflakeError {
    return new SnowflakeError('002140', '42601', `SQL compilation error:\nUnknown function ${name}`);
  },
  /**
   * A statement that needs a warehouse in a session without one. Code, SQL state and words (two spaces
   * included) as Snowflake answers: "000606 (57P03): No active warehouse selected in the current session.  Select
   * an active warehouse with the 'use warehouse' command." (quoted in Snowflake-Labs/terraform-provider-snowflake,
   * pkg/resources/user_password_policy_attachment_acceptance_test.go).
   */
  noActiveWarehouse(): SnowflakeError {
    return new SnowflakeError(
      '000606',
      '57P03',
      "No active warehouse selected in the current session.  Select an active warehouse with the 'use warehouse' command.",
    );
  },
  noCurrentDatabase(action: string): SnowflakeError {
    return new SnowflakeError(
      '090105',
      '22000',
      `Cannot perform ${action}. This session does not have a current database. Call 'USE DATABASE', or use a qualified name.`,
    );
  },
  noCurrentSchema(action: string): SnowflakeError {
    return new SnowflakeError(
      '090106',
      '22000',
      `Cannot perform ${action}. This session does not have a current schema. Call 'USE SCHEMA', or use a qualified name.`,
    );
  },
  statementCount(actual: number, desired = 1): SnowflakeError {
    return new SnowflakeError(
      '000008',
      '0A000',
      `Actual statement count ${actual} did not match the desired statement count ${desired}.`,
    );
  },
  emptyStatement(): SnowflakeError {
    return new SnowflakeError('900000', '42000', 'Empty SQL statement.');
  },
  canceled(): SnowflakeError {
    return new SnowflakeError('000604', '57014', 'SQL execution canceled');
  },
  timeout(seconds: number): SnowflakeError {
    return new SnowflakeError(
      '000630',
      '57014',
      `Statement reached its statement or warehouse timeout of ${seconds} second(s) and was canceled.`,
    );
  },
  internal(detail: string): SnowflakeError {
    return new SnowflakeError('000603', 'XX000', `SQL execution internal error:\n${detail}`);
  },
  numericNotRecognized(value: string): SnowflakeError {
    return new SnowflakeError('100038', '22018', `Numeric value '${value}' is not recognized`);
  },
  invalidValue(detail: string): SnowflakeError {
    return new SnowflakeError('002025', '42601', `SQL compilation error:\n${detail}`);
  },
  executionError(detail: string, code = '091003'): SnowflakeError {
    return new SnowflakeError(code, '22000', `SQL execution error: ${detail}`);
  },
} as const;

/** Login (GS) failure codes the driver knows (`lib/constants/gs_errors.ts`). */
export const loginErrors = {
  incorrectPassword: { code: '390100', message: 'Incorrect username or password was specified.' },
  jwtInvalid: { code: '390144', message: 'JWT token is invalid.' },
  sessionTokenInvalid: { code: '390104', message: 'Invalid session token. Please login again.' },
  sessionGone: { code: '390111', message: 'Session no longer exists.  New login required to access the service.' },
  sessionExpired: { code: '390112', message: 'Your session has expired. Please login again.' },
  masterTokenExpired: {
    code: '390114',
    message: 'Authentication token has expired.  The user must authenticate again.',
  },
  masterTokenInvalid: { code: '390115', message: 'Master token is invalid.' },
  userLocked: { code: '390102', message: 'User temporarily locked.' },
  userDisabled: { code: '390101', message: 'User access disabled. Contact your local system administrator.' },
} as const;

/**
 * Access-control failures, worded as Snowflake words them (SnowSQL transcripts
 * in public notes, for example `003001 (42501): SQL access control error:
 * Insufficient privileges to operate on database 'WORKDB'` and `003013 (42501):
 * … Requested role 'WORKROLE' is not assigned to the executing user.  Specify
 * another role to activate.`). An object the role may not see is reported as
 * missing, with the `does not exist or not authorized` errors above.
 */
export const accessErrors = {
  /** `kind` as Snowflake prints it: `table`, `schema`, `database`, `stage`, `account`, … */
  insufficientPrivileges(kind: string, name: string): SnowflakeError {
    return new SnowflakeError(
      '003001',
      '42501',
      `SQL access control error:\nInsufficient privileges to operate on ${kind} '${displayIdentifier(name)}'`,
    );
  },
  roleNotAssigned(role: string): SnowflakeError {
    return new SnowflakeError(
      '003013',
      '42501',
      `SQL access control error:\nRequested role '${displayIdentifier(role)}' is not assigned to the executing user.  Specify another role to activate.`,
    );
  },
  roleMissing(role: string): SnowflakeError {
    return new SnowflakeError(
      '002003',
      '02000',
      `SQL compilation error:\nRole '${displayIdentifier(role)}' does not exist or not authorized.`,
    );
  },
  userMissing(user: string): SnowflakeError {
    return new SnowflakeError(
      '002003',
      '02000',
      `SQL compilation error:\nUser '${displayIdentifier(user)}' does not exist or not authorized.`,
    );
  },
  warehouseMissing(warehouse: string): SnowflakeError {
    return new SnowflakeError(
      '002003',
      '02000',
      `SQL compilation error:\nWarehouse '${displayIdentifier(warehouse)}' does not exist or not authorized.`,
    );
  },
  cyclicRoleGrant(role: string, parent: string): SnowflakeError {
    return new SnowflakeError(
      '003012',
      '42501',
      `SQL execution error: Role '${displayIdentifier(parent)}' is already granted to role '${displayIdentifier(role)}', a grant in the other direction would make a cycle.`,
    );
  },
} as const;

/** Login refusals for a connection's role and warehouse (codes the connectors report). */
export const loginAccessErrors = {
  roleNotGranted(role: string): { code: string; message: string } {
    return {
      code: '390189',
      message: `Role '${role}' specified in the connect string is not granted to this user. Contact your local system administrator, or attempt to login with another role, e.g. PUBLIC.`,
    };
  },
  warehouseUnavailable: { code: '390201', message: 'The requested warehouse does not exist or not authorized.' },
} as const;
