import type avro from 'avsc';

/**
 * The Avro schemas of Iceberg's format-v2 metadata files, from the table spec
 * (https://iceberg.apache.org/spec/#manifest-lists and #manifests, "v2" columns), with the
 * Avro representation of Appendix A: every field carries its Iceberg `field-id`, optional
 * fields are `["null", T]` unions defaulting to null, lists carry `element-id`, and maps whose
 * keys are not strings are arrays of `key`/`value` records marked `logicalType: "map"`.
 * Record names follow the Java writer (`manifest_file`, `r508`, `manifest_entry`, `r2`, `r102`,
 * `k117_v118`, ...), which readers ignore but which makes the files look like real output.
 */

/** A JSON Avro schema node; avsc's `Schema` type cannot express Iceberg's extra attributes. */
type SchemaNode = string | Record<string, unknown> | SchemaNode[];

const optional = (name: string, fieldId: number, type: SchemaNode): SchemaNode => ({
  name,
  type: ['null', type],
  default: null,
  'field-id': fieldId,
});

const required = (name: string, fieldId: number, type: SchemaNode): SchemaNode => ({
  name,
  type,
  'field-id': fieldId,
});

/** map<int, V> as Iceberg writes it in Avro: an array of key/value records. */
const intKeyMap = (keyId: number, valueId: number, valueType: SchemaNode): SchemaNode => ({
  type: 'array',
  logicalType: 'map',
  items: {
    type: 'record',
    name: `k${keyId}_v${valueId}`,
    fields: [
      { name: 'key', type: 'int', 'field-id': keyId },
      { name: 'value', type: valueType, 'field-id': valueId },
    ],
  },
});

const list = (elementId: number, elementType: SchemaNode): SchemaNode => ({
  type: 'array',
  items: elementType,
  'element-id': elementId,
});

/** `manifest_file` (spec "Manifest Lists", v2): one record per manifest of a snapshot. */
export const MANIFEST_LIST_SCHEMA = {
  type: 'record',
  name: 'manifest_file',
  fields: [
    required('manifest_path', 500, 'string'),
    required('manifest_length', 501, 'long'),
    required('partition_spec_id', 502, 'int'),
    required('content', 517, 'int'),
    required('sequence_number', 515, 'long'),
    required('min_sequence_number', 516, 'long'),
    required('added_snapshot_id', 503, 'long'),
    required('added_files_count', 504, 'int'),
    required('existing_files_count', 505, 'int'),
    required('deleted_files_count', 506, 'int'),
    required('added_rows_count', 512, 'long'),
    required('existing_rows_count', 513, 'long'),
    required('deleted_rows_count', 514, 'long'),
    optional(
      'partitions',
      507,
      list(508, {
        type: 'record',
        name: 'r508',
        fields: [
          required('contains_null', 509, 'boolean'),
          optional('contains_nan', 518, 'boolean'),
          optional('lower_bound', 510, 'bytes'),
          optional('upper_bound', 511, 'bytes'),
        ],
      }),
    ),
    optional('key_metadata', 519, 'bytes'),
  ],
} as unknown as avro.Schema;

/** One partition field of a table's partition spec (spec Appendix C). */
export interface PartitionFieldSpec {
  'field-id': number;
  'source-id': number;
  name: string;
  transform: string;
}

/**
 * `manifest_entry` (spec "Manifests", v2) for a table whose partition spec has `partitionFields`;
 * the `partition` struct (field 102) is built from them. Only identity transforms of primitive
 * columns are represented, which is all the emulator writes (it writes unpartitioned tables).
 */
export function manifestEntrySchema(
  partitionFields: readonly { fieldId: number; name: string; avroType: string }[],
): avro.Schema {
  return {
    type: 'record',
    name: 'manifest_entry',
    fields: [
      required('status', 0, 'int'),
      optional('snapshot_id', 1, 'long'),
      optional('sequence_number', 3, 'long'),
      optional('file_sequence_number', 4, 'long'),
      required('data_file', 2, {
        type: 'record',
        name: 'r2',
        fields: [
          required('content', 134, 'int'),
          required('file_path', 100, 'string'),
          required('file_format', 101, 'string'),
          required('partition', 102, {
            type: 'record',
            name: 'r102',
            fields: partitionFields.map((f) => optional(f.name, f.fieldId, f.avroType)),
          }),
          required('record_count', 103, 'long'),
          required('file_size_in_bytes', 104, 'long'),
          optional('column_sizes', 108, intKeyMap(117, 118, 'long')),
          optional('value_counts', 109, intKeyMap(119, 120, 'long')),
          optional('null_value_counts', 110, intKeyMap(121, 122, 'long')),
          optional('nan_value_counts', 137, intKeyMap(138, 139, 'long')),
          optional('lower_bounds', 125, intKeyMap(126, 127, 'bytes')),
          optional('upper_bounds', 128, intKeyMap(129, 130, 'bytes')),
          optional('key_metadata', 131, 'bytes'),
          optional('split_offsets', 132, list(133, 'long')),
          optional('equality_ids', 135, list(136, 'int')),
          optional('sort_order_id', 140, 'int'),
          optional('referenced_data_file', 143, 'string'),
        ],
      }),
    ],
  } as unknown as avro.Schema;
}

/** A `manifest_file` record as written to a manifest list. */
export interface ManifestFileRecord {
  manifest_path: string;
  manifest_length: number;
  partition_spec_id: number;
  content: 0 | 1;
  sequence_number: number;
  min_sequence_number: number;
  added_snapshot_id: number;
  added_files_count: number;
  existing_files_count: number;
  deleted_files_count: number;
  added_rows_count: number;
  existing_rows_count: number;
  deleted_rows_count: number;
  partitions: { contains_null: boolean; contains_nan: boolean | null; lower_bound: null; upper_bound: null }[] | null;
  key_metadata: null;
}
