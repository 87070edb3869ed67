import { describe, expect, it } from 'vitest';
import { readSse, type SseEvent, SseParser } from './sse-reader.js';

const STREAM =
  ': keep-alive\n\n' +
  'id: 1\nevent: stage\ndata: {"id":"sync_1","stage":"queued","at":"2026-11-23T10:00:00.000Z"}\n\n' +
  'id: 2\nevent: status\ndata: {"id":"sync_1","status":"exporting","note":"naïve ✓"}\n\n' +
  'data: first line\ndata: second line\n\n' +
  'event: empty\n\n' +
  'retry: 1000\nunknown: field\nevent: stage\ndata:no-space\n\n';

const EXPECTED: SseEvent[] = [
  { event: 'stage', data: '{"id":"sync_1","stage":"queued","at":"2026-11-23T10:00:00.000Z"}', id: '1' },
  { event: 'status', data: '{"id":"sync_1","status":"exporting","note":"naïve ✓"}', id: '2' },
  { event: 'message', data: 'first line\nsecond line', id: '2' },
  { event: 'stage', data: 'no-space', id: '2' },
];

function parseChunks(chunks: Array<Uint8Array | string>): SseEvent[] {
  const parser = new SseParser();
  return [...chunks.flatMap((c) => parser.push(c)), ...parser.end()];
}

describe('SseParser', () => {
  it('parses a whole stream: names, ids, multi-line data, comments and empty events ignored', () => {
    expect(parseChunks([STREAM])).toEqual(EXPECTED);
  });

  it('gives the same events however the bytes are split (mid-line, mid-event, mid-character)', () => {
    const bytes = new TextEncoder().encode(STREAM);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(parseChunks([bytes.slice(0, cut), bytes.slice(cut)]), `cut at ${cut}`).toEqual(EXPECTED);
    }
    // And one byte at a time.
    expect(parseChunks([...bytes].map((b) => Uint8Array.of(b)))).toEqual(EXPECTED);
  });

  it('accepts CRLF and CR line ends, even with the CR and LF in different chunks', () => {
    const crlf = STREAM.replaceAll('\n', '\r\n');
    const cr = STREAM.replaceAll('\n', '\r');
    expect(parseChunks([crlf])).toEqual(EXPECTED);
    expect(parseChunks([cr])).toEqual(EXPECTED);
    for (let cut = 1; cut < crlf.length; cut++) {
      expect(parseChunks([crlf.slice(0, cut), '', crlf.slice(cut)]), `cut at ${cut}`).toEqual(EXPECTED);
    }
  });

  it('drops an event the stream ended before finishing, and a leading byte-order mark', () => {
    expect(parseChunks(['\uFEFFdata: a\n\ndata: unfinished\n'])).toEqual([{ event: 'message', data: 'a' }]);
  });

  it('reads a response body as an async iterable', async () => {
    async function* body() {
      const bytes = new TextEncoder().encode(STREAM);
      for (let i = 0; i < bytes.length; i += 7) yield bytes.slice(i, i + 7);
    }
    const events: SseEvent[] = [];
    for await (const event of readSse(body())) events.push(event);
    expect(events).toEqual(EXPECTED);
  });
});
