// One reader of `text/event-stream` for the d2s web page and the d2s CLI. Plain
// JavaScript with JSDoc types and no imports: the CLI runs this file in Node, and
// the API serves the same file to browsers as an ES module. Parsing follows the
// HTML standard's "Server-sent events" section (event stream interpretation).

/**
 * One dispatched event.
 * @typedef {object} EventStreamEvent
 * @property {string} event `message` when the event named none.
 * @property {string} data The data lines, joined with '\n'.
 * @property {string} [id] The stream's last event id when the event was dispatched; absent until the server sent one.
 */

/**
 * A response body: a WHATWG ReadableStream (browser or Node fetch), or any
 * async iterable of chunks.
 * @typedef {ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>} EventStreamBody
 */

/**
 * An incremental parser that outlives one connection. Feed it chunks as they
 * arrive (split anywhere: inside a line, a CRLF pair or a UTF-8 character) and
 * it returns the events each chunk completed. Comments (`: keep-alive`) and
 * unknown fields are ignored; an event without data is not dispatched.
 *
 * What a reconnect needs survives {@link EventStreamParser#restart}: the last
 * event id (send it back as `Last-Event-ID`, {@link EventStreamParser#resumeHeaders})
 * and the reconnection time the server asked for with `retry:`.
 */
export class EventStreamParser {
  #decoder = new TextDecoder('utf-8');
  #buffer = '';
  /** The previous chunk ended with '\r': a '\n' starting the next one belongs to it. */
  #pendingCr = false;
  #atStart = true;
  #eventType = '';
  /** @type {string[]} */
  #data = [];
  /** @type {string | undefined} */
  #idBuffer;
  /** @type {string | undefined} */
  #lastEventId;
  /** @type {number | undefined} */
  #retryMs;

  /**
   * The id of the last event dispatched (the standard's "last event ID
   * string"); undefined until the server sent an `id:` field.
   * @returns {string | undefined}
   */
  get lastEventId() {
    return this.#lastEventId;
  }

  /**
   * The reconnection time in milliseconds from the last valid `retry:` field;
   * undefined until the server sent one.
   * @returns {number | undefined}
   */
  get retryMs() {
    return this.#retryMs;
  }

  /**
   * The headers that resume the stream where it stopped on the next
   * connection: `Last-Event-ID` when an id was seen (an empty id, which a
   * server sends to reset it, is not sent, as EventSource does).
   * @returns {Record<string, string>}
   */
  resumeHeaders() {
    return this.#lastEventId ? { 'last-event-id': this.#lastEventId } : {};
  }

  /**
   * Starts a new connection: what was half-received on the previous one is
   * dropped; the last event id and the reconnection time are kept.
   */
  restart() {
    this.#decoder = new TextDecoder('utf-8');
    this.#buffer = '';
    this.#pendingCr = false;
    this.#atStart = true;
    this.#eventType = '';
    this.#data = [];
    // The standard starts each connection with an empty id buffer, which would forget the position
    // as soon as the new connection dispatched an event without `id:`; keeping it costs nothing.
    this.#idBuffer = this.#lastEventId;
  }

  /**
   * @param {Uint8Array | string} chunk
   * @returns {EventStreamEvent[]}
   */
  push(chunk) {
    let text = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    if (this.#atStart && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.#atStart = false;
    }
    if (this.#pendingCr && text.length > 0) {
      if (text.startsWith('\n')) text = text.slice(1);
      this.#pendingCr = false;
    }
    this.#buffer += text;
    /** @type {EventStreamEvent[]} */
    const events = [];
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

  /**
   * The end of one connection: an event without its closing blank line is
   * dropped, as the standard says.
   * @returns {EventStreamEvent[]}
   */
  end() {
    const rest = this.#decoder.decode();
    const events = rest ? this.push(rest) : [];
    this.#buffer = '';
    this.#eventType = '';
    this.#data = [];
    return events;
  }

  /**
   * @param {string} line
   * @returns {EventStreamEvent | undefined}
   */
  #line(line) {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.#eventType = value;
    else if (field === 'data') this.#data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.#idBuffer = value;
    else if (field === 'retry' && /^[0-9]+$/.test(value)) this.#retryMs = Number(value);
    return undefined;
  }

  /** @returns {EventStreamEvent | undefined} */
  #dispatch() {
    // The id is taken even when no event follows: a reconnect resumes after it.
    this.#lastEventId = this.#idBuffer;
    const event = this.#eventType || 'message';
    const data = this.#data;
    this.#eventType = '';
    this.#data = [];
    if (data.length === 0) return undefined;
    return {
      event,
      data: data.join('\n'),
      ...(this.#lastEventId === undefined ? {} : { id: this.#lastEventId }),
    };
  }
}

/**
 * The events of one connection's body, in order, until the server ends it.
 * Pass the same parser to every connection of one stream so that ids and
 * `retry:` carry over; it is restarted here. Breaking out of the loop cancels
 * the body (closes the connection).
 * @param {EventStreamBody} body
 * @param {EventStreamParser} [parser]
 * @returns {AsyncGenerator<EventStreamEvent, void, undefined>}
 */
export async function* readEventStream(body, parser = new EventStreamParser()) {
  parser.restart();
  if ('getReader' in body && typeof body.getReader === 'function') {
    // Not every browser can iterate a ReadableStream with for-await yet; every one has getReader.
    const reader = body.getReader();
    let finished = false;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        yield* parser.push(value);
      }
      finished = true;
    } finally {
      if (!finished) await reader.cancel().catch(() => {});
      reader.releaseLock();
    }
  } else {
    for await (const chunk of /** @type {AsyncIterable<Uint8Array | string>} */ (body)) yield* parser.push(chunk);
  }
  yield* parser.end();
}
