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
        reason: `no catalog integration for Unity Catalog catalog ${identity.catalog}${identity.namespace ? ` schema ${identity.namespace}` : ''} yet`,
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
        `catalog integration ${name} is disabled (ALTER CATALOG INTEGRATION … SET ENABLED = TRUE)`,
      );
      continue;
    }
    const rotateSecret = marker.secretFingerprint !== settings.secretFingerprint;
    const newInterval = marker.refreshIntervalSeconds !== settings.refreshIntervalSeconds;
    if (!rotateSecret && !newInterval) {
      plan.waitFor.set(name, undefined);
      continue;
    }
    // Snowflake's ALTER sets only OAUTH_CLIENT_SECRET: a new client id needs the integration re-created.
    // A comment without the client's hash cannot say which changed, so it is re-created too.
    const newClient =
      rotateSecret &&
      (marker.clientIdHash === undefined || marker.clientIdHash !== clientIdHash(settings.oauthClientId));
    const id = actionIdFor('update-integration', name);
    const why = [
      newClient
        ? marker.clientIdHash === undefined
          ? 'the OAuth client id or secret changed (re-created: ALTER cannot set the client id)'
          : 'the OAuth client id changed (re-created: ALTER cannot set the client id)'
        : rotateSecret
          ? 'the OAuth client secret changed'
          : undefined,
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
      recreate: newClient,
      ...(newInterval ? { refreshIntervalSeconds: settings.refreshIntervalSeconds } : {}),
    });
    plan.waitFor.set(name, id);
  }
  return plan;
}
