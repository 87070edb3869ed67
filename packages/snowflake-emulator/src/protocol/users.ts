import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

/** A Snowflake user the emulator accepts. */
export interface SnowflakeUserConfig {
  /** Login name (matched case-insensitively, like Snowflake's LOGIN_NAME). */
  name: string;
  /** Password for AUTHENTICATOR = SNOWFLAKE. */
  password?: string;
  /** RSA public key (PEM, or the base64 DER body Snowflake's RSA_PUBLIC_KEY takes) for SNOWFLAKE_JWT. */
  rsaPublicKey?: string;
  /** Second key slot (RSA_PUBLIC_KEY_2), for rotation. */
  rsaPublicKey2?: string;
  /** @defaultValue 'PUBLIC' */
  defaultRole?: string;
  /**
   * Roles granted to the user (GRANT ROLE … TO USER). Roles that do not exist
   * yet take effect once created (fixture setup creates them after the users).
   * @defaultValue [defaultRole] when a default role is given, else none (PUBLIC only)
   */
  roles?: string[];
  defaultWarehouse?: string;
  /** `DB` or `DB.SCHEMA` used when the client names none. */
  defaultNamespace?: string;
  /** Kept for SHOW USERS (CREATE / ALTER USER). */
  comment?: string;
  displayName?: string;
  email?: string;
  disabled?: boolean;
  createdOn?: Date;
  /** The role owning a user made with CREATE USER (config users: ACCOUNTADMIN). */
  owner?: string;
}

export interface RegisteredKey {
  key: KeyObject;
  /** `SHA256:<base64 of sha256(SPKI DER)>`, as in the JWT's iss. */
  fingerprint: string;
}

export function publicKeyOf(text: string): KeyObject {
  const trimmed = text.trim();
  if (trimmed.includes('BEGIN')) return createPublicKey(trimmed);
  return createPublicKey({ key: Buffer.from(trimmed.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
}

export function fingerprintOf(key: KeyObject): string {
  const der = key.export({ type: 'spki', format: 'der' });
  return `SHA256:${createHash('sha256').update(der).digest('base64')}`;
}

/** The users of the emulated account, keyed by upper-cased login name. */
export class UserRegistry {
  private readonly users = new Map<string, SnowflakeUserConfig>();

  constructor(users: readonly SnowflakeUserConfig[] = []) {
    for (const user of users) this.add(user);
  }

  add(user: SnowflakeUserConfig): void {
    if (user.rsaPublicKey) publicKeyOf(user.rsaPublicKey);
    if (user.rsaPublicKey2) publicKeyOf(user.rsaPublicKey2);
    this.users.set(user.name.toUpperCase(), { createdOn: new Date(), ...user });
  }

  get(loginName: string): SnowflakeUserConfig | undefined {
    return this.users.get(loginName.toUpperCase());
  }

  remove(loginName: string): boolean {
    return this.users.delete(loginName.toUpperCase());
  }

  all(): SnowflakeUserConfig[] {
    return [...this.users.values()];
  }

  keys(user: SnowflakeUserConfig): RegisteredKey[] {
    return [user.rsaPublicKey, user.rsaPublicKey2]
      .filter((k): k is string => typeof k === 'string' && k.length > 0)
      .map((text) => {
        const key = publicKeyOf(text);
        return { key, fingerprint: fingerprintOf(key) };
      });
  }
}
