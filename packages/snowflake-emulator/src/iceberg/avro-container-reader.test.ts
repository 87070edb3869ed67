import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { encode } from '../../test-support/iceberg-table-writer.js';
import { BigIntLong, readAvroContainer } from './avro-container-reader.js';

// Files written by avsc's own container encoder (the Avro spec's framing), read back by the reader's
// hand-written framing: every codec it accepts, several blocks, header metadata, longs past 2^53.
const schema = {
  type: 'record',
  name: 'manifest_file',
  fields: [
    { name: 'manifest_path', type: 'string', 'field-id': 500 },
    { name: 'added_snapshot_id', type: 'long', 'field-id': 503 },
    { name: 'partitions', type: ['null', { type: 'array', items: 'int' }], default: null, 'field-id': 507 },
  ],
} as const;

function container(records: Record<string, unknown>[], framing: { codec: 'null' | 'deflate'; blockSize?: number }) {
  const type = avro.Type.forSchema(schema as unknown as avro.Schema, { registry: { long: BigIntLong } });
  return encode(type, records, { 'format-version': '2', content: 'data' }, framing);
}

const records = Array.from({ length: 50 }, (_, i) => ({
  manifest_path: `s3://lake/t/metadata/m${i}.avro`,
  added_snapshot_id: 9_007_199_254_740_993n + BigInt(i),
  partitions: i % 2 === 0 ? null : [i, i + 1],
}));

describe('readAvroContainer', () => {
  it.each(['null', 'deflate'] as const)(
    'reads every block of a %s-codec file, its metadata and schema',
    async (codec) => {
      const bytes = await container(records, { codec, blockSize: 64 });
      const read = await readAvroContainer<(typeof records)[number]>(bytes);
      expect(read.records).toEqual(records);
      expect(read.metadata).toEqual({ 'format-version': '2', content: 'data' });
      // avsc writes the schema without extra attributes such as field-id; the names show it is the header's.
      expect(read.writerSchema).toMatchObject({
        name: 'manifest_file',
        fields: [{ name: 'manifest_path' }, { name: 'added_snapshot_id' }, { name: 'partitions' }],
      });
    },
  );

  it('throws on a file that is not Avro, a cut block, a wrong sync marker or an unknown codec', async () => {
    await expect(readAvroContainer(Buffer.from('not avro'))).rejects.toThrow(/not an Avro object container file/);
    const bytes = await container(records, { codec: 'deflate' });
    await expect(readAvroContainer(bytes.subarray(0, bytes.length - 20))).rejects.toThrow(/truncated/);
    const badSync = Buffer.from(bytes);
    badSync[badSync.length - 1] = (badSync[badSync.length - 1]! + 1) % 256;
    await expect(readAvroContainer(badSync)).rejects.toThrow(/sync marker/);
    const snappy = Buffer.from(bytes.toString('latin1').replace('deflate', 'snappyX'), 'latin1');
    await expect(readAvroContainer(snappy)).rejects.toThrow(/unknown codec: snappyX/);
  });
});
