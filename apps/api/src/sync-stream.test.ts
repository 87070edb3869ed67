import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type EventStreamEvent, EventStreamParser } from '@d2s/event-stream';
import { type ApiHarness, startApi, TEST_TOKEN } from '@d2s/testkit/api-harness';
import { type ScriptedExportWorker, startScriptedExportWorker } from '@d2s/testkit/scripted-export-worker';

/** An open event stream: its events as they arrive, and the raw text (for `retry:`). */
interface OpenStream {
  status: number;
  events: EventStreamEvent[];
  text: string;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  next(predicate: (e: EventStreamEvent) => boolean): Promise<EventStreamEvent>;
  close(): void;
}

async function openStream(api: ApiHarness, id: string, headers: Record<string, string> = {}): Promise<OpenStream> {
  const controller = new AbortController();
  const response = await fetch(`${api.url}/v1/syncs/${id}/events`, {
    headers: { authorization: `Bearer ${TEST_TOKEN}`, accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  const stream: OpenStream = {
    status: response.status,
    events: [],
    text: '',
    ended: Promise.resolve(),
    async next(predicate) {
      for (;;) {
        const found = stream.events.find(predicate);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => controller.abort(),
  };
  if (response.status !== 200 || !response.body) return stream;
  const parser = new EventStreamParser();
  const body = response.body;
  stream.ended = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) {
        stream.text += decoder.decode(chunk, { stream: true });
        stream.events.push(...parser.push(chunk));
      }
    } catch {
      // aborted by the test
    }
  })();
  return stream;
}

describe('sync event streams a browser can consume (real HTTP, real Redis)', () => {
  let api: ApiHarness;
  let worker: ScriptedExportWorker;

  beforeAll(async () => {
    api = await startApi(inject('redisUrl'));
    worker = await startScriptedExportWorker(inject('redisUrl'), api.prefix, api.queues.export);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('sends retry:, stable ids, and only what a reconnecting client missed; then end, then 204', async () => {
    const created = await api.request('POST', '/v1/syncs', { body: { dataset: 'parallel_ok' } });
    const id = created.body.id as string;
    // Once the worker has taken the job and parked it, nothing about the sync changes until it is failed.
    while ((await (await api.queues.export.getJob(id))?.getState()) !== 'delayed') {
      await new Promise((r) => setTimeout(r, 20));
    }

    const first = await openStream(api, id);
    expect(first.status).toBe(200);
    const firstStatus = await first.next((e) => e.event === 'status');
    expect(first.text).toMatch(/^retry: \d+\n\n/);
    expect(first.events.map((e) => e.event)).toEqual(['stage', 'status']);
    expect(JSON.parse(first.events[0]?.data ?? '{}')).toMatchObject({ id, stage: 'queued' });
    expect(firstStatus.id).toMatch(/^queued\.[0-9a-f]{12}$/);
    first.close();

    // The same point of the same sync has the same id on another connection.
    const again = await openStream(api, id);
    expect((await again.next((e) => e.event === 'status')).id).toBe(firstStatus.id);
    again.close();

    // A reconnect that says what it has gets nothing again, only what happens next.
    const resumed = await openStream(api, id, { 'last-event-id': firstStatus.id as string });
    expect(resumed.status).toBe(200);
    await worker.fail(id);
    const end = await resumed.next((e) => e.event === 'end');
    await resumed.ended;
    // Nothing it had is sent again: no earlier stage, not the status it saw. (Waking the job to fail it
    // changes its start time, a real change that may arrive as a status of its own before the failure.)
    const stages = resumed.events.filter((e) => e.event === 'stage').map((e) => JSON.parse(e.data).stage);
    expect(stages).toEqual(['failed']);
    expect(resumed.events.some((e) => e.data === firstStatus.data)).toBe(false);
    const [stage, final] = resumed.events.slice(-3);
    expect(resumed.events.slice(-3).map((e) => e.event)).toEqual(['stage', 'status', 'end']);
    expect(JSON.parse(stage?.data ?? '{}')).toMatchObject({ stage: 'failed' });
    expect(JSON.parse(final?.data ?? '{}')).toMatchObject({ id, status: 'failed' });
    expect(JSON.parse(end.data)).toEqual({ id, status: 'failed' });
    expect(end.id).toMatch(/^failed\.[0-9a-f]{12}\.end$/);

    // After the end, a reconnect (as EventSource does) is told 204: there is nothing more, stop.
    const afterEnd = await openStream(api, id, { 'last-event-id': end.id as string });
    expect(afterEnd.status).toBe(204);
    // So is one that saw the final status but missed the end event.
    const sawFinal = final?.id as string;
    expect((await openStream(api, id, { 'last-event-id': sawFinal })).status).toBe(204);
  });

  it('replays the whole stream of an ended sync to a new client, ending with end', async () => {
    const created = await api.request('POST', '/v1/syncs', { body: { dataset: 'parallel_ok' } });
    await worker.fail(created.body.id);
    for (const lastEventId of [undefined, 'garbage', 'queued.zz.end']) {
      const stream = await openStream(api, created.body.id, lastEventId ? { 'last-event-id': lastEventId } : {});
      await stream.ended;
      expect(
        stream.events.map((e) => `${e.event}${e.event === 'stage' ? `:${JSON.parse(e.data).stage}` : ''}`),
      ).toEqual(['stage:queued', 'stage:failed', 'status', 'end']);
    }
  });
});
