/**
 * Why a statement FAILED: the Statement Execution API reports it in `status.error` as
 * `{ error_code, message }` (the SDK's `ServiceError`), the HTTP call itself succeeding. `error_code` is one of
 * the SDK's `ServiceErrorCode` values; SQL errors are BAD_REQUEST (the enum has no PERMISSION_DENIED, so a
 * missing privilege is a BAD_REQUEST whose message carries the error class). Messages follow Databricks' error
 * classes, `[CLASS] text SQLSTATE: nnnnn`, with the words quoted from real reports:
 * - INSUFFICIENT_PERMISSIONS: "[INSUFFICIENT_PERMISSIONS] Insufficient privileges:\nUser does not have USE CATALOG
 *   on Catalog 'system'. SQLSTATE: 42501" (https://github.com/databricks/dbt-databricks/issues/838);
 * - TABLE_OR_VIEW_NOT_FOUND: "The table or view `parts` cannot be found. Verify the spelling and correctness of the
 *   schema and catalog. … SQLSTATE: 42P01" (https://github.com/databricks-demos/dbdemos/issues/240).
 */
export class SqlFailure extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
    this.name = 'SqlFailure';
  }
}

const bad = (message: string) => new SqlFailure('BAD_REQUEST', message);
const tick = (fullName: string) =>
  fullName
    .split('.')
    .map((p) => (p.startsWith('`') ? p : `\`${p}\``))
    .join('.');

export const sqlFailures = {
  syntax: (message: string) =>
    bad(message.startsWith('[') ? message : `[PARSE_SYNTAX_ERROR] ${message}. SQLSTATE: 42601`),
  unsupported: (message: string) => bad(`[UNSUPPORTED_FEATURE] ${message} (Databricks emulator). SQLSTATE: 0A000`),
  insufficientPermissions: (privilege: string, securableType: string, name: string) =>
    bad(
      `[INSUFFICIENT_PERMISSIONS] Insufficient privileges:\nUser does not have ${privilege} on ${securableType} '${name}'. SQLSTATE: 42501`,
    ),
  tableNotFound: (fullName: string) =>
    bad(
      `[TABLE_OR_VIEW_NOT_FOUND] The table or view ${tick(fullName)} cannot be found. Verify the spelling and correctness of the schema and catalog.\nIf you did not qualify the name with a schema, verify the current_schema() output, or qualify the name with the correct schema and catalog.\nTo tolerate the error on drop use DROP VIEW IF EXISTS or DROP TABLE IF EXISTS. SQLSTATE: 42P01`,
    ),
  noSuchCatalog: (name: string) =>
    bad(
      `[NO_SUCH_CATALOG_EXCEPTION] Catalog '${name}' was not found. Please verify the catalog name and then retry the query or command again. SQLSTATE: 42704`,
    ),
  schemaNotFound: (fullName: string) =>
    bad(
      `[SCHEMA_NOT_FOUND] The schema ${tick(fullName)} cannot be found. Verify the spelling and correctness of the schema and catalog. SQLSTATE: 42704`,
    ),
  alreadyExists: (fullName: string) =>
    bad(
      `[TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create table or view ${tick(fullName)} because it already exists.\nChoose a different name, drop the existing object, add the IF NOT EXISTS clause to tolerate pre-existing objects, add the OR REPLACE clause to replace the existing materialized view, or add the OR REFRESH clause to refresh the existing streaming table. SQLSTATE: 42P07`,
    ),
  expectView: (fullName: string) =>
    bad(`[EXPECT_VIEW_NOT_TABLE.NO_ALTERNATIVE] The table ${tick(fullName)} is not a view. SQLSTATE: 42809`),
  notATable: (fullName: string) =>
    bad(`[EXPECT_TABLE_NOT_VIEW.NO_ALTERNATIVE] ${tick(fullName)} is a view, not a table. SQLSTATE: 42809`),
  unboundParameter: (name: string) =>
    bad(
      `[UNBOUND_SQL_PARAMETER] Found the unbound parameter: ${name}. Please, fix \`args\` and provide a mapping of the parameter to either a SQL literal or collection constructor functions such as \`map()\`, \`array()\`, \`struct()\`. SQLSTATE: 42P02`,
    ),
  invalidParameterType: (name: string, type: string) =>
    bad(`[INVALID_PARAMETER_MARKER_VALUE] Parameter ${name} has an unsupported type ${type}. SQLSTATE: 22023`),
  /** DuckDB's own error, under the Databricks class that says the same. */
  fromEngine: (message: string) => {
    const text = message.replace(/^[A-Za-z ]+ Error: /, '');
    if (/^Conversion Error/.test(message)) return bad(`[CAST_INVALID_INPUT] ${text} SQLSTATE: 22018`);
    if (/^Parser Error/.test(message)) return bad(`[PARSE_SYNTAX_ERROR] ${text} SQLSTATE: 42601`);
    if (/^Binder Error/.test(message)) return bad(`[UNRESOLVED_COLUMN] ${text} SQLSTATE: 42703`);
    if (/^Constraint Error/.test(message))
      return bad(`[DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW_IN_MERGE] ${text} SQLSTATE: 21506`);
    return bad(`[INTERNAL_ERROR] ${text} SQLSTATE: XX000`);
  },
} as const;
