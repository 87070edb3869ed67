/**
 * Fix hints for the ways a Snowflake login fails, by the code Snowflake (or the driver) answers with. Codes and
 * meanings: 390100 "Incorrect username or password was specified.", 390144 "JWT token is invalid.", 390189 "Role
 * '…' specified in the connect string is not granted to this user.", 390201 "The requested warehouse does not
 * exist or not authorized.", 390102 "User temporarily locked." (Snowflake's login responses, as the Node and
 * Python connectors' tests and error tables quote them).
 */
export interface LoginSettings {
  account?: string | undefined;
  user?: string | undefined;
  role?: string | undefined;
  warehouse?: string | undefined;
  authenticator: string;
}

export function loginHint(code: string | undefined, settings: LoginSettings): string {
  const user = settings.user ?? '<user>';
  switch (code) {
    case '390100':
      return settings.authenticator === 'SNOWFLAKE'
        ? `Check snowflake.user (${user}) and SNOWFLAKE_PASSWORD; the user may also not exist in account ${settings.account ?? '<account>'}.`
        : `Check snowflake.user (${user}) and snowflake.authenticator.`;
    case '390144':
      return `The private key does not match the public key registered for ${user}, or the account identifier is wrong: run DESC USER ${user} and compare RSA_PUBLIC_KEY_FP with your key's fingerprint, or ALTER USER ${user} SET RSA_PUBLIC_KEY='<public key>'; check snowflake.account (${settings.account ?? '<account>'}).`;
    case '390189':
      return `GRANT ROLE ${settings.role ?? '<role>'} TO USER ${user}, or set snowflake.role to a role the user has.`;
    case '390201':
      return `Check snowflake.warehouse (${settings.warehouse ?? '<warehouse>'}) and GRANT USAGE ON WAREHOUSE ${settings.warehouse ?? '<warehouse>'} TO ROLE ${settings.role ?? '<role>'}.`;
    case '390102':
    case '390103':
      return `User ${user} is locked after failed logins; wait 15 minutes or ALTER USER ${user} SET MINS_TO_UNLOCK = 0.`;
    default:
      return `Check snowflake.account (${settings.account ?? '<account>'}), snowflake.accessUrl and the network path to Snowflake, then the user and credentials.`;
  }
}
