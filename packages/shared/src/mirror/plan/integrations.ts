import { clientIdHash, parseIntegrationComment } from '../markers.js';
import {
  actionIdFor,
  type CreateIntegrationAction,
  type IntegrationRef,
  type UpdateIntegrationAction,
} from '../mirror-action.js';
import type { MirrorSettings } from '../mirror-settings.js';
import type { IntegrationIdentity } from '../naming.js';
import type { DesiredTable, SnowflakeIntegration } from './sides.js';

export type IntegrationSettings = Pick<
  MirrorSettings,
  'integrationPrefix' | 'refreshIntervalSeconds' | 'secretFingerprint' | 'oauthClientId'
>;

/** What the tables need from Snowflake's catalog integrations, and what must change for it. */
export interface IntegrationPlan {
  actions: Array<CreateIntegrationAction | UpdateIntegrationAction>;
  /**
   * Integration name → the catalog (and schema) it reads, as the first table
   * that needs it says. A later table whose catalog maps to the same name
   * collides with it.
   */
  owners: Map<string, IntegrationIdentity>;
  /**
   * Integration name → the action id its tables wait for, or undefined when
   * it is usable as it is. Absent for a blocked integration.
   */
  waitFor: Map<string, string | undefined>;
  /** Integration name → why its tables cannot be mirrored. */
  blocked: Map<string, string>;
  /** The integrations Snowflake has under d2s's prefix, by name. */
  existing: Map<string, SnowflakeIntegration>;
}

/** `<name>_C<8 hex>`: the integration of OAuth client `clientId` once another client's holds `<name>`. */
export function clientIntegrationName(name: string, clientId: string): string {
  return `${name}_C${clientIdHash(clientId).slice(0, 8).toUpperCase()}`;
}

/**
 * The integration each table reads through, for the configured OAuth client. Snowflake can neither ALTER an
 * integration's client id (https://docs.snowflake.com/en/sql-reference/sql/alter-catalog-integration) nor
 * replace or drop an integration Iceberg tables use (drop-catalog-integration, usage notes), so a new client gets
 * an integration of its own (`clientIntegrationName`), its tables move to it (re-created under the same names),
 * and the old one is left, listed as unused, for the user to drop. Switching back to a client finds its
 * integration again. A d2s integration whose comment does not name its client counts as another client's.
 */
export function withClientIntegrations(
  desired: readonly DesiredTable[],
  snowflake: readonly SnowflakeIntegration[],
  settings: Pick<IntegrationSettings, 'oauthClientId'>,
): DesiredTable[] {
  const byName = new Map(snowflake.map((i) => [i.name, i]));
  const client = clientIdHash(settings.oauthClientId);
  const resolved = new Map<string, IntegrationIdentity>();
  const resolve = (identity: IntegrationIdentity): IntegrationIdentity => {
    const ownMarker = (name: string) => {
      const marker = parseIntegrationComment(byName.get(name)?.comment);
      return marker && marker.catalog === identity.catalog && marker.schema === identity.namespace ? marker : undefined;
    };
    const clientsOwn = clientIntegrationName(identity.name, settings.oauthClientId);
    if (ownMarker(clientsOwn)?.clientIdHash === client) return { ...identity, name: clientsOwn };
    const base = byName.get(identity.name);
    const baseMarker = ownMarker(identity.name);
    // Missing, this client's, or not d2s's mirror of this catalog (planIntegrations blocks it): the name stays.
    if (!base || !baseMarker || baseMarker.clientIdHash === client) return identity;
    return { ...identity, name: clientsOwn, supersedes: identity.name };
  };
  return desired.map((table) => {
    const key = `${table.integration.name}\u0000${table.integration.catalog}\u0000${table.integration.namespace ?? ''}`;
    let integration = resolved.get(key);
    if (!integration) {
      integration = resolve(table.integration);
      resolved.set(key, integration);
    }
    return integration.name === table.integration.name ? table : { ...table, integration };
  });
}

/**
 * One integration per catalog (or catalog and schema) the desired tables
 * read: created when missing, altered when its secret or refresh interval
 * is stale (known from the fingerprint in its comment, never the secret).
 * An integration d2s did not create, or one that is disabled, is never
 * changed: its tables are blocked instead. `desired` comes sorted, so the
 * owner of a colliding name is the same on every plan.
 */
export function planIntegrations(
  desired: readonly DesiredTable[],
  snowflake: readonly SnowflakeIntegration[],
  settings: IntegrationSettings,
): IntegrationPlan {
  const prefix = settings.integrationPrefix.toUpperCase();
  const existing = new Map(snowflake.filter((i) => i.name.toUpperCase().startsWith(prefix)).map((i) => [i.name, i]));
  const owners = new Map<string, IntegrationIdentity>();
  for (const table of desired) {
    if (!owners.has(table.integration.name)) owners.set(table.integration.name, table.integration);
  }
  const plan: IntegrationPlan = { actions: [], owners, waitFor: new Map(), blocked: new Map(), existing };

  for (const [name, identity] of owners) {
    const ref: IntegrationRef = {
      name,
      catalog: identity.catalog,
      ...(identity.namespace === undefined ? {} : { namespace: identity.namespace }),
    };
    const actual = existing.get(name);
    if (!actual) {
      const id = actionIdFor('create-integration', name);
      plan.actions.push({
        id,
        kind: 'create-integration',
        reason: identity.supersedes
          ? `the OAuth client id changed: ${identity.supersedes} reads with another client, and Snowflake can neither alter an integration's client id nor replace one its tables use; the tables move to ${name}, and ${identity.supersedes} is left for you to drop`
          : `no catalog integration for Unity Catalog catalog ${identity.catalog}${identity.namespace ? ` schema ${identity.namespace}` : ''} yet`,
        integration: ref,
      });
      plan.waitFor.set(name, id);
      continue;
    }
    const marker = parseIntegrationComment(actual.comment);
    if (!marker || marker.catalog !== identity.catalog || marker.schema !== identity.namespace) {
      plan.blocked.set(
        name,
        `catalog integration ${name} exists but is not d2s's mirror of ${identity.catalog}${identity.namespace ? `.${identity.namespace}` : ''}; d2s never changes it (rename it, or choose another mirror.integrationPrefix)`,
      );
      continue;
    }
    if (!actual.enabled) {
      plan.blocked.set(
        name,
        `catalog integration ${name} is disabled; d2s never changes an integration it finds disabled`,
      );
      continue;
    }
    const rotateSecret = marker.secretFingerprint !== settings.secretFingerprint;
    const newInterval = marker.refreshIntervalSeconds !== settings.refreshIntervalSeconds;
    if (!rotateSecret && !newInterval) {
      plan.waitFor.set(name, undefined);
      continue;
    }
    // The client is this one (withClientIntegrations chose the name), so ALTER can set all that changed.
    const id = actionIdFor('update-integration', name);
    const why = [
      rotateSecret ? 'the OAuth client secret changed' : undefined,
      newInterval
        ? `the refresh interval changed from ${marker.refreshIntervalSeconds} s to ${settings.refreshIntervalSeconds} s`
        : undefined,
    ].filter(Boolean);
    plan.actions.push({
      id,
      kind: 'update-integration',
      reason: why.join('; '),
      integration: ref,
      rotateSecret,
      ...(newInterval ? { refreshIntervalSeconds: settings.refreshIntervalSeconds } : {}),
    });
    plan.waitFor.set(name, id);
  }
  return plan;
}
