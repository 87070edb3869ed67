import { describe, expect, it } from 'vitest';
import { ByteCursor } from './byte-cursor.js';

describe('ByteCursor', () => {
  it('reads unsigned varints and zig-zag signed ones (the spec examples)', () => {
    // Protocol Buffers encoding guide: 150 is 96 01; zig-zag maps 0, -1, 1, -2, 2147483647 to 0, 1, 2, 3, 4294967294.
    expect(new ByteCursor(Buffer.from([0x96, 0x01]), 'x').varint()).toBe(150);
    const zigzag = new ByteCursor(Buffer.from([0x00, 0x01, 0x02, 0x03, 0xfe, 0xff, 0xff, 0xff, 0x0f]), 'x');
    expect([zigzag.zigzag(), zigzag.zigzag(), zigzag.zigzag(), zigzag.zigzag(), zigzag.zigzag()]).toEqual([
      0, -1, 1, -2, 2147483647,
    ]);
    expect(zigzag.done).toBe(true);
  });

  it('takes bytes in place and refuses to read past the end, naming what it reads', () => {
    const bytes = Buffer.from([1, 2, 3, 4]);
    const cursor = new ByteCursor(bytes, 'truncated file');
    const taken = cursor.take(2);
    expect([...taken]).toEqual([1, 2]);
    expect(taken.buffer).toBe(bytes.buffer);
    cursor.skip(1);
    expect(() => cursor.take(2)).toThrow(new RangeError('truncated file'));
    expect(cursor.byte()).toBe(4);
    expect(() => cursor.byte()).toThrow(RangeError);
    expect(() => new ByteCursor(Buffer.from([0x80, 0x80]), 'past the end of the footer').varint()).toThrow(
      'past the end of the footer',
    );
    expect(() => new ByteCursor(Buffer.alloc(11, 0x80), 'x').varint()).toThrow('a varint longer than 10 bytes');
    expect(() => new ByteCursor(bytes, 'x').take(-1)).toThrow(RangeError);
  });
});
