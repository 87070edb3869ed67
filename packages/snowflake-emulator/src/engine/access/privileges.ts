/**
 * The securable object kinds the emulator checks and the privileges each one
 * takes, from Snowflake's "Access control privileges" reference
 * (https://docs.snowflake.com/en/user-guide/security-access-control-privileges).
 * `ALL [PRIVILEGES]` grants every privilege of the kind except OWNERSHIP.
 */
export type SecurableKind =
  'ACCOUNT' | 'DATABASE' | 'SCHEMA' | 'TABLE' | 'STAGE' | 'FILE FORMAT' | 'INTEGRATION' | 'WAREHOUSE' | 'ROLE';

export const PRIVILEGES: Readonly<Record<SecurableKind, readonly string[]>> = {
  ACCOUNT: [
    'CREATE DATABASE',
    'CREATE INTEGRATION',
    'CREATE ROLE',
    'CREATE USER',
    'CREATE WAREHOUSE',
    'EXECUTE TASK',
    'MANAGE GRANTS',
    'MONITOR USAGE',
  ],
  DATABASE: ['USAGE', 'MONITOR', 'MODIFY', 'CREATE SCHEMA', 'CREATE DATABASE ROLE'],
  SCHEMA: [
    'USAGE',
    'MONITOR',
    'MODIFY',
    'CREATE TABLE',
    'CREATE ICEBERG TABLE',
    'CREATE EXTERNAL TABLE',
    'CREATE VIEW',
    'CREATE STAGE',
    'CREATE FILE FORMAT',
    'CREATE SEQUENCE',
    'CREATE FUNCTION',
    'CREATE PROCEDURE',
    'CREATE PIPE',
    'CREATE STREAM',
    'CREATE TASK',
  ],
  TABLE: ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'EVOLVE SCHEMA'],
  // External stages take USAGE only; READ / WRITE are for internal stages, which the emulator lacks.
  STAGE: ['USAGE'],
  'FILE FORMAT': ['USAGE'],
  INTEGRATION: ['USAGE'],
  WAREHOUSE: ['USAGE', 'OPERATE', 'MONITOR', 'MODIFY'],
  ROLE: [],
};

/** How SHOW GRANTS names a kind in `granted_on` (`FILE_FORMAT`, not `FILE FORMAT`). */
export function grantedOnName(kind: SecurableKind): string {
  return kind.replace(/ /g, '_');
}

/** The object kinds the words after `ON` may name, longest first. */
export const KIND_WORDS: readonly (readonly [readonly string[], SecurableKind])[] = [
  [['FILE', 'FORMAT'], 'FILE FORMAT'],
  [['STORAGE', 'INTEGRATION'], 'INTEGRATION'],
  [['CATALOG', 'INTEGRATION'], 'INTEGRATION'],
  [['ICEBERG', 'TABLE'], 'TABLE'],
  [['EXTERNAL', 'STAGE'], 'STAGE'],
  [['INTEGRATION'], 'INTEGRATION'],
  [['DATABASE'], 'DATABASE'],
  [['SCHEMA'], 'SCHEMA'],
  [['TABLE'], 'TABLE'],
  [['STAGE'], 'STAGE'],
  [['WAREHOUSE'], 'WAREHOUSE'],
];
