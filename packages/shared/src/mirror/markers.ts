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
  refreshIntervalSeconds: number;
}

export function integrationComment(marker: IntegrationMarker): string {
  const of = marker.schema === undefined ? marker.catalog : `${marker.catalog} schema ${marker.schema}`;
  return `d2s mirror of catalog ${of} (secret=${marker.secretFingerprint}, refresh=${marker.refreshIntervalSeconds})`;
}

const INTEGRATION_MARKER = /^d2s mirror of catalog (.+?)(?: schema (.+))? \(secret=([0-9a-f]{16}), refresh=(\d+)\)$/s;

export function parseIntegrationComment(comment: string | null | undefined): IntegrationMarker | undefined {
  const match = comment ? INTEGRATION_MARKER.exec(comment) : null;
  if (!match?.[1] || !match[3] || !match[4]) return undefined;
  return {
    catalog: match[1],
    ...(match[2] === undefined ? {} : { schema: match[2] }),
    secretFingerprint: match[3],
    refreshIntervalSeconds: Number(match[4]),
  };
}
