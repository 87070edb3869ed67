import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ByteCursor } from './byte-cursor.js';

/**
 * The top-level column names of a Parquet file, read from its footer: the file ends with the
 * Thrift-compact-encoded FileMetaData, its length (4 bytes, little-endian) and the magic `PAR1`
 * (https://parquet.apache.org/docs/file-format/). FileMetaData's field 2 is the schema, a
 * depth-first list of SchemaElements whose first element is the root; the root's children are
 * the columns (parquet.thrift: SchemaElement.name is field 4, num_children field 5).
 *
 * CREATE ICEBERG TABLE needs only these names (to match the table's columns), and asking DuckDB
 * for them (`SELECT * FROM read_parquet(…) LIMIT 0`) cost as much CPU as a small table's whole
 * load. Undefined when the file is not Parquet as expected, so the caller can ask DuckDB, whose
 * error then names what is wrong with the file.
 */
export function parquetColumnNames(path: string): string[] | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    if (size < 12) return undefined;
    const tail = Buffer.alloc(8);
    readSync(fd, tail, 0, 8, size - 8);
    if (tail.toString('latin1', 4) !== 'PAR1') return undefined;
    const length = tail.readUInt32LE(0);
    if (length <= 0 || length > size - 12) return undefined;
    const footer = Buffer.alloc(length);
    readSync(fd, footer, 0, length, size - 8 - length);
    return columnNamesOf(footer);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The top-level column names in an encoded FileMetaData; undefined when it does not decode. */
export function columnNamesOf(footer: Buffer): string[] | undefined {
  const reader = new CompactReader(footer);
  let lastId = 0;
  for (;;) {
    const field = reader.fieldHeader(lastId);
    if (!field) return undefined; // STOP before the schema: FileMetaData requires one.
    lastId = field.id;
    if (field.id === 2 && field.type === T_LIST) return topLevelNames(reader);
    reader.skipValue(field.type);
  }
}

interface SchemaElement {
  name: string | undefined;
  numChildren: number;
}

function topLevelNames(reader: CompactReader): string[] | undefined {
  const { size, elementType } = reader.listHeader();
  if (elementType !== T_STRUCT || size < 1) return undefined;
  const elements: SchemaElement[] = [];
  for (let i = 0; i < size; i++) elements.push(schemaElement(reader));
  const root = elements[0];
  if (!root) return undefined;
  const names: string[] = [];
  let index = 1;
  for (let child = 0; child < root.numChildren; child++) {
    const element = elements[index];
    if (element?.name === undefined) return undefined;
    names.push(element.name);
    index = pastSubtree(elements, index);
    if (index < 0) return undefined;
  }
  return index === elements.length ? names : undefined;
}

/** The index just past the subtree rooted at `index` (the schema list is depth-first); -1 when it runs off the end. */
function pastSubtree(elements: SchemaElement[], index: number): number {
  const element = elements[index];
  if (!element) return -1;
  let next = index + 1;
  for (let child = 0; child < element.numChildren; child++) {
    next = pastSubtree(elements, next);
    if (next < 0) return -1;
  }
  return next;
}

function schemaElement(reader: CompactReader): SchemaElement {
  const element: SchemaElement = { name: undefined, numChildren: 0 };
  let lastId = 0;
  for (;;) {
    const field = reader.fieldHeader(lastId);
    if (!field) return element;
    lastId = field.id;
    if (field.id === 4 && field.type === T_BINARY) element.name = reader.binary().toString('utf8');
    else if (field.id === 5 && field.type === T_I32) element.numChildren = reader.zigzag();
    else reader.skipValue(field.type);
  }
}

// Thrift compact protocol type ids (https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md).
const T_BOOLEAN_TRUE = 1;
const T_BOOLEAN_FALSE = 2;
const T_BYTE = 3;
const T_I16 = 4;
const T_I32 = 5;
const T_I64 = 6;
const T_DOUBLE = 7;
const T_BINARY = 8;
const T_LIST = 9;
const T_SET = 10;
const T_MAP = 11;
const T_STRUCT = 12;

/** Thrift compact protocol on a byte cursor: what a FileMetaData's schema list needs, and skipping the rest. */
class CompactReader extends ByteCursor {
  constructor(bytes: Buffer) {
    super(bytes, 'past the end of the footer');
  }

  binary(): Buffer {
    return this.take(this.varint());
  }

  /** The next field's id and type, or undefined at the struct's STOP. */
  fieldHeader(lastId: number): { id: number; type: number } | undefined {
    const byte = this.byte();
    const type = byte & 0x0f;
    if (type === 0) return undefined;
    const delta = byte >> 4;
    return { id: delta === 0 ? this.zigzag() : lastId + delta, type };
  }

  listHeader(): { size: number; elementType: number } {
    const byte = this.byte();
    const short = byte >> 4;
    return { size: short === 15 ? this.varint() : short, elementType: byte & 0x0f };
  }

  skipValue(type: number): void {
    switch (type) {
      case T_BOOLEAN_TRUE:
      case T_BOOLEAN_FALSE:
        return; // a field's boolean is in its header
      case T_BYTE:
        this.skip(1);
        return;
      case T_I16:
      case T_I32:
      case T_I64:
        this.varint();
        return;
      case T_DOUBLE:
        this.skip(8);
        return;
      case T_BINARY:
        this.binary();
        return;
      case T_LIST:
      case T_SET: {
        const { size, elementType } = this.listHeader();
        for (let i = 0; i < size; i++) this.#skipElement(elementType);
        return;
      }
      case T_MAP: {
        const size = this.varint();
        if (size === 0) return;
        const types = this.byte();
        for (let i = 0; i < size; i++) {
          this.#skipElement(types >> 4);
          this.#skipElement(types & 0x0f);
        }
        return;
      }
      case T_STRUCT: {
        let lastId = 0;
        for (;;) {
          const field = this.fieldHeader(lastId);
          if (!field) return;
          lastId = field.id;
          this.skipValue(field.type);
        }
      }
      default:
        throw new RangeError(`unknown Thrift compact type ${type}`);
    }
  }

  /** A collection's element: a boolean there takes a byte of its own (unlike a field's). */
  #skipElement(type: number): void {
    if (type === T_BOOLEAN_TRUE || type === T_BOOLEAN_FALSE) this.skip(1);
    else this.skipValue(type);
  }
}
