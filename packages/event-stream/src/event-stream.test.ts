import { EventStreamParser, type EventStreamEvent, readEventStream } from '@d2s/event-stream';
import { describe, expect, it } from 'vitest';

// Expected behaviour is the HTML standard's "Interpreting an event stream"
// (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
// lines end with CRLF, LF or CR; a leading BOM is dropped; `:` starts a comment; one space after the
// colon is removed; `retry` is honoured only when all ASCII digits; an `id` containing NULL is ignored;
// the last event id is set on every dispatch, even of an event without data (which is not fired);
// an event not closed by a blank line when the stream ends is dropped.

const STREAM =
  ': keep-alive\n\n' +
  'id: 1\nevent: stage\ndata: {"id":"sync_1","stage":"queued","at":"2026-11-23T10:00:00.000Z"}\n\n' +
  'id: 2\nevent: status\ndata: {"id":"sync_1","status":"exporting","note":"naïve ✓"}\n\n' +
  'data: first line\ndata: second line\n\n' +
  'event: empty\n\n' +
  'retry: 1000\nunknown: field\nevent: stage\ndata:no-space\n\n';

const EXPECTED: EventStreamEvent[] = [
  { event: 'stage', data: '{"id":"sync_1","stage":"queued","at":"2026-11-23T10:00:00.000Z"}', id: '1' },
  { event: 'status', data: '{"id":"sync_1","status":"exporting","note":"naïve ✓"}', id: '2' },
  { event: 'message', data: 'first line\nsecond line', id: '2' },
  { event: 'stage', data: 'no-space', id: '2' },
];

function parseChunks(chunks: Array<Uint8Array | string>, parser = new EventStreamParser()): EventStreamEvent[] {
  return [...chunks.flatMap((c) => parser.push(c)), ...parser.end()];
}

async function collect(events: AsyncIterable<EventStreamEvent>): Promise<EventStreamEvent[]> {
  const all: EventStreamEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

const bytesOf = (text: string) => new TextEncoder().encode(text);

describe('EventStreamParser', () => {
  it('parses a whole stream: names, ids, multi-line data; comments and empty events ignored', () => {
    const parser = new EventStreamParser();
    expect(parseChunks([STREAM], parser)).toEqual(EXPECTED);
    expect(parser.lastEventId).toBe('2');
    expect(parser.retryMs).toBe(1000);
  });

  it('gives the same events however the bytes are split (mid-line, mid-event, mid-character)', () => {
    const bytes = bytesOf(STREAM);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(parseChunks([bytes.slice(0, cut), bytes.slice(cut)]), `cut at ${cut}`).toEqual(EXPECTED);
    }
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

  it('retry: only whole numbers of milliseconds count; a bad value keeps the previous one', () => {
    const parser = new EventStreamParser();
    expect(parser.retryMs).toBeUndefined();
    parseChunks(['retry: 2500\n\n'], parser);
    expect(parser.retryMs).toBe(2500);
    for (const bad of ['retry: 1.5\n\n', 'retry: -1\n\n', 'retry: soon\n\n', 'retry:\n\n', 'retry: 10 \n\n']) {
      parseChunks([bad], parser);
      expect(parser.retryMs, bad).toBe(2500);
    }
    parseChunks(['retry:0\n\n'], parser);
    expect(parser.retryMs).toBe(0);
  });

  it('id: set by an event without data too, ignored when it holds NULL, reset by an empty id', () => {
    const parser = new EventStreamParser();
    expect(parser.resumeHeaders()).toEqual({});
    parseChunks(['id: exporting.abc\n\n'], parser);
    expect(parser.lastEventId).toBe('exporting.abc');
    expect(parser.resumeHeaders()).toEqual({ 'last-event-id': 'exporting.abc' });
    expect(parseChunks(['id: x\0y\ndata: d\n\n'], parser)).toEqual([
      { event: 'message', data: 'd', id: 'exporting.abc' },
    ]);
    // An id that arrives without its closing blank line is not taken.
    parseChunks(['id: half\n'], parser);
    expect(parser.lastEventId).toBe('exporting.abc');
    parseChunks(['id\n\n'], parser);
    expect(parser.lastEventId).toBe('');
    expect(parser.resumeHeaders()).toEqual({});
  });

  it('restart (a new connection) drops half an event but keeps the last id and retry', () => {
    const parser = new EventStreamParser();
    parser.push('retry: 3000\nid: 7\nevent: status\ndata: {}\n\nevent: stage\ndata: half');
    parser.restart();
    expect(parser.lastEventId).toBe('7');
    expect(parser.retryMs).toBe(3000);
    // The new connection's events without an id of their own still carry the position.
    expect(parseChunks(['\uFEFFdata: next\n\n'], parser)).toEqual([{ event: 'message', data: 'next', id: '7' }]);
  });
});

describe('readEventStream', () => {
  it('reads a WHATWG ReadableStream (what fetch gives, in Node and browsers)', async () => {
    const bytes = bytesOf(STREAM);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.slice(i, i + 7));
        controller.close();
      },
    });
    expect(await collect(readEventStream(body))).toEqual(EXPECTED);
  });

  it('reads any async iterable of chunks', async () => {
    async function* body() {
      yield STREAM.slice(0, 40);
      yield bytesOf(STREAM.slice(40));
    }
    expect(await collect(readEventStream(body()))).toEqual(EXPECTED);
  });

  it('one parser over two connections: the second starts clean and ids carry over', async () => {
    const parser = new EventStreamParser();
    const first = new Response('id: a\ndata: 1\n\ndata: cut off').body!;
    expect(await collect(readEventStream(first, parser))).toEqual([{ event: 'message', data: '1', id: 'a' }]);
    expect(parser.resumeHeaders()).toEqual({ 'last-event-id': 'a' });
    const second = new Response('data: 2\n\n').body!;
    expect(await collect(readEventStream(second, parser))).toEqual([{ event: 'message', data: '2', id: 'a' }]);
  });

  it('breaking out of the loop cancels the body (the connection closes)', async () => {
    let canceled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytesOf('data: 1\n\ndata: 2\n\n'));
      },
      cancel() {
        canceled = true;
      },
    });
    for await (const event of readEventStream(body)) {
      expect(event.data).toBe('1');
      break;
    }
    expect(canceled).toBe(true);
    expect(body.locked).toBe(false);
  });
});
