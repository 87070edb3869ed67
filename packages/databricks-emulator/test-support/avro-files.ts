import avro from 'avsc';

/** What an Avro object container file holds: its header's key-value metadata, writer schema and records. */
export interface AvroContainer {
  metadata: Record<string, string>;
  schema: AvroRecordSchema;
  records: Record<string, any>[];
}

export interface AvroRecordSchema {
  type: 'record';
  name: string;
  fields: { name: string; type: unknown; 'field-id'?: number; default?: unknown }[];
}

/** Decodes a whole container file with avsc (the same library an Iceberg reader in Node would use). */
export async function readAvroContainer(bytes: Buffer): Promise<AvroContainer> {
  const decoder = new avro.streams.BlockDecoder();
  const records: Record<string, any>[] = [];
  let header: { meta: Record<string, Buffer> } | undefined;
  decoder.on('metadata', (_type: unknown, _codec: unknown, h: { meta: Record<string, Buffer> }) => {
    header = h;
  });
  decoder.on('data', (record: Record<string, any>) => records.push(record));
  await new Promise<void>((resolve, reject) => {
    decoder.on('end', resolve);
    decoder.on('error', reject);
    decoder.end(bytes);
  });
  if (!header) throw new Error('no Avro header');
  const metadata = Object.fromEntries(Object.entries(header.meta).map(([k, v]) => [k, v.toString('utf8')]));
  return { metadata, schema: JSON.parse(metadata['avro.schema'] ?? '{}') as AvroRecordSchema, records };
}

/** The fields of a record schema (or of the record inside an optional union) as name -> field. */
export function fieldsOf(schema: unknown): Map<string, { type: unknown; 'field-id'?: number; default?: unknown }> {
  const record = (Array.isArray(schema) ? schema.find((t) => t !== 'null') : schema) as AvroRecordSchema;
  return new Map(record.fields.map((f) => [f.name, f]));
}
