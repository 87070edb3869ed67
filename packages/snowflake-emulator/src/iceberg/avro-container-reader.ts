import { inflateRawSync } from 'node:zlib';
import avro from 'avsc';

/**
 * Avro `long` as a bigint: Iceberg writers draw snapshot ids from the whole positive long range
 * (Java uses random 63-bit ids), which a JS number cannot hold exactly. avsc refuses to read such
 * a long into a number ("potential precision loss"), so every long is read as a bigint.
 */
const BigIntLong = avro.types.LongType.__with({
  fromBuffer: (buffer: Buffer) => buffer.readBigInt64LE(),
  toBuffer: (value: bigint) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64LE(value);
    return buffer;
  },
  fromJSON: (value: number | string) => BigInt(value),
  toJSON: (value: bigint) => Number(value),
  isValid: (value: unknown) => typeof value === 'bigint',
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

/**
 * Decoders built from writer schemas, by the schema's JSON. Building one (avsc compiles a constructor and a
 * reader per record type) cost more than decoding a small manifest, and every file of a table, and every
 * table one writer made, carries the same schema. A Type is immutable, so sharing it is safe; the bound
 * keeps a long-running emulator from holding every schema it ever saw.
 */
const typesBySchema = new Map<string, avro.Type>();
const MAX_CACHED_TYPES = 256;

function typeForSchema(schema: avro.Schema): avro.Type {
  const key = JSON.stringify(schema);
  let type = typesBySchema.get(key);
  if (!type) {
    type = avro.Type.forSchema(schema, { registry: { long: BigIntLong } });
    if (typesBySchema.size >= MAX_CACHED_TYPES) typesBySchema.clear();
    typesBySchema.set(key, type);
  }
  return type;
}

/**
 * Avro's codecs, inflated in place: manifests are a few KiB, and avsc's default deflate (zlib's async stream, a
 * thread-pool round trip per block) cost more than the inflating itself.
 */
const SYNC_CODECS = {
  null: (buffer: Buffer, done: (error: Error | null, out?: Buffer) => void) => done(null, buffer),
  deflate: (buffer: Buffer, done: (error: Error | null, out?: Buffer) => void) => {
    let out: Buffer;
    try {
      out = inflateRawSync(buffer);
    } catch (error) {
      return done(error as Error);
    }
    done(null, out);
  },
};

/** An Avro object container file as read against a reader schema. */
export interface AvroContainer<T> {
  /** The header's key-value metadata (without the `avro.*` keys), as UTF-8 text. */
  metadata: Record<string, string>;
  /** The schema the file was written with (JSON, with any extra attributes such as `field-id`). */
  writerSchema: unknown;
  records: T[];
}

/**
 * Decodes a whole container file with avsc using the schema in its own header (longs as
 * bigints). Iceberg readers then find fields by their `field-id`, not by name or position, so
 * the caller projects the records with the writer schema (see manifest-projection.ts). Throws on
 * a file that is not Avro, an unknown codec or a truncated block.
 */
export async function readAvroContainer<T>(bytes: Buffer): Promise<AvroContainer<T>> {
  const decoder = new avro.streams.BlockDecoder({ parseHook: typeForSchema, codecs: SYNC_CODECS });
  const records: T[] = [];
  let header: Record<string, Buffer> | undefined;
  decoder.on('metadata', (_type: unknown, _codec: unknown, h: { meta: Record<string, Buffer> }) => {
    header = h.meta;
  });
  decoder.on('data', (record: T) => records.push(record));
  await new Promise<void>((resolve, reject) => {
    decoder.on('end', resolve);
    decoder.on('error', reject);
    decoder.end(bytes);
  });
  if (!header) throw new Error('not an Avro object container file (no header)');
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(header))
    if (!key.startsWith('avro.')) metadata[key] = value.toString('utf8');
  return { metadata, writerSchema: JSON.parse(header['avro.schema']?.toString('utf8') ?? 'null'), records };
}
