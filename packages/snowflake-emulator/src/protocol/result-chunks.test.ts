import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriverConnection } from '../../test-support/driver.js';
import { type Harness, startHarness } from '../../test-support/harness.js';

/*
 * Large results through the driver's chunk path.
 *
 * Sources (the unmodified snowflake-sdk):
 * - lib/connection/result/result.js: `data.chunks` (url, rowCount) after the
 *   inline `rowset`; `qrmk` becomes the chunk request's
 *   `x-amz-server-side-encryption-customer-key` header.
 * - lib/connection/result/chunk.js: each chunk url is fetched through
 *   LargeResultSetService and parsed as `'[' + body + ']'`.
 * - lib/services/large_result_set.js: a non-200 or `application/xml` answer
 *   is a failed download.
 * - Async queries: asyncExec answers 333334; getQueryStatus reads
 *   /monitoring/queries/<id>; getResultsFromQueryId reads the same result
 *   (chunks included).
 */

let h: Harness;
let c: DriverConnection;
beforeAll(async () => {
  h = await startHarness({ resultChunkRows: 100 });
  c = await h.connect();
  await c.rows('create database chunk_db');
  await c.rows('create table big (n int, label varchar)');
  await c.rows(`insert into big select range, 'row ' || range from range(1050)`);
});
afterAll(async () => {
  await c.destroy();
  await h.close();
});

describe('chunked results', () => {
  it('returns every row, in order, with the rows past the first 100 downloaded as chunks', async () => {
    const before = h.emulator.resultChunksServed();
    const rows = await c.rows('select n, label from big order by n');
    expect(rows).toHaveLength(1050);
    expect(rows.map((r) => r.N)).toEqual(Array.from({ length: 1050 }, (_, i) => i));
    expect(rows[1049]).toEqual({ N: 1049, LABEL: 'row 1049' });
    // 950 rows past the inline 100, 100 per chunk.
    expect(h.emulator.resultChunksServed() - before).toBe(10);
  });

  it('keeps small results inline', async () => {
    const before = h.emulator.resultChunksServed();
    expect(await c.rows('select count(*) as c from big')).toEqual([{ C: 1050 }]);
    expect(h.emulator.resultChunksServed()).toBe(before);
  });

  it('refuses a chunk fetched without the qrmk key, as S3 refuses it', async () => {
    const { queryId } = await c.execute('select n from big order by n');
    const url = `${h.emulator.url}/result-chunks/${queryId}/0`;
    const refused = await fetch(url);
    expect([refused.status, refused.headers.get('content-type')]).toEqual([403, 'application/xml']);
  });

  it('serves an async query status and its chunked result by query id', async () => {
    const submitted = await c.execute('select n from big order by n desc', undefined, { asyncExec: true });
    const rows = await c.resultsFromQueryId(submitted.queryId);
    expect(rows).toHaveLength(1050);
    expect(rows[0]).toEqual({ N: 1049 });
    expect(await c.queryStatus(submitted.queryId)).toBe('SUCCESS');
  });
});
