import { createHash } from 'node:crypto';

/**
 * Identity markers d2s writes into COMMENTs, so SHOW output alone tells which
 * Snowflake objects d2s manages, which Unity Catalog table each mirrors (by
 * table id, so a rename stays a rename), and whether an integration carries
 * the current secret and refresh interval (by fingerprint, never the secret).
 */

export interface TableMarker {
  /** `catalog.schema.table` when the table was created. */
  ucFullName: string;
  tableId: string;
}

export function tableComment(marker: TableMarker): string {
  return `d2s mirror of ${marker.ucFullName} (uc_table_id=${marker.tableId})`;
}

const TABLE_MARKER = /^d2s mirror of (.+) \(uc_table_id=([^()\s]+)\)$/s;

/** The marker in a table comment, or undefined for a table d2s did not create. */
export function parseTableComment(comment: string | null | undefined): TableMarker | undefined {
  const match = comment ? TABLE_MARKER.exec(comment) : null;
  if (!match?.[1] || !match[2]) return undefined;
  return { ucFullName: match[1], tableId: match[2] };
}

export interface IntegrationMarker {
  catalog: string;
  /** Set for per-schema integrations. */
  schema?: string | undefined;
  secretFingerprint: string;
  /**
   * 12 hex characters of sha256(OAuth client id): ALTER can rotate the secret but not the client id
   * (Snowflake's ALTER CATALOG INTEGRATION sets only OAUTH_CLIENT_SECRET), so the plan must know which
   * changed. Absent in comments written before it was recorded.
   */
  clientIdHash?: string | undefined;
  refreshIntervalSeconds: number;
}

/** 12 hex characters of sha256(client id): names the client in a comment without spelling it out. */
export function clientIdHash(clientId: string): string {
  return createHash('sha256').update(clientId).digest('hex').slice(0, 12);
}

export function integrationComment(marker: IntegrationMarker): string {
  const of = marker.schema === undefined ? marker.catalog : `${marker.catalog} schema ${marker.schema}`;
  const client = marker.clientIdHash === undefined ? '' : `, client=${marker.clientIdHash}`;
  return `d2s mirror of catalog ${of} (secret=${marker.secretFingerprint}${client}, refresh=${marker.refreshIntervalSeconds})`;
}

const INTEGRATION_MARKER =
  /^d2s mirror of catalog (.+?)(?: schema (.+))? \(secret=([0-9a-f]{16})(?:, client=([0-9a-f]{12}))?, refresh=(\d+)\)$/s;

export function parseIntegrationComment(comment: string | null | undefined): IntegrationMarker | undefined {
  const match = comment ? INTEGRATION_MARKER.exec(comment) : null;
  if (!match?.[1] || !match[3] || !match[5]) return undefined;
  return {
    catalog: match[1],
    ...(match[2] === undefined ? {} : { schema: match[2] }),
    secretFingerprint: match[3],
    ...(match[4] === undefined ? {} : { clientIdHash: match[4] }),
    refreshIntervalSeconds: Number(match[5]),
  };
}
