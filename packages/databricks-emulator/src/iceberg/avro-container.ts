import avro from 'avsc';

/**
 * Encodes records as one Avro object container file (magic, header with `avro.schema`,
 * `avro.codec` and the caller's key-value metadata, then blocks), the way Iceberg writes its
 * manifests and manifest lists. The schema object is written to the header as given, so the
 * Iceberg attributes on it (`field-id`, `element-id`, `logicalType: "map"`) reach readers.
 *
 * The header is written even when there are no records: an empty manifest list (a snapshot of an
 * empty table) is still a valid Avro file. Codec `deflate` is what Iceberg's Java writer uses by
 * default for manifests (`write.avro.compression-codec` = gzip, i.e. Avro's deflate).
 */
export async function encodeAvroContainer(
  schema: avro.Schema,
  records: readonly unknown[],
  metadata: Record<string, string>,
): Promise<Buffer> {
  const options = {
    codec: 'deflate',
    writeHeader: 'always',
    metadata: Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key, Buffer.from(value, 'utf8')])),
  };
  // avsc's BlockEncoder takes `metadata` (lib/containers.js) though its typings leave it out.
  const encoder = new avro.streams.BlockEncoder(
    schema,
    options as unknown as ConstructorParameters<typeof avro.streams.BlockEncoder>[1],
  );
  const chunks: Buffer[] = [];
  encoder.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<void>((resolve, reject) => {
    encoder.on('end', resolve);
    encoder.on('error', reject);
  });
  for (const record of records) encoder.write(record);
  encoder.end();
  await finished;
  return Buffer.concat(chunks);
}
