/** One Server-Sent Event, as the HTML standard's parser dispatches it. */
export interface SseEvent {
  /** `message` when the event named none. */
  event: string;
  /** The data lines, joined with '\n'. */
  data: string;
  /** The last event id seen on the stream, if any. */
  id?: string;
}

/**
 * An incremental `text/event-stream` parser: feed it chunks as they arrive
 * (split anywhere, even inside a line, a CRLF pair or a UTF-8 character) and
 * it returns the events each chunk completed. Comments (`: keep-alive`) and
 * unknown fields are ignored; an event without data is not dispatched.
 */
export class SseParser {
  readonly #decoder = new TextDecoder('utf-8');
  #buffer = '';
  /** The previous chunk ended with '\r': a '\n' starting the next one belongs to it. */
  #pendingCr = false;
  #first = true;
  #event = '';
  #data: string[] = [];
  #lastId: string | undefined;

  push(chunk: Uint8Array | string): SseEvent[] {
    let text = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    if (this.#first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.#first = false;
    }
    if (this.#pendingCr && text.length > 0) {
      if (text.startsWith('\n')) text = text.slice(1);
      this.#pendingCr = false;
    }
    this.#buffer += text;
    const events: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < this.#buffer.length; i++) {
      const c = this.#buffer[i];
      if (c !== '\n' && c !== '\r') continue;
      const line = this.#buffer.slice(start, i);
      if (c === '\r') {
        if (i + 1 === this.#buffer.length) this.#pendingCr = true;
        else if (this.#buffer[i + 1] === '\n') i++;
      }
      start = i + 1;
      const event = this.#line(line);
      if (event) events.push(event);
    }
    this.#buffer = this.#buffer.slice(start);
    return events;
  }

  /** The end of the stream: an event without its closing blank line is dropped, as the standard says. */
  end(): SseEvent[] {
    const rest = this.#decoder.decode();
    return rest ? this.push(rest) : [];
  }

  #line(line: string): SseEvent | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.#event = value;
    else if (field === 'data') this.#data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.#lastId = value;
    return undefined;
  }

  #dispatch(): SseEvent | undefined {
    const event = this.#event || 'message';
    const data = this.#data;
    this.#event = '';
    this.#data = [];
    if (data.length === 0) return undefined;
    return { event, data: data.join('\n'), ...(this.#lastId === undefined ? {} : { id: this.#lastId }) };
  }
}

/** The events of a response body, in order, until the server ends the stream. */
export async function* readSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const parser = new SseParser();
  for await (const chunk of body) yield* parser.push(chunk);
  yield* parser.end();
}
