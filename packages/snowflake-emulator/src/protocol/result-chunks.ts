import { randomBytes } from 'node:crypto';

/** One chunk as the query response lists it (`data.chunks[]`). */
export interface ChunkRef {
  url: string;
  rowCount: number;
  uncompressedSize: number;
  compressedSize: number;
}

type WireRow = (string | null)[];

/**
 * Large results the way Snowflake sends them: the first rows inline in
 * `rowset`, the rest as chunks the driver downloads itself from `chunks[].url`
 * (Snowflake points at cloud storage), sending the SSE-C headers it builds
 * from the response's `qrmk` (snowflake-sdk lib/connection/result/result.js
 * builds `x-amz-server-side-encryption-customer-key` from qrmk; chunk.js
 * fetches each url through LargeResultSetService and parses the body as the
 * rows of a JSON array without its brackets). A chunk fetched without the
 * right key is refused as S3 refuses it (403, XML body).
 */
export class ResultChunks {
  private readonly chunks = new Map<string, { body: string; key: string }>();
  private baseUrl: string | null = null;
  /** Chunks downloaded so far (tests and the admin API read it). */
  served = 0;

  constructor(private readonly rowsPerChunk: number) {}

  /** Where the emulator listens; until set, results stay inline. */
  setBaseUrl(url: string): void {
    this.baseUrl = url.replace(/\/$/, '');
  }

  /** Splits encoded rows into the inline rowset and downloadable chunks. */
  split(queryId: string, rows: WireRow[]): { rowset: WireRow[]; chunks?: ChunkRef[]; qrmk?: string } {
    if (this.baseUrl === null || this.rowsPerChunk <= 0 || rows.length <= this.rowsPerChunk) return { rowset: rows };
    const key = randomBytes(32).toString('base64');
    const chunks: ChunkRef[] = [];
    for (let start = this.rowsPerChunk, index = 0; start < rows.length; start += this.rowsPerChunk, index++) {
      const part = rows.slice(start, start + this.rowsPerChunk);
      const body = part.map((row) => JSON.stringify(row)).join(',');
      this.chunks.set(`${queryId}/${index}`, { body, key });
      const size = Buffer.byteLength(body);
      chunks.push({
        url: `${this.baseUrl}/result-chunks/${queryId}/${index}`,
        rowCount: part.length,
        uncompressedSize: size,
        compressedSize: size,
      });
    }
    return { rowset: rows.slice(0, this.rowsPerChunk), chunks, qrmk: key };
  }

  /** The chunk body, or why it is refused. */
  fetch(
    queryId: string,
    index: string,
    key: string | undefined,
  ): { status: 200; body: string } | { status: 403 | 404 } {
    const chunk = this.chunks.get(`${queryId}/${index}`);
    if (!chunk) return { status: 404 };
    if (key !== chunk.key) return { status: 403 };
    this.served++;
    return { status: 200, body: chunk.body };
  }

  forget(queryId: string): void {
    for (const id of this.chunks.keys()) if (id.startsWith(`${queryId}/`)) this.chunks.delete(id);
  }
}
