import { SANDBOX, type SnowflakeSandbox } from './sandbox.js';

/** Lines telling a user how to point the snowflake-sdk driver (or d2s) at a running sandbox. */
export function snowflakeSandboxConnectHelp(sandbox: SnowflakeSandbox): string[] {
  const sf = sandbox.emulator;
  return [
    `SNOWFLAKE_ACCESS_URL=${sf.url}`,
    `SNOWFLAKE_ACCOUNT=${sf.account}`,
    `SNOWFLAKE_USER=${SANDBOX.keyPairUser}`,
    `SNOWFLAKE_PRIVATE_KEY_PATH=${sandbox.privateKeyPath}`,
    `(or user ${SANDBOX.passwordUser}, password ${SANDBOX.password})`,
    `database ${SANDBOX.database}.${SANDBOX.schema}, warehouse ${SANDBOX.warehouse}, role ${SANDBOX.role}`,
    `admin: ${sf.url}/__emulator/health`,
  ];
}
