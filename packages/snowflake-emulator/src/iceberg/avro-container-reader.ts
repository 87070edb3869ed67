import { inflateRawSync } from 'node:zlib';
import avro from 'avsc';
import { ByteCursor } from './byte-cursor.js';

/**
 * Avro `long` as a bigint: Iceberg writers draw snapshot ids from the whole positive long range
 * (Java uses random 63-bit ids), which a JS number cannot hold exactly. avsc refuses to read such
 * a long into a number ("potential precision loss"), so every long is read as a bigint.
 */
export const BigIntLong = avro.types.LongType.__with({
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
 * Decoders built from writer schemas, by the schema's text in the file header. Building one (avsc compiles a
 * constructor and a reader per record type) cost more than decoding a small manifest, and every file of a table,
 * and every table one writer made, carries the same schema. A Type is immutable, so sharing it is safe; the
 * bound keeps a long-running emulator from holding every schema it ever saw.
 */
const typesBySchema = new Map<string, { type: avro.Type; schema: unknown }>();
const MAX_CACHED_TYPES = 256;

function typeForSchema(text: string): { type: avro.Type; schema: unknown } {
  let entry = typesBySchema.get(text);
  if (!entry) {
    const schema = JSON.parse(text) as avro.Schema;
    entry = { type: avro.Type.forSchema(schema, { registry: { long: BigIntLong } }), schema };
    if (typesBySchema.size >= MAX_CACHED_TYPES) typesBySchema.clear();
    typesBySchema.set(text, entry);
  }
  return entry;
}

/** An Avro object container file as read against a reader schema. */
export interface AvroContainer<T> {
  /** The header's key-value metadata (without the `avro.*` keys), as UTF-8 text. */
  metadata: Record<string, string>;
  /** The schema the file was written with (JSON, with any extra attributes such as `field-id`). */
  writerSchema: unknown;
  records: T[];
}

const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]); // "Obj" 1
const SYNC_LENGTH = 16;

/**
 * Decodes a whole container file using the schema in its own header (longs as bigints). Iceberg readers then
 * find fields by their `field-id`, not by name or position, so the caller projects the records with the writer
 * schema (see manifest-projection.ts). Throws on a file that is not Avro, an unknown codec, a truncated block or
 * a block whose sync marker is not the header's.
 *
 * The container framing is read here, in place (Avro spec, "Object Container Files":
 * https://avro.apache.org/docs/1.11.1/specification/#object-container-files), and only the records go through
 * avsc: its stream decoder (a Transform per file, events per record, the header schema parsed and then
 * stringified again to find its cached Type) cost more than the manifests it read, one or two per table.
 */
export async function readAvroContainer<T>(bytes: Buffer): Promise<AvroContainer<T>> {
  const reader = new ContainerReader(bytes);
  if (bytes.length < MAGIC.length || !bytes.subarray(0, MAGIC.length).equals(MAGIC))
    throw new Error('not an Avro object container file (no header)');
  reader.skip(MAGIC.length);
  const header = reader.metadataMap();
  const sync = reader.take(SYNC_LENGTH);
  const schemaText = header.get('avro.schema')?.toString('utf8');
  if (schemaText === undefined) throw new Error('the header has no avro.schema');
  const codec = header.get('avro.codec')?.toString('utf8') ?? 'null';
  if (codec !== 'null' && codec !== 'deflate') throw new Error(`unknown codec: ${codec}`);
  const { type, schema } = typeForSchema(schemaText);
  const records: T[] = [];
  while (!reader.done) {
    const count = reader.long();
    const size = reader.long();
    if (count < 0 || size < 0) throw new Error('a block with a negative count or size');
    const stored = reader.take(size);
    if (!reader.take(SYNC_LENGTH).equals(sync)) throw new Error("a block's sync marker is not the header's");
    const block = codec === 'deflate' ? inflateRawSync(stored) : stored;
    let offset = 0;
    for (let i = 0; i < count; i++) {
      const decoded = type.decode(block, offset);
      if (decoded.offset < 0) throw new Error('truncated block');
      records.push(decoded.value as T);
      offset = decoded.offset;
    }
    if (offset !== block.length) throw new Error("a block's records do not fill it");
  }
  const metadata: Record<string, string> = {};
  for (const [key, value] of header) if (!key.startsWith('avro.')) metadata[key] = value.toString('utf8');
  return { metadata, writerSchema: schema, records };
}

/** Avro's binary encoding of the container's framing: zig-zag varint longs, length-prefixed bytes, maps. */
class ContainerReader extends ByteCursor {
  constructor(bytes: Buffer) {
    super(bytes, 'truncated file');
  }

  long(): number {
    return this.zigzag();
  }

  /** A map<bytes>: blocks of entries, a negative count followed by the block's size in bytes, 0 at the end. */
  metadataMap(): Map<string, Buffer> {
    const map = new Map<string, Buffer>();
    for (;;) {
      let count = this.long();
      if (count === 0) return map;
      if (count < 0) {
        count = -count;
        this.long();
      }
      for (let i = 0; i < count; i++) {
        const key = this.take(this.long()).toString('utf8');
        map.set(key, this.take(this.long()));
      }
    }
  }
}
