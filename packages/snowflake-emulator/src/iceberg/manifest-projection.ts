/**
 * Reads Iceberg manifest and manifest-list records the way Iceberg readers do: by field id
 * (https://iceberg.apache.org/spec/ "Manifest Lists", "Manifests", and Appendix A: "Avro ... field
 * IDs are stored in the field-id property"), not by name. A required field whose id the writer's
 * schema lacks, or that holds null, makes the file invalid.
 */

/** One field a reader needs: its spec field id, the key it is returned under, whether the spec requires it. */
export interface SpecField {
  id: number;
  key: string;
  required: boolean;
}

/** Why a manifest or manifest list cannot be read. */
export class InvalidManifestError extends Error {
  override readonly name = 'InvalidManifestError';
}

interface AvroField {
  name: string;
  type: unknown;
  'field-id'?: number;
}

/** The record schema inside `type` (a record, or an optional `["null", record]` union). */
export function recordSchemaOf(type: unknown): { fields: AvroField[] } | undefined {
  const candidate = Array.isArray(type) ? type.find((t) => t !== 'null') : type;
  if (candidate && typeof candidate === 'object' && (candidate as { type?: unknown }).type === 'record')
    return candidate as { fields: AvroField[] };
  return undefined;
}

/**
 * A function that projects records written with `writerRecord` onto `fields`, keyed by
 * `SpecField.key`. Checks the schema once: every required id must be there and not nullable.
 */
export function projectionFor(
  writerRecord: unknown,
  fields: readonly SpecField[],
  what: string,
): (record: Record<string, unknown>) => Record<string, unknown> {
  const schema = recordSchemaOf(writerRecord);
  if (!schema) throw new InvalidManifestError(`${what}: the Avro schema is not a record`);
  const byId = new Map(schema.fields.filter((f) => typeof f['field-id'] === 'number').map((f) => [f['field-id'], f]));
  const names = new Map<string, string>();
  for (const field of fields) {
    const written = byId.get(field.id);
    if (!written) {
      if (field.required)
        throw new InvalidManifestError(`${what}: required field ${field.id} (${field.key}) is missing`);
      continue;
    }
    if (field.required && Array.isArray(written.type) && written.type.includes('null'))
      throw new InvalidManifestError(`${what}: required field ${field.id} (${field.key}) is optional in the file`);
    names.set(field.key, written.name);
  }
  return (record) => {
    const out: Record<string, unknown> = {};
    for (const field of fields) {
      const name = names.get(field.key);
      const value = name === undefined ? null : (record[name] ?? null);
      if (field.required && value === null)
        throw new InvalidManifestError(`${what}: required field ${field.id} (${field.key}) is null`);
      out[field.key] = value;
    }
    return out;
  };
}

/** manifest_file (spec "Manifest Lists"): what a scan needs, with v2's requirements. */
export const MANIFEST_FILE_FIELDS: SpecField[] = [
  { id: 500, key: 'path', required: true },
  { id: 501, key: 'length', required: true },
  { id: 502, key: 'partitionSpecId', required: true },
  { id: 517, key: 'content', required: true },
  { id: 515, key: 'sequenceNumber', required: true },
  { id: 516, key: 'minSequenceNumber', required: true },
  { id: 503, key: 'addedSnapshotId', required: true },
  { id: 504, key: 'addedFilesCount', required: true },
  { id: 505, key: 'existingFilesCount', required: true },
  { id: 506, key: 'deletedFilesCount', required: true },
  { id: 512, key: 'addedRowsCount', required: true },
  { id: 513, key: 'existingRowsCount', required: true },
  { id: 514, key: 'deletedRowsCount', required: true },
];

/** manifest_entry (spec "Manifests", v2). */
export const MANIFEST_ENTRY_FIELDS: SpecField[] = [
  { id: 0, key: 'status', required: true },
  { id: 1, key: 'snapshotId', required: false },
  { id: 3, key: 'sequenceNumber', required: false },
  { id: 4, key: 'fileSequenceNumber', required: false },
  { id: 2, key: 'dataFile', required: true },
];

/** data_file (spec "Manifests", v2): the required fields. */
export const DATA_FILE_FIELDS: SpecField[] = [
  { id: 134, key: 'content', required: true },
  { id: 100, key: 'filePath', required: true },
  { id: 101, key: 'fileFormat', required: true },
  { id: 102, key: 'partition', required: true },
  { id: 103, key: 'recordCount', required: true },
  { id: 104, key: 'fileSizeInBytes', required: true },
];

/** Fields added by format v2: a v1 file may lack them, and reads them as 0 (spec "Writer requirements"). */
const ADDED_IN_V2 = new Set([517, 515, 516, 134]);
/** Counts optional in v1 and required in v2. */
const REQUIRED_FROM_V2 = new Set([504, 505, 506, 512, 513, 514]);

/** `fields` with the requirements of `formatVersion` (1 or 2). */
export function forFormatVersion(fields: readonly SpecField[], formatVersion: number): SpecField[] {
  if (formatVersion >= 2) return [...fields];
  return fields.map((f) => (ADDED_IN_V2.has(f.id) || REQUIRED_FROM_V2.has(f.id) ? { ...f, required: false } : f));
}

/** Manifest key-value metadata a v2 manifest must carry (spec "Manifest Metadata"). */
export const MANIFEST_METADATA_KEYS = [
  'schema',
  'schema-id',
  'partition-spec',
  'partition-spec-id',
  'format-version',
  'content',
];
