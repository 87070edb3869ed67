import { timingSafeEqual } from 'node:crypto';
import type { Engine } from '../engine/engine.js';
import { EMULATED_VERSION } from '../engine/engine.js';
import type { SessionState } from '../engine/session-state.js';
import { loginAccessErrors, loginErrors } from '../errors.js';
import { type Envelope, failure, ok } from './envelope.js';
import { verifyKeyPairJwt } from './jwt.js';
import { loginParameters } from './parameters.js';
import type { SessionStore } from './session-store.js';
import type { UserRegistry } from './users.js';

export interface LoginDeps {
  engine: Engine;
  users: UserRegistry;
  sessions: SessionStore;
  now: () => number;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A name from the connection string: unquoted names are upper-cased, `"quoted"` ones kept. */
function connectionIdentifier(name: string): string {
  return /^".*"$/.test(name) ? name.slice(1, -1).replace(/""/g, '"') : name.toUpperCase();
}

function loginFailure(error: { code: string; message: string }, authnMethod: string): Envelope {
  return failure(error.code, error.message, { nextAction: 'RETRY_LOGIN', authnMethod, signInOptions: {} });
}

/**
 * POST /session/v1/login-request: password (AUTHENTICATOR = SNOWFLAKE) or
 * key-pair JWT (SNOWFLAKE_JWT). Answers the session and master tokens, their
 * validity, the session parameters and the session's database/schema/
 * warehouse/role (from the query string or the user's defaults).
 */
export async function login(
  body: Record<string, unknown>,
  query: Record<string, string | undefined>,
  deps: LoginDeps,
): Promise<Envelope> {
  const data = (body.data ?? {}) as Record<string, unknown>;
  const loginName = String(data.LOGIN_NAME ?? '');
  const account = String(data.ACCOUNT_NAME ?? deps.engine.account);
  const authenticator = String(data.AUTHENTICATOR ?? 'SNOWFLAKE').toUpperCase();
  let userName: string;
  if (authenticator === 'SNOWFLAKE_JWT') {
    const verdict = verifyKeyPairJwt(String(data.TOKEN ?? ''), account, loginName, deps.users, deps.now());
    if (!verdict.ok) return loginFailure(loginErrors.jwtInvalid, 'KEY_PAIR');
    userName = verdict.user.name;
  } else if (authenticator === 'SNOWFLAKE' || authenticator === 'USERNAME_PASSWORD_MFA') {
    const user = deps.users.get(loginName);
    const password = String(data.PASSWORD ?? '');
    if (!user || user.password === undefined || !sameSecret(user.password, password))
      return loginFailure(loginErrors.incorrectPassword, 'PASSWORD');
    userName = user.name;
  } else {
    return failure('390100', `Authenticator ${authenticator} is not supported by the emulator.`, {
      nextAction: 'RETRY_LOGIN',
      authnMethod: authenticator,
      signInOptions: {},
    });
  }
  const user = deps.users.get(userName);
  // Checked after the credentials, so a wrong password never learns that the user exists.
  if (user?.disabled)
    return loginFailure(loginErrors.userDisabled, authenticator === 'SNOWFLAKE_JWT' ? 'KEY_PAIR' : 'PASSWORD');
  const catalog = deps.engine.catalog;
  const access = deps.engine.access;
  const sessionUser = userName.toUpperCase();
  const grantedRoles = access.rolesOfUser(sessionUser);
  // A role named in the connection must be granted to the user; the user's
  // default role is used only when it is (else PUBLIC), as Snowflake does.
  const requestedRole = query.roleName !== undefined ? connectionIdentifier(query.roleName) : undefined;
  if (requestedRole !== undefined && !grantedRoles.has(requestedRole))
    return loginFailure(
      loginAccessErrors.roleNotGranted(requestedRole),
      authenticator === 'SNOWFLAKE_JWT' ? 'KEY_PAIR' : 'PASSWORD',
    );
  const defaultRole = user?.defaultRole !== undefined ? connectionIdentifier(user.defaultRole) : undefined;
  const role = requestedRole ?? (defaultRole !== undefined && grantedRoles.has(defaultRole) ? defaultRole : 'PUBLIC');
  const roles = access.effectiveRoles(role);
  // A warehouse named in the connection must exist and be usable by the role
  // (390201); a default warehouse that is not is simply not current.
  const usableWarehouse = (name: string) => {
    const warehouse = access.warehouses.get(connectionIdentifier(name));
    return warehouse && access.holds(roles, warehouse, 'USAGE') ? warehouse.name : null;
  };
  let warehouse: string | null = null;
  if (query.warehouse !== undefined) {
    warehouse = usableWarehouse(query.warehouse);
    if (warehouse === null)
      return loginFailure(
        loginAccessErrors.warehouseUnavailable,
        authenticator === 'SNOWFLAKE_JWT' ? 'KEY_PAIR' : 'PASSWORD',
      );
  } else if (user?.defaultWarehouse !== undefined) warehouse = usableWarehouse(user.defaultWarehouse);
  const [defaultDb, defaultSchema] = (user?.defaultNamespace ?? '').split('.');
  const dbName = query.databaseName ?? (defaultDb || undefined);
  const found =
    dbName !== undefined ? (catalog.databases.get(dbName) ?? catalog.databases.get(dbName.toUpperCase())) : undefined;
  // A database the role may not use is not current (queries then need qualified names).
  const database = found && access.holds(roles, found, 'USAGE') ? found : undefined;
  const schemaName = query.schemaName ?? (defaultSchema || 'PUBLIC');
  const schema = database
    ? (database.schemas.get(schemaName) ?? database.schemas.get(schemaName.toUpperCase()))
    : undefined;
  const parameters = new Map<string, string>();
  const sessionParameters = (data.SESSION_PARAMETERS ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(sessionParameters)) parameters.set(key.toUpperCase(), String(value));
  const id = deps.sessions.nextSessionId();
  const state: SessionState = {
    id,
    user: sessionUser,
    database: database?.name ?? null,
    schema: schema?.name ?? null,
    warehouse,
    role,
    parameters,
    inTransaction: false,
  };
  const engineSession = await deps.engine.openSession(state);
  const session = deps.sessions.create(id, engineSession);
  return ok({
    masterToken: session.masterToken,
    token: session.token,
    validityInSeconds: deps.sessions.sessionValiditySeconds,
    masterValidityInSeconds: deps.sessions.masterValiditySeconds,
    displayUserName: state.user,
    serverVersion: EMULATED_VERSION,
    firstLogin: false,
    remMeToken: null,
    remMeValidityInSeconds: 0,
    healthCheckInterval: 45,
    newClientForUpgrade: null,
    sessionId: id,
    parameters: loginParameters(state),
    sessionInfo: {
      databaseName: state.database,
      schemaName: state.database ? state.schema : null,
      warehouseName: state.warehouse,
      roleName: state.role,
    },
    idToken: null,
    idTokenValidityInSeconds: 0,
    responseData: null,
    mfaToken: null,
    mfaTokenValidityInSeconds: 0,
  });
}
