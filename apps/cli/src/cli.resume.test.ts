import { createServer, type IncomingHttpHeaders, request as httpRequest, type Server } from 'node:http';
import { EventStreamParser, type EventStreamEvent } from '@d2s/event-stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ApiHarness, startApi, TEST_TOKEN } from '@d2s/testkit/api-harness';
import { type ScriptedExportWorker, startScriptedExportWorker } from '@d2s/testkit/scripted-export-worker';
import { runD2s } from '@d2s/testkit/run-cli';

/** One request that went through the proxy, with the events the client was given on it. */
interface Passed {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  status?: number;
  events: EventStreamEvent[];
}

/**
 * An HTTP proxy in front of the real API that can cut connections, as a flaky
 * network or a restarting load balancer does: `cutEventStreamAfterStatus`
 * closes the next event stream once the client has been sent a `status`
 * event; `dropNextPostAnswer` lets the next POST reach the API and then closes
 * the client's connection before it sees the answer.
 */
class CuttingProxy {
  readonly passed: Passed[] = [];
  cutEventStreamAfterStatus = false;
  dropNextPostAnswer = false;
  readonly #server: Server;

  constructor(target: string) {
    const upstream = new URL(target);
    this.#server = createServer((request, response) => {
      const passed: Passed = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        events: [],
      };
      this.passed.push(passed);
      const cutStream = this.cutEventStreamAfterStatus && passed.path.endsWith('/events');
      if (cutStream) this.cutEventStreamAfterStatus = false;
      const dropAnswer = this.dropNextPostAnswer && request.method === 'POST';
      if (dropAnswer) this.dropNextPostAnswer = false;
      const forward = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: request.method,
          path: request.url,
          headers: request.headers,
        },
        (answer) => {
          passed.status = answer.statusCode;
          if (dropAnswer) {
            // The API has done the work; the client never hears of it.
            answer.resume();
            answer.once('end', () => request.socket.destroy());
            return;
          }
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          const parser = new EventStreamParser();
          answer.on('data', (chunk: Buffer) => {
            const events = parser.push(chunk);
            passed.events.push(...events);
            response.write(chunk);
            if (cutStream && events.some((e) => e.event === 'status')) {
              // Mid-response, the connection closes (FIN after what was written: a reset could make the
              // client's kernel discard bytes it already had, and the test would not know what was seen).
              answer.destroy();
              request.socket.end();
            }
          });
          answer.on('end', () => response.end());
          answer.on('error', () => response.destroy());
        },
      );
      forward.on('error', () => response.destroy());
      request.pipe(forward);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  eventStreams(syncId: string): Passed[] {
    return this.passed.filter((p) => p.path === `/v1/syncs/${syncId}/events`);
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** The CLI through a connection-cutting proxy to the real API (Fastify + Redis) on loopback. */
describe('d2s over a network that drops connections', () => {
  let api: ApiHarness;
  let worker: ScriptedExportWorker;
  let proxy: CuttingProxy;
  let proxyUrl: string;
  const d2s = (...argv: string[]) => runD2s(argv, { env: { D2S_API_URL: proxyUrl, D2S_API_TOKEN: TEST_TOKEN } });

  beforeAll(async () => {
    api = await startApi(inject('redisUrl'));
    worker = await startScriptedExportWorker(inject('redisUrl'), api.prefix, api.queues.export);
    proxy = new CuttingProxy(api.url);
    proxyUrl = await proxy.listen();
  });
  afterAll(async () => {
    await proxy?.close();
    await worker?.close();
    await api?.close();
  });

  it('sync --wait resumes a cut event stream with Last-Event-ID: nothing is sent twice', async () => {
    proxy.cutEventStreamAfterStatus = true;
    const run = d2s('sync', 'parallel_ok', '--wait');
    // The first stream is cut after its first status; wait for the CLI to be on its second one.
    let syncId = '';
    await expect
      .poll(() => {
        const streams = proxy.passed.filter((p) => p.path.endsWith('/events'));
        syncId = /\/v1\/syncs\/([^/]+)\/events/.exec(streams[0]?.path ?? '')?.[1] ?? '';
        return streams.length;
      })
      .toBe(2);
    await worker.fail(syncId);
    const result = await run;
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^Sync ${syncId} failed in `));

    const [cut, resumed] = proxy.eventStreams(syncId);
    // The first connection got the queued stage and a status; the CLI sent back the id of the last one.
    expect(cut!.headers['last-event-id']).toBeUndefined();
    expect(cut!.events.map((e) => e.event)).toEqual(['stage', 'status']);
    const lastSeen = cut!.events.at(-1)!.id;
    expect(lastSeen).toMatch(/^queued\.[0-9a-f]{12}$/);
    expect(resumed!.headers['last-event-id']).toBe(lastSeen);
    // So the second one brought only what was missed: no stage or status the first one had delivered.
    const stages = resumed!.events.filter((e) => e.event === 'stage').map((e) => JSON.parse(e.data).stage);
    expect(stages).toEqual(['failed']);
    expect(resumed!.events.some((e) => cut!.events.some((seen) => seen.data === e.data))).toBe(false);
    expect(resumed!.events.at(-1)?.event).toBe('end');
    // The progress on stderr shows each stage once.
    const lines = result.stderr.split('\n').filter((l) => l.startsWith('['));
    expect(lines.filter((l) => / queued\b/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => / failed\b/.test(l))).toHaveLength(1);
  }, 60_000);

  it('an answer lost on the way back: the same --idempotency-key, run again, names the same sync', async () => {
    const count = async () => (await api.syncs.list({ dataset: 'parallel_ok', limit: 200 })).items.length;
    const before = await count();
    proxy.dropNextPostAnswer = true;
    const lost = await d2s('sync', 'parallel_ok', '--idempotency-key', 'resume-test-key-1');
    expect(lost.code).toBe(4);
    const made = proxy.passed.filter((p) => p.method === 'POST').at(-1)!;
    expect(made.status).toBe(202);
    expect(made.headers['idempotency-key']).toBe('resume-test-key-1');

    const again = await d2s('sync', 'parallel_ok', '--idempotency-key', 'resume-test-key-1', '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).deduplicated).toBe('idempotency-key');
    expect(await count()).toBe(before + 1);
  }, 60_000);

  it('syncs retry --idempotency-key: a retry whose answer was lost, run again, is the same retry', async () => {
    const failed = (await d2s('sync', 'parallel_ok')).stdout.trim();
    await worker.fail(failed);
    proxy.dropNextPostAnswer = true;
    const lost = await d2s('syncs', 'retry', failed, '--idempotency-key', 'retry-key-1');
    expect(lost.code).toBe(4);
    const made = proxy.passed.filter((p) => p.method === 'POST').at(-1)!;
    expect(made.path).toBe(`/v1/syncs/${failed}/retry`);
    expect(made.headers['idempotency-key']).toBe('retry-key-1');
    expect(made.status).toBe(202);

    const again = await d2s('syncs', 'retry', failed, '--idempotency-key', 'retry-key-1', '--json');
    expect(again.code, again.stderr).toBe(0);
    const retry = JSON.parse(again.stdout);
    expect(retry).toMatchObject({ retryOf: failed, deduplicated: expect.any(String) });
    const retries = (await api.syncs.list({ dataset: 'parallel_ok', limit: 200 })).items.filter(
      (s) => s.retryOf === failed,
    );
    expect(retries.map((s) => s.id)).toEqual([retry.id]);
  }, 60_000);
});
