/**
 * A bounds-checked read position in a buffer, with the variable-length integers the two binary formats the
 * emulator reads by hand share: unsigned LEB128 varints, zig-zag signed (Thrift compact in a Parquet footer,
 * https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md; Avro's int and long,
 * https://avro.apache.org/docs/1.11.1/specification/#binary-encoding). Reading past the end throws a RangeError
 * that says what was being read (`truncated`), so a caller's error names the file's kind.
 */
export class ByteCursor {
  #offset = 0;
  readonly #bytes: Buffer;
  readonly #truncated: string;

  constructor(bytes: Buffer, truncated: string) {
    this.#bytes = bytes;
    this.#truncated = truncated;
  }

  get done(): boolean {
    return this.#offset >= this.#bytes.length;
  }

  byte(): number {
    const value = this.#bytes[this.#offset];
    if (value === undefined) throw new RangeError(this.#truncated);
    this.#offset++;
    return value;
  }

  /** The next `n` bytes, in place (a view of the buffer, not a copy). */
  take(n: number): Buffer {
    const end = this.#offset + n;
    if (n < 0 || end > this.#bytes.length) throw new RangeError(this.#truncated);
    const value = this.#bytes.subarray(this.#offset, end);
    this.#offset = end;
    return value;
  }

  skip(n: number): void {
    this.take(n);
  }

  /** An unsigned varint of at most 10 bytes (64 bits), as a number: exact up to 2^53. */
  varint(): number {
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 10; i++) {
      const byte = this.byte();
      result += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) return result;
      multiplier *= 128;
    }
    throw new RangeError('a varint longer than 10 bytes');
  }

  /** A zig-zag encoded signed varint (0, -1, 1, -2, … are written 0, 1, 2, 3, …). */
  zigzag(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }
}
